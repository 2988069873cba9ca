package units

import (
	"fmt"
	"math/bits"
	"strconv"
	"strings"
)

// trustRank is a method's position in MethodTrustOrder (0 = most trusted);
// unknown methods rank after every known one.
func trustRank(m Method) int {
	for i, x := range MethodTrustOrder {
		if x == m {
			return i
		}
	}
	return len(MethodTrustOrder)
}

// DefaultMethod is the method an answer without one counts as for a step:
// the step's method when it has exactly one, else the least trusted of its
// methods (the unit's methods when the step lists none); 人员访谈 when
// nothing is known.
func DefaultMethod(stepMethods, unitMethods []Method) Method {
	ms := stepMethods
	if len(ms) == 0 {
		ms = unitMethods
	}
	if len(ms) == 0 {
		return Interview
	}
	best := ms[0]
	for _, m := range ms[1:] {
		if trustRank(m) > trustRank(best) {
			best = m
		}
	}
	return best
}

// stepKeyBit maps a step key ("A", "1".."63") to its mask bit; ok is false
// for a malformed key.
func stepKeyBit(k string) (uint, bool) {
	if k == ApplicabilityStep {
		return 0, true
	}
	n, err := strconv.Atoi(k)
	if err != nil || n < 1 || n > MaxSteps || strconv.Itoa(n) != k {
		return 0, false
	}
	return uint(n), true
}

// ResolveStep picks the answer that counts among several answers to one
// step: 未知 never overrides 肯定/否定; among decided answers the most
// trusted method wins (MethodTrustOrder; an answer without a method counts
// as def); at equal trust the later answer (by At, then by position) wins.
// Conflict is set when decided answers disagree.
func ResolveStep(answers []StepAnswer, def Method) (counted int, value Answer, conflict bool) {
	counted = -1
	value = Unknown
	bestRank := 0
	var sawYes, sawNo bool
	for i := range answers {
		a := &answers[i]
		switch a.Value {
		case Yes:
			sawYes = true
		case No:
			sawNo = true
		default:
			continue
		}
		m := a.Method
		if m == "" {
			m = def
		}
		r := trustRank(m)
		if counted < 0 || r < bestRank || r == bestRank && !a.At.Before(answers[counted].At) {
			counted, bestRank, value = i, r, a.Value
		}
	}
	if counted < 0 {
		// Only unknown answers (or none): the last one given is reported.
		for i := len(answers) - 1; i >= 0; i-- {
			if answers[i].Value == Unknown {
				counted = i
				break
			}
		}
	}
	return counted, value, sawYes && sawNo
}

// Judge judges every unit of the catalog from the answers given, then rolls
// the results up into 测评项 and the App's result. Missing answers are
// 未知. Answers naming no unit or step of the catalog, or with a value other
// than 肯定/否定/未知, are reported in Judgement.Problems and not used.
func Judge(cat *Catalog, answers []StepAnswer) Judgement {
	n := len(cat.units)
	// Bucket answers per unit, keeping their order.
	per := make([][]StepAnswer, n)
	var problems []string
	for _, a := range answers {
		i, ok := cat.index[a.Unit]
		if !ok {
			problems = append(problems, fmt.Sprintf("%s: unknown unit %q", srcOf(a), a.Unit))
			continue
		}
		u := &cat.units[i]
		b, ok := stepKeyBit(a.Step)
		if !ok || b == 0 && u.Applicability == "" || int(b) > len(u.Steps) {
			problems = append(problems, fmt.Sprintf("%s: unit %s has no step %q", srcOf(a), a.Unit, a.Step))
			continue
		}
		if a.Value != Yes && a.Value != No && a.Value != Unknown {
			problems = append(problems, fmt.Sprintf("%s: %s step %s: invalid answer %q (want 肯定, 否定 or 未知)", srcOf(a), a.Unit, a.Step, a.Value))
			continue
		}
		per[i] = append(per[i], a)
	}
	j := Judgement{Units: make([]UnitResult, n), Problems: problems}
	for i := range cat.units {
		j.Units[i] = judgeUnit(&cat.units[i], &cat.rules[i], per[i])
	}
	j.Items, j.Summary = rollUp(cat, j.Units)
	return j
}

func srcOf(a StepAnswer) string {
	if a.Source != "" {
		return a.Source
	}
	return "answer"
}

// JudgeUnit judges one unit from answers that all belong to it.
func JudgeUnit(u Unit, answers []StepAnswer) (UnitResult, error) {
	cr, err := u.Rule.Compile()
	if err != nil {
		return UnitResult{}, fmt.Errorf("unit %s: %w", u.ID, err)
	}
	return judgeUnit(&u, &cr, answers), nil
}

func judgeUnit(u *Unit, cr *CompiledRule, answers []StepAnswer) UnitResult {
	res := UnitResult{
		ID: u.ID, Category: u.Category, Item: u.Item, Requirement: u.Requirement,
		Advisory: u.Advisory, Rule: u.Rule.Text,
	}
	hasA := u.Applicability != ""
	nsteps := len(u.Steps)
	if hasA {
		nsteps++
	}
	res.Steps = make([]StepResult, 0, nsteps)
	// Group answers by step bit (answers is small: a linear scan per step
	// keeps this allocation-free apart from the All slices).
	var yes, no uint64
	addStep := func(key string, bit uint, text string, methods []Method) {
		sr := StepResult{N: key, Text: text, Methods: methods, Answer: Unknown}
		for _, a := range answers {
			if a.Step == key {
				sr.All = append(sr.All, a)
			}
		}
		if len(sr.All) > 0 {
			k, v, conflict := ResolveStep(sr.All, DefaultMethod(methods, u.Methods))
			if k >= 0 {
				c := sr.All[k]
				sr.Counted = &c
			}
			sr.Answer, sr.Conflict = v, conflict
		}
		switch sr.Answer {
		case Yes:
			yes |= 1 << bit
		case No:
			no |= 1 << bit
		}
		res.Steps = append(res.Steps, sr)
	}
	if hasA {
		addStep(ApplicabilityStep, 0, u.Applicability, u.Methods)
	}
	for _, s := range u.Steps {
		addStep(strconv.Itoa(s.N), uint(s.N), s.Text, s.Methods)
	}
	v, possible := cr.Resolve(yes, no)
	res.Verdict = v
	res.Reason = reason(cr, v, possible, yes, no)
	return res
}

// reason explains a verdict in one Chinese sentence.
func reason(cr *CompiledRule, v Verdict, possible []Verdict, yes, no uint64) string {
	unknown := cr.Refs &^ (yes | no)
	var b strings.Builder
	switch v {
	case Pending:
		b.WriteString(describe(0, 0, cr.relevant(yes, no)))
		b.WriteString("，结论待定（可能为")
		for i, p := range possible {
			if i > 0 {
				b.WriteString("或")
			}
			b.WriteString(string(p))
		}
		b.WriteString("）")
		return b.String()
	case NotApplies, Pass:
		e := cr.Pass
		if v == NotApplies {
			e = cr.NA
		}
		for _, t := range e.Terms {
			if yes&t.Pos == t.Pos && no&t.Neg == t.Neg {
				b.WriteString(describe(t.Pos, t.Neg, 0))
				break
			}
		}
	case Fail:
		// Every term of pass is contradicted by a known answer.
		var badYes, badNo uint64
		for _, t := range cr.Pass.Terms {
			badYes |= t.Neg & yes
			badNo |= t.Pos & no
		}
		b.WriteString(describe(badYes, badNo, 0))
	}
	if b.Len() > 0 {
		b.WriteString("，")
	}
	b.WriteString(string(v))
	if unknown != 0 {
		b.WriteString("（")
		b.WriteString(describe(0, 0, unknown))
		b.WriteString("，不影响结论）")
	}
	return b.String()
}

// describe renders answered bits: "步骤 1）、2）为肯定，3）为否定" (and
// "步骤 4）未知" for unknown bits; the applicability question by name).
func describe(yes, no, unknown uint64) string {
	var parts []string
	steps := false
	add := func(m uint64, what string) {
		if m&bitA != 0 {
			parts = append(parts, "适用性问题（A）"+what)
		}
		m &^= bitA
		if m == 0 {
			return
		}
		var ls []string
		for m != 0 {
			b := bits.TrailingZeros64(m)
			ls = append(ls, strconv.Itoa(b)+"）")
			m &^= 1 << b
		}
		s := strings.Join(ls, "、") + what
		if !steps {
			s = "步骤 " + s
			steps = true
		}
		parts = append(parts, s)
	}
	add(yes, "为肯定")
	add(no, "为否定")
	add(unknown, "未知")
	return strings.Join(parts, "，")
}

func newCounts() map[Verdict]int {
	return map[Verdict]int{Pass: 0, Fail: 0, NotApplies: 0, Pending: 0}
}

// rollUp derives item verdicts and the summary (结果判定): an item is
// 不符合 if any of its mandatory units is 不符合, else 待定 if any is 待定,
// else 不适用 if all are 不适用, else 符合. Items whose units are all
// advisory (宜) are judged the same way over their advisory units, marked
// Advisory and never counted.
func rollUp(cat *Catalog, ur []UnitResult) ([]ItemResult, Summary) {
	s := Summary{Units: newCounts(), Items: newCounts(), Advisory: newCounts()}
	for i := range ur {
		if ur[i].Advisory {
			s.Advisory[ur[i].Verdict]++
		} else {
			s.Units[ur[i].Verdict]++
		}
	}
	items := make([]ItemResult, len(cat.items))
	for k, it := range cat.items {
		ir := ItemResult{
			Number: it.Number, Clause: it.Clause, Category: it.Category,
			SectionTitle: it.SectionTitle, Units: it.Units, Advisory: it.Advisory,
		}
		var vs []Verdict
		for _, ui := range cat.itemUnits[k] {
			if ur[ui].Advisory == it.Advisory { // mandatory units, or all-advisory items
				vs = append(vs, ur[ui].Verdict)
			}
		}
		ir.Verdict = combine(vs)
		if !ir.Advisory {
			s.Items[ir.Verdict]++
		}
		items[k] = ir
	}
	s.PassedItems = s.Items[Pass]
	s.Applicable = s.Items[Pass] + s.Items[Fail] + s.Items[Pending]
	if s.Applicable > 0 {
		s.Rate = float64(s.PassedItems) / float64(s.Applicable)
	}
	switch {
	case s.Items[Fail] > 0:
		s.Verdict = Fail
	case s.Items[Pending] > 0:
		s.Verdict = Pending
	default:
		s.Verdict = Pass
	}
	return items, s
}

// combine rolls unit verdicts up into an item verdict.
func combine(vs []Verdict) Verdict {
	var fail, pending, na int
	for _, v := range vs {
		switch v {
		case Fail:
			fail++
		case Pending:
			pending++
		case NotApplies:
			na++
		}
	}
	switch {
	case fail > 0:
		return Fail
	case pending > 0:
		return Pending
	case na == len(vs):
		return NotApplies
	default:
		return Pass
	}
}
