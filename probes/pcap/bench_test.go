package pcap

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ceping/ceping/internal/testutil"
	"github.com/gopacket/gopacket/layers"
)

var (
	bigOnce sync.Once
	bigPath string
	bigDir  string
)

// bigCapture writes (once) a synthetic capture of an app session: for each
// of 2000 connections a DNS exchange, a TCP handshake, then either a real
// TLS ClientHello and 8 KB each way of records, or a plain-HTTP POST and
// response; about 60,000 packets.
func bigCapture(b testing.TB) string {
	bigOnce.Do(func() {
		var frames []frame
		ts := t0
		hellos := map[int][]byte{}
		for i := 0; i < 2000; i++ {
			host := fmt.Sprintf("api%d.example.com", i%50)
			cli := fmt.Sprintf("10.0.%d.%d", 1+i/250, 2+i%250)
			srv := fmt.Sprintf("198.51.%d.%d", 100+i%50, 10)
			q := dnsResponse(b, host, srv)
			query := bytes.Clone(q[:len(q)/2]) // stands for the query: QR bit cleared
			query[2] &^= 0x80
			frames = append(frames, frame{ts, ipPacket(b, mustAP(cli+":5300"), mustAP("10.0.0.1:53"), udpLayer(5300, 53), query)})
			frames = append(frames, frame{ts.Add(time.Millisecond), ipPacket(b, mustAP("10.0.0.1:53"), mustAP(cli+":5300"), udpLayer(53, 5300), q)})
			c := newTCPConv(b, fmt.Sprintf("%s:%d", cli, 40000+i%20000), srv+":443", ts.Add(2*time.Millisecond))
			if i%5 == 0 {
				c.srv = mustAP(srv + ":80")
			}
			c.handshake()
			if i%5 == 0 {
				body := make([]byte, 4000)
				c.send(true, []byte(fmt.Sprintf("POST /v1/t HTTP/1.1\r\nHost: %s\r\nContent-Length: %d\r\n\r\n%s", host, len(body), body)), 1400, 1400, 1400)
				c.send(false, []byte("HTTP/1.1 200 OK\r\nContent-Length: 8000\r\n\r\n"+string(make([]byte, 8000))), 1400, 1400, 1400, 1400, 1400)
			} else {
				h, ok := hellos[i%50]
				if !ok {
					h = makeClientHello(b, host, "h2", "http/1.1")
					hellos[i%50] = h
				}
				c.send(true, h)
				rec := append([]byte{0x17, 3, 3, 0x1f, 0x40}, make([]byte, 8000)...)
				c.send(false, rec, 1400, 1400, 1400, 1400, 1400)
				c.send(true, rec, 1400, 1400, 1400, 1400, 1400)
			}
			c.close()
			frames = append(frames, c.frames...)
			ts = ts.Add(20 * time.Millisecond)
		}
		// one file per test process (runs may overlap), removed by TestMain
		dir, err := os.MkdirTemp("", "ceping-pcap-bench-")
		if err != nil {
			b.Fatal(err)
		}
		bigDir = dir
		bigPath = filepath.Join(dir, "session.pcap")
		if err := os.WriteFile(bigPath, pcapFile(b, layers.LinkTypeEthernet, frames, false), 0o644); err != nil {
			b.Fatal(err)
		}
	})
	return bigPath
}

// benchFiles are the captures timed: the synthetic session and the corpus.
func benchFiles(b *testing.B) []string {
	files := []string{bigCapture(b)}
	dir := filepath.Join(testutil.RepoRoot(), "..", "shared", "corpus", "pcap")
	for _, pat := range []string{"*/*.pcap", "*/*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	return files
}

// tsharkFieldArgs extract in one pass what Read extracts: conversations
// (addresses, ports, payload lengths, times), SNI and DNS answers.
var tsharkFieldArgs = []string{"-n", "-T", "fields",
	"-e", "frame.time_epoch", "-e", "ip.src", "-e", "ipv6.src", "-e", "tcp.srcport", "-e", "udp.srcport",
	"-e", "ip.dst", "-e", "ipv6.dst", "-e", "tcp.dstport", "-e", "udp.dstport", "-e", "tcp.len", "-e", "udp.length",
	"-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions_alpn_str",
	"-e", "dns.qry.name", "-e", "dns.a", "-e", "dns.aaaa", "-e", "dns.cname"}

// BenchmarkIngest times Read on each capture and, side by side, tshark
// extracting the same fields from the same file.
func BenchmarkIngest(b *testing.B) {
	for _, file := range benchFiles(b) {
		name := filepath.Base(file)
		b.Run("ceping/"+name, func(b *testing.B) {
			var pk int
			for i := 0; i < b.N; i++ {
				res, err := ReadFile(file)
				if err != nil {
					b.Fatal(err)
				}
				pk = res.Packets
			}
			b.ReportMetric(float64(pk), "packets")
		})
		b.Run("tshark/"+name, func(b *testing.B) {
			bin := testutil.NeedTool(b, "tshark", "tshark")
			for i := 0; i < b.N; i++ {
				cmd := exec.Command(bin, append([]string{"-r", file}, tsharkFieldArgs...)...)
				if err := cmd.Run(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func TestMain(m *testing.M) {
	code := m.Run()
	if bigDir != "" {
		os.RemoveAll(bigDir)
	}
	os.Exit(code)
}
