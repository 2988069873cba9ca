package apk

import (
	"archive/zip"
	"bytes"
	"io"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
)

func leakyPath() string { return testutil.Path("fixtures", "apps", "leaky.apk") }

func analyzeLeaky(t testing.TB) *evidence.App {
	t.Helper()
	app, err := Analyze(leakyPath(), Options{})
	if err != nil {
		t.Fatal(err)
	}
	return app
}

func TestLeakyManifest(t *testing.T) {
	app := analyzeLeaky(t)
	if app.Package != "cn.ceping.fixture.leaky" || app.VersionCode != 7 || app.VersionName != "1.2.3-leaky" {
		t.Errorf("identity = %q %d %q", app.Package, app.VersionCode, app.VersionName)
	}
	if app.MinSDK != 19 || app.TargetSDK != 22 || app.MaxSDK != 0 {
		t.Errorf("sdk = min %d target %d max %d, want 19 22 0", app.MinSDK, app.TargetSDK, app.MaxSDK)
	}
	if app.Label != "Leaky 泄露示例" {
		t.Errorf("label = %q (resolved through resources.arsc)", app.Label)
	}
	var perms []string
	sens := map[string]bool{}
	for _, p := range app.Permissions {
		perms = append(perms, p.Name)
		sens[p.Name] = p.Sensitive
	}
	want := []string{"READ_PHONE_STATE", "ACCESS_FINE_LOCATION", "ACCESS_COARSE_LOCATION", "INTERNET", "RECEIVE_BOOT_COMPLETED", "READ_CONTACTS", "CAMERA"}
	for i := range want {
		want[i] = "android.permission." + want[i]
	}
	if strings.Join(perms, ",") != strings.Join(want, ",") {
		t.Errorf("permissions = %v\nwant %v", perms, want)
	}
	if !sens["android.permission.READ_CONTACTS"] || sens["android.permission.INTERNET"] {
		t.Errorf("kb classification wrong: %v", sens)
	}
	if app.UsesCleartextTraffic == nil || !*app.UsesCleartextTraffic || !app.CleartextAllowed {
		t.Errorf("cleartext: attr %v allowed %v", app.UsesCleartextTraffic, app.CleartextAllowed)
	}
	if !app.AllowBackup || app.Debuggable {
		t.Errorf("allowBackup %v debuggable %v", app.AllowBackup, app.Debuggable)
	}
	if strings.Join(app.Queries, ",") != "com.tencent.mm" {
		t.Errorf("queries = %v", app.Queries)
	}
	nc := app.NetworkSecurity
	if nc == nil {
		t.Fatal("no network security config")
	}
	if nc.File != "res/xml/network_security_config.xml" || nc.CleartextDefault == nil || !*nc.CleartextDefault ||
		!nc.TrustsUserCAs || strings.Join(nc.CleartextDomains, ",") != "log.leaky.example.cn" || strings.Join(nc.Pins, ",") != "api.leaky.example.cn" {
		t.Errorf("network security = %+v", *nc)
	}
}

func TestLeakyComponents(t *testing.T) {
	app := analyzeLeaky(t)
	got := map[string]string{}
	for _, c := range app.Components {
		got[c.Name] = c.Kind + "/" + map[bool]string{true: "exported", false: "private"}[c.Exported]
	}
	p := "cn.ceping.fixture.leaky."
	want := map[string]string{
		p + "MainActivity":                         "activity/exported", // implicit: has intent filters
		p + "SettingsActivity":                     "activity/private",  // implicit: no filter
		p + "ShareActivity":                        "activity/private",  // explicit false beats its filter
		p + "BootReceiver":                         "receiver/exported", // implicit: BOOT_COMPLETED filter
		p + "SyncService":                          "service/exported",  // explicit
		p + "UploadJob":                            "service/private",
		p + "DataProvider":                         "provider/private", // targetSdk 22 >= 17
		"com.umeng.commonsdk.statistics.UMService": "service/private",
	}
	if len(got) != len(want) {
		t.Errorf("components = %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	var ss []string
	for _, s := range app.SelfStart {
		ss = append(ss, strings.TrimPrefix(s.Component, p)+" "+s.Trigger)
	}
	sort.Strings(ss)
	wantSS := []string{
		"BootReceiver android.intent.action.BOOT_COMPLETED",
		"BootReceiver android.net.conn.CONNECTIVITY_CHANGE",
		"SyncService sync-adapter",
		"UploadJob job-service",
	}
	if strings.Join(ss, "\n") != strings.Join(wantSS, "\n") {
		t.Errorf("self-start =\n%s\nwant\n%s", strings.Join(ss, "\n"), strings.Join(wantSS, "\n"))
	}
}

func TestEffectiveExported(t *testing.T) {
	tr, fa := true, false
	cases := []struct {
		kind     string
		explicit *bool
		filter   bool
		target   int
		want     bool
	}{
		{"activity", nil, true, 22, true},
		{"activity", nil, false, 22, false},
		{"activity", &fa, true, 22, false},
		{"activity", &tr, false, 33, true},
		{"activity", nil, true, 31, true}, // install fails on 12+, older platforms export it
		{"activity-alias", nil, true, 28, true},
		{"service", nil, false, 10, false},
		{"receiver", nil, true, 30, true},
		{"receiver", &fa, true, 30, false},
		{"provider", nil, false, 16, true},
		{"provider", nil, false, 17, false},
		{"provider", nil, true, 17, false}, // filters do not export providers
		{"provider", &tr, false, 30, true},
		{"provider", &fa, false, 10, false},
	}
	for _, c := range cases {
		if got := effectiveExported(c.kind, c.explicit, c.filter, c.target); got != c.want {
			t.Errorf("%s explicit=%v filter=%v target=%d: got %v want %v", c.kind, c.explicit, c.filter, c.target, got, c.want)
		}
	}
}

// TestLeakyExactFindings asserts the exact set of sensitive calls (API,
// caller class, SDK) and SDKs in the fixture, and nothing else.
func TestLeakyExactFindings(t *testing.T) {
	app := analyzeLeaky(t)
	var got []string
	for _, c := range app.SensitiveCalls {
		got = append(got, c.API+" | "+c.Caller+" | "+c.SDK)
	}
	sort.Strings(got)
	want := []string{
		"android/content/ContentResolver.query | com.umeng.commonsdk.statistics.ContactsReader | umeng-common",
		"android/location/LocationManager.getLastKnownLocation | cn.ceping.fixture.leaky.Locator | ",
		"android/net/wifi/WifiInfo.getMacAddress | com.umeng.commonsdk.UMConfigure | umeng-common",
		"android/provider/Settings$Secure.getString | cn.ceping.fixture.leaky.DeviceIds | ",
		"android/telephony/TelephonyManager.getDeviceId | cn.ceping.fixture.leaky.DeviceIds | ",
		"android/telephony/TelephonyManager.getSubscriberId | com.umeng.commonsdk.UMConfigure | umeng-common",
		"content://contacts | com.umeng.commonsdk.statistics.ContactsReader | umeng-common",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("sensitive calls =\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	for _, c := range app.SensitiveCalls {
		if c.API == "content://contacts" && (c.Kind != "string" || c.PIType != "contacts" || c.Method != "read") {
			t.Errorf("content URI hit = %+v", c)
		}
		if c.API == "android/telephony/TelephonyManager.getDeviceId" && (c.PIType != "imei" || c.Method != "getImei" || c.Dex != "classes.dex") {
			t.Errorf("getDeviceId hit = %+v", c)
		}
	}
	if len(app.SDKs) != 1 {
		t.Fatalf("sdks = %+v, want only umeng-common", app.SDKs)
	}
	s := app.SDKs[0]
	if s.ID != "umeng-common" || !s.Active || !contains(s.Matched, "class:com.umeng.commonsdk.") {
		t.Errorf("sdk = %+v", s)
	}
	if app.Packer != nil {
		t.Errorf("packer = %+v", app.Packer)
	}
	eps := map[string]string{}
	for _, e := range app.Endpoints {
		eps[e.Value] = e.Where + " " + e.SDK
	}
	wantEP := map[string]string{
		"https://api.leaky.example.cn/v1/report":    "classes.dex ",
		"http://log.leaky.example.cn/collect?imei=": "classes.dex ",
		"https://ulogs.umeng.com/unify_logs":        "classes2.dex umeng-common",
		"https://api.leaky.example.cn/v1/config":    "assets/config.json ",
		"http://cdn.leaky.example.cn/static/":       "assets/config.json ",
		"https://www.leaky.example.cn/privacy.html": "resources.arsc ",
	}
	if len(eps) != len(wantEP) {
		t.Errorf("endpoints = %v", eps)
	}
	for k, v := range wantEP {
		if eps[k] != v {
			t.Errorf("endpoint %s = %q, want %q", k, eps[k], v)
		}
	}
	if len(app.Warnings) != 0 {
		t.Errorf("warnings: %v", app.Warnings)
	}
}

func TestLeakySigning(t *testing.T) {
	app := analyzeLeaky(t)
	if strings.Join(app.Signing.Schemes, ",") != "v1,v2,v3" {
		t.Errorf("schemes = %v", app.Signing.Schemes)
	}
	if len(app.Signing.Certificates) != 1 {
		t.Fatalf("certificates = %+v", app.Signing.Certificates)
	}
	c := app.Signing.Certificates[0]
	if !strings.Contains(c.Subject, "CN=ceping fixture TEST KEY") || c.Subject != c.Issuer || len(c.SHA256) != 64 || c.Serial == "" {
		t.Errorf("certificate = %+v", c)
	}
}

// TestBareManifest analyses the fixture's AndroidManifest.xml alone.
func TestBareManifest(t *testing.T) {
	zr, err := zip.OpenReader(leakyPath())
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	var b []byte
	for _, f := range zr.File {
		if f.Name == "AndroidManifest.xml" {
			rc, _ := f.Open()
			b, _ = io.ReadAll(rc)
			rc.Close()
		}
	}
	app, err := AnalyzeReader(bytes.NewReader(b), int64(len(b)), "AndroidManifest.xml", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if app.Package != "cn.ceping.fixture.leaky" || app.TargetSDK != 22 || len(app.Permissions) != 7 || len(app.Components) != 8 {
		t.Errorf("bare manifest: %s target %d, %d permissions, %d components", app.Package, app.TargetSDK, len(app.Permissions), len(app.Components))
	}
	if app.Label != "@0x7F030000" {
		t.Errorf("label without resources = %q, want the unresolved reference", app.Label)
	}
}

// zipWith builds a zip from name → content.
func zipWith(t testing.TB, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		w, err := zw.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e[1]))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func leakyManifest(t testing.TB) string {
	t.Helper()
	zr, err := zip.OpenReader(leakyPath())
	if err != nil {
		t.Fatal(err)
	}
	defer zr.Close()
	for _, f := range zr.File {
		if f.Name == "AndroidManifest.xml" {
			rc, _ := f.Open()
			b, _ := io.ReadAll(rc)
			rc.Close()
			return string(b)
		}
	}
	t.Fatal("no manifest")
	return ""
}

func TestZipBomb(t *testing.T) {
	m := leakyManifest(t)
	big := strings.Repeat("\x00", 4<<20) // compresses to a few KB
	data := zipWith(t, [2]string{"AndroidManifest.xml", m}, [2]string{"classes.dex", big})
	_, err := AnalyzeReader(bytes.NewReader(data), int64(len(data)), "bomb.apk", Options{MaxEntrySize: 1 << 20})
	if err == nil || !strings.Contains(err.Error(), `"classes.dex"`) || !strings.Contains(err.Error(), "bomb.apk") {
		t.Fatalf("err = %v, want a size error naming bomb.apk and classes.dex", err)
	}
	_, err = AnalyzeReader(bytes.NewReader(data), int64(len(data)), "bomb.apk", Options{MaxTotalSize: 2 << 20})
	if err == nil || !strings.Contains(err.Error(), "total") {
		t.Fatalf("err = %v, want the total limit", err)
	}
	_, err = AnalyzeReader(bytes.NewReader(data), int64(len(data)), "many.apk", Options{MaxEntries: 1})
	if err == nil || !strings.Contains(err.Error(), "2 entries") {
		t.Fatalf("err = %v, want the entry-count limit", err)
	}
}

func TestZipLyingSize(t *testing.T) {
	// An entry whose header declares 10 bytes but inflates to 1 MiB.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("AndroidManifest.xml")
	w.Write([]byte(leakyManifest(t)))
	var comp bytes.Buffer
	{
		// deflate 1 MiB of zeros with the zip package's own compressor
		var tmp bytes.Buffer
		tz := zip.NewWriter(&tmp)
		tw, _ := tz.Create("x")
		tw.Write(make([]byte, 1<<20))
		tz.Close()
		zr, _ := zip.NewReader(bytes.NewReader(tmp.Bytes()), int64(tmp.Len()))
		rc, _ := zr.File[0].OpenRaw()
		io.Copy(&comp, rc)
	}
	raw, err := zw.CreateRaw(&zip.FileHeader{Name: "classes.dex", Method: zip.Deflate, CompressedSize64: uint64(comp.Len()), UncompressedSize64: 10})
	if err != nil {
		t.Fatal(err)
	}
	raw.Write(comp.Bytes())
	zw.Close()
	_, err = AnalyzeReader(bytes.NewReader(buf.Bytes()), int64(buf.Len()), "liar.apk", Options{})
	if err == nil || !strings.Contains(err.Error(), `"classes.dex"`) {
		t.Fatalf("err = %v, want an error naming classes.dex", err)
	}
}

func TestHostileNames(t *testing.T) {
	dir := t.TempDir()
	wd, _ := os.Getwd()
	defer os.Chdir(wd)
	os.Chdir(dir)
	data := zipWith(t, [2]string{"AndroidManifest.xml", leakyManifest(t)}, [2]string{"../../evil.txt", "http://evil.example.com/x"}, [2]string{"/abs/evil", "x"})
	app, err := AnalyzeReader(bytes.NewReader(data), int64(len(data)), "names.apk", Options{})
	if err != nil {
		t.Fatal(err)
	}
	if app.Package != "cn.ceping.fixture.leaky" {
		t.Errorf("package = %q", app.Package)
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 0 {
		t.Errorf("files written to the working directory: %v", ents)
	}
	if _, err := os.Stat(dir + "/../../evil.txt"); err == nil {
		t.Errorf("evil.txt was written")
	}
}

func TestNotAnAPK(t *testing.T) {
	for name, data := range map[string][]byte{
		"empty.apk":    nil,
		"text.apk":     []byte("hello, not a zip"),
		"nomanif.apk":  zipWith(t, [2]string{"classes.dex", "dex\n035\x00"}),
		"badmanif.apk": zipWith(t, [2]string{"AndroidManifest.xml", "\x03\x00\x08\x00\xff\xff\xff\x7f"}),
	} {
		_, err := AnalyzeReader(bytes.NewReader(data), int64(len(data)), name, Options{})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v, want an error naming the file", name, err)
		}
	}
}

func readAll(p string) ([]byte, error) { return os.ReadFile(p) }
