package apk

import (
	"os/exec"
	"runtime"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
)

func benchAnalyze(b *testing.B, path string) {
	b.Helper()
	b.ReportAllocs()
	var peak uint64
	var ms runtime.MemStats
	for i := 0; i < b.N; i++ {
		app, err := Analyze(path, Options{})
		if err != nil {
			b.Fatal(err)
		}
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > peak {
			peak = ms.HeapInuse
		}
		_ = app
	}
	b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
}

// BenchmarkAnalyze is the full analysis (manifest, resources, all dex code,
// endpoints, signing) of the fixture and of the real APKs.
func BenchmarkAnalyze(b *testing.B) {
	b.Run("leaky", func(b *testing.B) { benchAnalyze(b, leakyPath()) })
	b.Run("ApiDemos", func(b *testing.B) { benchAnalyze(b, realAPK(b, "ApiDemos-5.0.0.apk")) })
	b.Run("AppiumSettings", func(b *testing.B) { benchAnalyze(b, realAPK(b, "io.appium.settings-8.0.10.apk")) })
}

// androguardScript is the peer analysis: androguard's AnalyzeAPK builds the
// APK, DalvikVMFormat and Analysis objects (manifest, dex, cross-references),
// then reads what ceping reports (permissions, components, the call sites of
// a sensitive API).
const androguardScript = `
import sys, logging
logging.disable(logging.CRITICAL)
try:
    from androguard.misc import AnalyzeAPK
except ImportError:
    from androguard.misc import AnalyzeAPK
a, d, dx = AnalyzeAPK(sys.argv[1])
a.get_permissions(); a.get_activities(); a.get_services(); a.get_receivers(); a.get_providers()
n = 0
for m in dx.find_methods(classname="Landroid/telephony/TelephonyManager;"):
    n += len(list(m.get_xref_from()))
print(n)
`

// BenchmarkAndroguard runs androguard (Debian package) on the same APKs, one
// python process per iteration, for the side-by-side table in
// docs/bench-apk.md.
func BenchmarkAndroguard(b *testing.B) {
	testutil.NeedTool(b, "androguard", "androguard")
	for _, c := range []struct{ name, path string }{
		{"leaky", leakyPath()},
		{"ApiDemos", "ApiDemos-5.0.0.apk"},
		{"AppiumSettings", "io.appium.settings-8.0.10.apk"},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := c.path
			if c.name != "leaky" {
				p = realAPK(b, p)
			}
			for i := 0; i < b.N; i++ {
				if out, err := exec.Command("/usr/bin/python3", "-c", androguardScript, p).CombinedOutput(); err != nil {
					b.Fatalf("androguard: %v\n%s", err, out)
				}
			}
		})
	}
}
