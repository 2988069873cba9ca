package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/session"
)

func TestAPKCommandJSON(t *testing.T) {
	apkFile := testutil.Path("fixtures", "apps", "leaky.apk")
	out, errOut, code := runCeping(t, "apk", apkFile, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var got struct {
		Package     string `json:"package"`
		VersionCode int64  `json:"version_code"`
		VersionName string `json:"version_name"`
		MinSDK      int    `json:"min_sdk"`
		TargetSDK   int    `json:"target_sdk"`
		Permissions []struct {
			Name string `json:"name"`
		} `json:"permissions"`
		Components []struct {
			Kind     string `json:"kind"`
			Name     string `json:"name"`
			Exported bool   `json:"exported"`
		} `json:"components"`
		Dex []struct {
			Name       string `json:"name"`
			Classes    int    `json:"classes"`
			MethodRefs int    `json:"method_refs"`
		} `json:"dex"`
		Signing struct {
			Schemes      []string `json:"schemes"`
			Certificates []struct {
				SHA256 string `json:"sha256"`
			} `json:"certificates"`
		} `json:"signing"`
		SDKs []struct {
			ID string `json:"id"`
		} `json:"sdks"`
		SensitiveCalls []struct {
			API string `json:"api"`
		} `json:"sensitive_calls"`
		Endpoints []struct {
			Value string `json:"value"`
		} `json:"endpoints"`
		Packer *struct{} `json:"packer"`
	}
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatalf("JSON: %v\n%s", err, out)
	}
	if got.Package != "cn.ceping.fixture.leaky" || got.VersionCode != 7 || got.VersionName != "1.2.3-leaky" || got.MinSDK != 19 || got.TargetSDK != 22 {
		t.Errorf("identity = %+v", got)
	}
	if len(got.Permissions) != 7 || len(got.Components) != 8 || len(got.Dex) != 2 || got.Dex[0].Classes != 9 || got.Dex[0].MethodRefs != 29 {
		t.Errorf("permissions %d components %d dex %+v", len(got.Permissions), len(got.Components), got.Dex)
	}
	if len(got.Signing.Certificates) != 1 || len(got.Signing.Certificates[0].SHA256) != 64 || len(got.SDKs) != 1 || len(got.SensitiveCalls) != 7 || len(got.Endpoints) != 6 || got.Packer != nil {
		t.Errorf("signing %+v sdks %+v calls %d endpoints %d", got.Signing, got.SDKs, len(got.SensitiveCalls), len(got.Endpoints))
	}
}

func TestAPKCommandTablesAndSession(t *testing.T) {
	apkFile := testutil.Path("fixtures", "apps", "leaky.apk")
	dir := filepath.Join(t.TempDir(), "s1")
	out, errOut, code := runCeping(t, "apk", apkFile, "--session", dir)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{"cn.ceping.fixture.leaky", "BootReceiver", "android.intent.action.BOOT_COMPLETED", "umeng-common", "（应用自身）", "TelephonyManager.getDeviceId"} {
		if !strings.Contains(out, want) {
			t.Errorf("table output lacks %q", want)
		}
	}
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	app, err := st.App()
	if err != nil || app == nil {
		t.Fatalf("stored app: %v %v", app, err)
	}
	if app.Package != "cn.ceping.fixture.leaky" || len(app.SensitiveCalls) != 7 || len(app.Components) != 8 {
		t.Errorf("stored app = %s, %d calls, %d components", app.Package, len(app.SensitiveCalls), len(app.Components))
	}
}

func TestAPKCommandBadFile(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "broken.apk")
	if err := os.WriteFile(bad, []byte("not a zip at all"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, errOut, code := runCeping(t, "apk", bad)
	if code != 1 || !strings.Contains(errOut, "broken.apk") {
		t.Errorf("exit %d stderr %q, want 1 and the file named", code, errOut)
	}
}
