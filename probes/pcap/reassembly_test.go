package pcap

import (
	"bytes"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/gopacket/gopacket/layers"
)

func readBytes(t *testing.T, b []byte) *Result {
	t.Helper()
	res, err := Read(bytes.NewReader(b), "gen.pcap")
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 {
		t.Fatalf("unexpected warnings: %v", res.Warnings)
	}
	return res
}

// TestHTTPSplitOutOfOrder: a request split in three segments written out of
// order, a chunked gzip response in two segments, then a second request on
// the same connection answered 304.
func TestHTTPSplitOutOfOrder(t *testing.T) {
	c := newTCPConv(t, "10.0.0.2:40001", "93.184.216.34:80", t0)
	c.handshake()
	body := []byte(`{"imei":"x","n":1}`)
	req := "POST /api/report?v=2 HTTP/1.1\r\nHost: api.example.test\r\nUser-Agent: app/1.0\r\nX-Dup: a\r\nX-Dup: b\r\nContent-Type: application/json\r\nContent-Length: 18\r\n\r\n" + string(body)
	segs := c.data(true, []byte(req), 20, 60)
	reqStart := segs[0].ts
	c.frames = append(c.frames, segs[0], segs[2], segs[1]) // 1, 3, 2
	gz := []byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5}
	resp := "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Encoding: gzip\r\nTransfer-Encoding: chunked\r\n\r\n" +
		"5\r\n" + string(gz[:5]) + "\r\na\r\n" + string(gz[5:]) + "\r\n0\r\n\r\n"
	rsegs := c.data(false, []byte(resp), 90)
	c.frames = append(c.frames, rsegs...)
	c.send(true, []byte("GET /logo.png HTTP/1.1\r\nHost: api.example.test:80\r\nIf-None-Match: \"e1\"\r\n\r\n"))
	c.send(false, []byte("HTTP/1.1 304 Not Modified\r\nETag: \"e1\"\r\n\r\n"))
	c.close()

	res := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, c.frames, false))
	if len(res.Flows) != 2 {
		t.Fatalf("flows: got %d, want 2", len(res.Flows))
	}
	f := res.Flows[0]
	if f.Method != "POST" || f.URL != "http://api.example.test/api/report?v=2" || f.Host != "api.example.test" {
		t.Errorf("request line: %s %s host %s", f.Method, f.URL, f.Host)
	}
	if f.Source != evidence.SourcePcap || f.Scheme != "http" || f.Proto != "HTTP/1.1" {
		t.Errorf("source/scheme/proto: %s %s %s", f.Source, f.Scheme, f.Proto)
	}
	if f.ServerIP != "93.184.216.34" || f.ServerPort != 80 || f.ClientAddr != "10.0.0.2:40001" {
		t.Errorf("addresses: %s:%d from %s", f.ServerIP, f.ServerPort, f.ClientAddr)
	}
	wantHdr := []evidence.Header{{Name: "Host", Value: "api.example.test"}, {Name: "User-Agent", Value: "app/1.0"}, {Name: "X-Dup", Value: "a"}, {Name: "X-Dup", Value: "b"},
		{Name: "Content-Type", Value: "application/json"}, {Name: "Content-Length", Value: "18"}}
	if !reflect.DeepEqual(f.ReqHeaders, wantHdr) {
		t.Errorf("request headers (order and duplicates kept): %v", f.ReqHeaders)
	}
	if !bytes.Equal(f.ReqBody.Raw, body) || f.ReqBody.Size != 18 {
		t.Errorf("request body %q size %d", f.ReqBody.Raw, f.ReqBody.Size)
	}
	if f.Status != 200 || !bytes.Equal(f.RespBody.Raw, gz) || f.RespBody.Encoding != "gzip" || f.RespBody.Decoded != nil {
		t.Errorf("response: %d body %x encoding %q", f.Status, f.RespBody.Raw, f.RespBody.Encoding)
	}
	if !f.Start.Equal(reqStart) || !f.FirstByte.Equal(rsegs[0].ts) || !f.End.Equal(rsegs[1].ts) {
		t.Errorf("times: start %v first byte %v end %v; want %v %v %v", f.Start, f.FirstByte, f.End, reqStart, rsegs[0].ts, rsegs[1].ts)
	}
	if f.Error != "" {
		t.Errorf("error %q", f.Error)
	}
	g := res.Flows[1]
	if g.Method != "GET" || g.URL != "http://api.example.test:80/logo.png" || g.Host != "api.example.test" || g.Status != 304 || len(g.RespBody.Raw) != 0 {
		t.Errorf("second flow: %s %s %s %d %q", g.Method, g.URL, g.Host, g.Status, g.RespBody.Raw)
	}
	if len(res.Conns) != 1 {
		t.Fatalf("conns: %d", len(res.Conns))
	}
	cn := res.Conns[0]
	if cn.Host != "api.example.test" || cn.SrcPort != 40001 || cn.BytesUp != int64(len(req)+len("GET /logo.png HTTP/1.1\r\nHost: api.example.test:80\r\nIf-None-Match: \"e1\"\r\n\r\n")) {
		t.Errorf("conn: %+v", cn)
	}
}

// TestClientHelloSplit: real ClientHellos (crypto/tls) split across two
// segments (delivered out of order), across two TLS records, and on a
// connection whose SYN was not captured.
func helloFrames(t testing.TB) []frame {
	var frames []frame
	// 1: split in two TCP segments, second written first.
	a := newTCPConv(t, "192.168.1.10:50001", "203.0.113.5:443", t0)
	a.handshake()
	segs := a.data(true, makeClientHello(t, "split.example.com", "h2", "http/1.1"), 100)
	a.frames = append(a.frames, segs[1], segs[0])
	a.close()
	frames = append(frames, a.frames...)
	// 2: the handshake message split over two records, each its own segment.
	b := newTCPConv(t, "192.168.1.10:50002", "203.0.113.6:8443", t0.Add(time.Second))
	b.handshake()
	rec := splitRecord(makeClientHello(t, "records.example.com"), 40)
	b.send(true, rec, 45)
	b.close()
	frames = append(frames, b.frames...)
	// 3: no SYN captured; the server's segment comes first.
	c := newTCPConv(t, "192.168.1.10:50003", "203.0.113.7:993", t0.Add(2*time.Second))
	c.cseq++
	c.sseq++
	c.send(false, []byte{0})
	c.frames = c.frames[:0]
	hello := makeClientHello(t, "nosyn.example.com", "imap")
	c.send(true, hello, 300)
	c.send(false, []byte("\x16\x03\x03\x00\x02\x02\x00"))
	frames = append(frames, c.frames...)

	return frames
}

func TestClientHelloSplit(t *testing.T) {
	frames := helloFrames(t)
	res := readBytes(t, pcapFile(t, layers.LinkTypeEthernet, frames, false))
	got := map[int]string{}
	for _, cn := range res.Conns {
		got[cn.SrcPort] = cn.SNI + "|" + cn.ALPN + "|" + cn.Host
	}
	want := map[int]string{
		50001: "split.example.com|h2,http/1.1|split.example.com",
		50002: "records.example.com||records.example.com",
		50003: "nosyn.example.com|imap|nosyn.example.com",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SNI by client port:\n got %v\nwant %v", got, want)
	}
	if len(res.Flows) != 0 {
		t.Errorf("TLS produced %d HTTP flows", len(res.Flows))
	}
	// tshark reads the same generated file the same way.
	if bin, err := exec.LookPath("tshark"); err == nil {
		file := filepath.Join(t.TempDir(), "hello.pcap")
		if err := os.WriteFile(file, pcapFile(t, layers.LinkTypeEthernet, frames, false), 0o644); err != nil {
			t.Fatal(err)
		}
		compareConvs(t, bin, file, res)
		compareBytes(t, bin, file, res)
		compareSNI(t, bin, file, res)
	}
}

// TestLinkTypes: the same exchange over every supported link type, IPv4 and
// IPv6, with and without VLAN, gives the same conversation and flow.
func TestLinkTypes(t *testing.T) {
	for _, tc := range []struct {
		name string
		lt   layers.LinkType
		vlan bool
		cli  string
		srv  string
	}{
		{"ethernet-v4", layers.LinkTypeEthernet, false, "10.1.1.1:41000", "10.2.2.2:8080"},
		{"ethernet-vlan-v6", layers.LinkTypeEthernet, true, "[2001:db8::1]:41000", "[2001:db8::2]:8080"},
		{"sll-v4", layers.LinkTypeLinuxSLL, false, "10.1.1.1:41000", "10.2.2.2:8080"},
		{"sll2-v6", layers.LinkTypeLinuxSLL2, false, "[2001:db8::1]:41000", "[2001:db8::2]:8080"},
		{"null-v6", layers.LinkTypeNull, false, "[2001:db8::1]:41000", "[2001:db8::2]:8080"},
		{"raw-v4", layers.LinkTypeRaw, false, "10.1.1.1:41000", "10.2.2.2:8080"},
		{"ipv6-linktype", layers.LinkTypeIPv6, false, "[2001:db8::1]:41000", "[2001:db8::2]:8080"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newTCPConv(t, tc.cli, tc.srv, t0)
			c.handshake()
			c.send(true, []byte("GET /p HTTP/1.1\r\nHost: svc.test\r\n\r\n"))
			c.send(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"))
			c.close()
			res := readBytes(t, pcapFile(t, tc.lt, c.frames, tc.vlan))
			if len(res.Conns) != 1 || len(res.Flows) != 1 {
				t.Fatalf("conns %d flows %d", len(res.Conns), len(res.Flows))
			}
			cn, f := res.Conns[0], res.Flows[0]
			if ap := netip.MustParseAddrPort(tc.cli); cn.SrcIP != ap.Addr().String() || cn.SrcPort != int(ap.Port()) {
				t.Errorf("client %s:%d, want %s", cn.SrcIP, cn.SrcPort, tc.cli)
			}
			if cn.DstPort != 8080 || cn.Host != "svc.test" || cn.BytesDown != 40 {
				t.Errorf("conn %+v", cn)
			}
			if f.URL != "http://svc.test/p" || f.Status != 200 || string(f.RespBody.Raw) != "ok" || f.ClientAddr != tc.cli {
				t.Errorf("flow %s %d %q from %s", f.URL, f.Status, f.RespBody.Raw, f.ClientAddr)
			}
		})
	}
}
