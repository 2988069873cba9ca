package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/probes/policy"
	"github.com/ceping/ceping/session"
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
	if len(got.Functions) != 6 || len(got.SDKs) != 1 || got.SDKs[0].ID != "amap-map" || got.Operator.Value != "泄漏演示科技有限公司" {
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

// TestPolicyCLISession captures the policy page in a real session store,
// lets the command pick it among other flows, and reads the stored analysis
// back.
func TestPolicyCLISession(t *testing.T) {
	html, err := os.ReadFile(testutil.Path("fixtures", "policies", "good-shop.html"))
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "sess")
	st, err := session.Create(dir, session.Meta{App: "com.haowu.shop", Created: time.Now()})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	ctHTML := []evidence.Header{{Name: "Content-Type", Value: "text/html; charset=utf-8"}}
	flows := []*evidence.Flow{
		{Source: evidence.SourceProxy, Start: now, Method: "GET", URL: "https://api.haowu.example/v1/feed?imei=860000000000001", Host: "api.haowu.example",
			Scheme: "https", Status: 200, RespHeaders: []evidence.Header{{Name: "Content-Type", Value: "application/json"}}, RespBody: evidence.Body{Size: 2, Raw: []byte("{}")}},
		{Source: evidence.SourceProxy, Start: now.Add(time.Second), Method: "GET", URL: "https://m.haowu.example/privacy-policy.html?uid=13800138000", Host: "m.haowu.example",
			Scheme: "https", Status: 200, RespHeaders: ctHTML, RespBody: evidence.Body{Size: int64(len(html)), Raw: html}},
		{Source: evidence.SourceProxy, Start: now.Add(2 * time.Second), Method: "GET", URL: "https://m.haowu.example/privacy-404", Host: "m.haowu.example",
			Scheme: "https", Status: 404, RespHeaders: ctHTML, RespBody: evidence.Body{Size: 9, Raw: []byte("not found")}},
	}
	if err := st.AddFlows(flows); err != nil {
		t.Fatal(err)
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}

	stdout, stderr, code := runCeping(t, "policy", "--session", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got policy.Policy
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(got.Source, "https://m.haowu.example/privacy-policy.html") || strings.Contains(stdout+stderr, "13800138000") {
		t.Errorf("source = %q (the query, which may hold PI, must be dropped)", got.Source)
	}
	if len(got.Functions) != 7 || len(got.SDKs) != 4 || got.Operator.Value != "杭州好物优选网络科技有限公司" {
		t.Errorf("functions %d, sdks %d, operator %+v", len(got.Functions), len(got.SDKs), got.Operator)
	}

	st, err = session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var stored policy.Policy
	ok, err := st.GetJSON("policy", &stored)
	if err != nil || !ok {
		t.Fatalf("GetJSON(policy) = %v, %v", ok, err)
	}
	if !reflect.DeepEqual(stored.Functions, got.Functions) || !reflect.DeepEqual(stored.Checks, got.Checks) {
		t.Error("stored analysis differs from the printed one")
	}

	_, stderr, code = runCeping(t, "policy", "--session", dir, "--url-contains", "terms-of-service")
	if code != 1 || !strings.Contains(stderr, `none of the 3 captured flows`) {
		t.Errorf("no match: exit %d, %q", code, stderr)
	}
}
