package pcap

import (
	"fmt"
	"math"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/internal/testutil"
	"github.com/gopacket/gopacket/layers"
)

// corpusFiles lists the third-party captures in ../shared/corpus/pcap.
func corpusFiles(t testing.TB) []string {
	dir := testutil.SharedDir(t, "corpus", "pcap")
	var files []string
	for _, pat := range []string{"*/*.pcap", "*/*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		files = append(files, m...)
	}
	sort.Strings(files)
	if len(files) == 0 {
		t.Fatalf("no captures under %s", dir)
	}
	return files
}

// tshark runs tshark with args on file and returns its output lines.
func tshark(t testing.TB, bin, file string, args ...string) []string {
	t.Helper()
	cmd := exec.Command(bin, append([]string{"-n", "-r", file}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("tshark %v on %s: %v", args, file, err)
	}
	var lines []string
	for _, l := range strings.Split(string(out), "\n") {
		if strings.TrimSpace(l) != "" {
			lines = append(lines, l)
		}
	}
	return lines
}

// splitEndpoint splits "addr:port" (the address may be IPv6).
func splitEndpoint(s string) string {
	i := strings.LastIndex(s, ":")
	return s[:i] + "|" + s[i+1:]
}

func pairKey(proto, a, b string) string {
	if b < a {
		a, b = b, a
	}
	return proto + " " + a + " <-> " + b
}

// diffSets reports the elements only in want and only in got.
func diffSets(t *testing.T, what string, want, got map[string]bool) {
	t.Helper()
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	if len(missing) > 0 || len(extra) > 0 {
		t.Errorf("%s differ from tshark:\n  only tshark: %v\n  only ours:   %v", what, missing, extra)
	}
}

// TestCorpusVersusTshark checks, for every capture in the shared corpus, that
// conversations (endpoints, first-packet time, payload bytes each way), TLS
// ClientHello SNI/ALPN and DNS responses equal what tshark extracts.
//
// Deliberate differences, handled below:
//   - tshark's conversation table counts frame bytes; ours count transport
//     payload bytes (what the app sent), so bytes are compared with the sum
//     of tshark's per-packet tcp.len / udp.length-8 instead.
//   - tshark labels QUIC conversations UDP; ours say "quic" when an Initial
//     was decoded, which is compared as "udp".
func TestCorpusVersusTshark(t *testing.T) {
	bin := testutil.NeedTool(t, "tshark", "tshark")
	for _, file := range corpusFiles(t) {
		t.Run(filepath.Base(file), func(t *testing.T) {
			res, err := ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Warnings) > 0 {
				t.Errorf("warnings on a good capture: %v", res.Warnings)
			}
			frames := tshark(t, bin, file, "-T", "fields", "-e", "frame.number")
			if res.Packets != len(frames) {
				t.Errorf("packets: got %d, tshark %d", res.Packets, len(frames))
			}
			compareConvs(t, bin, file, res)
			compareBytes(t, bin, file, res)
			compareSNI(t, bin, file, res)
			compareDNS(t, bin, file, res)
		})
	}
}

func compareConvs(t *testing.T, bin, file string, res *Result) {
	want := map[string]bool{}
	for _, proto := range []string{"tcp", "udp"} {
		for _, l := range tshark(t, bin, file, "-q", "-z", "conv,"+proto) {
			f := strings.Fields(l)
			if len(f) < 3 || f[1] != "<->" {
				continue
			}
			want[pairKey(proto, splitEndpoint(f[0]), splitEndpoint(f[2]))] = true
		}
	}
	got := map[string]bool{}
	for _, c := range res.Conns {
		proto := c.Proto
		if proto == "quic" {
			proto = "udp"
		}
		got[pairKey(proto, c.SrcIP+"|"+strconv.Itoa(c.SrcPort), c.DstIP+"|"+strconv.Itoa(c.DstPort))] = true
	}
	if len(got) != len(res.Conns) {
		t.Errorf("%d conversations but %d distinct endpoint pairs", len(res.Conns), len(got))
	}
	diffSets(t, "conversations", want, got)
}

// compareBytes sums tshark's per-packet payload lengths per direction and
// compares them, and the first-packet time, with each conversation.
func compareBytes(t *testing.T, bin, file string, res *Result) {
	type agg struct {
		bytes map[string]int64 // "src>dst" → payload bytes
		first float64
	}
	convs := map[string]*agg{}
	for _, proto := range []string{"tcp", "udp"} {
		lenField := "tcp.len"
		if proto == "udp" {
			lenField = "udp.length"
		}
		lines := tshark(t, bin, file, "-Y", proto+" && !icmp && !icmpv6", "-T", "fields", "-E", "separator=/t",
			"-e", "frame.time_epoch", "-e", "ip.src", "-e", "ipv6.src", "-e", proto+".srcport",
			"-e", "ip.dst", "-e", "ipv6.dst", "-e", proto+".dstport", "-e", lenField)
		for _, l := range lines {
			f := strings.Split(l, "\t")
			if len(f) != 8 {
				t.Fatalf("unexpected tshark line %q", l)
			}
			src := f[1] + f[2] + "|" + f[3]
			dst := f[4] + f[5] + "|" + f[6]
			n, _ := strconv.ParseInt(f[7], 10, 64)
			if proto == "udp" {
				n -= 8
			}
			ts, _ := strconv.ParseFloat(f[0], 64)
			k := pairKey(proto, src, dst)
			a := convs[k]
			if a == nil {
				a = &agg{bytes: map[string]int64{}, first: ts}
				convs[k] = a
			}
			a.bytes[src+">"+dst] += n
			a.first = math.Min(a.first, ts)
		}
	}
	for _, c := range res.Conns {
		proto := c.Proto
		if proto == "quic" {
			proto = "udp"
		}
		src := c.SrcIP + "|" + strconv.Itoa(c.SrcPort)
		dst := c.DstIP + "|" + strconv.Itoa(c.DstPort)
		a := convs[pairKey(proto, src, dst)]
		if a == nil {
			continue // reported by compareConvs
		}
		if up, down := a.bytes[src+">"+dst], a.bytes[dst+">"+src]; up != c.BytesUp || down != c.BytesDown {
			t.Errorf("%s %s → %s: bytes up/down %d/%d, tshark %d/%d", proto, src, dst, c.BytesUp, c.BytesDown, up, down)
		}
		first := time.Unix(0, int64(math.Round(a.first*1e6))*1000)
		if d := c.Start.Sub(first); d > time.Microsecond || d < -time.Microsecond {
			t.Errorf("%s %s → %s: start %v, tshark %v", proto, src, dst, c.Start, first)
		}
	}
}

func compareSNI(t *testing.T, bin, file string, res *Result) {
	want := map[string]bool{}
	for _, proto := range []string{"tcp", "udp"} {
		// Out-of-order reassembly is off by default in tshark; ours always
		// reassembles, so turn it on for a like-for-like comparison. Over
		// UDP this is tshark's decryption of QUIC Initials.
		lines := tshark(t, bin, file, "-o", "tcp.reassemble_out_of_order:TRUE", "-Y", "tls.handshake.type==1 && "+proto, "-T", "fields", "-E", "separator=/t",
			"-e", "ip.src", "-e", "ipv6.src", "-e", proto+".srcport", "-e", "ip.dst", "-e", "ipv6.dst", "-e", proto+".dstport",
			"-e", "tls.handshake.extensions_server_name", "-e", "tls.handshake.extensions_alpn_str")
		for _, l := range lines {
			f := strings.Split(l, "\t")
			want[fmt.Sprintf("%s %s%s|%s > %s%s|%s sni=%s alpn=%s", proto, f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7])] = true
		}
	}
	got := map[string]bool{}
	for _, c := range res.Conns {
		proto := c.Proto
		switch proto {
		case "quic":
			proto = "udp"
		case "udp":
			continue
		}
		if c.SNI == "" && c.ALPN == "" && !helloSeen(proto, c.SrcIP, c.SrcPort, want) {
			continue
		}
		got[fmt.Sprintf("%s %s|%d > %s|%d sni=%s alpn=%s", proto, c.SrcIP, c.SrcPort, c.DstIP, c.DstPort, c.SNI, c.ALPN)] = true
	}
	diffSets(t, "TLS and QUIC ClientHellos", want, got)
}

// helloSeen reports whether tshark saw a ClientHello (perhaps without SNI)
// from this client endpoint.
func helloSeen(proto, ip string, port int, want map[string]bool) bool {
	p := fmt.Sprintf("%s %s|%d > ", proto, ip, port)
	for k := range want {
		if strings.HasPrefix(k, p) {
			return true
		}
	}
	return false
}

func compareDNS(t *testing.T, bin, file string, res *Result) {
	want := map[string]bool{}
	lines := tshark(t, bin, file, "-Y", "dns.flags.response==1", "-T", "fields", "-E", "separator=/t",
		"-e", "frame.time_epoch", "-e", "dns.qry.name", "-e", "dns.qry.type", "-e", "dns.a", "-e", "dns.aaaa", "-e", "dns.cname")
	for _, l := range lines {
		f := strings.Split(l, "\t")
		typ, _ := strconv.Atoi(f[2])
		var ans []string
		for _, col := range f[3:] {
			if col != "" {
				ans = append(ans, strings.Split(col, ",")...)
			}
		}
		sort.Strings(ans)
		want[fmt.Sprintf("%s %s %s %v", f[0], f[1], dnsTypeName(layers.DNSType(typ)), ans)] = true
	}
	got := map[string]bool{}
	for _, d := range res.DNS {
		ans := append([]string(nil), d.Answers...)
		sort.Strings(ans)
		ts := fmt.Sprintf("%d.%09d", d.Time.Unix(), d.Time.Nanosecond())
		got[fmt.Sprintf("%s %s %s %v", ts, d.Name, d.Type, ans)] = true
	}
	diffSets(t, "DNS responses", want, got)
}

// TestSyntheticSessionVersusTshark: the 40,400-packet synthetic session used
// by the benchmark (2000 connections: DNS, TLS with real ClientHellos, plain
// HTTP with segmented bodies) reads the same as tshark.
func TestSyntheticSessionVersusTshark(t *testing.T) {
	if testing.Short() {
		t.Skip("-short")
	}
	bin := testutil.NeedTool(t, "tshark", "tshark")
	file := bigCapture(t)
	res, err := ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) > 0 || len(res.Conns) != 4000 || len(res.Flows) != 400 || len(res.DNS) != 2000 {
		t.Fatalf("conns %d flows %d dns %d warnings %v", len(res.Conns), len(res.Flows), len(res.DNS), res.Warnings)
	}
	for _, f := range res.Flows {
		if f.Status != 200 || len(f.ReqBody.Raw) != 4000 || len(f.RespBody.Raw) != 8000 || f.Error != "" {
			t.Fatalf("flow %s: status %d bodies %d/%d error %q", f.URL, f.Status, len(f.ReqBody.Raw), len(f.RespBody.Raw), f.Error)
		}
	}
	compareConvs(t, bin, file, res)
	compareBytes(t, bin, file, res)
	compareSNI(t, bin, file, res)
	compareDNS(t, bin, file, res)
}
