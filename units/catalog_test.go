package units

import (
	"strings"
	"testing"
	"testing/fstest"
)

func goodUnit() Unit {
	return Unit{
		ID: "PIC-01", Category: "PIC", Section: "6.1.1", Item: "6.1.1.1", Number: "6.1.1.1.1",
		Requirement: "r", Methods: []Method{DocumentReview},
		Steps: []Step{{N: 1, Text: "a", Methods: []Method{DocumentReview}}, {N: 2, Text: "b"}, {N: 3, Text: "c"}},
		Rule:  Rule{Text: "t", Pass: "pos(1) & neg(2)", NA: "neg(3)"},
	}
}

func TestCatalogValidation(t *testing.T) {
	cases := []struct {
		name string
		edit func(u *Unit)
		want string
	}{
		{"bad id", func(u *Unit) { u.ID = "PIC-1" }, "unit PIC-1: id must look like PIC-01"},
		{"bad category", func(u *Unit) { u.Category = "PIS" }, `unit PIC-01: category "PIS" does not match`},
		{"no id", func(u *Unit) { u.ID = "" }, "unit #1 (no id)"},
		{"bad item", func(u *Unit) { u.Item = "x" }, `unit PIC-01: item "x" is not a 测评项 number`},
		{"no methods", func(u *Unit) { u.Methods = nil }, "unit PIC-01: no methods"},
		{"unknown method", func(u *Unit) { u.Methods = []Method{"抓包"} }, `unit PIC-01: unknown method "抓包"`},
		{"step method", func(u *Unit) { u.Steps[1].Methods = []Method{"x"} }, `unit PIC-01: step 2: unknown method "x"`},
		{"no steps", func(u *Unit) { u.Steps = nil; u.Rule = Rule{Pass: "pos(1)"} }, "unit PIC-01: no steps"},
		{"step numbering", func(u *Unit) { u.Steps[1].N = 3 }, "unit PIC-01: step #2 is numbered 3"},
		{"empty step", func(u *Unit) { u.Steps[0].Text = " " }, "unit PIC-01: step 1 has no text"},
		{"rule syntax", func(u *Unit) { u.Rule.Pass = "pos(1" }, "unit PIC-01: rule: pass: rule \"pos(1\": at offset 5: missing )"},
		{"na syntax", func(u *Unit) { u.Rule.NA = "neg(x)" }, "unit PIC-01: rule: na: rule"},
		{"no pass", func(u *Unit) { u.Rule.Pass = "" }, "unit PIC-01: rule: rule has no pass expression"},
		{"step outside", func(u *Unit) { u.Rule.Pass = "pos(1,4)" }, "unit PIC-01: rule: names step 4 outside 1..3"},
		{"A without applicability", func(u *Unit) { u.Rule.NA = "A" }, "unit PIC-01: rule: uses A but the unit has no applicability question"},
		{"applicability unused", func(u *Unit) { u.Applicability = "q?" }, "unit PIC-01: rule: the unit has an applicability question but the rule never uses A"},
		{"pass never", func(u *Unit) { u.Rule.Pass = "pos(1) & neg(1)" }, "unit PIC-01: rule: 符合 can never occur"},
		{"pass only when na", func(u *Unit) { u.Rule.Pass = "neg(3)" }, "unit PIC-01: rule: 符合 can never occur"},
		{"fail never", func(u *Unit) { u.Rule.Pass = "pos(1) | neg(1)" }, "unit PIC-01: rule: 不符合 can never occur"},
		{"na always", func(u *Unit) { u.Rule.NA = "pos(3) | neg(3)" }, `unit PIC-01: rule: na "pos(3) | neg(3)" always holds`},
		{"na never", func(u *Unit) { u.Rule.NA = "pos(3) & neg(3)" }, "unit PIC-01: rule: 不适用 can never occur"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			u := goodUnit()
			u.Steps = append([]Step(nil), u.Steps...)
			tc.edit(&u)
			_, err := NewCatalog([]Unit{u})
			if err == nil {
				t.Fatalf("no error")
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error:\n%v\nwant it to contain %q", err, tc.want)
			}
		})
	}
	if _, err := NewCatalog([]Unit{goodUnit()}); err != nil {
		t.Fatalf("good unit: %v", err)
	}
	if _, err := NewCatalog([]Unit{goodUnit(), goodUnit()}); err == nil || !strings.Contains(err.Error(), "unit PIC-01: duplicate id") {
		t.Errorf("duplicate: %v", err)
	}
	u := goodUnit()
	u.Applicability = "是否规定不允许？"
	u.Rule.NA = "A | neg(3)"
	if _, err := NewCatalog([]Unit{u}); err != nil {
		t.Errorf("applicability with A: %v", err)
	}
}

func TestLoadFSErrors(t *testing.T) {
	good := "- id: PIC-01\n  category: PIC\n  item: 6.1.1.1\n  requirement: r\n  methods: [文档审查]\n  steps: [{n: 1, text: a}]\n  rule: {text: t, pass: pos(1)}\n"
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"none", map[string]string{}, "no *.yaml files"},
		{"unknown field", map[string]string{"pic.yaml": good + "  colour: red\n"}, "pic.yaml: yaml: unmarshal errors:\n  line 8: field colour not found"},
		{"wrong type", map[string]string{"pic.yaml": "- id: PIC-01\n  steps: 3\n"}, "pic.yaml: yaml: unmarshal errors"},
		{"two docs", map[string]string{"pic.yaml": good + "---\n" + good}, "pic.yaml: more than one YAML document"},
		{"duplicate across files", map[string]string{"a.yaml": good, "b.yaml": good}, "unit PIC-01: duplicate id"},
		{"syntax", map[string]string{"pic.yaml": "- id: [\n"}, "units catalog pic.yaml"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fsys := fstest.MapFS{}
			for k, v := range tc.files {
				fsys[k] = &fstest.MapFile{Data: []byte(v)}
			}
			_, err := LoadFS(fsys)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
	c, err := LoadFS(fstest.MapFS{"pic.yaml": {Data: []byte(good)}})
	if err != nil || c.Len() != 1 {
		t.Fatalf("good: %v", err)
	}
}
