package reports

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/mattn/go-runewidth"
	"golang.org/x/net/html"

	"github.com/ceping/ceping/units"
)

func render(t testing.TB, format string, r *Report) string {
	t.Helper()
	var buf bytes.Buffer
	if err := Encode(&buf, format, r); err != nil {
		t.Fatalf("%s: %v", format, err)
	}
	return buf.String()
}

// noRawControls fails when output carries characters that could act on a
// terminal or change how text reads.
func noRawControls(t *testing.T, name, out string) {
	t.Helper()
	for i, r := range out {
		if r == '\n' {
			continue
		}
		if r == 0x1b || r == 0 || r == 0x7f || (r < 0x20 && r != '\t') || (r >= 0x80 && r < 0xa0) || isBidi(r) {
			t.Fatalf("%s: raw control U+%04X at byte %d: %q", name, r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
}

func TestFormats(t *testing.T) {
	if got, want := Formats(), []string{"terminal", "json", "markdown", "html"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("Formats() = %v, want %v", got, want)
	}
	for _, alias := range []string{"txt", "md", "HTML"} {
		if out := render(t, alias, sampleReport()); out == "" {
			t.Errorf("alias %q rendered nothing", alias)
		}
	}
	err := Encode(&bytes.Buffer{}, "pdf", sampleReport())
	if err == nil || !strings.Contains(err.Error(), `"pdf"`) || !strings.Contains(err.Error(), "markdown") {
		t.Fatalf("unknown format: err = %v, want it to name the format and list the known ones", err)
	}
	if err := Encode(&bytes.Buffer{}, "json", &Report{}); err == nil || !strings.Contains(err.Error(), "no judgement") {
		t.Fatalf("nil judgement: err = %v", err)
	}
	if err := Encode(&bytes.Buffer{}, "json", nil); err == nil {
		t.Fatal("nil report: no error")
	}
	bad := sampleReport()
	bad.Evidence.Timeline.End = bad.Evidence.Timeline.Start.Add(-1)
	if err := Encode(&bytes.Buffer{}, "html", bad); err == nil || !strings.Contains(err.Error(), "timeline ends") {
		t.Fatalf("reversed timeline: err = %v", err)
	}
}

func TestWriteAll(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "out", "nested")
	paths, err := WriteAll(dir, sampleReport())
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"terminal": "report.txt", "json": "report.json", "markdown": "report.md", "html": "report.html"}
	if len(paths) != len(want) {
		t.Fatalf("paths = %v", paths)
	}
	for f, name := range want {
		if paths[f] != filepath.Join(dir, name) {
			t.Errorf("paths[%s] = %q, want %q", f, paths[f], filepath.Join(dir, name))
		}
		data, err := os.ReadFile(paths[f])
		if err != nil {
			t.Fatal(err)
		}
		if string(data) != render(t, f, sampleReport()) {
			t.Errorf("%s: file differs from Encode output", name)
		}
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 4 {
		t.Errorf("%d entries in the output dir, want 4 (no temporary files left)", len(ents))
	}
	// An output path that is a file gives an error naming it.
	f := filepath.Join(t.TempDir(), "file")
	os.WriteFile(f, nil, 0o644)
	if _, err := WriteAll(f, sampleReport()); err == nil {
		t.Fatal("WriteAll into a file: no error")
	}
}

// TestSampleContent checks what 5.2.4 requires is in every human format.
func TestSampleContent(t *testing.T) {
	for _, f := range []string{"terminal", "markdown", "html"} {
		out := render(t, f, sampleReport())
		if f == "html" {
			out = html.UnescapeString(out)
		}
		for _, want := range []string{
			"示例天气", "3.2.1 (321)", "android", "示例科技有限公司", // a)
			"某某测评中心", "张三", // b)
			"北京市海淀区", "2025-03-14 09:30:00 UTC+08:00", "tshark 4.4.1", "Google Pixel 6", "Android 13", // c)
			"25.0%", "不符合（测评不通过）", "Android 版全部 157 个测评单元", // d)
			"PIC-03", "步骤 2 未知，无法判定。", // e)
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: missing %q", f, want)
			}
		}
		if f == "terminal" {
			continue
		}
		for _, want := range []string{"答案冲突", "（采信）", "（未采信）", "#flow-12", "宜达到的测评单元", "PIS-09"} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: missing %q", f, want)
			}
		}
		for _, want := range []string{"8612****5678", "IP2Location LITE", "Example Ads Inc.", "READ_PHONE_STATE", "隐私政策：每小时 1 次", "未知的加密或压缩"} {
			if f == "markdown" {
				want = md(want)
			}
			if !strings.Contains(out, want) {
				t.Errorf("%s: missing %q", f, want)
			}
		}
	}
	// The advisory unit is not listed among the counted items.
	md := render(t, "markdown", sampleReport())
	items := md[strings.Index(md, "## 五、"):strings.Index(md, "### 测评项 6.1.1.1")]
	if strings.Contains(items, "PIS-09") {
		t.Error("advisory unit PIS-09 is in the counted items table")
	}
}

func TestHostileHTML(t *testing.T) {
	out := render(t, "html", hostileReport())
	noRawControls(t, "html", out)
	doc, err := html.Parse(strings.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	var text strings.Builder
	styles := 0
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode {
			switch n.Data {
			case "script", "img", "iframe", "object", "embed", "link", "base", "form", "meta":
				if n.Data != "meta" || hasAttr(n, "http-equiv") == "" && hasAttr(n, "charset") == "" && hasAttr(n, "name") == "" {
					t.Errorf("injected <%s> element", n.Data)
				}
			case "style":
				styles++
			}
			for _, a := range n.Attr {
				if strings.HasPrefix(strings.ToLower(a.Key), "on") {
					t.Errorf("<%s> has event handler %s=%q", n.Data, a.Key, a.Val)
				}
				if (a.Key == "href" || a.Key == "src") && !strings.HasPrefix(a.Val, "#") {
					t.Errorf("<%s> %s=%q points outside the document", n.Data, a.Key, a.Val)
				}
			}
		}
		if n.Type == html.TextNode && (n.Parent == nil || n.Parent.Data != "style") {
			text.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(doc)
	if styles != 1 {
		t.Errorf("%d <style> elements, want 1", styles)
	}
	txt := text.String()
	for _, h := range hostile[:4] {
		if !strings.Contains(txt, clean(h, true)) {
			t.Errorf("hostile string %q is not shown as text", h)
		}
	}
	if !strings.Contains(txt, "abc[U+202E]exe.txt") {
		t.Error("RTL override not shown as [U+202E]")
	}
	if !strings.Contains(txt, "RED") {
		t.Error("text around an ANSI escape lost")
	}
}

func hasAttr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// unescapedPipes counts the | that are table cell separators.
func unescapedPipes(line string) int {
	n, bs := 0, 0
	for _, r := range line {
		switch {
		case r == '\\':
			bs++
			continue
		case r == '|' && bs%2 == 0:
			n++
		}
		bs = 0
	}
	return n
}

func TestHostileMarkdown(t *testing.T) {
	out := render(t, "markdown", hostileReport())
	noRawControls(t, "markdown", out)
	// No raw HTML from input: every < is ours (<br>, <a id=…>).
	ours := regexp.MustCompile(`<br>|<a id="[A-Za-z0-9._-]+"></a>`)
	if rest := ours.ReplaceAllString(out, ""); strings.Contains(rest, "<") {
		i := strings.Index(rest, "<")
		t.Errorf("raw < in markdown: %q", rest[max(0, i-30):min(len(rest), i+30)])
	}
	// Links (an unescaped "](") only point at anchors in the document.
	for _, m := range regexp.MustCompile(`(?:^|[^\\])\]\(([^)]*)\)`).FindAllStringSubmatch(out, -1) {
		if !strings.HasPrefix(m[1], "#") {
			t.Errorf("link to %q", m[1])
		}
	}
	// Every table keeps its column count: no cell broke out.
	lines := strings.Split(out, "\n")
	cols := -1
	for i, l := range lines {
		if !strings.HasPrefix(l, "|") {
			cols = -1
			continue
		}
		n := unescapedPipes(l)
		if cols == -1 {
			cols = n
		} else if n != cols {
			t.Fatalf("line %d: %d separators, want %d: %q", i+1, n, cols, clip(l, 200))
		}
	}
	// Markdown emphasis from input stays literal.
	if !strings.Contains(out, `\| \*\* \[x\](javascript:alert(1))`) {
		t.Error("markdown syntax from input is not escaped as expected")
	}
}

func TestHostileTerminal(t *testing.T) {
	out := render(t, "terminal", hostileReport())
	noRawControls(t, "terminal", out)
	for i, l := range strings.Split(out, "\n") {
		if w := runewidth.StringWidth(l); w > termWidth+10 {
			t.Errorf("line %d is %d columns wide (max %d): %q", i+1, w, termWidth+10, clip(l, 80))
		}
	}
	if !strings.Contains(out, "<script>alert(1)</script>") {
		t.Error("hostile text not shown literally in the terminal format")
	}
}

func TestHostileJSON(t *testing.T) {
	r := hostileReport()
	out := render(t, "json", r)
	if strings.ContainsAny(out, "<>\x1b\x00") {
		t.Error("JSON output carries raw <, >, ESC or NUL")
	}
	back, err := Decode(strings.NewReader(out), "hostile.json")
	if err != nil {
		t.Fatal(err)
	}
	// Invalid UTF-8 becomes U+FFFD on the first encoding; after that the
	// JSON is a fixed point.
	again := render(t, "json", back)
	back2, err := Decode(strings.NewReader(again), "again.json")
	if err != nil {
		t.Fatal(err)
	}
	if third := render(t, "json", back2); third != again {
		t.Errorf("hostile strings did not survive the JSON round trip:\n%s", firstDiff([]byte(third), []byte(again)))
	}
	if back.Meta.Subject.Name != r.Meta.Subject.Name {
		t.Errorf("name %q became %q", r.Meta.Subject.Name, back.Meta.Subject.Name)
	}
}

func TestJSONRoundTrip(t *testing.T) {
	r := sampleReport()
	out := render(t, "json", r)
	back, err := Decode(strings.NewReader(out), "report.json")
	if err != nil {
		t.Fatal(err)
	}
	if back.Schema != Schema {
		t.Errorf("schema %q", back.Schema)
	}
	if again := render(t, "json", back); again != out {
		t.Errorf("re-encoding a decoded report changed it:\n%s", firstDiff([]byte(again), []byte(out)))
	}
	for _, f := range []string{"markdown", "html", "terminal"} {
		if render(t, f, back) != render(t, f, r) {
			t.Errorf("%s of the decoded report differs from the original", f)
		}
	}
	// Stable top-level field names.
	var top map[string]json.RawMessage
	json.Unmarshal([]byte(out), &top)
	for _, k := range []string{"schema", "meta", "judgement", "evidence"} {
		if _, ok := top[k]; !ok {
			t.Errorf("no top-level %q", k)
		}
	}
}

func TestDecodeJudge(t *testing.T) {
	j := sampleJudgement()
	data, _ := json.Marshal(struct {
		Schema string `json:"schema"`
		*units.Judgement
	}{JudgeSchema, j})
	r, err := Decode(bytes.NewReader(data), "judge.json")
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Judgement.Units) != len(j.Units) || r.Judgement.Summary.Verdict != units.Fail {
		t.Errorf("decoded judgement differs: %d units, verdict %s", len(r.Judgement.Units), r.Judgement.Summary.Verdict)
	}
	if render(t, "markdown", r) == "" {
		t.Error("empty render")
	}
}

func TestDecodeErrors(t *testing.T) {
	cases := []struct{ in, want string }{
		{``, "in.json:1:1: invalid JSON"},
		{"{\n  \"schema\": \"ceping.report/v1\",\n  \"meta\": {\"subject\": 5}\n}", "in.json:3:"},
		{`{"meta":{}}`, `no "schema" field`},
		{`{"schema":"other/v9"}`, `schema "other/v9" is not supported`},
		{`{"schema":"ceping.report/v1"}`, `no "judgement"`},
		{`{"schema":"ceping.judge/v1","units":[{"id":"PIC-01","verdict":"maybe"}]}`, `units[0] ("PIC-01"): verdict "maybe"`},
		{`{"schema":"ceping.judge/v1","units":[{"id":"X","verdict":"符合","steps":[{"answer":"是"}]}]}`, `steps[0]: answer "是"`},
		{`{"schema":"ceping.judge/v1","items":[{"number":"6.1","verdict":""}]}`, `items[0] ("6.1")`},
		{`{"schema":"ceping.judge/v1","summary":{"rate":2}}`, "rate 2 is outside"},
		{`{"schema":"ceping.judge/v1","summary":{"verdict":"不适用"}}`, `summary: verdict "不适用"`},
		{`{"schema":"ceping.report/v1","judgement":{},"evidence":{"timeline":{"start":"2025-01-02T00:00:00Z","end":"2025-01-01T00:00:00Z"}}}`, "timeline ends"},
	}
	for _, c := range cases {
		_, err := Decode(strings.NewReader(c.in), "in.json")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Decode(%q): err = %v, want it to contain %q", clip(c.in, 60), err, c.want)
		}
	}
}

func TestClean(t *testing.T) {
	cases := map[string]string{
		"plain":                     "plain",
		"\x1b[31mred\x1b[0m":        "red",
		"a\x1b]0;title\x07b":        "ab",
		"a\x1b]8;;http://x\x1b\\b":  "ab",
		"nul\x00":                   "nul",
		"tab\tnl\ncr\r":             "tab nl cr ",
		"\u202eevil":                "[U+202E]evil",
		"\u2066x\u2069":             "[U+2066]x[U+2069]",
		"\xff":                      "\ufffd",
		"c1\u009b31mx":              "c1x",
		"中文\u200f":                  "中文[U+200F]",
		"\x1b":                      "",
		"ok\u00e9":                  "ok\u00e9",
		"zero\u200bwidth stays":     "zero\u200bwidth stays",
		"line\u2028sep":             "line sep",
		"\x1b[" + "999999999999999": "",
	}
	for in, want := range cases {
		if got := clean(in, false); got != want {
			t.Errorf("clean(%q) = %q, want %q", in, got, want)
		}
	}
	if got := clean("a\r\nb", true); got != "a\nb" {
		t.Errorf("clean keepNewlines = %q", got)
	}
	for _, r := range clean(strings.Join(hostile, ""), true) {
		if r != '\n' && (unicode.IsControl(r) || isBidi(r)) {
			t.Errorf("clean left U+%04X", r)
		}
	}
}

func TestAnchor(t *testing.T) {
	cases := map[[2]string]string{
		{"flow", "12"}: "flow-12",
		{"manifest", "uses-permission/android.permission.CAMERA"}: "manifest-uses-permission_2fandroid.permission.CAMERA",
		{"a-b", "c"}:  "a_2db-c",
		{"a", "b-c"}:  "a-b-c",
		{"x", `"><`}:  "x-_22_3e_3c",
		{"unit", "中"}: "unit-_e4_b8_ad",
	}
	for in, want := range cases {
		if got := anchor(in[0], in[1]); got != want {
			t.Errorf("anchor(%q, %q) = %q, want %q", in[0], in[1], got, want)
		}
	}
	// Every link in the sample resolves to an anchor in the same document.
	for _, f := range []string{"html", "markdown"} {
		out := render(t, f, sampleReport())
		ids := map[string]bool{}
		for _, m := range regexp.MustCompile(`id="([^"]+)"`).FindAllStringSubmatch(out, -1) {
			ids[m[1]] = true
		}
		links := regexp.MustCompile(`(?:href="#|\]\(#)([^")]+)`).FindAllStringSubmatch(out, -1)
		if len(links) < 10 {
			t.Fatalf("%s: only %d internal links", f, len(links))
		}
		for _, m := range links {
			if !ids[m[1]] {
				t.Errorf("%s: link #%s has no target", f, m[1])
			}
		}
	}
}

// TestFullJudgement renders a 157-unit judgement and checks the counts.
func TestFullJudgement(t *testing.T) {
	r := fullReport()
	if n := len(r.Judgement.Units); n != 157 {
		t.Fatalf("%d units", n)
	}
	if n := len(r.Judgement.Items); n != 146 {
		t.Fatalf("%d items, want 146", n)
	}
	v := newView(r)
	mand, adv := 0, 0
	for _, iv := range v.Mandatory {
		mand += len(iv.Units)
	}
	for _, iv := range v.Advisory {
		adv += len(iv.Units)
	}
	if mand+adv != 157 {
		t.Errorf("view places %d+%d units, want 157", mand, adv)
	}
	out := render(t, "html", r)
	if got := strings.Count(out, `<article class="unit`); got != 157 {
		t.Errorf("html has %d unit articles, want 157", got)
	}
	if got := strings.Count(out, `<tr class="item-row">`); got != len(v.Mandatory) {
		t.Errorf("html has %d item rows, want %d", got, len(v.Mandatory))
	}
}
