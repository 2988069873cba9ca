package pcap

import (
	"bytes"
	"crypto/tls"
	"encoding/binary"
	"io"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// t0 is the capture start of the generated captures.
var t0 = time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)

// frame is one generated packet (an IP datagram) with its capture time.
type frame struct {
	ts time.Time
	ip []byte
}

// ipPacket serialises an IPv4 or IPv6 datagram around a TCP or UDP layer.
func ipPacket(t testing.TB, src, dst netip.AddrPort, l4 gopacket.SerializableLayer, payload []byte) []byte {
	t.Helper()
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	var netl gopacket.SerializableLayer
	var nl gopacket.NetworkLayer
	proto := layers.IPProtocolTCP
	if _, ok := l4.(*layers.UDP); ok {
		proto = layers.IPProtocolUDP
	}
	if src.Addr().Is4() {
		ip := &layers.IPv4{Version: 4, TTL: 64, Protocol: proto, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		netl, nl = ip, ip
	} else {
		ip := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: proto, SrcIP: src.Addr().AsSlice(), DstIP: dst.Addr().AsSlice()}
		netl, nl = ip, ip
	}
	switch l := l4.(type) {
	case *layers.TCP:
		l.SetNetworkLayerForChecksum(nl)
	case *layers.UDP:
		l.SetNetworkLayerForChecksum(nl)
	}
	if err := gopacket.SerializeLayers(buf, opts, netl, l4, gopacket.Payload(payload)); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}

// tcpConv generates one TCP connection's packets.
type tcpConv struct {
	t          testing.TB
	cli, srv   netip.AddrPort
	cseq, sseq uint32
	ts         time.Time
	frames     []frame
}

func newTCPConv(t testing.TB, cli, srv string, ts time.Time) *tcpConv {
	return &tcpConv{t: t, cli: netip.MustParseAddrPort(cli), srv: netip.MustParseAddrPort(srv), cseq: 1000, sseq: 50000, ts: ts}
}

func (c *tcpConv) tick() time.Time {
	c.ts = c.ts.Add(time.Millisecond)
	return c.ts
}

// seg builds a segment without advancing sequence numbers.
func (c *tcpConv) seg(fromClient bool, seq uint32, flags string, data []byte) frame {
	src, dst, ack := c.cli, c.srv, c.sseq
	if !fromClient {
		src, dst, ack = c.srv, c.cli, c.cseq
	}
	tcp := &layers.TCP{SrcPort: layers.TCPPort(src.Port()), DstPort: layers.TCPPort(dst.Port()), Seq: seq, Ack: ack, Window: 65535}
	for _, f := range flags {
		switch f {
		case 'S':
			tcp.SYN = true
		case 'A':
			tcp.ACK = true
		case 'P':
			tcp.PSH = true
		case 'F':
			tcp.FIN = true
		case 'R':
			tcp.RST = true
		}
	}
	return frame{c.tick(), ipPacket(c.t, src, dst, tcp, data)}
}

func (c *tcpConv) add(f frame) { c.frames = append(c.frames, f) }

func (c *tcpConv) handshake() {
	c.add(c.seg(true, c.cseq, "S", nil))
	c.cseq++
	c.add(c.seg(false, c.sseq, "SA", nil))
	c.sseq++
	c.add(c.seg(true, c.cseq, "A", nil))
}

// data returns the segments carrying data split at the given sizes (the
// last piece takes the rest), advancing the sequence number.
func (c *tcpConv) data(fromClient bool, data []byte, sizes ...int) []frame {
	var out []frame
	seq := &c.cseq
	if !fromClient {
		seq = &c.sseq
	}
	for len(data) > 0 {
		n := len(data)
		if len(sizes) > 0 {
			n = min(sizes[0], n)
			sizes = sizes[1:]
		}
		out = append(out, c.seg(fromClient, *seq, "PA", data[:n]))
		*seq += uint32(n)
		data = data[n:]
	}
	return out
}

func (c *tcpConv) send(fromClient bool, data []byte, sizes ...int) {
	c.frames = append(c.frames, c.data(fromClient, data, sizes...)...)
}

func (c *tcpConv) close() {
	c.add(c.seg(true, c.cseq, "FA", nil))
	c.cseq++
	c.add(c.seg(false, c.sseq, "FA", nil))
	c.sseq++
	c.add(c.seg(true, c.cseq, "A", nil))
}

// linkWrap puts an IP datagram into a frame of the given link type.
func linkWrap(t testing.TB, lt layers.LinkType, ip []byte, vlan bool) []byte {
	t.Helper()
	v6 := ip[0]>>4 == 6
	et := layers.EthernetTypeIPv4
	if v6 {
		et = layers.EthernetTypeIPv6
	}
	switch lt {
	case layers.LinkTypeEthernet:
		buf := gopacket.NewSerializeBuffer()
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}, EthernetType: et}
		ls := []gopacket.SerializableLayer{eth}
		if vlan {
			eth.EthernetType = layers.EthernetTypeDot1Q
			ls = append(ls, &layers.Dot1Q{VLANIdentifier: 42, Type: et})
		}
		ls = append(ls, gopacket.Payload(ip))
		if err := gopacket.SerializeLayers(buf, gopacket.SerializeOptions{}, ls...); err != nil {
			t.Fatal(err)
		}
		return bytes.Clone(buf.Bytes())
	case layers.LinkTypeLinuxSLL:
		h := make([]byte, 16)
		binary.BigEndian.PutUint16(h[0:], 0) // to us
		binary.BigEndian.PutUint16(h[2:], 1) // ARPHRD_ETHER
		binary.BigEndian.PutUint16(h[4:], 6) // address length
		binary.BigEndian.PutUint16(h[14:], uint16(et))
		return append(h, ip...)
	case layers.LinkTypeLinuxSLL2:
		h := make([]byte, 20)
		binary.BigEndian.PutUint16(h[0:], uint16(et))
		binary.BigEndian.PutUint32(h[4:], 3) // interface index
		binary.BigEndian.PutUint16(h[8:], 1) // ARPHRD_ETHER
		h[11] = 6
		return append(h, ip...)
	case layers.LinkTypeNull:
		h := make([]byte, 4)
		fam := uint32(2)
		if v6 {
			fam = 30
		}
		binary.LittleEndian.PutUint32(h, fam)
		return append(h, ip...)
	case layers.LinkTypeRaw, layers.LinkTypeIPv4, layers.LinkTypeIPv6:
		return ip
	}
	t.Fatalf("link type %v not generated", lt)
	return nil
}

// pcapFile writes frames as a classic pcap file.
func pcapFile(t testing.TB, lt layers.LinkType, frames []frame, vlan bool) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := pcapgo.NewWriterNanos(&buf)
	if err := w.WriteFileHeader(65535, lt); err != nil {
		t.Fatal(err)
	}
	for _, f := range frames {
		data := linkWrap(t, lt, f.ip, vlan)
		if err := w.WritePacket(gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(data), Length: len(data)}, data); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// makeClientHello returns the first flight crypto/tls writes as a client: a
// real ClientHello record.
func makeClientHello(t testing.TB, sni string, alpn ...string) []byte {
	t.Helper()
	c, s := net.Pipe()
	go func() {
		tc := tls.Client(c, &tls.Config{ServerName: sni, NextProtos: alpn})
		_ = tc.Handshake()
		c.Close()
	}()
	hdr := make([]byte, 5)
	if _, err := io.ReadFull(s, hdr); err != nil {
		t.Fatal(err)
	}
	body := make([]byte, binary.BigEndian.Uint16(hdr[3:5]))
	if _, err := io.ReadFull(s, body); err != nil {
		t.Fatal(err)
	}
	s.Close()
	return append(hdr, body...)
}

// splitRecord re-frames one TLS record's payload into two records.
func splitRecord(rec []byte, at int) []byte {
	p := rec[5:]
	a := append([]byte{rec[0], rec[1], rec[2], byte(at >> 8), byte(at)}, p[:at]...)
	rest := len(p) - at
	return append(a, append([]byte{rec[0], rec[1], rec[2], byte(rest >> 8), byte(rest)}, p[at:]...)...)
}

func mustAP(s string) netip.AddrPort { return netip.MustParseAddrPort(s) }

func udpLayer(sp, dp uint16) *layers.UDP {
	return &layers.UDP{SrcPort: layers.UDPPort(sp), DstPort: layers.UDPPort(dp)}
}

// dnsResponse builds a DNS response for name: a CNAME then an A record.
func dnsResponse(t testing.TB, name, ip string) []byte {
	t.Helper()
	cname := "edge." + name
	d := &layers.DNS{ID: 7, QR: true, RD: true, RA: true,
		Questions: []layers.DNSQuestion{{Name: []byte(name), Type: layers.DNSTypeA, Class: layers.DNSClassIN}},
		Answers: []layers.DNSResourceRecord{
			{Name: []byte(name), Type: layers.DNSTypeCNAME, Class: layers.DNSClassIN, TTL: 60, CNAME: []byte(cname)},
			{Name: []byte(cname), Type: layers.DNSTypeA, Class: layers.DNSClassIN, TTL: 60, IP: net.ParseIP(ip).To4()},
		}}
	buf := gopacket.NewSerializeBuffer()
	if err := d.SerializeTo(buf, gopacket.SerializeOptions{FixLengths: true}); err != nil {
		t.Fatal(err)
	}
	return bytes.Clone(buf.Bytes())
}
