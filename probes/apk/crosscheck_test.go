package apk

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
)

// realAPKs are fetched by scripts/fetch-apks.sh from pinned npm packages.
var realAPKs = []string{"ApiDemos-5.0.0.apk", "io.appium.settings-8.0.10.apk"}

func apkCache() string {
	if d := os.Getenv("XDG_CACHE_HOME"); d != "" {
		return filepath.Join(d, "ceping", "apks")
	}
	home, _ := os.UserHomeDir()
	return filepath.Join(home, ".cache", "ceping", "apks")
}

// realAPK returns a cached real APK or skips the test.
func realAPK(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(apkCache(), name)
	if _, err := os.Stat(p); err != nil {
		t.Skipf("%s is absent: run scripts/fetch-apks.sh (needs the npm registry) to fetch the pinned real APKs; skipping", p)
	}
	return p
}

func crossCheckFiles(t *testing.T) map[string]string {
	files := map[string]string{"leaky": leakyPath()}
	for _, n := range realAPKs {
		p := filepath.Join(apkCache(), n)
		if _, err := os.Stat(p); err != nil {
			t.Logf("%s is absent: run scripts/fetch-apks.sh to cross-check it too", p)
			continue
		}
		files[n] = p
	}
	return files
}

func run(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).Output()
	if err != nil {
		t.Fatalf("%s %v: %v", name, args, err)
	}
	return string(out)
}

func TestCrossCheckAapt(t *testing.T) {
	aapt := testutil.NeedTool(t, "aapt", "aapt")
	for label, path := range crossCheckFiles(t) {
		t.Run(label, func(t *testing.T) {
			app, err := Analyze(path, Options{NoCode: true})
			if err != nil {
				t.Fatal(err)
			}
			badging := run(t, aapt, "dump", "badging", path)
			field := func(re string) string {
				m := regexp.MustCompile(re).FindStringSubmatch(badging)
				if m == nil {
					return ""
				}
				return m[1]
			}
			if got, want := app.Package, field(`package: name='([^']*)'`); got != want {
				t.Errorf("package %q, aapt %q", got, want)
			}
			if got, want := strconv.FormatInt(app.VersionCode, 10), field(`versionCode='([^']*)'`); got != want {
				t.Errorf("versionCode %s, aapt %s", got, want)
			}
			if got, want := app.VersionName, field(`versionName='([^']*)'`); got != want {
				t.Errorf("versionName %q, aapt %q", got, want)
			}
			if got, want := strconv.Itoa(app.MinSDK), field(`(?m)^sdkVersion:'([^']*)'`); got != want {
				t.Errorf("minSdk %s, aapt %s", got, want)
			}
			if got, want := strconv.Itoa(app.TargetSDK), field(`(?m)^targetSdkVersion:'([^']*)'`); got != want {
				t.Errorf("targetSdk %s, aapt %s", got, want)
			}
			// aapt adds permissions the platform implies for old apps
			// (READ_EXTERNAL_STORAGE for WRITE_…) and marks them with a
			// uses-implied-permission line: they are not in the manifest.
			implied := map[string]bool{}
			for _, m := range regexp.MustCompile(`(?m)^uses-implied-permission: name='([^']*)'`).FindAllStringSubmatch(badging, -1) {
				implied[m[1]] = true
			}
			var want []string
			for _, m := range regexp.MustCompile(`(?m)^uses-permission(?:-sdk-23)?: name='([^']*)'(?: maxSdkVersion='(\d+)')?`).FindAllStringSubmatch(badging, -1) {
				if !implied[m[1]] {
					want = append(want, m[1]+"/"+m[2])
				}
			}
			var got []string
			for _, p := range app.Permissions {
				ms := ""
				if p.MaxSDK != 0 {
					ms = strconv.Itoa(p.MaxSDK)
				}
				got = append(got, p.Name+"/"+ms)
			}
			sort.Strings(want)
			sort.Strings(got)
			if strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("permissions\n got %v\naapt %v", got, want)
			}

			// Components and effective exported from aapt's xmltree, with
			// the platform's rule applied to aapt's view of the attributes.
			comps := xmltreeComponents(t, run(t, aapt, "dump", "xmltree", path, "AndroidManifest.xml"), app.Package, app.TargetSDK)
			mine := map[string]bool{}
			for _, c := range app.Components {
				mine[c.Kind+" "+c.Name] = c.Exported
			}
			if len(comps) != len(mine) {
				t.Errorf("%d components, aapt %d", len(mine), len(comps))
			}
			for k, exp := range comps {
				got, ok := mine[k]
				if !ok {
					t.Errorf("component %s missing", k)
				} else if got != exp {
					t.Errorf("component %s exported=%v, aapt-derived %v", k, got, exp)
				}
			}
		})
	}
}

// xmltreeComponents reads `aapt dump xmltree` output: every component of
// <application> with android:exported as aapt decodes it, and whether it
// has an intent filter.
func xmltreeComponents(t *testing.T, tree, pkg string, target int) map[string]bool {
	type comp struct {
		kind, name string
		explicit   *bool
		filter     bool
		depth      int
	}
	var cur *comp
	var all []*comp
	depthOf := func(l string) int { return len(l) - len(strings.TrimLeft(l, " ")) }
	nameRe := regexp.MustCompile(`^A: android:name\(0x01010003\)="([^"]*)"`)
	expRe := regexp.MustCompile(`^A: android:exported\(0x01010010\)=\(type 0x12\)0x([0-9a-f]+)`)
	inApp := -1
	for _, l := range strings.Split(tree, "\n") {
		d := depthOf(l)
		s := strings.TrimSpace(l)
		if strings.HasPrefix(s, "E: ") {
			el := strings.Fields(s)[1]
			if cur != nil && d <= cur.depth {
				cur = nil
			}
			if inApp >= 0 && d <= inApp {
				inApp = -1
			}
			switch {
			case el == "application":
				inApp = d
			case inApp >= 0 && d == inApp+2 && (el == "activity" || el == "activity-alias" || el == "service" || el == "receiver" || el == "provider"):
				cur = &comp{kind: el, depth: d}
				all = append(all, cur)
			case cur != nil && el == "intent-filter" && d == cur.depth+2:
				cur.filter = true
			}
			continue
		}
		if cur == nil || d != cur.depth+2 {
			continue
		}
		if m := nameRe.FindStringSubmatch(s); m != nil {
			cur.name = className(pkg, m[1])
		}
		if m := expRe.FindStringSubmatch(s); m != nil {
			b := m[1] != "0"
			cur.explicit = &b
		}
	}
	out := map[string]bool{}
	for _, c := range all {
		var exp bool
		switch {
		case c.explicit != nil:
			exp = *c.explicit
		case c.kind == "provider":
			exp = target < 17
		default:
			exp = c.filter
		}
		out[c.kind+" "+c.name] = exp
	}
	return out
}

func TestCrossCheckAndroguard(t *testing.T) {
	testutil.NeedTool(t, "androguard", "androguard")
	py := "/usr/bin/python3" // Debian's python, where the androguard package lives
	script := `
import json, sys, logging
logging.disable(logging.CRITICAL)
try:
    from androguard.core.bytecodes.apk import APK
except ImportError:
    from androguard.core.apk import APK
a = APK(sys.argv[1])
print(json.dumps({"package": a.get_package(), "version_code": str(a.get_androidversion_code()),
  "version_name": a.get_androidversion_name(), "min_sdk": str(a.get_min_sdk_version()),
  "target_sdk": str(a.get_target_sdk_version() or ""), "permissions": sorted(set(a.get_permissions())),
  "activity": sorted(a.get_activities()), "service": sorted(a.get_services()),
  "receiver": sorted(a.get_receivers()), "provider": sorted(a.get_providers())}))
`
	for label, path := range crossCheckFiles(t) {
		t.Run(label, func(t *testing.T) {
			app, err := Analyze(path, Options{NoCode: true})
			if err != nil {
				t.Fatal(err)
			}
			var ag map[string]any
			if err := json.Unmarshal([]byte(run(t, py, "-c", script, path)), &ag); err != nil {
				t.Fatal(err)
			}
			eq := func(what, got string) {
				if want, _ := ag[what].(string); got != want {
					t.Errorf("%s %q, androguard %q", what, got, want)
				}
			}
			eq("package", app.Package)
			eq("version_code", strconv.FormatInt(app.VersionCode, 10))
			eq("version_name", app.VersionName)
			eq("min_sdk", strconv.Itoa(app.MinSDK))
			eq("target_sdk", strconv.Itoa(app.TargetSDK))
			list := func(v any) string {
				var s []string
				for _, x := range v.([]any) {
					s = append(s, x.(string))
				}
				sort.Strings(s)
				return strings.Join(s, " ")
			}
			var perms []string
			for _, p := range app.Permissions {
				perms = append(perms, p.Name)
			}
			sort.Strings(perms)
			if got, want := strings.Join(perms, " "), list(ag["permissions"]); got != want {
				t.Errorf("permissions\n got %s\n  ag %s", got, want)
			}
			for _, kind := range []string{"activity", "service", "receiver", "provider"} {
				var names []string
				for _, c := range app.Components {
					// androguard's get_activities() leaves activity-aliases out.
					if c.Kind == kind {
						names = append(names, c.Name)
					}
				}
				sort.Strings(names)
				if got, want := strings.Join(names, " "), list(ag[kind]); got != want {
					t.Errorf("%s names differ: only ours %v, only androguard %v", kind, setDiff(names, strings.Fields(want)), setDiff(strings.Fields(want), names))
				}
			}
		})
	}
}

func TestCrossCheckDexdump(t *testing.T) {
	dexdump := testutil.NeedTool(t, "dexdump", "dexdump")
	for label, path := range crossCheckFiles(t) {
		t.Run(label, func(t *testing.T) {
			app, err := Analyze(path, Options{NoCode: true})
			if err != nil {
				t.Fatal(err)
			}
			out := run(t, dexdump, "-f", path)
			// dexdump prints "Opened '<apk>:classesN.dex'" then the header.
			// (":classesN.dex" is omitted when the APK has one dex).
			re := regexp.MustCompile(`(?s)Opened '[^']*?(?::(classes\d*\.dex))?'.*?method_ids_size\s*:\s*(\d+).*?class_defs_size\s*:\s*(\d+)`)
			var want []string
			for _, m := range re.FindAllStringSubmatch(out, -1) {
				name := m[1]
				if name == "" {
					name = "classes.dex"
				}
				want = append(want, name+" "+m[3]+" "+m[2])
			}
			var got []string
			for _, d := range app.Dex {
				got = append(got, d.Name+" "+strconv.Itoa(d.Classes)+" "+strconv.Itoa(d.MethodRefs))
			}
			if len(want) == 0 || strings.Join(got, "\n") != strings.Join(want, "\n") {
				t.Errorf("dex (name classes method_refs)\n got %v\ndexdump %v", got, want)
			}
		})
	}
}

func TestCrossCheckApksigner(t *testing.T) {
	apksigner := testutil.NeedTool(t, "apksigner", "apksigner")
	for label, path := range crossCheckFiles(t) {
		t.Run(label, func(t *testing.T) {
			app, err := Analyze(path, Options{NoCode: true})
			if err != nil {
				t.Fatal(err)
			}
			out := run(t, apksigner, "verify", "--print-certs", "-v", path)
			var want []string
			for _, m := range regexp.MustCompile(`certificate SHA-256 digest: ([0-9a-f]{64})`).FindAllStringSubmatch(out, -1) {
				want = append(want, m[1])
			}
			var got []string
			for _, c := range app.Signing.Certificates {
				got = append(got, c.SHA256)
			}
			sort.Strings(want)
			sort.Strings(got)
			if len(want) == 0 || strings.Join(got, " ") != strings.Join(want, " ") {
				t.Errorf("certificates %v, apksigner %v", got, want)
			}
			for _, s := range []string{"v1", "v2", "v3"} {
				verified := strings.Contains(out, "Verified using "+s+" scheme") &&
					regexp.MustCompile(`Verified using `+s+` scheme[^:]*: true`).MatchString(out)
				if verified != contains(app.Signing.Schemes, s) {
					t.Errorf("scheme %s: ours %v, apksigner verified %v", s, app.Signing.Schemes, verified)
				}
			}
		})
	}
}

func setDiff(a, b []string) []string {
	in := map[string]bool{}
	for _, x := range b {
		in[x] = true
	}
	var out []string
	for _, x := range a {
		if !in[x] {
			out = append(out, x)
		}
	}
	return out
}

// TestRealAPKs checks findings that the tools above do not report.
func TestRealAPKs(t *testing.T) {
	p := realAPK(t, "ApiDemos-5.0.0.apk")
	app, err := Analyze(p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(app.Warnings) != 0 {
		t.Errorf("warnings: %v", app.Warnings)
	}
	if app.Packer != nil {
		t.Errorf("ApiDemos is not packed: %+v", app.Packer)
	}
	// ApiDemos reads contacts through ContactsContract in its own classes.
	found := false
	for _, c := range app.SensitiveCalls {
		if c.PIType == "contacts" && strings.HasPrefix(c.Caller, "io.appium.android.apis.") && c.SDK == "" {
			found = true
		}
	}
	if !found {
		t.Errorf("no contacts access attributed to the app among %d calls", len(app.SensitiveCalls))
	}
}
