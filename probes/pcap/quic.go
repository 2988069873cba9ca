package pcap

import "net/netip"

// quicPacket looks for a QUIC Initial in a UDP payload.
func (in *ingest) quicPacket(r *connRec, src netip.AddrPort, payload []byte) {}
