package units

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

func TestParseAnswersShortForm(t *testing.T) {
	c := fixtureCatalog(t)
	af, err := ParseAnswers(c, "short.yaml", []byte("answers: {PIC-01: {1: 肯定, 2: 否定, 3: n}, RPI-01: {1: yes, 2: Y, 3: unknown, 4: 未知}}\n"))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]Answer{}
	for _, a := range af.Answers {
		got[a.Unit+"/"+a.Step] = a.Value
		if a.Source != "short.yaml:1" {
			t.Errorf("source %q", a.Source)
		}
	}
	want := map[string]Answer{
		"PIC-01/1": Yes, "PIC-01/2": No, "PIC-01/3": No,
		"RPI-01/1": Yes, "RPI-01/2": Yes, "RPI-01/3": Unknown, "RPI-01/4": Unknown,
	}
	if len(got) != len(want) {
		t.Fatalf("got %v", got)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %s, want %s", k, got[k], v)
		}
	}
	if v := Judge(c, af.Answers); unitResult(t, v, "PIC-01").Verdict != Pass {
		t.Errorf("PIC-01 not 符合")
	}
}

func TestParseAnswersFullForm(t *testing.T) {
	c := fixtureCatalog(t)
	src := `schema: ceping.answers/v1
app: 示例 App 1.0
tester: 张三
at: 2025-03-01T10:00:00+08:00
method: 功能验证
answers:
  PIC-01:
    1: {value: 肯定, method: 文档审查, note: 制度第 3 条}
    "2":
      value: 否定
      evidence:
        - {kind: policy, id: privacy.html, label: 隐私政策第 2 节}
    3:
      - {value: 否定, method: 技术检测, by: ceping, at: "2025-03-02 09:30"}
      - 肯定
  UPI-04:
    a: 否定
  PIC-07: ~
`
	af, err := ParseAnswers(c, "full.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if af.App != "示例 App 1.0" || af.By != "张三" || af.Method != FunctionalCheck || af.Schema != AnswersSchema {
		t.Errorf("meta %+v", af)
	}
	at := time.Date(2025, 3, 1, 10, 0, 0, 0, time.FixedZone("", 8*3600))
	if !af.At.Equal(at) {
		t.Errorf("at %v", af.At)
	}
	if len(af.Answers) != 5 {
		t.Fatalf("%d answers: %+v", len(af.Answers), af.Answers)
	}
	a := af.Answers
	if a[0].Method != DocumentReview || a[0].Note != "制度第 3 条" || a[0].By != "张三" || !a[0].At.Equal(at) || a[0].Source != "full.yaml:8" {
		t.Errorf("answer 1: %+v", a[0])
	}
	if a[1].Step != "2" || a[1].Method != FunctionalCheck || len(a[1].Evidence) != 1 ||
		a[1].Evidence[0] != (evidence.Ref{Kind: evidence.RefPolicy, ID: "privacy.html", Label: "隐私政策第 2 节"}) {
		t.Errorf("answer 2: %+v", a[1])
	}
	if a[2].Method != TechnicalTest || a[2].By != "ceping" || a[2].At.Hour() != 9 || a[2].Value != No {
		t.Errorf("answer 3a: %+v", a[2])
	}
	if a[3].Value != Yes || a[3].Method != FunctionalCheck {
		t.Errorf("answer 3b: %+v", a[3])
	}
	if a[4].Unit != "UPI-04" || a[4].Step != "A" || a[4].Value != No {
		t.Errorf("answer A: %+v", a[4])
	}
	// Step 3: 技术检测 否定 beats 功能验证 肯定, with the conflict kept.
	st := unitResult(t, Judge(c, af.Answers), "PIC-01").Steps[2]
	if st.Answer != No || !st.Conflict {
		t.Errorf("step 3 %s conflict %v", st.Answer, st.Conflict)
	}
}

func TestParseAnswersErrors(t *testing.T) {
	c := fixtureCatalog(t)
	cases := []struct {
		name, src, want string
	}{
		{"empty", "", "bad.yaml:1: empty answers file"},
		{"not a mapping", "- 1\n- 2\n", "bad.yaml:1:1: want a mapping with key answers"},
		{"syntax", "answers:\n  PIC-01\n x: d\n", "bad.yaml:3: invalid YAML"},
		{"unknown top key", "answers: {}\nteser: x\n", `bad.yaml:2:1: unknown top-level key "teser"`},
		{"no answers", "tester: x\n", "bad.yaml:1:1: no answers key"},
		{"answers list", "answers: [PIC-01]\n", "bad.yaml:1:10: answers: want a mapping of unit IDs, got a list"},
		{"unknown unit", "answers:\n  PIC-99: {1: 肯定}\n", `bad.yaml:2:3: unknown unit "PIC-99"`},
		{"unknown step", "answers:\n  PIC-01:\n    4: 肯定\n", "bad.yaml:3:5: PIC-01 has no step 4 (steps 1..3)"},
		{"step zero", "answers:\n  PIC-01:\n    0: 肯定\n", "bad.yaml:3:5: PIC-01 has no step 0"},
		{"step word", "answers:\n  PIC-01:\n    one: 肯定\n", `bad.yaml:3:5: PIC-01: step key "one" is not a step number`},
		{"step float", "answers:\n  PIC-01:\n    1.0: 肯定\n", `bad.yaml:3:5: PIC-01: step key "1.0" is not a step number`},
		{"A without applicability", "answers:\n  PIC-01:\n    A: 肯定\n", "bad.yaml:3:5: PIC-01 has no applicability question"},
		{"invalid value", "answers:\n  PIC-01:\n    1: 也许\n", `bad.yaml:3:8: PIC-01 step 1: invalid answer "也许"`},
		{"int value", "answers:\n  PIC-01:\n    1: 1\n", `bad.yaml:3:8: PIC-01 step 1: invalid answer "1"`},
		{"invalid method", "answers:\n  PIC-01:\n    1: {value: 肯定, method: 抓包}\n", `bad.yaml:3:28: PIC-01 step 1: method: unknown method "抓包"`},
		{"invalid top method", "method: 抓包\nanswers: {}\n", `bad.yaml:1:9: method: unknown method "抓包"`},
		{"duplicate unit", "answers:\n  PIC-01: {1: 肯定}\n  PIC-01: {2: 否定}\n", `bad.yaml:3:3: answers: duplicate key "PIC-01" (first at line 2)`},
		{"duplicate step", "answers:\n  PIC-01:\n    1: 肯定\n    \"1\": 否定\n", `bad.yaml:4:5: PIC-01: duplicate key "1" (first at line 3)`},
		{"duplicate top", "answers: {}\nanswers: {}\n", `bad.yaml:2:1: top level: duplicate key "answers"`},
		{"duplicate field", "answers:\n  PIC-01:\n    1: {value: 肯定, value: 否定}\n", `bad.yaml:3:20: PIC-01 step 1: duplicate key "value"`},
		{"unknown field", "answers:\n  PIC-01:\n    1: {value: 肯定, remark: x}\n", `bad.yaml:3:20: PIC-01 step 1: unknown key "remark"`},
		{"no value", "answers:\n  PIC-01:\n    1: {method: 文档审查}\n", "bad.yaml:3:8: PIC-01 step 1: no value"},
		{"unit not mapping", "answers:\n  PIC-01: 肯定\n", "bad.yaml:2:11: PIC-01: want a mapping of step numbers to answers"},
		{"value mapping", "answers:\n  PIC-01:\n    1: {value: {a: 1}}\n", "bad.yaml:3:16: PIC-01 step 1: want 肯定, 否定 or 未知, got a mapping"},
		{"bad time", "at: yesterday\nanswers: {}\n", `bad.yaml:1:5: at: invalid time "yesterday"`},
		{"bad step time", "answers:\n  PIC-01:\n    1: {value: 肯定, at: 3pm}\n", `bad.yaml:3:24: PIC-01 step 1: at: invalid time "3pm"`},
		{"evidence kind", "answers:\n  PIC-01:\n    1: {value: 肯定, evidence: [{kind: photo, id: x}]}\n", `bad.yaml:3:31: PIC-01 step 1: evidence kind "photo" unknown`},
		{"evidence no id", "answers:\n  PIC-01:\n    1: {value: 肯定, evidence: [{kind: flow}]}\n", "bad.yaml:3:31: PIC-01 step 1: evidence needs kind and id"},
		{"evidence not list", "answers:\n  PIC-01:\n    1: {value: 肯定, evidence: flow}\n", "bad.yaml:3:30: PIC-01 step 1: evidence: want a list"},
		{"tester and by", "tester: a\nby: b\nanswers: {}\n", "bad.yaml:2:5: both tester and by are set"},
		{"schema", "schema: other/v9\nanswers: {}\n", `bad.yaml:1:9: schema "other/v9"`},
		{"second document", "answers: {}\n---\nanswers: {}\n", "bad.yaml:3:1: a second YAML document"},
		{"alias", "x: &a 肯定\nanswers:\n  PIC-01: {1: *a}\n", "bad.yaml:3:"},
		{"empty list", "answers:\n  PIC-01:\n    1: []\n", "bad.yaml:3:8: PIC-01 step 1: empty list of answers"},
		{"note not text", "answers:\n  PIC-01:\n    1: {value: 肯定, note: [a]}\n", "bad.yaml:3:26: PIC-01 step 1: note: want text, got a list"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			af, err := ParseAnswers(c, "bad.yaml", []byte(tc.src))
			if err == nil {
				t.Fatalf("no error; parsed %+v", af)
			}
			var ae *AnswersError
			if !errors.As(err, &ae) {
				t.Fatalf("error %T %v is not an *AnswersError", err, err)
			}
			found := false
			for _, e := range ae.Errs {
				if strings.HasPrefix(e.Error(), tc.want) {
					found = true
				}
			}
			if !found {
				t.Errorf("errors:\n%v\nwant one starting with %q", err, tc.want)
			}
		})
	}
}

func TestParseAnswersReportsEveryError(t *testing.T) {
	c := fixtureCatalog(t)
	src := "answers:\n  PIC-01:\n    1: 也许\n    9: 肯定\n  XYZ-01: {}\n"
	_, err := ParseAnswers(c, "many.yaml", []byte(src))
	var ae *AnswersError
	if !errors.As(err, &ae) || len(ae.Errs) != 3 {
		t.Fatalf("want 3 errors, got %v", err)
	}
}

func TestTemplateRoundTrip(t *testing.T) {
	c := fixtureCatalog(t)
	var buf bytes.Buffer
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	if err := WriteTemplate(&buf, c, TemplateOptions{Tester: "张三\n\"x\"", App: "demo", Now: now}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"# ── PIC-01  6.1.1.1.1  测评项 6.1.1.1（GB/T 35273—2020 5.1 a)）",
		"# 指标要求：App 中不应存在以欺诈、诱骗、误导的方式收集个人信息的情况。",
		"# 规则：pass: pos(1) & neg(2,3)",
		"# 规则：na: neg(2,4)；pass: pos(1,3,5)",
		"# 1）查看管理制度是否明确要求不得以欺诈、诱骗、误导的方式收集个人信息",
		"    1: {value: 未知, method: 文档审查, note: \"\"}",
		`    3: {value: 未知, method: "", note: ""}`,
		"# 可自动（policy.undeclared_pi）",
		"# A）适用性问题：",
		"    A: {value: 未知, method: 文档审查, note: \"\"}",
		"【宜：不计入结论】",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("template lacks %q", want)
		}
	}
	af, err := ParseAnswers(c, "template.yaml", buf.Bytes())
	if err != nil {
		t.Fatalf("template does not parse: %v\n%s", err, out)
	}
	steps := 0
	for _, u := range c.Units() {
		steps += len(u.Steps)
		if u.Applicability != "" {
			steps++
		}
	}
	if len(af.Answers) != steps {
		t.Errorf("%d answers, want one per step (%d)", len(af.Answers), steps)
	}
	for _, a := range af.Answers {
		if a.Value != Unknown || a.By != "张三 \"x\"" || !a.At.Equal(now) {
			t.Fatalf("answer %+v", a)
		}
	}
	if j := Judge(c, af.Answers); j.Summary.Verdict != Pending || len(j.Problems) != 0 {
		t.Errorf("template judged %+v", j.Summary)
	}

	// Limited to a category and a unit.
	buf.Reset()
	if err := WriteTemplate(&buf, c, TemplateOptions{Categories: []string{"upi"}, Units: []string{"PIC-02"}}); err != nil {
		t.Fatal(err)
	}
	af, err = ParseAnswers(c, "t2.yaml", buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]bool{}
	for _, a := range af.Answers {
		units[a.Unit] = true
	}
	if len(units) != 3 || !units["UPI-04"] || !units["UPI-05"] || !units["PIC-02"] {
		t.Errorf("units %v", units)
	}
	if err := WriteTemplate(&buf, c, TemplateOptions{Units: []string{"PIC-99"}}); err == nil {
		t.Error("unknown unit accepted")
	}
	if err := WriteTemplate(&buf, c, TemplateOptions{Categories: []string{"XYZ"}}); err == nil {
		t.Error("unknown category accepted")
	}
}

func TestReadAnswersFiles(t *testing.T) {
	c := fixtureCatalog(t)
	dir := t.TempDir()
	a := filepath.Join(dir, "a.yaml")
	b := filepath.Join(dir, "b.yaml")
	os.WriteFile(a, []byte("answers: {PIC-03: {1: 肯定, 2: 否定}}\n"), 0o644)
	os.WriteFile(b, []byte("answers: {PIC-03: {2: 肯定}}\n"), 0o644)
	as, files, err := ReadAnswers(c, []string{a, b})
	if err != nil || len(files) != 2 {
		t.Fatal(err)
	}
	// Same (default) method: the later file's answer counts.
	if v := unitResult(t, Judge(c, as), "PIC-03").Verdict; v != Pass {
		t.Errorf("PIC-03 %s", v)
	}
	_, _, err = ReadAnswers(c, []string{a, filepath.Join(dir, "missing.yaml")})
	if err == nil || !strings.Contains(err.Error(), "missing.yaml") {
		t.Errorf("missing file: %v", err)
	}
}

func FuzzParseAnswers(f *testing.F) {
	c := fixtureCatalog(f)
	var tpl bytes.Buffer
	WriteTemplate(&tpl, c, TemplateOptions{Tester: "t"})
	f.Add(tpl.String())
	for _, s := range []string{
		"answers: {PIC-01: {1: 肯定, 2: 否定}}",
		"answers:\n  UPI-04:\n    A: yes\n    1: [肯定, {value: n, method: 技术检测}]\n",
		"tester: x\nat: 2025-01-01\nanswers:\n  PIC-01:\n    1: {value: 肯定, evidence: [{kind: flow, id: '1'}]}\n",
		"answers: {PIC-01: {1: 肯定}, PIC-01: {}}",
		"x: &a [*a]\nanswers: {}",
		"{", "", "---\n---\n", "answers: !!binary aGVsbG8=",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		af, err := ParseAnswers(c, "fuzz.yaml", []byte(s))
		if err != nil {
			var ae *AnswersError
			if !errors.As(err, &ae) || len(ae.Errs) == 0 {
				t.Fatalf("error %T without positions: %v", err, err)
			}
			for _, e := range ae.Errs {
				if e.File != "fuzz.yaml" || e.Line < 1 {
					t.Fatalf("error without file:line: %+v", e)
				}
			}
			return
		}
		for _, a := range af.Answers {
			if a.Value != Yes && a.Value != No && a.Value != Unknown {
				t.Fatalf("invalid value accepted: %+v", a)
			}
		}
		if j := Judge(c, af.Answers); len(j.Problems) != 0 {
			t.Fatalf("parsed answers the judge rejects: %v", j.Problems)
		}
	})
}
