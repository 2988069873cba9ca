package units

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
)

// TemplateOptions limit and fill an answers template.
type TemplateOptions struct {
	Units      []string // unit IDs to include (all when empty and no Categories)
	Categories []string // categories to include
	Tester     string
	App        string
	Now        time.Time // written as at when non-zero
	// Auto are answers ceping already gave from evidence (e.g. a session's
	// evaluators); each is shown as a comment above its step, so the tester
	// sees what is decided and why. They are not written as answers: the
	// judge takes them from the evidence again.
	Auto []StepAnswer
}

// SelectUnits returns the units named by ids and categories (all units when
// both are empty), in catalog order; an unknown ID or category is an error.
func (c *Catalog) SelectUnits(ids, categories []string) ([]Unit, error) {
	if len(ids) == 0 && len(categories) == 0 {
		return c.units, nil
	}
	want := map[string]bool{}
	for _, id := range ids {
		id = strings.ToUpper(strings.TrimSpace(id))
		if id == "" {
			continue
		}
		if _, ok := c.index[id]; !ok {
			return nil, fmt.Errorf("unknown unit %q", id)
		}
		want[id] = true
	}
	cats := map[string]bool{}
	for _, cat := range categories {
		cat = strings.ToUpper(strings.TrimSpace(cat))
		if cat == "" {
			continue
		}
		if _, ok := CategoryTitles[cat]; !ok {
			return nil, fmt.Errorf("unknown category %q (want one of %s)", cat, strings.Join(Categories, ", "))
		}
		cats[cat] = true
	}
	var out []Unit
	for _, u := range c.units {
		if want[u.ID] || cats[u.Category] {
			out = append(out, u)
		}
	}
	return out, nil
}

// oneLine makes text safe for a YAML comment: one line, no control
// characters.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == '\t' {
			return ' '
		}
		if r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0 || r == 0x2028 || r == 0x2029 || r == 0xfeff {
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

func joinMethods(ms []Method) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, "、")
}

// WriteTemplate writes an answers questionnaire in the full form: a comment
// header per unit (指标要求, 测评方式, 单元判定 and the rule), one key per
// step with the step text and methods as comments, every value 未知. The
// output parses with ParseAnswers.
func WriteTemplate(w io.Writer, c *Catalog, opt TemplateOptions) error {
	us, err := c.SelectUnits(opt.Units, opt.Categories)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	pf := func(format string, args ...any) { fmt.Fprintf(bw, format, args...) }
	pf("# ceping 测评答卷 (answers file) — App 个人信息安全测评\n")
	pf("# 每个测评步骤填写 value: 肯定 / 否定 / 未知（也可写 yes / no / unknown）。\n")
	pf("# method: 本答案所用的测评方式（技术检测、功能验证、服务端核查、文档审查、人员访谈）；\n")
	pf("#   留空时按该步骤唯一的测评方式计，有多种时按其中采信顺序最低者计。\n")
	pf("# note: 说明；evidence: 证据 [{kind: flow|conn|dns|marker|finding|manifest|apk|policy|file, id: …, label: …}]。\n")
	pf("# 标有「可自动」的步骤可由 ceping 依据证据自动回答；此处填写的答案与其一并按采信顺序判定。\n")
	pf("# 判定方法见 docs/rules.md。\n")
	pf("schema: %s\n", AnswersSchema)
	pf("app: %s\n", strconv.Quote(oneLine(opt.App)))
	pf("tester: %s\n", strconv.Quote(oneLine(opt.Tester)))
	if !opt.Now.IsZero() {
		pf("at: %s\n", opt.Now.Format(time.RFC3339))
	} else {
		pf("at: \"\"   # 答卷时间（默认），如 2025-03-01T10:00:00+08:00\n")
	}
	if len(us) == 0 {
		pf("answers: {}\n")
		return bw.Flush()
	}
	pf("answers:\n")
	for _, u := range us {
		pf("\n  # ── %s  %s  测评项 %s（GB/T 35273—2020 %s）%s\n", u.ID, u.Number, u.Item, oneLine(u.Clause), advisoryMark(u))
		pf("  # 指标要求：%s\n", oneLine(u.Requirement))
		pf("  # 测评方式：%s\n", joinMethods(u.Methods))
		pf("  # 单元判定：%s\n", oneLine(u.Rule.Text))
		if u.Rule.NA != "" {
			pf("  # 规则：na: %s；pass: %s\n", oneLine(u.Rule.NA), oneLine(u.Rule.Pass))
		} else {
			pf("  # 规则：pass: %s\n", oneLine(u.Rule.Pass))
		}
		for _, n := range u.Notes {
			pf("  # 注：%s\n", oneLine(n))
		}
		pf("  %s:\n", u.ID)
		if u.Applicability != "" {
			pf("    # A）适用性问题：%s\n", oneLine(u.Applicability))
			pf("    #    方式：%s\n", joinMethods(u.Methods))
			writeStepLine(bw, "A", u.Methods, u.Methods)
		}
		for _, s := range u.Steps {
			auto := ""
			if s.Auto != "" {
				auto = "  # 可自动（" + oneLine(s.Auto) + "）"
			}
			pf("    # %d）%s%s\n", s.N, oneLine(s.Text), auto)
			ms := s.Methods
			if len(ms) == 0 {
				ms = u.Methods
			}
			pf("    #    方式：%s\n", joinMethods(ms))
			for _, a := range opt.Auto {
				if a.Unit == u.ID && a.Step == strconv.Itoa(s.N) {
					pf("    #    ceping 自动回答：%s（%s）%s\n", a.Value, a.Method, oneLine(a.Note))
				}
			}
			writeStepLine(bw, strconv.Itoa(s.N), s.Methods, u.Methods)
		}
	}
	return bw.Flush()
}

func advisoryMark(u Unit) string {
	if u.Advisory {
		return "  【宜：不计入结论】"
	}
	return ""
}

func writeStepLine(w io.Writer, key string, stepMethods, unitMethods []Method) {
	ms := stepMethods
	if len(ms) == 0 {
		ms = unitMethods
	}
	method := `""`
	if len(ms) == 1 {
		method = string(ms[0])
	}
	fmt.Fprintf(w, "    %s: {value: 未知, method: %s, note: \"\"}\n", key, method)
}
