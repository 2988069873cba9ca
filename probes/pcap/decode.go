package pcap

import (
	"encoding/binary"
	"fmt"
	"net/netip"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
)

// maxWarnings caps the warnings kept; the rest are counted.
const maxWarnings = 100

// truncFeedback records whether a layer decoder found its data cut short.
type truncFeedback struct{ truncated bool }

func (t *truncFeedback) SetTruncated() { t.truncated = true }

// ingest holds the decoding state of one import.
type ingest struct {
	name      string
	n         int // packets seen
	res       Result
	extraWarn int

	conns  *connTable
	tcpAsm *tcpState
	dnsIdx map[netip.Addr]string // address → name it was resolved for

	// Reused layer decoders.
	eth   layers.Ethernet
	dot1q layers.Dot1Q
	sll   layers.LinuxSLL
	sll2  layers.LinuxSLL2
	lo    layers.Loopback
	ip4   layers.IPv4
	ip6   layers.IPv6
	tcp   layers.TCP
	udp   layers.UDP
	dns   layers.DNS
	fb    truncFeedback
}

func newIngest(name string) *ingest {
	in := &ingest{name: name, dnsIdx: map[netip.Addr]string{}}
	in.conns = newConnTable()
	in.tcpAsm = newTCPState(in)
	return in
}

func (in *ingest) warn(format string, args ...any) {
	if len(in.res.Warnings) >= maxWarnings {
		in.extraWarn++
		return
	}
	in.res.Warnings = append(in.res.Warnings, fmt.Sprintf("%s: packet %d: ", in.name, in.n)+fmt.Sprintf(format, args...))
}

// damaged records file damage that ends the import.
func (in *ingest) damaged(err error) {
	in.res.Partial = true
	where := fmt.Sprintf("packet %d", in.n+1)
	msg := err.Error()
	if fe := asFrameError(err); fe != nil {
		where += fmt.Sprintf(" at offset %d", fe.off)
		msg = fe.msg
	}
	w := fmt.Sprintf("%s: %s: capture damaged, import stopped here (%d packets read before): %s", in.name, where, in.n, msg)
	if len(in.res.Warnings) >= maxWarnings {
		in.res.Warnings[maxWarnings-1] = w
		return
	}
	in.res.Warnings = append(in.res.Warnings, w)
}

// packet decodes one captured frame down to TCP/UDP and dispatches it.
func (in *ingest) packet(data []byte, ci gopacket.CaptureInfo, lt layers.LinkType) {
	in.n++
	in.res.Packets++
	in.fb.truncated = false
	df := &in.fb

	// Link layer → ethertype (or IP version) and payload.
	var et layers.EthernetType
	var payload []byte
	switch lt {
	case layers.LinkTypeEthernet:
		if err := in.eth.DecodeFromBytes(data, df); err != nil {
			in.warn("truncated Ethernet header")
			return
		}
		et, payload = in.eth.EthernetType, in.eth.Payload
	case layers.LinkTypeLinuxSLL:
		if err := in.sll.DecodeFromBytes(data, df); err != nil {
			in.warn("truncated Linux cooked (SLL) header")
			return
		}
		et, payload = in.sll.EthernetType, in.sll.Payload
	case layers.LinkTypeLinuxSLL2:
		if err := in.sll2.DecodeFromBytes(data, df); err != nil {
			in.warn("truncated Linux cooked (SLL2) header")
			return
		}
		et, payload = in.sll2.ProtocolType, in.sll2.Payload
	case layers.LinkTypeNull, layers.LinkTypeLoop:
		if len(data) < 4 {
			in.warn("truncated loopback header")
			return
		}
		payload = data[4:]
		et = ipVersionType(payload)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6, 12, 14:
		payload = data
		et = ipVersionType(payload)
	default:
		if in.n == 1 || len(in.res.Warnings) == 0 {
			in.warn("link type %v is not supported; packet skipped", lt)
		}
		return
	}
	// VLAN tags (802.1Q, QinQ), possibly stacked.
	for i := 0; i < 4 && (et == layers.EthernetTypeDot1Q || et == layers.EthernetTypeQinQ); i++ {
		if err := in.dot1q.DecodeFromBytes(payload, df); err != nil {
			in.warn("truncated VLAN tag")
			return
		}
		et, payload = in.dot1q.Type, in.dot1q.Payload
	}

	// Network layer.
	var src, dst netip.Addr
	var proto layers.IPProtocol
	var l4 []byte
	var l4WireLen int // transport bytes on the wire, even when the capture is cut
	switch et {
	case layers.EthernetTypeIPv4:
		if err := in.ip4.DecodeFromBytes(payload, df); err != nil {
			in.warn("bad IPv4 header: %v", err)
			return
		}
		if in.ip4.FragOffset != 0 {
			return // non-first fragment: no transport header
		}
		src, _ = netip.AddrFromSlice(in.ip4.SrcIP.To4())
		dst, _ = netip.AddrFromSlice(in.ip4.DstIP.To4())
		proto, l4 = in.ip4.Protocol, in.ip4.Payload
		l4WireLen = int(in.ip4.Length) - int(in.ip4.IHL)*4
	case layers.EthernetTypeIPv6:
		if err := in.ip6.DecodeFromBytes(payload, df); err != nil {
			in.warn("bad IPv6 header: %v", err)
			return
		}
		src, _ = netip.AddrFromSlice(in.ip6.SrcIP.To16())
		dst, _ = netip.AddrFromSlice(in.ip6.DstIP.To16())
		proto, l4 = in.ip6.NextHeader, in.ip6.Payload
		l4WireLen = int(in.ip6.Length)
		if in.ip6.HopByHop != nil {
			proto = in.ip6.HopByHop.NextHeader
			l4WireLen -= int(in.ip6.HopByHop.ActualLength)
		}
		// Walk the remaining extension headers.
		for i := 0; i < 8; i++ {
			var hl int
			switch proto {
			case layers.IPProtocolIPv6Routing, layers.IPProtocolIPv6Destination, layers.IPProtocolIPv6HopByHop:
				if len(l4) < 2 {
					in.warn("truncated IPv6 extension header")
					return
				}
				hl = (int(l4[1]) + 1) * 8
			case layers.IPProtocolIPv6Fragment:
				if len(l4) < 8 {
					in.warn("truncated IPv6 fragment header")
					return
				}
				if binary.BigEndian.Uint16(l4[2:4])&0xfff8 != 0 {
					return // non-first fragment
				}
				hl = 8
			default:
				i = 8
				continue
			}
			if hl > len(l4) {
				in.warn("truncated IPv6 extension header")
				return
			}
			proto = layers.IPProtocol(l4[0])
			l4 = l4[hl:]
			l4WireLen -= hl
		}
	default:
		return // ARP, LLDP and other non-IP traffic
	}

	switch proto {
	case layers.IPProtocolTCP:
		if err := in.tcp.DecodeFromBytes(l4, df); err != nil {
			in.warn("truncated TCP header")
			return
		}
		plen := l4WireLen - int(in.tcp.DataOffset)*4
		if plen < 0 {
			plen = len(in.tcp.Payload)
		}
		cut := len(in.tcp.Payload) < plen
		in.tcpPacket(src, dst, &in.tcp, plen, cut, ci)
	case layers.IPProtocolUDP:
		if err := in.udp.DecodeFromBytes(l4, df); err != nil {
			in.warn("truncated UDP header")
			return
		}
		plen := int(in.udp.Length) - 8
		if plen < 0 || in.udp.Length == 0 {
			plen = len(in.udp.Payload)
		}
		pl := in.udp.Payload
		if len(pl) > plen {
			pl = pl[:plen]
		}
		in.udpPacket(src, dst, &in.udp, pl, plen, ci)
	}
}

// ipVersionType maps the IP version nibble to an ethertype.
func ipVersionType(b []byte) layers.EthernetType {
	if len(b) == 0 {
		return 0
	}
	switch b[0] >> 4 {
	case 4:
		return layers.EthernetTypeIPv4
	case 6:
		return layers.EthernetTypeIPv6
	}
	return 0
}
