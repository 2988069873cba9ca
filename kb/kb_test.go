package kb

import (
	"strings"
	"testing"
	"testing/fstest"
)

func builtinKB(t testing.TB) *KB {
	t.Helper()
	k, err := Builtin()
	if err != nil {
		t.Fatalf("embedded knowledge base is invalid: %v", err)
	}
	return k
}

func TestLoadAndValidate(t *testing.T) {
	k := builtinKB(t)
	if len(k.SDKs) == 0 || len(k.Permissions) == 0 || len(k.APIs) == 0 || len(k.Packers) == 0 || len(k.UsageKeys) == 0 {
		t.Fatalf("empty table: %d SDKs, %d permissions, %d APIs, %d packers, %d usage keys",
			len(k.SDKs), len(k.Permissions), len(k.APIs), len(k.Packers), len(k.UsageKeys))
	}
	// The package-level accessors serve the same data.
	if len(SDKs()) != len(k.SDKs) || Index() != k.Index() {
		t.Fatal("SDKs()/Index() do not serve the embedded data")
	}
}

// TestSamples: every positive sample resolves to its own SDK through the
// index (so no other SDK claims it), and no negative sample resolves to it.
func TestSamples(t *testing.T) {
	x := builtinKB(t).Index()
	for _, s := range x.SDKs() {
		for _, smp := range s.Samples.Positive {
			got, err := x.BySample(smp)
			if err != nil {
				t.Errorf("%s: %v", s.ID, err)
				continue
			}
			switch {
			case got == nil:
				t.Errorf("%s: positive sample %q matches no SDK", s.ID, smp)
			case got.ID != s.ID:
				t.Errorf("%s: positive sample %q is claimed by %s", s.ID, smp, got.ID)
			}
		}
		for _, smp := range s.Samples.Negative {
			got, err := x.BySample(smp)
			if err != nil {
				t.Errorf("%s: %v", s.ID, err)
				continue
			}
			if got != nil && got.ID == s.ID {
				t.Errorf("%s: negative sample %q matches it", s.ID, smp)
			}
		}
	}
}

// TestSignaturesHaveSamples: each kind of signature an SDK declares is
// exercised by at least one positive sample of that kind.
func TestSignaturesHaveSamples(t *testing.T) {
	for _, s := range builtinKB(t).SDKs {
		kinds := map[string]bool{}
		for _, smp := range s.Samples.Positive {
			k, _, _ := ParseSample(smp)
			kinds[k] = true
		}
		for kind, n := range map[string]int{"class": len(s.ClassPrefixes), "lib": len(s.NativeLibs), "asset": len(s.Assets), "host": len(s.Domains), "framework": len(s.Frameworks)} {
			if n > 0 && !kinds[kind] {
				t.Errorf("%s declares %d %s signature(s) but has no positive %s: sample", s.ID, n, kind, kind)
			}
		}
	}
}

func TestPITypesKnown(t *testing.T) {
	k := builtinKB(t)
	check := func(where string, list ...string) {
		for _, p := range list {
			if _, ok := PITypeNames[p]; !ok {
				t.Errorf("%s: PI type %q is not in PITypeNames", where, p)
			}
		}
	}
	for _, s := range k.SDKs {
		check("sdk "+s.ID, s.PITypes...)
	}
	for _, p := range k.Permissions {
		check("permission "+p.Name, p.PITypes...)
	}
	for _, a := range k.APIs {
		check("api "+a.Class+"->"+a.Name, a.PIType)
	}
	for _, u := range k.UsageKeys {
		check("usage key "+u.Key, u.PITypes...)
	}
	for key := range PITypeNames {
		if _, ok := PITypeSensitive[key]; !ok {
			t.Errorf("PI type %q missing from PITypeSensitive", key)
		}
		if _, ok := PITypeCategory[key]; !ok {
			t.Errorf("PI type %q missing from PITypeCategory", key)
		}
	}
	if len(PITypeSensitive) != len(PITypeNames) || len(PITypeCategory) != len(PITypeNames) {
		t.Errorf("PI type tables differ in size: names %d, sensitive %d, category %d", len(PITypeNames), len(PITypeSensitive), len(PITypeCategory))
	}
}

func TestAPIDescriptors(t *testing.T) {
	for _, a := range builtinKB(t).APIs {
		switch a.Kind {
		case "invoke", "field":
			if !descriptorRE.MatchString(a.Class) || strings.Contains(a.Class, ".") {
				t.Errorf("%s->%s: malformed descriptor", a.Class, a.Name)
			}
			got, ok := (func() (API, bool) {
				if a.Kind == "invoke" {
					return LookupInvoke(a.Class, a.Name)
				}
				return LookupField(a.Class, a.Name)
			})()
			if !ok || got != a {
				t.Errorf("%s %s->%s: lookup gave %+v, %v", a.Kind, a.Class, a.Name, got, ok)
			}
		case "string":
			if a.Class != "" {
				t.Errorf("string %q has a class", a.Name)
			}
		default:
			t.Errorf("%s->%s: kind %q", a.Class, a.Name, a.Kind)
		}
	}
	// A dotted class name is normalised to the descriptor.
	if _, ok := LookupInvoke("android.telephony.TelephonyManager", "getDeviceId"); !ok {
		t.Error("dotted class name not normalised")
	}
	if _, ok := LookupInvoke("Landroid/telephony/TelephonyManager;", "getDeviceIdx"); ok {
		t.Error("unknown method found")
	}
}

func TestLookupPermission(t *testing.T) {
	p, ok := LookupPermission("CAMERA")
	if !ok || p.Name != "android.permission.CAMERA" || !p.Sensitive || p.Protection != "dangerous" {
		t.Fatalf("CAMERA: %+v %v", p, ok)
	}
	if _, ok := LookupPermission("android.permission.NO_SUCH_THING"); ok {
		t.Fatal("unknown permission found")
	}
}

func TestIndexMatching(t *testing.T) {
	sdks := []SDK{
		{ID: "outer", Name: "Outer", Company: "c", Category: "other", PITypes: []string{"imei"},
			ClassPrefixes: []string{"com.example."}, Domains: []string{"example.com"},
			NativeLibs: []string{"libex*.so"}, Assets: []string{"assets/ex/", "assets/ex_*.dat"},
			Frameworks: []string{"Ex.framework"}},
		{ID: "inner", Name: "Inner", Company: "c", Category: "other", PITypes: []string{"imei"},
			ClassPrefixes: []string{"com.example.sdk.", "com.other.Exact"}, Domains: []string{"api.example.com"},
			NativeLibs: []string{"libexample*.so", "libexact.so"}, Assets: []string{"assets/ex/inner.json"}},
	}
	x, err := NewIndex(sdks)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct{ sample, want string }{
		{"class:com.example.Foo", "outer"},
		{"class:com.example.sdk.Foo", "inner"},
		{"class:com.example.sdk.a.B$C", "inner"},
		{"class:Lcom/example/sdk/Foo;", "inner"},
		{"class:com/example/sdk/Foo", "inner"},
		{"class:com.examplex.Foo", ""},
		{"class:com.example", "outer"},
		{"class:com.other.Exact", "inner"},
		{"class:com.other.Exact$1", "inner"},
		{"class:com.other.ExactX", ""},
		{"class:x", ""},
		{"host:example.com", "outer"},
		{"host:EXAMPLE.com.", "outer"},
		{"host:cdn.example.com:443", "outer"},
		{"host:x.api.example.com", "inner"},
		{"host:notexample.com", ""},
		{"host:example.com.evil.net", ""},
		{"lib:lib/arm64-v8a/libexample1.so", "inner"},
		{"lib:libex2.so", "outer"},
		{"lib:libexact.so", "inner"},
		{"lib:libe.so", ""},
		{"asset:assets/ex/inner.json", "inner"},
		{"asset:assets/ex/other.json", "outer"},
		{"asset:assets/ex_1.dat", "outer"},
		{"asset:assets/exx/1", ""},
		{"framework:Ex", "outer"},
		{"framework:Payload/A.app/Frameworks/Ex.framework", "outer"},
		{"framework:Ex.xcframework", "outer"},
		{"framework:Exx.framework", ""},
	}
	for _, c := range cases {
		got, err := x.BySample(c.sample)
		if err != nil {
			t.Fatalf("%s: %v", c.sample, err)
		}
		id := ""
		if got != nil {
			id = got.ID
		}
		if id != c.want {
			t.Errorf("%s: got %q, want %q", c.sample, id, c.want)
		}
	}
	if x.ByID("inner") == nil || x.ByID("nope") != nil {
		t.Error("ByID")
	}
}

func TestIndexRejectsConflicts(t *testing.T) {
	base := SDK{Name: "n", Company: "c", Category: "other", PITypes: []string{"imei"}}
	a, b := base, base
	a.ID, b.ID = "a", "b"
	a.Domains, b.Domains = []string{"example.com"}, []string{"Example.com"}
	_, err := NewIndex([]SDK{a, b})
	if err == nil || !strings.Contains(err.Error(), `"a"`) || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("conflict not reported with both ids: %v", err)
	}
	b.Domains = nil
	b.ID = "a"
	b.ClassPrefixes = []string{"com.b."}
	if _, err := NewIndex([]SDK{a, b}); err == nil {
		t.Fatal("duplicate id accepted")
	}
}

func TestParseErrorsNameTheEntry(t *testing.T) {
	cases := []struct{ name, yaml, want string }{
		{"unknown field", "- id: x1\n  nme: typo\n", "nme"},
		{"bad category", `- {id: ab, name: n, company: c, category: nope, pi_types: [imei], domains: [a.com], samples: {positive: ["host:a.com"], negative: ["host:b.com"]}}`, `"ab"`},
		{"no samples", `- {id: ab, name: n, company: c, category: push, pi_types: [imei], domains: [a.com]}`, "samples.positive"},
		{"no negative", `- {id: ab, name: n, company: c, category: push, pi_types: [imei], domains: [a.com], samples: {positive: ["host:a.com"]}}`, "samples.negative"},
		{"no signature", `- {id: ab, name: n, company: c, category: push, pi_types: [imei], samples: {positive: ["host:a.com"], negative: ["host:b.com"]}}`, "no signature"},
		{"empty signature", `- {id: ab, name: n, company: c, category: push, pi_types: [imei], classes: [""], samples: {positive: ["host:a.com"], negative: ["host:b.com"]}}`, "empty signature"},
		{"bad pi", `- {id: ab, name: n, company: c, category: push, pi_types: [shoe_size], domains: [a.com], samples: {positive: ["host:a.com"], negative: ["host:b.com"]}}`, "shoe_size"},
		{"bad sample", `- {id: ab, name: n, company: c, category: push, pi_types: [imei], domains: [a.com], samples: {positive: ["url:a.com"], negative: ["host:b.com"]}}`, "url"},
		{"bad domain", `- {id: ab, name: n, company: c, category: push, pi_types: [imei], domains: ["https://a.com"], samples: {positive: ["host:a.com"], negative: ["host:b.com"]}}`, "malformed"},
		{"not a list", "id: x\n", "kb: sdks/t.yaml"},
	}
	for _, c := range cases {
		_, err := ParseSDKs("sdks/t.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "sdks/t.yaml") {
			t.Errorf("%s: error %v, want it to name the file and contain %q", c.name, err, c.want)
		}
	}
	apiCases := []struct{ yaml, want string }{
		{`- {class: "android/telephony/TelephonyManager", name: getDeviceId, kind: invoke, pi_type: imei}`, "Dalvik descriptor"},
		{`- {class: "Landroid/telephony/TelephonyManager;", name: getDeviceId, kind: call, pi_type: imei}`, "kind"},
		{`- {class: "Landroid/a/B;", name: "", kind: field, pi_type: imei}`, "member name"},
		{`- {class: "Landroid/a/B;", name: "content://sms", kind: string, pi_type: sms}`, "no class"},
	}
	for _, c := range apiCases {
		if _, err := ParseAPIs("apis.yaml", []byte(c.yaml)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.yaml, err, c.want)
		}
	}
	if _, err := ParsePermissions("permissions.yaml", []byte(`- {name: android.permission.X, protection: scary}`)); err == nil || !strings.Contains(err.Error(), "android.permission.X") {
		t.Errorf("bad protection: %v", err)
	}
	if _, err := ParseUsageKeys("ios_usage.yaml", []byte(`- {key: NSCamera, pi_types: [camera]}`)); err == nil || !strings.Contains(err.Error(), "NSCamera") {
		t.Errorf("bad usage key: %v", err)
	}
	if _, err := ParsePackers("packers.yaml", []byte(`- {name: P, company: C}`)); err == nil || !strings.Contains(err.Error(), `"P"`) {
		t.Errorf("packer without signature: %v", err)
	}
}

func TestLoadReportsMissingFiles(t *testing.T) {
	fsys := fstest.MapFS{"sdks/a.yaml": {Data: []byte("[]\n")}}
	if _, err := Load(fsys); err == nil || !strings.Contains(err.Error(), "permissions.yaml") {
		t.Fatalf("missing permissions.yaml: %v", err)
	}
	if _, err := Load(fstest.MapFS{}); err == nil {
		t.Fatal("empty FS accepted")
	}
}

func TestPackersAndUsageKeys(t *testing.T) {
	k := builtinKB(t)
	for _, p := range k.Packers {
		if p.Name == "" || len(p.Classes)+len(p.NativeLibs)+len(p.Assets) == 0 {
			t.Errorf("packer %+v", p)
		}
	}
	u, ok := LookupUsageKey("NSCameraUsageDescription")
	if !ok || len(u.PITypes) == 0 {
		t.Fatalf("NSCameraUsageDescription: %+v %v", u, ok)
	}
}
