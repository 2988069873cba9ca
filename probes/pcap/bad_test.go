package pcap

import (
	"bytes"
	"encoding/binary"
	"strings"
	"testing"

	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// smallCapture is a short HTTP exchange as Ethernet frames.
func smallCapture(t testing.TB) []frame {
	c := newTCPConv(t, "10.0.0.9:40404", "10.0.0.1:80", t0)
	c.handshake()
	c.send(true, []byte("GET /a HTTP/1.1\r\nHost: h.test\r\n\r\n"))
	c.send(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc"))
	c.close()
	return c.frames
}

// recordOffsets returns the offset of each packet record in a pcap file.
func recordOffsets(b []byte) []int {
	var offs []int
	for off := 24; off+16 <= len(b); {
		offs = append(offs, off)
		off += 16 + int(binary.LittleEndian.Uint32(b[off+8:]))
	}
	return offs
}

func TestBadHeaders(t *testing.T) {
	good := pcapFile(t, layers.LinkTypeEthernet, smallCapture(t), false)
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"tiny", []byte{0xd4, 0xc3}, "only 2 bytes"},
		{"bad magic", []byte("GET / HTTP/1.1\r\n\r\n"), "not a pcap or pcapng file (magic 47 45 54 20 at offset 0)"},
		{"cut pcap header", good[:10], "file ends inside the pcap file header"},
		{"pcap version", append(append([]byte{}, good[:4]...), append([]byte{9, 0}, good[6:]...)...), "bad pcap header"},
		{"cut pcapng header", []byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c}, "bad pcapng header"},
		{"pcapng byte order", []byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 1, 2, 3, 4, 1, 0, 0, 0}, "bad byte-order magic"},
		{"bad gzip", []byte{0x1f, 0x8b, 0, 0}, "bad gzip stream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Read(bytes.NewReader(tc.data), "bad.pcap")
			if err == nil {
				t.Fatalf("no error; result %+v", res)
			}
			if !strings.Contains(err.Error(), "bad.pcap") || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q should name the file and say %q", err, tc.want)
			}
		})
	}
}

// TestDamageKeepsWhatCameBefore: a file cut inside a record, or a record
// with an absurd length, returns the packets before it with a warning naming
// the file, the packet number and the record's offset.
func TestDamageKeepsWhatCameBefore(t *testing.T) {
	good := pcapFile(t, layers.LinkTypeEthernet, smallCapture(t), false)
	offs := recordOffsets(good)
	if len(offs) != 8 {
		t.Fatalf("generated %d records, want 8", len(offs))
	}
	absurd := bytes.Clone(good)
	binary.LittleEndian.PutUint32(absurd[offs[5]+8:], 0x7fffffff)
	for _, tc := range []struct {
		name    string
		data    []byte
		packets int
		want    string
	}{
		{"cut in packet 6", good[:offs[5]+30], 5, "packet 6 at offset " + itoa(offs[5]) + ": capture damaged, import stopped here (5 packets read before): file ends inside a packet record (46 bytes missing)"},
		{"cut in record header 4", good[:offs[3]+7], 3, "packet 4 at offset " + itoa(offs[3]) + ": capture damaged, import stopped here (3 packets read before): file ends inside a packet record header"},
		{"absurd length in 6", absurd, 5, "packet 6 at offset " + itoa(offs[5]) + ": capture damaged, import stopped here (5 packets read before): absurd captured length 2147483647"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Read(bytes.NewReader(tc.data), "cut.pcap")
			if err != nil {
				t.Fatal(err)
			}
			if !res.Partial || res.Packets != tc.packets {
				t.Errorf("partial %v packets %d, want true %d", res.Partial, res.Packets, tc.packets)
			}
			if len(res.Warnings) != 1 || !strings.HasPrefix(res.Warnings[0], "cut.pcap: ") || !strings.Contains(res.Warnings[0], tc.want) {
				t.Errorf("warnings %q, want one with %q", res.Warnings, tc.want)
			}
			// What came before the damage is kept: the request (packet 4)
			// is there when at least 4 packets were read.
			if tc.packets >= 4 && (len(res.Flows) != 1 || res.Flows[0].URL != "http://h.test/a") {
				t.Errorf("flows before the damage lost: %+v", res.Flows)
			}
			if len(res.Conns) != 1 {
				t.Errorf("conns %d", len(res.Conns))
			}
		})
	}
}

func itoa(n int) string { return intString(n) }

func intString(n int) string {
	var b [20]byte
	i := len(b)
	for {
		i--
		b[i] = byte('0' + n%10)
		n /= 10
		if n == 0 {
			return string(b[i:])
		}
	}
}

// ngFile writes frames as pcapng with an Ethernet interface and a raw-IP
// interface; odd frames go to the raw one.
func ngFile(t testing.TB, frames []frame) []byte {
	t.Helper()
	var buf bytes.Buffer
	w, err := pcapgo.NewNgWriterInterface(&buf, pcapgo.NgInterface{Name: "eth0", LinkType: layers.LinkTypeEthernet, SnapLength: 65535},
		pcapgo.NgWriterOptions{})
	if err != nil {
		t.Fatal(err)
	}
	raw, err := w.AddInterface(pcapgo.NgInterface{Name: "tun0", LinkType: layers.LinkTypeRaw, SnapLength: 65535})
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range frames {
		lt, idx := layers.LinkTypeEthernet, 0
		if i%2 == 1 {
			lt, idx = layers.LinkTypeRaw, raw
		}
		data := linkWrap(t, lt, f.ip, false)
		ci := gopacket.CaptureInfo{Timestamp: f.ts, CaptureLength: len(data), Length: len(data), InterfaceIndex: idx}
		if err := w.WritePacket(ci, data); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestPcapngInterfacesAndDamage: packets on two interfaces of different
// link types are all decoded; a cut or an absurd block length is reported
// with the offset of the block.
func TestPcapngInterfacesAndDamage(t *testing.T) {
	frames := smallCapture(t)
	ng := ngFile(t, frames)
	res := readBytes(t, ng)
	if res.Packets != len(frames) || len(res.Flows) != 1 || len(res.Conns) != 1 || res.Conns[0].BytesDown != 41 {
		t.Fatalf("two-interface pcapng: packets %d flows %d conns %+v", res.Packets, len(res.Flows), res.Conns)
	}
	// Find the block offsets: SHB, IDB, IDB, then EPBs.
	var offs []int
	for off := 0; off+8 <= len(ng); off += int(binary.LittleEndian.Uint32(ng[off+4:])) {
		offs = append(offs, off)
	}
	epb := offs[3:]
	if len(epb) != len(frames) {
		t.Fatalf("found %d packet blocks", len(epb))
	}
	cut := ng[:epb[4]+20]
	r, err := Read(bytes.NewReader(cut), "cut.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	want := "cut.pcapng: packet 5 at offset " + itoa(epb[4]) + ": capture damaged"
	if !r.Partial || r.Packets != 4 || len(r.Warnings) != 1 || !strings.HasPrefix(r.Warnings[0], want) {
		t.Errorf("cut pcapng: partial %v packets %d warnings %q; want %q", r.Partial, r.Packets, r.Warnings, want)
	}
	bad := bytes.Clone(ng)
	binary.LittleEndian.PutUint32(bad[epb[2]+4:], 0x7ffffff0)
	r, err = Read(bytes.NewReader(bad), "bad.pcapng")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Partial || r.Packets != 2 || !strings.Contains(strings.Join(r.Warnings, ""), "offset "+itoa(epb[2])+": capture damaged, import stopped here (2 packets read before): absurd pcapng block length") {
		t.Errorf("absurd block: packets %d warnings %q", r.Packets, r.Warnings)
	}
	bad = bytes.Clone(ng)
	binary.LittleEndian.PutUint32(bad[epb[1]+20:], 5000) // caplen beyond its block
	r, _ = Read(bytes.NewReader(bad), "bad.pcapng")
	if r == nil || !r.Partial || r.Packets != 1 || !strings.Contains(strings.Join(r.Warnings, ""), "does not fit in its pcapng block") {
		t.Errorf("caplen beyond block: %+v", r)
	}
}

// TestBigEndianPcap: a pcap written in big-endian byte order reads the same.
func TestBigEndianPcap(t *testing.T) {
	le := pcapFile(t, layers.LinkTypeEthernet, smallCapture(t), false)
	be := bytes.Clone(le)
	swap := func(off int) { binary.BigEndian.PutUint32(be[off:], binary.LittleEndian.Uint32(le[off:])) }
	swap16 := func(off int) { binary.BigEndian.PutUint16(be[off:], binary.LittleEndian.Uint16(le[off:])) }
	swap(0)
	swap16(4)
	swap16(6)
	for _, off := range []int{8, 12, 16, 20} {
		swap(off)
	}
	for _, off := range recordOffsets(le) {
		for i := 0; i < 16; i += 4 {
			swap(off + i)
		}
	}
	a, b := readBytes(t, le), readBytes(t, be)
	if len(b.Flows) != 1 || b.Packets != a.Packets || b.Conns[0] != a.Conns[0] {
		t.Errorf("big-endian differs: %+v vs %+v", b.Conns, a.Conns)
	}
}

// TestBadPacketsAreWarnings: undecodable packets inside a sound file are
// warnings; the packets after them are still read.
func TestBadPacketsAreWarnings(t *testing.T) {
	frames := smallCapture(t)
	// Packet 2: IPv4 header claiming TCP, with a 7-byte TCP header.
	frames[1].ip = frames[1].ip[:27]
	frames[1].ip[2], frames[1].ip[3] = 0, 27
	// Packet 3: IPv4 header length (60) beyond the datagram's length.
	frames[2].ip[0] = 0x4f
	res, err := Read(bytes.NewReader(pcapFile(t, layers.LinkTypeEthernet, frames, false)), "w.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if res.Partial || res.Packets != len(frames) {
		t.Errorf("partial %v packets %d", res.Partial, res.Packets)
	}
	want := []string{"w.pcap: packet 2: truncated TCP header", "w.pcap: packet 3: bad IPv4 header"}
	if len(res.Warnings) != 2 || res.Warnings[0] != want[0] || !strings.HasPrefix(res.Warnings[1], want[1]) {
		t.Errorf("warnings %q, want %q", res.Warnings, want)
	}
	if len(res.Flows) != 1 || res.Flows[0].Status != 200 {
		t.Errorf("flow after bad packets: %+v", res.Flows)
	}
}
