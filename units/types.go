// Package units holds the 157 test units of the App 个人信息安全测评 method as
// data, the decision rules (单元判定) over step answers, the judging of units
// and the roll-up into 测评项 and the overall result (结果判定).
package units

import (
	"time"

	"github.com/ceping/ceping/evidence"
)

// Answer is the answer to one step: 肯定, 否定 or 未知.
type Answer string

// The three answers.
const (
	Yes     Answer = "肯定"
	No      Answer = "否定"
	Unknown Answer = "未知"
)

// Method is a 测评方式.
type Method string

// The five methods, in the spec's order of trust (结果判定): when answers from
// several methods disagree, the earlier method wins.
const (
	TechnicalTest   Method = "技术检测"
	FunctionalCheck Method = "功能验证"
	ServerCheck     Method = "服务端核查"
	DocumentReview  Method = "文档审查"
	Interview       Method = "人员访谈"
)

// MethodTrustOrder is the order of trust, most trusted first.
var MethodTrustOrder = []Method{TechnicalTest, FunctionalCheck, ServerCheck, DocumentReview, Interview}

// Verdict is a unit's, an item's or the App's result.
type Verdict string

// The four verdicts.
const (
	Pass       Verdict = "符合"
	Fail       Verdict = "不符合"
	NotApplies Verdict = "不适用"
	Pending    Verdict = "待定"
)

// ApplicabilityStep is the answer key of a unit's applicability question
// (a condition the spec states without a numbered step, e.g. UPI-04).
const ApplicabilityStep = "A"

// Unit is one 测评单元 as the catalog holds it.
type Unit struct {
	ID            string   `yaml:"id" json:"id"`
	Category      string   `yaml:"category" json:"category"`                               // PIC, PIS, UPI, RPI, EPI, HPI, PIO
	Section       string   `yaml:"section" json:"section"`                                 // e.g. 6.1.1
	SectionTitle  string   `yaml:"section_title" json:"section_title"`                     // e.g. 收集个人信息的合法性的测评
	Item          string   `yaml:"item" json:"item"`                                       // 测评项 number, e.g. 6.1.1.1
	Clause        string   `yaml:"clause" json:"clause"`                                   // GB/T 35273—2020 clause, e.g. "5.1 a)"
	Number        string   `yaml:"number" json:"number"`                                   // unit number, e.g. 6.1.1.1.1
	Requirement   string   `yaml:"requirement" json:"requirement"`                         // 指标要求
	Objects       []string `yaml:"objects" json:"objects"`                                 // 测评对象
	Methods       []Method `yaml:"methods" json:"methods"`                                 // 测评方式
	Advisory      bool     `yaml:"advisory" json:"advisory"`                               // worded 宜: not counted toward the overall result
	Steps         []Step   `yaml:"steps" json:"steps"`                                     // 测评步骤
	Applicability string   `yaml:"applicability,omitempty" json:"applicability,omitempty"` // question answered under key "A"
	Rule          Rule     `yaml:"rule" json:"rule"`                                       // 单元判定
	Notes         []string `yaml:"notes,omitempty" json:"notes,omitempty"`                 // corrections of the PDF text and other remarks
}

// Step is one numbered 测评步骤.
type Step struct {
	N       int      `yaml:"n" json:"n"`
	Text    string   `yaml:"text" json:"text"`
	Methods []Method `yaml:"methods" json:"methods"`
	// Auto names the automatic evaluator that can answer this step from
	// evidence ("" when the step is manual).
	Auto string `yaml:"auto,omitempty" json:"auto,omitempty"`
}

// Rule is a unit's 单元判定 in ceping's rule form.
//
// NA and Pass are expressions over step answers: pos(1,2,3) is true when all
// listed steps are 肯定, neg(4) when all listed are 否定, ranges as pos(1-4),
// the applicability question as A; & binds tighter than |; parentheses group.
// NA is checked first (不适用); then Pass (符合); otherwise 不符合.
type Rule struct {
	Text string `yaml:"text" json:"text"`                 // the spec's wording, verbatim
	NA   string `yaml:"na,omitempty" json:"na,omitempty"` // 不适用 condition
	Pass string `yaml:"pass" json:"pass"`                 // 符合 condition
}

// StepAnswer is one answer to one step, from one method.
type StepAnswer struct {
	Unit     string         `yaml:"unit" json:"unit"`
	Step     string         `yaml:"step" json:"step"` // "1".."n" or "A"
	Value    Answer         `yaml:"value" json:"value"`
	Method   Method         `yaml:"method,omitempty" json:"method,omitempty"`
	Evidence []evidence.Ref `yaml:"evidence,omitempty" json:"evidence,omitempty"`
	Note     string         `yaml:"note,omitempty" json:"note,omitempty"`
	By       string         `yaml:"by,omitempty" json:"by,omitempty"` // tester name, or "ceping:<evaluator>"
	At       time.Time      `yaml:"at,omitempty" json:"at,omitzero"`
	// Source is where the answer came from: a file:line, or an evaluator key.
	Source string `yaml:"source,omitempty" json:"source,omitempty"`
}

// StepResult is one step of a judged unit: the answer that counted and all
// answers given.
type StepResult struct {
	N        string       `json:"n"`
	Text     string       `json:"text"`
	Methods  []Method     `json:"methods"`
	Answer   Answer       `json:"answer"`             // the effective answer
	Counted  *StepAnswer  `json:"counted,omitempty"`  // the answer that counted (nil when none)
	All      []StepAnswer `json:"all,omitempty"`      // every answer given
	Conflict bool         `json:"conflict,omitempty"` // answers from different methods disagree
}

// UnitResult is a judged unit.
type UnitResult struct {
	ID          string       `json:"id"`
	Category    string       `json:"category"`
	Item        string       `json:"item"`
	Requirement string       `json:"requirement"`
	Advisory    bool         `json:"advisory"`
	Verdict     Verdict      `json:"verdict"`
	Rule        string       `json:"rule"`
	Steps       []StepResult `json:"steps"`
	// Reason explains the verdict in one sentence (e.g. which steps decided
	// it, or which unknown steps keep it 待定).
	Reason string `json:"reason"`
}

// ItemResult is a judged 测评项.
type ItemResult struct {
	Number       string   `json:"number"` // 6.x.x.x
	Clause       string   `json:"clause"` // GB/T 35273—2020 clause
	Category     string   `json:"category"`
	SectionTitle string   `json:"section_title"`
	Units        []string `json:"units"`
	Advisory     bool     `json:"advisory"` // all its units are advisory
	Verdict      Verdict  `json:"verdict"`
}

// Summary is the overall result (总体结论).
type Summary struct {
	Units       map[Verdict]int `json:"units"`        // unit verdict counts (mandatory units)
	Items       map[Verdict]int `json:"items"`        // item verdict counts (mandatory items)
	Advisory    map[Verdict]int `json:"advisory"`     // advisory unit verdict counts
	Applicable  int             `json:"applicable"`   // mandatory items not 不适用
	PassedItems int             `json:"passed_items"` // mandatory items 符合
	Rate        float64         `json:"rate"`         // 符合率 = PassedItems / Applicable
	Verdict     Verdict         `json:"verdict"`      // the App's result: 符合, 不符合 or 待定
}

// Judgement is the result of judging the whole catalog.
type Judgement struct {
	Units   []UnitResult `json:"units"`
	Items   []ItemResult `json:"items"`
	Summary Summary      `json:"summary"`
	// Problems lists answers that were not used: naming no unit or step of
	// the catalog, or with a value other than 肯定/否定/未知.
	Problems []string `json:"problems,omitempty"`
}
