package main

import (
	"archive/zip"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"howett.net/plist"
)

// TestCLIApkIPA: `ceping apk` recognises an IPA by its content and reports
// the bundle, purpose strings and frameworks.
func TestCLIApkIPA(t *testing.T) {
	info := map[string]any{
		"CFBundleIdentifier":                  "cn.ceping.fixture.ios",
		"CFBundleShortVersionString":          "2.1",
		"CFBundleVersion":                     "210",
		"MinimumOSVersion":                    "13.0",
		"NSLocationWhenInUseUsageDescription": "用于展示附近门店",
		"NSContactsUsageDescription":          "用于推荐好友",
	}
	pl, err := plist.Marshal(info, plist.BinaryFormat)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "app.ipa")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	for name, data := range map[string][]byte{
		"Payload/Demo.app/Info.plist":                                   pl,
		"Payload/Demo.app/Demo":                                         []byte("\xcf\xfa\xed\xfe"),
		"Payload/Demo.app/Frameworks/AFNetworking.framework/Info.plist": pl,
	} {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	out, stderr, code := runCeping(t, "apk", path, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var app struct {
		Platform          string `json:"platform"`
		Package           string `json:"package"`
		VersionName       string `json:"version_name"`
		MinOS             string `json:"min_os"`
		UsageDescriptions []struct {
			Key     string   `json:"key"`
			PITypes []string `json:"pi_types"`
		} `json:"usage_descriptions"`
	}
	if err := json.Unmarshal([]byte(out), &app); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if app.Platform != "ios" || app.Package != "cn.ceping.fixture.ios" || app.VersionName != "2.1" || app.MinOS != "13.0" || len(app.UsageDescriptions) != 2 {
		t.Fatalf("IPA analysis: %+v", app)
	}
	for _, u := range app.UsageDescriptions {
		if u.Key == "NSLocationWhenInUseUsageDescription" && (len(u.PITypes) == 0 || u.PITypes[0] != "location") {
			t.Errorf("%s → %v, want location", u.Key, u.PITypes)
		}
	}
}
