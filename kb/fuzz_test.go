package kb

import (
	"fmt"
	"math/rand"
	"strings"
	"testing"
)

// FuzzIndex feeds arbitrary names to every matcher: no panic, and any match
// must be explained by one of the SDK's own signatures.
func FuzzIndex(f *testing.F) {
	for _, s := range []string{
		"com.umeng.analytics.MobclickAgent", "Lcom/umeng/analytics/MobclickAgent;", "com/umeng/x", "", ".", "..", "$", "L;",
		"libjcore300.so", "lib/arm64-v8a/libBugly.so", "assets/supplierconfig.json", "/assets/x", "ulogs.umeng.com",
		"ulogs.umeng.com.", "UMENG.COM:443", "[::1]:80", "a..b", "UMCommon.framework", "Frameworks/UMCommon.framework/",
		"\x00", "com.facebook.react.ReactActivity", "*", "[", "host:umeng.com",
	} {
		f.Add(s)
	}
	x := Index()
	f.Fuzz(func(t *testing.T, s string) {
		if sdk := x.ByHost(s); sdk != nil {
			h := strings.ToLower(strings.TrimSpace(s))
			explained := false
			for _, d := range sdk.Domains {
				if strings.Contains(h, strings.ToLower(d)) {
					explained = true
				}
			}
			if !explained {
				t.Fatalf("ByHost(%q) = %s, none of its domains %v occurs in the input", s, sdk.ID, sdk.Domains)
			}
		}
		if sdk := x.ByClass(s); sdk != nil {
			name := dotted(s)
			explained := false
			for _, c := range sdk.ClassPrefixes {
				if strings.HasPrefix(name, strings.TrimSuffix(c, ".")) {
					explained = true
				}
			}
			if !explained {
				t.Fatalf("ByClass(%q) = %s, not under any of %v", s, sdk.ID, sdk.ClassPrefixes)
			}
		}
		x.ByLib(s)
		x.ByAsset(s)
		x.ByFramework(s)
		x.ByID(s)
		_, _ = x.BySample(s)
		_, _ = PackerBySample(Packers(), s)
		LookupInvoke(s, s)
		LookupField(s, s)
		LookupPermission(s)
		NormalizeDescriptor(s)
	})
}

// FuzzParse feeds arbitrary YAML to every parser: errors, never panics; what
// parses must also index without panicking.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"sdks/push.yaml", "sdks/analytics.yaml", "permissions.yaml", "apis.yaml", "packers.yaml", "ios_usage.yaml"} {
		data, err := embedded.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		// Small seeds keep minimisation of new inputs quick.
		if len(data) > 1200 {
			data = data[:1200]
		}
		f.Add(data)
	}
	f.Add([]byte("- {id: ab, name: n, company: c, category: push, pi_types: [imei], domains: [a.com], samples: {positive: [\"host:a.com\"], negative: [\"host:b.com\"]}}\n"))
	f.Add([]byte("- &a [*a]\n"))
	f.Add([]byte("{}"))
	f.Add([]byte("---\n---\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if sdks, err := ParseSDKs("sdks/fuzz.yaml", data); err == nil {
			if x, err := NewIndex(sdks); err == nil {
				for _, s := range sdks {
					for _, smp := range s.Samples.Positive {
						_, _ = x.BySample(smp)
					}
				}
			}
		} else if !strings.Contains(err.Error(), "sdks/fuzz.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
		_, _ = ParsePermissions("permissions.yaml", data)
		_, _ = ParseAPIs("apis.yaml", data)
		if ps, err := ParsePackers("packers.yaml", data); err == nil {
			for i := range ps {
				ps[i].MatchClass("a.b")
				ps[i].MatchLib("liba.so")
				ps[i].MatchAsset("assets/a")
			}
		}
		_, _ = ParseUsageKeys("ios_usage.yaml", data)
	})
}

// classCorpus makes n class names: about a third under known SDK prefixes,
// the rest app, AndroidX and near-miss names.
func classCorpus(n int) []string {
	r := rand.New(rand.NewSource(1))
	var prefixes []string
	for _, s := range SDKs() {
		prefixes = append(prefixes, s.ClassPrefixes...)
	}
	others := []string{"com.example.app.", "androidx.appcompat.widget.", "kotlin.collections.", "okhttp3.internal.",
		"com.google.gson.", "com.umengx.", "com.tencent.mobileqq.", "io.reactivex.", "org.json.", "a.b."}
	out := make([]string, n)
	for i := range out {
		var p string
		if i%3 == 0 {
			p = prefixes[r.Intn(len(prefixes))]
			if !strings.HasSuffix(p, ".") {
				out[i] = p + fmt.Sprintf("$%d", r.Intn(9))
				continue
			}
		} else {
			p = others[r.Intn(len(others))]
		}
		out[i] = fmt.Sprintf("%ssub%d.Class%d$Inner", p, r.Intn(50), r.Intn(1000))
	}
	return out
}

func TestClassCorpusMatches(t *testing.T) {
	x := Index()
	hits := 0
	names := classCorpus(3000)
	for _, n := range names {
		if x.ByClass(n) != nil {
			hits++
		}
	}
	// Every third name is under an SDK prefix; none of the others is.
	if want := (len(names) + 2) / 3; hits != want {
		t.Errorf("%d of %d names matched, want %d", hits, len(names), want)
	}
}

// BenchmarkByClass resolves 100k class names per iteration.
func BenchmarkByClass(b *testing.B) {
	x := Index()
	names := classCorpus(100_000)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range names {
			x.ByClass(n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(names)), "ns/class")
}

// BenchmarkByClassDescriptor is the same over Dalvik descriptors, the form
// a dex reader has in hand.
func BenchmarkByClassDescriptor(b *testing.B) {
	x := Index()
	names := classCorpus(100_000)
	for i, n := range names {
		names[i] = "L" + strings.ReplaceAll(n, ".", "/") + ";"
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, n := range names {
			x.ByClass(n)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(names)), "ns/class")
}

func BenchmarkByHost(b *testing.B) {
	x := Index()
	hosts := []string{"ulogs.umeng.com", "api.example.com", "a.b.c.d.e.f.example.org", "graph.facebook.com:443", "sdk.open.phone.igexin.com"}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		x.ByHost(hosts[i%len(hosts)])
	}
}
