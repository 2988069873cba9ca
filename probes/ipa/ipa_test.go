package ipa

import (
	"archive/zip"
	"bytes"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/ceping/ceping/evidence"
)

func buildIPA(t testing.TB, info map[string]any, format int, extra ...string) []byte {
	t.Helper()
	pb, err := plist.Marshal(info, format)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	add := func(name string, b []byte) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(b)
	}
	add("Payload/Leaky.app/Info.plist", pb)
	add("Payload/Leaky.app/Leaky", []byte("\xcf\xfa\xed\xfe"))
	for _, e := range extra {
		add(e, []byte("x"))
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func leakyInfo() map[string]any {
	return map[string]any{
		"CFBundleIdentifier":                  "cn.ceping.fixture.leaky",
		"CFBundleShortVersionString":          "1.2.3",
		"CFBundleVersion":                     "45",
		"CFBundleDisplayName":                 "Leaky 泄露示例",
		"MinimumOSVersion":                    "13.0",
		"NSCameraUsageDescription":            "扫码需要使用相机",
		"NSLocationWhenInUseUsageDescription": "为您推荐附近的门店",
		"NSContactsUsageDescription":          "邀请好友",
		"UIBackgroundModes":                   []string{"location"},
		"NSAppTransportSecurity": map[string]any{
			"NSAllowsArbitraryLoads": true,
			"NSExceptionDomains": map[string]any{
				"log.leaky.example.cn": map[string]any{"NSExceptionAllowsInsecureHTTPLoads": true, "NSIncludesSubdomains": true},
			},
		},
	}
}

func TestIPA(t *testing.T) {
	for _, format := range []int{plist.XMLFormat, plist.BinaryFormat} {
		data := buildIPA(t, leakyInfo(), format,
			"Payload/Leaky.app/Frameworks/UMCommon.framework/UMCommon",
			"Payload/Leaky.app/Frameworks/UMCommon.framework/Info.plist",
			"Payload/Leaky.app/Frameworks/MyOwn.framework/MyOwn",
		)
		app, err := AnalyzeReader(bytes.NewReader(data), int64(len(data)), "leaky.ipa", Options{})
		if err != nil {
			t.Fatal(err)
		}
		if app.Platform != "ios" || app.Package != "cn.ceping.fixture.leaky" || app.VersionName != "1.2.3" || app.VersionCode != 45 ||
			app.MinOS != "13.0" || app.Label != "Leaky 泄露示例" || len(app.SHA256) != 64 {
			t.Errorf("identity = %+v", app)
		}
		var keys []string
		pis := map[string]string{}
		for _, u := range app.UsageDescriptions {
			keys = append(keys, u.Key)
			pis[u.Key] = strings.Join(u.PITypes, ",")
		}
		if strings.Join(keys, " ") != "NSCameraUsageDescription NSContactsUsageDescription NSLocationWhenInUseUsageDescription" {
			t.Errorf("usage keys = %v", keys)
		}
		if pis["NSCameraUsageDescription"] != "camera" || pis["NSContactsUsageDescription"] != "contacts" || !strings.Contains(pis["NSLocationWhenInUseUsageDescription"], "location") {
			t.Errorf("usage PI types = %v", pis)
		}
		if app.UsageDescriptions[0].Text != "扫码需要使用相机" {
			t.Errorf("purpose text = %q", app.UsageDescriptions[0].Text)
		}
		want := "NSAllowsArbitraryLoads|log.leaky.example.cn: NSExceptionAllowsInsecureHTTPLoads=true, NSIncludesSubdomains=true"
		if strings.Join(app.ATSExceptions, "|") != want || !app.CleartextAllowed {
			t.Errorf("ATS = %q cleartext %v", app.ATSExceptions, app.CleartextAllowed)
		}
		if len(app.SDKs) != 1 || app.SDKs[0].ID != "umeng-common" || strings.Join(app.SDKs[0].Matched, ",") != "framework:UMCommon.framework" {
			t.Errorf("sdks = %+v", app.SDKs)
		}
	}
}

func TestIPAErrors(t *testing.T) {
	noApp := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("Payload/readme.txt")
		w.Write([]byte("x"))
		zw.Close()
		return buf.Bytes()
	}()
	badPlist := func() []byte {
		var buf bytes.Buffer
		zw := zip.NewWriter(&buf)
		w, _ := zw.Create("Payload/A.app/Info.plist")
		w.Write([]byte("<?xml version=\"1.0\"?><plist><dict><key>a</key>"))
		zw.Close()
		return buf.Bytes()
	}()
	for name, data := range map[string][]byte{"text.ipa": []byte("not a zip"), "noapp.ipa": noApp, "badplist.ipa": badPlist} {
		_, err := AnalyzeReader(bytes.NewReader(data), int64(len(data)), name, Options{})
		if err == nil || !strings.Contains(err.Error(), name) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
	big := buildIPA(t, map[string]any{"CFBundleIdentifier": strings.Repeat("x", 1<<20)}, plist.XMLFormat)
	_, err := AnalyzeReader(bytes.NewReader(big), int64(len(big)), "big.ipa", Options{MaxPlistSize: 1 << 10})
	if err == nil || !strings.Contains(err.Error(), "Info.plist") {
		t.Errorf("big plist: err = %v", err)
	}
}

func FuzzPlist(f *testing.F) {
	for _, format := range []int{plist.XMLFormat, plist.BinaryFormat, plist.OpenStepFormat} {
		b, err := plist.Marshal(leakyInfo(), format)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ParseInfoPlist(newTestApp(), b)
	})
}

func newTestApp() *evidence.App { return &evidence.App{} }
