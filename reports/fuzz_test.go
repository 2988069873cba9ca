package reports

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode"

	"github.com/mattn/go-runewidth"

	"github.com/ceping/ceping/units"
)

// FuzzDecode feeds arbitrary bytes to Decode; whatever it accepts must
// render in every format without error or panic.
func FuzzDecode(f *testing.F) {
	var buf bytes.Buffer
	Encode(&buf, FormatJSON, sampleReport())
	f.Add(buf.Bytes())
	j, _ := json.Marshal(struct {
		Schema string `json:"schema"`
		*units.Judgement
	}{JudgeSchema, (*units.Judgement)(sampleJudgement())})
	f.Add(j)
	f.Add([]byte(`{"schema":"ceping.report/v1","judgement":{}}`))
	f.Add([]byte(`{"schema":"ceping.report/v1","judgement":{"units":[{"id":"<x>","verdict":"待定","steps":[{"n":"1","all":[{"value":"肯定","evidence":[{"kind":"flow","id":"\u202e"}]}]}]}]},"evidence":{"timeline":{"flows":[{"id":1,"host":"h"}]}}}`))
	f.Add([]byte(`{"schema":"ceping.judge/v1"`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Decode(bytes.NewReader(data), "fuzz.json")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json") {
				t.Fatalf("error does not name the input: %v", err)
			}
			return
		}
		for _, format := range Formats() {
			var out bytes.Buffer
			if err := Encode(&out, format, r); err != nil {
				t.Fatalf("%s: %v", format, err)
			}
		}
	})
}

// FuzzText checks the text sanitisers: clean leaves no controls, md keeps a
// table cell one cell, and cell stays within its width.
func FuzzText(f *testing.F) {
	for _, h := range hostile {
		f.Add(h)
	}
	f.Add("\x1b[")
	f.Add("\x1b]8;;")
	f.Add("a|b\\|c\\\\|d")
	f.Fuzz(func(t *testing.T, s string) {
		c := clean(s, false)
		for _, r := range c {
			if unicode.IsControl(r) || isBidi(r) {
				t.Fatalf("clean(%q) kept U+%04X", s, r)
			}
		}
		if m := md(s); unescapedPipes(m) != 0 || strings.Contains(m, "\n") {
			t.Fatalf("md(%q) = %q breaks a table cell", s, m)
		} else if strings.Contains(strings.ReplaceAll(m, "<br>", ""), "<") {
			t.Fatalf("md(%q) = %q keeps a raw <", s, m)
		}
		if w := runewidth.StringWidth(cell(s, 20)); w > 20 {
			t.Fatalf("cell(%q, 20) is %d wide", s, w)
		}
		a := anchor("flow", s)
		for i := 0; i < len(a); i++ {
			ch := a[i]
			if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '.' || ch == '-' || ch == '_') {
				t.Fatalf("anchor(%q) = %q has %q", s, a, ch)
			}
		}
	})
}
