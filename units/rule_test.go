package units

import (
	"strings"
	"testing"
)

// mask builds a bit mask from step numbers (0 = A).
func mask(steps ...int) uint64 {
	var m uint64
	for _, s := range steps {
		m |= 1 << s
	}
	return m
}

func TestParseExpr(t *testing.T) {
	cases := []struct {
		src   string
		canon string
		refs  uint64
	}{
		{"pos(1)", "pos(1)", mask(1)},
		{"neg(4)", "neg(4)", mask(4)},
		{"pos(1,2,3)", "pos(1,2,3)", mask(1, 2, 3)},
		{"pos(1-4)", "pos(1,2,3,4)", mask(1, 2, 3, 4)},
		{"pos(1) & neg(2,3)", "pos(1) & neg(2,3)", mask(1, 2, 3)},
		{"pos(1,2)|pos(3,4)", "pos(1,2) | pos(3,4)", mask(1, 2, 3, 4)},
		{"(pos(1)|pos(2))&pos(3,4)", "pos(1,3,4) | pos(2,3,4)", mask(1, 2, 3, 4)},
		{"pos(1,2,3)|pos(1)&neg(2)", "pos(1,2,3) | pos(1) & neg(2)", mask(1, 2, 3)},
		{"A", "A", mask(0)},
		{"neg(A)", "neg(A)", mask(0)},
		{"A & pos(1-2, 5)", "A & pos(1,2,5)", mask(0, 1, 2, 5)},
		{" ( ( pos( 1 ) ) ) ", "pos(1)", mask(1)},
		{"pos(1) & neg(1)", "false", mask(1)}, // contradictory term dropped
		{"pos(63)", "pos(63)", mask(63)},
	}
	for _, c := range cases {
		e, err := ParseExpr(c.src)
		if err != nil {
			t.Errorf("ParseExpr(%q): %v", c.src, err)
			continue
		}
		if got := e.String(); got != c.canon {
			t.Errorf("ParseExpr(%q) = %s, want %s", c.src, got, c.canon)
		}
		if e.Refs != c.refs {
			t.Errorf("ParseExpr(%q).Refs = %b, want %b", c.src, e.Refs, c.refs)
		}
		// The canonical form parses back to the same expression.
		if c.canon != "false" {
			e2, err := ParseExpr(c.canon)
			if err != nil || e2.String() != c.canon {
				t.Errorf("round trip of %q: %v %q", c.canon, err, e2.String())
			}
		}
	}
}

func TestParseExprErrors(t *testing.T) {
	cases := []struct{ src, want string }{
		{"", "empty expression"},
		{"   ", "empty expression"},
		{"pos()", "want a step number"},
		{"pos(0)", "out of range"},
		{"pos(64)", "out of range"},
		{"pos(99999999999999999999)", "out of range"},
		{"pos(3-1)", "empty range"},
		{"pos(1", "missing )"},
		{"pos 1)", "want ( after pos"},
		{"(pos(1)", "missing )"},
		{"pos(1) &", "unexpected end"},
		{"pos(1) | | pos(2)", "unexpected"},
		{"and(1)", `unknown word "and"`},
		{"pos(1) pos(2)", "unexpected"},
		{"pos(1) && pos(2)", "unexpected"},
		{"pos(1,)", "want a step number"},
		{"1", "unexpected"},
		{"pos(B)", "want a step number"},
	}
	for _, c := range cases {
		_, err := ParseExpr(c.src)
		if err == nil {
			t.Errorf("ParseExpr(%q): no error", c.src)
			continue
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("ParseExpr(%q) error %q, want it to contain %q", c.src, err, c.want)
		}
		if !strings.Contains(err.Error(), "offset") {
			t.Errorf("ParseExpr(%q) error %q does not give an offset", c.src, err)
		}
	}
	deep := strings.Repeat("(", 200) + "pos(1)" + strings.Repeat(")", 200)
	if _, err := ParseExpr(deep); err == nil || !strings.Contains(err.Error(), "deeply") {
		t.Errorf("deep nesting: %v", err)
	}
	// A DNF explosion is refused instead of exhausting memory.
	big := strings.Repeat("(pos(1)|pos(2)|pos(3)|pos(4))&", 10) + "pos(5)"
	if _, err := ParseExpr(big); err == nil || !strings.Contains(err.Error(), "too large") {
		t.Errorf("DNF explosion: %v", err)
	}
}

func TestExprEval(t *testing.T) {
	e, err := ParseExpr("pos(1,2) | pos(3) & neg(4)")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		yes, no uint64
		want    bool
	}{
		{mask(1, 2), 0, true},
		{mask(1), mask(2), false},
		{mask(3), mask(4), true},
		{mask(3, 4), 0, false},
		{mask(3), 0, false}, // 4 unknown: neg(4) does not hold
		{0, 0, false},
	}
	for _, c := range cases {
		if got := e.Eval(c.yes, c.no); got != c.want {
			t.Errorf("Eval(yes=%b, no=%b) = %v, want %v", c.yes, c.no, got, c.want)
		}
	}
}

func FuzzParseExpr(f *testing.F) {
	for _, s := range []string{
		"pos(1)", "neg(4)", "pos(1-4)", "pos(1) & neg(2,3)", "pos(1,2)|pos(3,4)",
		"(pos(1)|pos(2))&pos(3,4)", "A", "neg(A) | pos(1)", "pos(1", "((((", "pos(0)",
		"pos(1-63)", "true", "pos(1,A,2-3)",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := ParseExpr(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "rule ") {
				t.Fatalf("error without context: %v", err)
			}
			return
		}
		// A parsed expression renders to a form that parses to the same
		// truth table over its references.
		c := e.String()
		if c == "false" {
			return
		}
		e2, err := ParseExpr(c)
		if err != nil {
			t.Fatalf("canonical form %q of %q does not parse: %v", c, s, err)
		}
		if e2.Refs&^e.Refs != 0 {
			t.Fatalf("canonical form %q mentions more than %q", c, s)
		}
		refs := e.Refs
		if refs>>12 != 0 {
			return // keep the truth-table walk small
		}
		sub := refs
		for {
			if e.Eval(sub, refs&^sub) != e2.Eval(sub, refs&^sub) {
				t.Fatalf("%q and %q differ at yes=%b", s, c, sub)
			}
			if sub == 0 {
				break
			}
			sub = (sub - 1) & refs
		}
	})
}
