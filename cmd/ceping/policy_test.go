package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/probes/policy"
)

// TestPolicyCLIJSON runs the real binary on the demo policy and checks the
// JSON against a direct Parse of the same file.
func TestPolicyCLIJSON(t *testing.T) {
	path := testutil.Path("fixtures", "demo", "policy.html")
	stdout, stderr, code := runCeping(t, "policy", "--json", path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got policy.Policy
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("JSON: %v\n%s", err, stdout)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	want, err := policy.Parse(data, path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.PITypes, want.PITypes) || !reflect.DeepEqual(got.Functions, want.Functions) ||
		!reflect.DeepEqual(got.SDKs, want.SDKs) || !reflect.DeepEqual(got.Checks, want.Checks) || !reflect.DeepEqual(got.Rights, want.Rights) {
		t.Errorf("CLI JSON differs from Parse")
	}
	if len(got.Functions) != 4 || got.SDKs[0].ID != "umeng-analytics" || got.Operator.Value != "泄漏演示科技有限公司" {
		t.Errorf("functions %d, sdk %+v, operator %+v", len(got.Functions), got.SDKs, got.Operator)
	}
	// snake_case keys, as documented.
	for _, k := range []string{`"pi_types"`, `"cross_border": "no_transfer"`, `"reply_workdays": 15`, `"unattributed_pi_types"`} {
		if !strings.Contains(stdout, k) {
			t.Errorf("JSON lacks %s", k)
		}
	}
}

// TestPolicyCLITables checks the tables of a failing policy name what the
// fixture lacks.
func TestPolicyCLITables(t *testing.T) {
	stdout, stderr, code := runCeping(t, "policy", testutil.Path("fixtures", "policies", "bad-vague.txt"))
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{
		"运营者：（未找到）",
		"借款", "面部识别特征 face", "（未对应业务功能）", "身份证件号码 id_card",
		"删除      │ （未说明方法）",
		"承诺 30 天内答复",
		"符合 3，不符合 19，待确认 3",
	} {
		if !strings.Contains(stdout, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(stdout)
	}
}

func TestPolicyCLIErrors(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "app.bin")
	if err := os.WriteFile(bin, []byte("\x7fELF\x00\x00\x00"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"policy"}, 2, "give a FILE or --session DIR"},
		{[]string{"policy", filepath.Join(dir, "missing.html")}, 1, "no such file"},
		{[]string{"policy", bin}, 1, bin + ": binary data"},
	} {
		_, stderr, code := runCeping(t, tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d with %q", tc.args, code, stderr, tc.code, tc.msg)
		}
	}
}

// TestAutoPolicy: the evaluators' view keeps the declarations and answers
// SDK questions by kb id and by name.
func TestAutoPolicy(t *testing.T) {
	path := testutil.Path("fixtures", "policies", "good-shop.html")
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := policy.Parse(data, path)
	if err != nil {
		t.Fatal(err)
	}
	a := autoPolicy(p)
	if !reflect.DeepEqual(a.PITypes, p.PITypes) || !reflect.DeepEqual(a.Permissions, p.Permissions) || len(a.SDKs) != 4 {
		t.Errorf("auto policy = %+v", a)
	}
	if !a.DeclaresSDK("jpush", "极光推送 JPush", "") || a.DeclaresSDK("umeng-push", "友盟推送 U-Push", "友盟同欣（北京）科技有限公司") {
		t.Error("DeclaresSDK: want jpush declared, umeng-push not")
	}
}
