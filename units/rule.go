package units

import (
	"fmt"
	"math/bits"
	"sort"
	"strconv"
	"strings"
)

// MaxSteps is the largest step number a rule may name (steps are bits 1..63
// of a mask; bit 0 is the applicability question A).
const MaxSteps = 63

// bitA is the mask bit of the applicability question.
const bitA uint64 = 1

// Expr is a compiled rule expression in disjunctive normal form: it is true
// when any of its terms holds. The empty expression (no terms) is false.
type Expr struct {
	Terms []Term
	// Refs is the union of every mask bit the expression mentions.
	Refs uint64
}

// Term is a conjunction: every bit of Pos must be 肯定 and every bit of Neg
// 否定. Bit 0 is A, bit i is step i.
type Term struct {
	Pos, Neg uint64
}

// Eval reports whether the expression holds for the given yes-set and
// no-set (bits not in either are unknown and satisfy neither pos nor neg).
func (e Expr) Eval(yes, no uint64) bool {
	for _, t := range e.Terms {
		if yes&t.Pos == t.Pos && no&t.Neg == t.Neg {
			return true
		}
	}
	return false
}

// String renders the expression back in rule syntax (canonical form).
func (e Expr) String() string {
	if len(e.Terms) == 0 {
		return "false"
	}
	parts := make([]string, len(e.Terms))
	for i, t := range e.Terms {
		var atoms []string
		if t.Pos&bitA != 0 {
			atoms = append(atoms, "A")
		}
		if t.Neg&bitA != 0 {
			atoms = append(atoms, "neg(A)")
		}
		if p := t.Pos &^ bitA; p != 0 {
			atoms = append(atoms, "pos("+maskList(p)+")")
		}
		if n := t.Neg &^ bitA; n != 0 {
			atoms = append(atoms, "neg("+maskList(n)+")")
		}
		if len(atoms) == 0 {
			atoms = append(atoms, "true")
		}
		parts[i] = strings.Join(atoms, " & ")
	}
	return strings.Join(parts, " | ")
}

func maskList(m uint64) string {
	var s []string
	for m != 0 {
		b := bits.TrailingZeros64(m)
		s = append(s, strconv.Itoa(b))
		m &^= 1 << b
	}
	return strings.Join(s, ",")
}

// RuleError is a syntax error in a rule expression, at a byte offset.
type RuleError struct {
	Expr   string
	Offset int
	Msg    string
}

func (e *RuleError) Error() string {
	return fmt.Sprintf("rule %q: at offset %d: %s", e.Expr, e.Offset, e.Msg)
}

// maxTerms bounds the DNF size so that a pathological expression cannot
// exhaust memory (real rules have at most a handful of terms).
const maxTerms = 4096

// ParseExpr parses a rule expression (see Rule) into its compiled form.
//
// Grammar:
//
//	expr   = and { "|" and }
//	and    = atom { "&" atom }
//	atom   = "pos" "(" list ")" | "neg" "(" list ")" | "A" | "true" | "(" expr ")"
//	list   = item { "," item }
//	item   = N | N "-" M | "A"       (1 <= N <= M <= 63)
//
// An empty expression is an error; use Rule.NA == "" for "never 不适用".
func ParseExpr(s string) (Expr, error) {
	p := &ruleParser{src: s}
	p.skip()
	if p.pos >= len(p.src) {
		return Expr{}, p.errf("empty expression")
	}
	e, err := p.expr(0)
	if err != nil {
		return Expr{}, err
	}
	p.skip()
	if p.pos < len(p.src) {
		return Expr{}, p.errf("unexpected %q", p.rest())
	}
	return e, nil
}

type ruleParser struct {
	src string
	pos int
}

func (p *ruleParser) errf(format string, args ...any) error {
	return &RuleError{Expr: p.src, Offset: p.pos, Msg: fmt.Sprintf(format, args...)}
}

func (p *ruleParser) rest() string {
	r := p.src[p.pos:]
	if len(r) > 12 {
		r = r[:12] + "…"
	}
	return r
}

func (p *ruleParser) skip() {
	for p.pos < len(p.src) && (p.src[p.pos] == ' ' || p.src[p.pos] == '\t' || p.src[p.pos] == '\n' || p.src[p.pos] == '\r') {
		p.pos++
	}
}

func (p *ruleParser) eat(c byte) bool {
	p.skip()
	if p.pos < len(p.src) && p.src[p.pos] == c {
		p.pos++
		return true
	}
	return false
}

const maxDepth = 64

func (p *ruleParser) expr(depth int) (Expr, error) {
	if depth > maxDepth {
		return Expr{}, p.errf("expression nested too deeply")
	}
	left, err := p.and(depth)
	if err != nil {
		return Expr{}, err
	}
	for p.eat('|') {
		right, err := p.and(depth)
		if err != nil {
			return Expr{}, err
		}
		left = orExpr(left, right)
		if len(left.Terms) > maxTerms {
			return Expr{}, p.errf("expression too large")
		}
	}
	return left, nil
}

func (p *ruleParser) and(depth int) (Expr, error) {
	left, err := p.atom(depth)
	if err != nil {
		return Expr{}, err
	}
	for p.eat('&') {
		right, err := p.atom(depth)
		if err != nil {
			return Expr{}, err
		}
		left = andExpr(left, right)
		if len(left.Terms) > maxTerms {
			return Expr{}, p.errf("expression too large")
		}
	}
	return left, nil
}

func (p *ruleParser) word() string {
	p.skip()
	start := p.pos
	for p.pos < len(p.src) {
		c := p.src[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
			p.pos++
			continue
		}
		break
	}
	return p.src[start:p.pos]
}

func (p *ruleParser) atom(depth int) (Expr, error) {
	p.skip()
	if p.pos >= len(p.src) {
		return Expr{}, p.errf("unexpected end, want pos(…), neg(…), A or (")
	}
	if p.eat('(') {
		e, err := p.expr(depth + 1)
		if err != nil {
			return Expr{}, err
		}
		if !p.eat(')') {
			return Expr{}, p.errf("missing )")
		}
		return e, nil
	}
	start := p.pos
	w := p.word()
	switch w {
	case "A":
		return Expr{Terms: []Term{{Pos: bitA}}, Refs: bitA}, nil
	case "true":
		return Expr{Terms: []Term{{}}}, nil
	case "pos", "neg":
		if !p.eat('(') {
			return Expr{}, p.errf("want ( after %s", w)
		}
		m, err := p.list()
		if err != nil {
			return Expr{}, err
		}
		if !p.eat(')') {
			return Expr{}, p.errf("missing ) after %s(…", w)
		}
		t := Term{Pos: m}
		if w == "neg" {
			t = Term{Neg: m}
		}
		return Expr{Terms: []Term{t}, Refs: m}, nil
	case "":
		return Expr{}, p.errf("unexpected %q, want pos(…), neg(…), A or (", p.rest())
	default:
		p.pos = start
		return Expr{}, p.errf("unknown word %q, want pos, neg or A", w)
	}
}

func (p *ruleParser) number() (int, error) {
	p.skip()
	start := p.pos
	for p.pos < len(p.src) && p.src[p.pos] >= '0' && p.src[p.pos] <= '9' {
		p.pos++
	}
	if start == p.pos {
		return 0, p.errf("want a step number, got %q", p.rest())
	}
	n, err := strconv.Atoi(p.src[start:p.pos])
	if err != nil || n < 1 || n > MaxSteps {
		p.pos = start
		return 0, p.errf("step number %s out of range 1..%d", p.src[start:min(len(p.src), start+6)], MaxSteps)
	}
	return n, nil
}

func (p *ruleParser) list() (uint64, error) {
	var m uint64
	for {
		p.skip()
		if p.pos < len(p.src) && p.src[p.pos] == 'A' {
			p.pos++
			m |= bitA
		} else {
			a, err := p.number()
			if err != nil {
				return 0, err
			}
			b := a
			if p.eat('-') {
				if b, err = p.number(); err != nil {
					return 0, err
				}
				if b < a {
					return 0, p.errf("empty range %d-%d", a, b)
				}
			}
			for i := a; i <= b; i++ {
				m |= 1 << i
			}
		}
		if !p.eat(',') {
			return m, nil
		}
	}
}

func orExpr(a, b Expr) Expr {
	terms := make([]Term, 0, len(a.Terms)+len(b.Terms))
	terms = append(terms, a.Terms...)
	terms = append(terms, b.Terms...)
	return Expr{Terms: terms, Refs: a.Refs | b.Refs}
}

func andExpr(a, b Expr) Expr {
	var terms []Term
	for _, x := range a.Terms {
		for _, y := range b.Terms {
			t := Term{Pos: x.Pos | y.Pos, Neg: x.Neg | y.Neg}
			if t.Pos&t.Neg != 0 {
				continue // contradictory: can never hold
			}
			terms = append(terms, t)
		}
	}
	return Expr{Terms: terms, Refs: a.Refs | b.Refs}
}

// CompiledRule is a unit's rule ready for judging.
type CompiledRule struct {
	NA   Expr // no terms when the unit is never 不适用
	Pass Expr
	// Refs are the mask bits either expression mentions: only these
	// answers can change the verdict.
	Refs uint64
}

// Compile parses both expressions of a rule.
func (r Rule) Compile() (CompiledRule, error) {
	var c CompiledRule
	if strings.TrimSpace(r.Pass) == "" {
		return c, fmt.Errorf("rule has no pass expression")
	}
	var err error
	if c.Pass, err = ParseExpr(r.Pass); err != nil {
		return c, fmt.Errorf("pass: %w", err)
	}
	if strings.TrimSpace(r.NA) != "" {
		if c.NA, err = ParseExpr(r.NA); err != nil {
			return c, fmt.Errorf("na: %w", err)
		}
	}
	c.Refs = c.NA.Refs | c.Pass.Refs
	return c, nil
}

// Decide gives the verdict for complete answers over the rule's references
// (yes and no are disjoint; bits in neither are treated as unknown).
func (c *CompiledRule) Decide(yes, no uint64) Verdict {
	if c.NA.Eval(yes, no) {
		return NotApplies
	}
	if c.Pass.Eval(yes, no) {
		return Pass
	}
	return Fail
}

// verdictSet is a bit set of verdicts.
type verdictSet uint8

const (
	vsPass verdictSet = 1 << iota
	vsFail
	vsNA
)

func (s verdictSet) verdicts() []Verdict {
	var out []Verdict
	if s&vsPass != 0 {
		out = append(out, Pass)
	}
	if s&vsFail != 0 {
		out = append(out, Fail)
	}
	if s&vsNA != 0 {
		out = append(out, NotApplies)
	}
	return out
}

func setOf(v Verdict) verdictSet {
	switch v {
	case Pass:
		return vsPass
	case Fail:
		return vsFail
	case NotApplies:
		return vsNA
	}
	return 0
}

// Possible returns the set of verdicts reachable by completing the unknown
// answers (the referenced bits in neither yes nor no) with 肯定 or 否定. It
// stops as soon as two verdicts differ.
func (c *CompiledRule) possible(yes, no uint64) verdictSet {
	unknown := c.Refs &^ (yes | no)
	if unknown == 0 {
		return setOf(c.Decide(yes, no))
	}
	// Enumerate subsets of unknown with the standard sub-mask walk.
	var seen verdictSet
	sub := unknown
	for {
		s := setOf(c.Decide(yes|sub, no|(unknown&^sub)))
		seen |= s
		if seen&(seen-1) != 0 {
			return seen // two different verdicts: 待定
		}
		if sub == 0 {
			break
		}
		sub = (sub - 1) & unknown
	}
	return seen
}

// Resolve judges partial answers: the decided verdict when every completion
// of the unknown answers agrees, else 待定. The second result lists the
// verdicts the completions reach.
func (c *CompiledRule) Resolve(yes, no uint64) (Verdict, []Verdict) {
	s := c.possible(yes, no)
	vs := s.verdicts()
	if len(vs) == 1 {
		return vs[0], vs
	}
	// possible stops after the first disagreement; report every reachable
	// verdict for the reason text.
	return Pending, c.reachable(yes, no).verdicts()
}

// reachable is possible without the early stop.
func (c *CompiledRule) reachable(yes, no uint64) verdictSet {
	unknown := c.Refs &^ (yes | no)
	var seen verdictSet
	sub := unknown
	for {
		seen |= setOf(c.Decide(yes|sub, no|(unknown&^sub)))
		if seen == vsPass|vsFail|vsNA || sub == 0 {
			return seen
		}
		sub = (sub - 1) & unknown
	}
}

// stepBits lists the bits of m as step labels ("A", "1", "2"…), in order.
func stepBits(m uint64) []string {
	var out []string
	for m != 0 {
		b := bits.TrailingZeros64(m)
		if b == 0 {
			out = append(out, ApplicabilityStep)
		} else {
			out = append(out, strconv.Itoa(b))
		}
		m &^= 1 << b
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i] == ApplicabilityStep && out[j] != ApplicabilityStep })
	return out
}

// relevant returns the unknown referenced bits the verdict depends on: a
// bit is relevant when flipping it alone changes the verdict for some
// completion of the other unknown bits.
func (c *CompiledRule) relevant(yes, no uint64) uint64 {
	unknown := c.Refs &^ (yes | no)
	var rel uint64
	for u := unknown; u != 0; u &= u - 1 {
		b := u & -u
		others := unknown &^ b
		sub := others
		for {
			y, n := yes|sub, no|(others&^sub)
			if c.Decide(y|b, n) != c.Decide(y, n|b) {
				rel |= b
				break
			}
			if sub == 0 {
				break
			}
			sub = (sub - 1) & others
		}
	}
	return rel
}
