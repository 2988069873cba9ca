package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/session"
)

// scriptedSession writes a small real session: app start, the IMEI sent
// before consent, consent, a hashed OAID to a US host, location in cleartext.
func scriptedSession(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "s")
	st, err := session.Create(dir, session.Meta{App: "scripted"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	t0 := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	mark := func(s float64, k evidence.MarkerKind) {
		if _, err := st.AddMarker(evidence.Marker{Time: at(s), Kind: k}); err != nil {
			t.Fatal(err)
		}
	}
	flow := func(s float64, method, url, host, ip, body string) {
		scheme := strings.SplitN(url, ":", 2)[0]
		f := &evidence.Flow{Source: evidence.Source("proxy"), Start: at(s), End: at(s + 0.1), Method: method, URL: url, Host: host,
			ServerIP: ip, ServerPort: map[string]int{"http": 80, "https": 443}[scheme], Scheme: scheme, Status: 200, Proto: "HTTP/1.1",
			ReqHeaders: []evidence.Header{{Name: "Content-Type", Value: "application/json"}},
			ReqBody:    evidence.Body{Raw: []byte(body), Size: int64(len(body))}}
		if _, err := st.AddFlow(f); err != nil {
			t.Fatal(err)
		}
	}
	mark(0, evidence.MarkAppStart)
	flow(1, "POST", "https://api.leaky.example.cn/v1/register", "api.leaky.example.cn", "106.11.248.1", `{"imei":"867543031234561","androidId":"3f2a9c1be07d4a56"}`)
	mark(2, evidence.MarkConsent)
	flow(3, "POST", "https://t.appsflyer.com/api/v6/androidevent", "t.appsflyer.com", "52.0.0.10", `{"oaid_md5":"`+md5hex("7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10")+`"}`)
	flow(4, "POST", "http://log.leaky.example.cn/realname", "log.leaky.example.cn", "140.205.60.46", `{"idNo":"110105199003071239","mobile":"13812345678"}`)
	data, err := os.ReadFile(testutil.Path("fixtures", "demo", "device.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "device.yaml"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestCLIAnalyzeSession(t *testing.T) {
	dir := scriptedSession(t)
	out, stderr, code := runCeping(t, "analyze", "--session", dir, "--json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var r struct {
		Observations []struct {
			FlowID   int64  `json:"flow_id"`
			PIType   string `json:"pi_type"`
			Encoding string `json:"encoding"`
			Phase    string `json:"phase"`
			Host     string `json:"host"`
			IP       string `json:"ip"`
			Country  string `json:"country"`
			Party    string `json:"party"`
			Masked   string `json:"masked"`
		} `json:"observations"`
		CrossBorder  []struct{ Host, Country string } `json:"cross_border"`
		Frequency    []json.RawMessage                `json:"frequency"`
		ThirdParties []struct{ SDK string }           `json:"third_parties"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("analyze --json: %v\n%s", err, out)
	}
	seen := map[string]string{}
	for _, o := range r.Observations {
		seen[o.PIType+"@"+o.Host] = o.Phase + "/" + o.Country + "/" + o.Encoding
		if strings.Contains(out, "867543031234561") {
			t.Fatal("raw IMEI in the output without --reveal")
		}
	}
	for k, want := range map[string]string{
		"imei@api.leaky.example.cn":         "before-consent/CN/",
		"oaid@t.appsflyer.com":              "after-consent/US/md5",
		"id_card@log.leaky.example.cn":      "after-consent/CN/",
		"phone_number@log.leaky.example.cn": "after-consent/CN/",
	} {
		got, ok := seen[k]
		if !ok {
			t.Errorf("no observation %s (have %v)", k, seen)
			continue
		}
		if !strings.HasPrefix(got, strings.TrimSuffix(want, "/")) && !strings.HasPrefix(got+"/", want) {
			t.Errorf("%s: %s, want %s", k, got, want)
		}
	}
	if len(r.CrossBorder) != 1 || r.CrossBorder[0].Host != "t.appsflyer.com" || r.CrossBorder[0].Country != "US" {
		t.Errorf("cross_border = %+v", r.CrossBorder)
	}
	// Findings are stored in the session.
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs, err := st.Findings()
	if err != nil || len(fs) < 4 {
		t.Fatalf("stored findings: %d, %v", len(fs), err)
	}
}

func TestCLIRunSession(t *testing.T) {
	dir := scriptedSession(t)
	out := filepath.Join(t.TempDir(), "report")
	stdout, stderr, code := runCeping(t, "run", "--session", dir, "--policy", testutil.Path("fixtures", "demo", "policy.html"),
		"--answers", testutil.Path("fixtures", "demo", "answers.yaml"), "--meta", testutil.Path("fixtures", "demo", "meta.yaml"), "--out", out)
	if code != exitJudgeFail {
		t.Fatalf("exit %d, want %d (不符合)\n%s\n%s", code, exitJudgeFail, stdout, stderr)
	}
	for _, want := range []string{"总体结论：不符合", "PIC-12", "PIS-04", "EPI-38", "report.html"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("summary lacks %q:\n%s", want, stdout)
		}
	}
	var rep struct {
		Schema    string `json:"schema"`
		Judgement struct {
			Units []struct{ ID, Verdict string } `json:"units"`
		} `json:"judgement"`
		Evidence struct {
			PIBeforeConsent []struct {
				PIType string `json:"pi_type"`
			} `json:"pi_before_consent"`
			CrossBorder []struct{ Host string } `json:"cross_border"`
		} `json:"evidence"`
	}
	data, err := os.ReadFile(filepath.Join(out, "report.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	verdict := map[string]string{}
	for _, u := range rep.Judgement.Units {
		verdict[u.ID] = u.Verdict
	}
	if len(verdict) != 157 {
		t.Fatalf("%d units in the report", len(verdict))
	}
	for id, want := range map[string]string{"PIC-12": "不符合", "PIS-04": "不符合", "EPI-38": "不符合", "UPI-12": "不适用", "EPI-37": "待定", "RPI-01": "符合"} {
		if verdict[id] != want {
			t.Errorf("%s = %s, want %s", id, verdict[id], want)
		}
	}
	if len(rep.Evidence.PIBeforeConsent) == 0 || len(rep.Evidence.CrossBorder) != 1 {
		t.Errorf("evidence sections: %+v", rep.Evidence)
	}
	for _, f := range []string{"report.html", "report.md", "report.txt"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func TestCLIJudgeSession(t *testing.T) {
	dir := scriptedSession(t)
	stdout, stderr, code := runCeping(t, "judge", "--session", dir, "--answers", testutil.Path("fixtures", "demo", "answers.yaml"), "--json")
	if code != exitJudgeFail {
		t.Fatalf("exit %d, want %d\n%s", code, exitJudgeFail, stderr)
	}
	var out struct {
		Schema string `json:"schema"`
		Units  []struct{ ID, Verdict string }
	}
	if err := json.Unmarshal([]byte(stdout), &out); err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, u := range out.Units {
		got[u.ID] = u.Verdict
	}
	// Without a policy, the evidence alone fails PIC-12 and EPI-38.
	if out.Schema != JudgeSchema || len(got) != 157 || got["PIC-12"] != "不符合" || got["EPI-38"] != "不符合" {
		t.Fatalf("schema %s, %d units, PIC-12 %s, EPI-38 %s", out.Schema, len(got), got["PIC-12"], got["EPI-38"])
	}
	if _, err := os.Stat(filepath.Join(dir, "report", "report.html")); err != nil {
		t.Errorf("judge --session writes the report as run does: %v", err)
	}
}

func TestCLIAnalyzeFirstParty(t *testing.T) {
	dir := scriptedSession(t)
	party := func(args ...string) map[string]string {
		t.Helper()
		out, stderr, code := runCeping(t, append([]string{"analyze", "--session", dir, "--json"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
		var r struct {
			Observations []struct{ Host, Party string } `json:"observations"`
		}
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, o := range r.Observations {
			m[o.Host] = o.Party
		}
		return m
	}
	// No package facts: nothing is known to be the app's own.
	if p := party(); p["api.leaky.example.cn"] != "third" {
		t.Fatalf("without --first-party: %v", p)
	}
	p := party("--first-party", "leaky.example.cn")
	if p["api.leaky.example.cn"] != "first" || p["log.leaky.example.cn"] != "first" || p["t.appsflyer.com"] != "third" {
		t.Fatalf("with --first-party: %v", p)
	}
}

func TestCLIAnswersTemplateSession(t *testing.T) {
	dir := scriptedSession(t)
	out, stderr, code := runCeping(t, "answers", "template", "--session", dir, "--units", "PIC-12,EPI-38,PIC-01")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"ceping 自动回答：否定（技术检测）用户同意隐私政策前", "ceping 自动回答：肯定（技术检测）个人信息（oaid）被发送至境外（US）"} {
		if !strings.Contains(out, want) {
			t.Errorf("template lacks %q", want)
		}
	}
	// The template stays a valid answers file that answers nothing yet.
	p := filepath.Join(t.TempDir(), "a.yaml")
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, stderr, code := runCeping(t, "judge", "--answers", p); code != exitJudgePending {
		t.Fatalf("judge on the untouched template: exit %d, want %d (待定): %s", code, exitJudgePending, stderr)
	}
}
