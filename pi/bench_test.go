package pi

import (
	"fmt"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

// realisticPayload builds n bytes of app-telemetry-like request bodies:
// JSON events with timestamps, versions, URLs, screen names and random ids
// that are not the device's PI.
func realisticPayload(n int) []byte {
	r := rand.New(rand.NewPCG(1, 2))
	var b strings.Builder
	screens := []string{"HomeActivity", "ProductDetail", "CartFragment", "SearchResult", "Settings"}
	for b.Len() < n {
		fmt.Fprintf(&b, `{"event":"page_view","ts":%d,"seq":%d,"screen":"%s","app_ver":"8.%d.%d","sdk":"analytics-4.2.%d","net":"wifi","os":"Android 13","model":"PGJM10","session":"%016x","ref":"https://m.shop-example.com/item/%d?spm=a2%d.b%d","dur_ms":%d,"extra":{"ab":"g%d","scroll":%d.%d,"items":[%d,%d,%d]}}`+"\n",
			1700000000000+r.IntN(1e9), r.IntN(1e6), screens[r.IntN(len(screens))], r.IntN(20), r.IntN(10), r.IntN(9),
			r.Uint64(), r.IntN(1e8), r.IntN(1000), r.IntN(1000), r.IntN(60000), r.IntN(9), r.IntN(100), r.IntN(100), r.IntN(1e5), r.IntN(1e5), r.IntN(1e5))
	}
	return []byte(b.String()[:n])
}

func benchProfile(b *testing.B) *Profile {
	p, _, err := ParseProfile("template", []byte(Template))
	if err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkMatcherFind: the known-value automaton alone over 1 MiB.
func BenchmarkMatcherFind(b *testing.B) {
	m := NewMatcher(benchProfile(b))
	data := realisticPayload(1 << 20)
	b.ReportMetric(float64(len(m.Variants)), "variants")
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m.Find(data)
	}
}

// BenchmarkNaiveRegexPerVariant: one regexp per variant over the same
// kind of payload (64 KiB: the naive scan is too slow for 1 MiB loops).
func BenchmarkNaiveRegexPerVariant(b *testing.B) {
	m := NewMatcher(benchProfile(b))
	res := make([]*regexp.Regexp, len(m.Variants))
	for i, v := range m.Variants {
		res[i] = regexp.MustCompile(regexp.QuoteMeta(v.Pattern))
	}
	data := realisticPayload(64 << 10)
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, re := range res {
			re.FindAllIndex(data, -1)
		}
	}
}

// BenchmarkScanFlow: the whole request scan (URL, headers, JSON walk,
// nested decoding, pattern detectors) on a 64 KiB JSON-lines body.
func BenchmarkScanFlow(b *testing.B) {
	sc := NewScanner(benchProfile(b), ScanOptions{})
	f := &evidence.Flow{ID: 1, Method: "POST", URL: "https://log.example.com/v2/batch?appkey=5f3c&ch=huawei",
		ReqHeaders: []evidence.Header{{Name: "User-Agent", Value: "okhttp/4.9.3"}, {Name: "Content-Type", Value: "text/plain"}}}
	f.ReqBody.Raw = realisticPayload(64 << 10)
	b.SetBytes(int64(len(f.ReqBody.Raw)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc.ScanFlow(f)
	}
}

// BenchmarkScanFlowJSON: one JSON document of 64 KiB (an events array).
func BenchmarkScanFlowJSON(b *testing.B) {
	sc := NewScanner(benchProfile(b), ScanOptions{})
	lines := strings.Split(strings.TrimSpace(string(realisticPayload(64<<10))), "\n")
	body := "[" + strings.Join(lines[:len(lines)-1], ",") + "]"
	f := &evidence.Flow{ID: 1, Method: "POST", URL: "https://log.example.com/v2/batch",
		ReqHeaders: []evidence.Header{{Name: "Content-Type", Value: "application/json"}}}
	f.ReqBody.Raw = []byte(body)
	b.SetBytes(int64(len(body)))
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		sc.ScanFlow(f)
	}
}

// BenchmarkNewMatcher: building the automaton for the template profile.
func BenchmarkNewMatcher(b *testing.B) {
	p := benchProfile(b)
	for i := 0; i < b.N; i++ {
		NewMatcher(p)
	}
}

// syntheticSession makes n flows of about 1 KiB with a leak in every
// 50th flow and markers for phases.
func syntheticSession(n int) ([]*evidence.Flow, []evidence.Marker) {
	r := rand.New(rand.NewPCG(3, 4))
	base := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	payload := realisticPayload(1 << 20)
	hosts := []struct{ h, ip string }{{"api.example.com", "114.114.114.114"}, {"log.umeng.com", "223.5.5.5"},
		{"app-measurement.com", "8.8.8.8"}, {"hk.tracker-example.net", "218.102.23.1"}}
	flows := make([]*evidence.Flow, n)
	for i := range flows {
		h := hosts[r.IntN(len(hosts))]
		off := r.IntN(len(payload) - 1024)
		body := payload[off : off+1024]
		if i%50 == 0 {
			body = []byte(`{"imei":"867543031234561","oaid":"7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10","lat":39.9090,"lng":116.3970}`)
		}
		f := &evidence.Flow{ID: int64(i + 1), Start: base.Add(time.Duration(i) * 100 * time.Millisecond), Method: "POST",
			URL: "https://" + h.h + "/v1/e?seq=" + fmt.Sprint(i), Host: h.h, ServerIP: h.ip, Scheme: "https",
			ReqHeaders: []evidence.Header{{Name: "Content-Type", Value: "text/plain"}}}
		f.ReqBody.Raw = body
		flows[i] = f
	}
	markers := []evidence.Marker{{Time: base, Kind: evidence.MarkAppStart}, {Time: base.Add(time.Hour), Kind: evidence.MarkConsent}}
	return flows, markers
}

// BenchmarkAnalyze100k: the whole analysis of a 100,000-flow session held
// in memory.
func BenchmarkAnalyze100k(b *testing.B) {
	flows, markers := syntheticSession(100000)
	p := benchProfile(b)
	var bytes int64
	for _, f := range flows {
		bytes += int64(len(f.ReqBody.Raw))
	}
	b.SetBytes(bytes)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		res, err := Analyze(Input{Flows: flows, Markers: markers, Profile: p, FirstParty: []string{"example.com"}})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Observations) == 0 {
			b.Fatal("no observations")
		}
	}
}
