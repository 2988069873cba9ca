package pcap

import (
	"net/netip"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

const (
	protoTCP = 6
	protoUDP = 17
)

// connKey names a conversation regardless of direction (a < b).
type connKey struct {
	proto uint8
	a, b  netip.AddrPort
}

func makeKey(proto uint8, x, y netip.AddrPort) connKey {
	if y.Compare(x) < 0 {
		x, y = y, x
	}
	return connKey{proto, x, y}
}

// connRec accumulates one conversation.
type connRec struct {
	proto      uint8
	cli, srv   netip.AddrPort
	clientSure bool // orientation from SYN, ClientHello, HTTP request or QUIC Initial
	start, end time.Time
	up, down   int64 // payload bytes client→server, server→client
	closed     bool  // FIN or RST seen (a later SYN starts a new conversation)
	sni, alpn  string
	httpHost   string
	dnsName    string // name the server address was resolved for before the start
	quic       bool
	qs         *quicState
}

// connTable keeps conversations in order of their first packet.
type connTable struct {
	byKey map[connKey]*connRec
	list  []*connRec
}

func newConnTable() *connTable { return &connTable{byKey: map[connKey]*connRec{}} }

// serviceish reports whether a port looks like a server's.
func serviceish(p uint16) bool {
	if p < 1024 {
		return true
	}
	switch p {
	case 1080, 1883, 1900, 3128, 3478, 5222, 5223, 5228, 5353, 5355, 8000, 8008, 8080, 8081, 8443, 8883, 8888, 9000, 9443:
		return true
	}
	return false
}

// get returns the conversation a packet from src to dst belongs to, creating
// it (oriented by SYN flags or port heuristics) when needed.
func (t *connTable) get(in *ingest, proto uint8, src, dst netip.AddrPort, tcp *layers.TCP, ts time.Time) *connRec {
	k := makeKey(proto, src, dst)
	r := t.byKey[k]
	synOnly := tcp != nil && tcp.SYN && !tcp.ACK
	if r != nil && !(synOnly && r.closed) {
		return r
	}
	r = &connRec{proto: proto, cli: src, srv: dst, start: ts, end: ts}
	switch {
	case synOnly:
		r.clientSure = true
	case tcp != nil && tcp.SYN && tcp.ACK:
		r.cli, r.srv, r.clientSure = dst, src, true
	case serviceish(src.Port()) && !serviceish(dst.Port()):
		r.cli, r.srv = dst, src
	case src.Port() < dst.Port() && src.Port() < 49152 && dst.Port() >= 49152:
		r.cli, r.srv = dst, src
	}
	r.dnsName = in.dnsIdx[r.srv.Addr()]
	t.byKey[k] = r
	t.list = append(t.list, r)
	return r
}

// add counts a packet's payload.
func (r *connRec) add(src netip.AddrPort, n int, ts time.Time) {
	if ts.Before(r.start) {
		r.start = ts
	}
	if ts.After(r.end) {
		r.end = ts
	}
	if src == r.cli {
		r.up += int64(n)
	} else {
		r.down += int64(n)
	}
}

// setClient fixes the orientation from an application-level signal (the
// sender of a ClientHello, an HTTP request, a QUIC Initial).
func (r *connRec) setClient(c netip.AddrPort) {
	if r.clientSure {
		return
	}
	r.clientSure = true
	if c != r.cli {
		r.cli, r.srv = r.srv, r.cli
		r.up, r.down = r.down, r.up
	}
}

func addrPort(ip netip.Addr, port uint16) netip.AddrPort { return netip.AddrPortFrom(ip.Unmap(), port) }

func (in *ingest) tcpPacket(src, dst netip.Addr, tcp *layers.TCP, plen int, cut bool, ci gopacket.CaptureInfo) {
	s, d := addrPort(src, uint16(tcp.SrcPort)), addrPort(dst, uint16(tcp.DstPort))
	r := in.conns.get(in, protoTCP, s, d, tcp, ci.Timestamp)
	r.add(s, plen, ci.Timestamp)
	if tcp.FIN || tcp.RST {
		r.closed = true
	}
	in.tcpAsm.packet(r, s, d, tcp, ci)
}

func (in *ingest) udpPacket(src, dst netip.Addr, udp *layers.UDP, payload []byte, plen int, ci gopacket.CaptureInfo) {
	s, d := addrPort(src, uint16(udp.SrcPort)), addrPort(dst, uint16(udp.DstPort))
	r := in.conns.get(in, protoUDP, s, d, nil, ci.Timestamp)
	r.add(s, plen, ci.Timestamp)
	sp, dp := uint16(udp.SrcPort), uint16(udp.DstPort)
	if sp == 53 || sp == 5353 || dp == 53 || dp == 5353 {
		in.dnsMessage(payload, ci.Timestamp)
		return
	}
	in.quicPacket(r, s, payload)
}

// conns converts the table to evidence, naming each server.
func (t *connTable) conns() []evidence.Conn {
	out := make([]evidence.Conn, 0, len(t.list))
	for i, r := range t.list {
		c := evidence.Conn{
			ID:        int64(i + 1),
			Source:    evidence.SourcePcap,
			Proto:     "tcp",
			SrcIP:     r.cli.Addr().String(),
			SrcPort:   int(r.cli.Port()),
			DstIP:     r.srv.Addr().String(),
			DstPort:   int(r.srv.Port()),
			Start:     r.start,
			End:       r.end,
			BytesUp:   r.up,
			BytesDown: r.down,
			SNI:       r.sni,
			ALPN:      r.alpn,
		}
		if r.proto == protoUDP {
			c.Proto = "udp"
			if r.quic {
				c.Proto = "quic"
			}
		}
		switch {
		case r.sni != "":
			c.Host = r.sni
		case r.httpHost != "":
			c.Host = r.httpHost
		default:
			c.Host = r.dnsName
		}
		out = append(out, c)
	}
	return out
}
