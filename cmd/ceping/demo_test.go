package main

import (
	"context"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/units"
)

// TestDemo runs the whole demo (fixture APK, real proxy on loopback, real
// HTTPS, markers through the control endpoint, policy, answers) and checks
// that the planted problems fail for their reasons, with evidence, and that
// the HTML report renders them in a real browser.
func TestDemo(t *testing.T) {
	out := t.TempDir()
	res, files, err := runDemo(context.Background(), out, testutil.Path("fixtures"), 3, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	j := res.Judgement
	if j.Summary.Verdict != units.Fail {
		t.Fatalf("App verdict %s, want 不符合", j.Summary.Verdict)
	}
	verdict := map[string]units.UnitResult{}
	for _, u := range j.Units {
		verdict[u.ID] = u
	}
	// The planted problems, and what their deciding automatic answer cites.
	planted := map[string]struct{ step, cites string }{
		"PIC-08": {"1", "targetSdkVersion 为 22"},
		"PIC-12": {"1", "imei"},
		"PIC-06": {"1", "location"},
		"PIS-04": {"2", "id_card"},
		"EPI-38": {"3", "t.appsflyer.com"},
		"PIC-28": {"2", "UMCommon"},
	}
	auto := map[string]units.StepAnswer{}
	for _, a := range res.Auto {
		auto[a.Unit+"."+a.Step] = a
	}
	for id, p := range planted {
		if v := verdict[id].Verdict; v != units.Fail {
			t.Errorf("%s = %s, want 不符合 (%s)", id, v, verdict[id].Reason)
		}
		a := auto[id+"."+p.step]
		if !strings.Contains(a.Note, p.cites) || len(a.Evidence) == 0 {
			t.Errorf("%s step %s: answer %s %q with %d evidence refs, want it to cite %q", id, p.step, a.Value, a.Note, len(a.Evidence), p.cites)
		}
	}
	// Consequences of the same plants, and nothing else fails.
	consequences := map[string]bool{"PIC-20": true, "EPI-08": true, "EPI-36": true}
	for _, u := range j.Units {
		if u.Verdict == units.Fail && planted[u.ID].step == "" && !consequences[u.ID] {
			t.Errorf("%s fails unexpectedly: %s", u.ID, u.Reason)
		}
	}
	for id, want := range map[string]units.Verdict{"EPI-37": units.Pending, "UPI-12": units.NotApplies, "RPI-08": units.Pass, "PIC-13": units.Pass, "PIC-02": units.Pass, "PIC-05": units.Pass} {
		if got := verdict[id].Verdict; got != want {
			t.Errorf("%s = %s, want %s (%s)", id, got, want, verdict[id].Reason)
		}
	}
	// RPI-08: nothing personal after the withdraw marker, by evidence.
	if a := auto["RPI-08.3"]; a.Value != units.No {
		t.Errorf("RPI-08 step 3 = %s (%s), want 否定", a.Value, a.Note)
	}

	// The report in a real browser.
	htmlPath := files["html"]
	if htmlPath == "" {
		t.Fatal("no HTML report")
	}
	dom := testutil.Chromium(t, htmlPath, "--dump-dom")
	doc, err := html.Parse(strings.NewReader(string(dom)))
	if err != nil {
		t.Fatal(err)
	}
	text := nodeText(doc)
	for _, want := range []string{"不符合（测评不通过）", "同意前收集的个人信息", "个人信息出境", "t.appsflyer.com", "52.0.0.10", "IP2Location LITE",
		"第三方 SDK 基本情况", "友盟", "时间线", "8675****4561"} {
		if !strings.Contains(text, want) {
			t.Errorf("rendered report lacks %q", want)
		}
	}
	if strings.Contains(string(dom), "867543031234561") {
		t.Error("raw IMEI in the report")
	}
	// Cited flows show their request line, without the query (which may
	// carry PI: the location polls put lat/lng there).
	if !strings.Contains(text, "POST https://api.leaky.example.cn/v1/device/register → 200（106.11.248.1 CN）") ||
		!strings.Contains(text, "GET https://api.leaky.example.cn/v1/nearby → 200") {
		t.Error("the evidence index lacks the cited flows' request lines")
	}
	if strings.Contains(text, "lat=39.9") {
		t.Error("a URL query with the location is in the report")
	}
	if !hasElement(doc, "svg") {
		t.Error("no timeline chart (svg) in the rendered report")
	}
	// Every key of report.json outside the judgement is documented.
	checkReportSchemaDoc(t, filepath.Join(out, "report", "report.json"))
	// Every format was written.
	for _, f := range []string{"report.json", "report.md", "report.txt", "report.html"} {
		if st, err := os.Stat(filepath.Join(out, "report", f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
}

func nodeText(n *html.Node) string { return testutil.DOMText(n) }

func hasElement(n *html.Node, tag string) bool {
	if n.Type == html.ElementNode && n.Data == tag {
		return true
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if hasElement(c, tag) {
			return true
		}
	}
	return false
}

// checkReportSchemaDoc checks that every object key in the report JSON
// (the judgement has its own page) is named in docs/schema-report.md.
func checkReportSchemaDoc(t *testing.T, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := os.ReadFile(testutil.Path("docs", "schema-report.md"))
	if err != nil {
		t.Fatal(err)
	}
	var v any
	if err := json.Unmarshal(data, &v); err != nil {
		t.Fatal(err)
	}
	keys := map[string]bool{}
	var walk func(any)
	walk = func(v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, c := range x {
				if k == "judgement" {
					continue
				}
				keys[k] = true
				walk(c)
			}
		case []any:
			for _, c := range x {
				walk(c)
			}
		}
	}
	walk(v)
	if len(keys) < 30 {
		t.Fatalf("only %d keys in the demo report: %v", len(keys), keys)
	}
	for k := range keys {
		if !strings.Contains(string(doc), "`"+k+"`") {
			t.Errorf("report.json key %q is not documented in docs/schema-report.md", k)
		}
	}
}
