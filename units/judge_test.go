package units

import (
	"math/bits"
	"math/rand"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

func fixtureCatalog(t testing.TB) *Catalog {
	t.Helper()
	c, err := LoadFS(os.DirFS("testdata/catalog"))
	if err != nil {
		t.Fatalf("fixture catalog: %v", err)
	}
	return c
}

func ans(unit, step string, v Answer, m Method) StepAnswer {
	return StepAnswer{Unit: unit, Step: step, Value: v, Method: m}
}

func unitResult(t *testing.T, j Judgement, id string) UnitResult {
	t.Helper()
	for _, u := range j.Units {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no result for %s", id)
	return UnitResult{}
}

func TestFixtureCatalogShape(t *testing.T) {
	c := fixtureCatalog(t)
	var ids []string
	for _, u := range c.Units() {
		ids = append(ids, u.ID)
	}
	if got := strings.Join(ids, " "); got != "PIC-01 PIC-02 PIC-03 PIC-07 UPI-04 UPI-05 RPI-01" {
		t.Errorf("unit order %s", got)
	}
	var items []string
	for _, it := range c.Items() {
		items = append(items, it.Number+":"+strings.Join(it.Units, ","))
	}
	if got := strings.Join(items, " "); got != "6.1.1.1:PIC-01 6.1.1.2:PIC-02,PIC-03 6.1.2.3:PIC-07 6.3.1.4:UPI-04 6.3.1.5:UPI-05 6.4.1.1:RPI-01" {
		t.Errorf("items %s", got)
	}
	if it := c.Items()[4]; !it.Advisory {
		t.Errorf("item 6.3.1.5 (only UPI-05, 宜) should be advisory")
	}
	if _, ok := c.Unit("PIC-99"); ok {
		t.Error("PIC-99 found")
	}
}

func TestJudgeFourVerdicts(t *testing.T) {
	c := fixtureCatalog(t)
	cases := []struct {
		name    string
		unit    string
		answers map[string]Answer
		want    Verdict
		reason  string
	}{
		{"pass", "PIC-01", map[string]Answer{"1": Yes, "2": No, "3": No}, Pass, "步骤 1）为肯定，2）、3）为否定，符合"},
		{"fail", "PIC-01", map[string]Answer{"1": Yes, "2": Yes, "3": No}, Fail, "步骤 2）为肯定，不符合"},
		{"fail decided despite unknown", "PIC-01", map[string]Answer{"1": No}, Fail, "步骤 1）为否定，不符合（步骤 2）、3）未知，不影响结论）"},
		{"pending", "PIC-01", map[string]Answer{"1": Yes, "2": No}, Pending, "步骤 3）未知，结论待定（可能为符合或不符合）"},
		{"na", "PIC-07", map[string]Answer{"2": No, "4": No}, NotApplies, "步骤 2）、4）为否定，不适用（步骤 1）、3）、5）未知，不影响结论）"},
		{"na pending", "PIC-07", map[string]Answer{"1": Yes, "3": Yes, "5": Yes, "2": No}, Pending, "步骤 4）未知，结论待定（可能为符合或不适用）"},
		{"applies, passes", "PIC-07", map[string]Answer{"1": Yes, "3": Yes, "5": Yes, "2": Yes}, Pass, "步骤 1）、3）、5）为肯定，符合（步骤 4）未知，不影响结论）"},
		{"applicability na", "UPI-04", map[string]Answer{"A": Yes}, NotApplies, "适用性问题（A）为肯定，不适用（步骤 1）、2）、3）未知，不影响结论）"},
		{"applicability applies", "UPI-04", map[string]Answer{"A": No, "1": Yes, "2": Yes, "3": Yes}, Pass, "步骤 1）、2）、3）为肯定，符合"},
		{"applicability unknown", "UPI-04", map[string]Answer{"1": No}, Pending, "适用性问题（A）未知，结论待定（可能为不符合或不适用）"},
		{"alternative pass", "RPI-01", map[string]Answer{"1": No, "3": Yes, "4": Yes}, Pass, "步骤 3）、4）为肯定，符合（步骤 2）未知，不影响结论）"},
		{"alternative fail", "RPI-01", map[string]Answer{"1": No, "4": No}, Fail, "步骤 1）、4）为否定，不符合（步骤 2）、3）未知，不影响结论）"},
		{"all unknown", "RPI-01", nil, Pending, "步骤 1）、2）、3）、4）未知，结论待定（可能为符合或不符合）"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var as []StepAnswer
			for k, v := range tc.answers {
				as = append(as, ans(tc.unit, k, v, ""))
			}
			u := unitResult(t, Judge(c, as), tc.unit)
			if u.Verdict != tc.want {
				t.Errorf("%s verdict %s, want %s (%s)", tc.unit, u.Verdict, tc.want, u.Reason)
			}
			if u.Reason != tc.reason {
				t.Errorf("%s reason %q, want %q", tc.unit, u.Reason, tc.reason)
			}
		})
	}
}

func TestTrustOrder(t *testing.T) {
	c := fixtureCatalog(t)
	// PIC-01 step 3 may be answered by 功能验证 and 技术检测; an interview
	// says 肯定 but the technical test says 否定: 否定 counts.
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	as := []StepAnswer{
		ans("PIC-01", "1", Yes, DocumentReview),
		ans("PIC-01", "2", No, DocumentReview),
		{Unit: "PIC-01", Step: "3", Value: Yes, Method: Interview, At: t0.Add(time.Hour)},
		{Unit: "PIC-01", Step: "3", Value: No, Method: TechnicalTest, At: t0},
		{Unit: "PIC-01", Step: "3", Value: Unknown, Method: TechnicalTest, At: t0.Add(2 * time.Hour)},
	}
	u := unitResult(t, Judge(c, as), "PIC-01")
	s := u.Steps[2]
	if s.Answer != No || s.Counted == nil || s.Counted.Method != TechnicalTest {
		t.Fatalf("step 3 answer %s counted %+v, want 否定 from 技术检测", s.Answer, s.Counted)
	}
	if !s.Conflict || len(s.All) != 3 {
		t.Errorf("conflict %v, all %d answers; want the conflict kept with all 3 answers", s.Conflict, len(s.All))
	}
	if u.Verdict != Pass {
		t.Errorf("verdict %s (%s)", u.Verdict, u.Reason)
	}

	// Reversed order of trust: an interview cannot override a document review.
	as = []StepAnswer{ans("PIC-03", "1", No, DocumentReview), ans("PIC-03", "1", Yes, Interview)}
	st := unitResult(t, Judge(c, as), "PIC-03").Steps[0]
	if st.Answer != No || !st.Conflict {
		t.Errorf("PIC-03 step 1: %s conflict=%v, want 否定 with conflict", st.Answer, st.Conflict)
	}

	// Equal trust: the later answer counts; agreeing answers are no conflict.
	as = []StepAnswer{
		{Unit: "PIC-03", Step: "1", Value: No, Method: DocumentReview, At: t0.Add(time.Hour)},
		{Unit: "PIC-03", Step: "1", Value: Yes, Method: DocumentReview, At: t0},
		{Unit: "PIC-03", Step: "2", Value: Yes, Method: Interview},
		{Unit: "PIC-03", Step: "2", Value: Yes, Method: DocumentReview},
	}
	r := unitResult(t, Judge(c, as), "PIC-03")
	if r.Steps[0].Answer != No {
		t.Errorf("equal trust: later answer should count, got %s", r.Steps[0].Answer)
	}
	if r.Steps[1].Conflict {
		t.Error("agreeing answers flagged as conflict")
	}
}

func TestDefaultMethod(t *testing.T) {
	if m := DefaultMethod([]Method{DocumentReview}, nil); m != DocumentReview {
		t.Errorf("single method: %s", m)
	}
	if m := DefaultMethod([]Method{TechnicalTest, Interview, FunctionalCheck}, nil); m != Interview {
		t.Errorf("several methods: %s, want the least trusted", m)
	}
	if m := DefaultMethod(nil, []Method{ServerCheck, FunctionalCheck}); m != ServerCheck {
		t.Errorf("unit methods: %s", m)
	}
	if m := DefaultMethod(nil, nil); m != Interview {
		t.Errorf("nothing known: %s", m)
	}
	c := fixtureCatalog(t)
	// PIC-01 step 3 has 功能验证 and 技术检测: an answer without method counts
	// as 功能验证 and loses to 技术检测 ...
	as := []StepAnswer{ans("PIC-01", "3", Yes, ""), ans("PIC-01", "3", No, TechnicalTest)}
	if a := unitResult(t, Judge(c, as), "PIC-01").Steps[2].Answer; a != No {
		t.Errorf("methodless answer beat 技术检测: %s", a)
	}
	// ... but beats 文档审查 (PIC-02 step 1: 技术检测, 文档审查 → counts as 文档审查,
	// equal trust, later wins).
	as = []StepAnswer{ans("PIC-02", "1", No, ServerCheck), ans("PIC-02", "1", Yes, "")}
	if a := unitResult(t, Judge(c, as), "PIC-02").Steps[0].Answer; a != No {
		t.Errorf("methodless answer (counts as 文档审查) beat 服务端核查: %s", a)
	}
}

func TestJudgeProblems(t *testing.T) {
	c := fixtureCatalog(t)
	as := []StepAnswer{
		{Unit: "PIC-99", Step: "1", Value: Yes, Source: "a.yaml:3"},
		{Unit: "PIC-01", Step: "4", Value: Yes, Source: "a.yaml:4"},
		{Unit: "PIC-01", Step: "A", Value: Yes, Source: "a.yaml:5"},
		{Unit: "PIC-01", Step: "01", Value: Yes, Source: "a.yaml:6"},
		{Unit: "PIC-01", Step: "1", Value: "maybe", Source: "a.yaml:7"},
		{Unit: "PIC-01", Step: "1", Value: Yes, Source: "a.yaml:8"},
	}
	j := Judge(c, as)
	if len(j.Problems) != 5 {
		t.Fatalf("problems %q, want 5", j.Problems)
	}
	for i, p := range j.Problems {
		if !strings.HasPrefix(p, "a.yaml:"+strconv.Itoa(i+3)+":") {
			t.Errorf("problem %q does not name its source a.yaml:%d", p, i+3)
		}
	}
	if a := unitResult(t, j, "PIC-01").Steps[0].Answer; a != Yes {
		t.Errorf("the valid answer was lost: %s", a)
	}
}

func TestRollUp(t *testing.T) {
	c := fixtureCatalog(t)
	all := func(unit string, n int, v Answer) []StepAnswer {
		var as []StepAnswer
		for i := 1; i <= n; i++ {
			as = append(as, ans(unit, strconv.Itoa(i), v, ""))
		}
		return as
	}
	passing := func() []StepAnswer {
		var as []StepAnswer
		as = append(as, ans("PIC-01", "1", Yes, ""), ans("PIC-01", "2", No, ""), ans("PIC-01", "3", No, ""))
		as = append(as, ans("PIC-02", "1", No, ""))
		as = append(as, all("PIC-03", 2, Yes)...)
		as = append(as, ans("PIC-07", "2", No, ""), ans("PIC-07", "4", No, "")) // 不适用
		as = append(as, ans("UPI-04", "A", No, ""))
		as = append(as, all("UPI-04", 3, Yes)...)
		as = append(as, all("RPI-01", 4, Yes)...)
		return as
	}

	// Everything mandatory passes; the advisory unit fails and is not counted.
	as := append(passing(), ans("UPI-05", "1", No, ""))
	j := Judge(c, as)
	s := j.Summary
	if s.Verdict != Pass {
		t.Errorf("App verdict %s, want 符合", s.Verdict)
	}
	// Items: 6.1.1.1 符合, 6.1.1.2 符合, 6.1.2.3 不适用, 6.3.1.4 符合, 6.4.1.1 符合;
	// 6.3.1.5 is advisory.
	if s.Items[Pass] != 4 || s.Items[NotApplies] != 1 || s.Applicable != 4 || s.PassedItems != 4 || s.Rate != 1 {
		t.Errorf("summary %+v", s)
	}
	if s.Advisory[Fail] != 1 || s.Units[Fail] != 0 || s.Units[Pass] != 5 || s.Units[NotApplies] != 1 {
		t.Errorf("unit counts %v advisory %v", s.Units, s.Advisory)
	}
	if it := j.Items[4]; !it.Advisory || it.Verdict != Fail {
		t.Errorf("advisory item %+v", it)
	}

	// One unit of a two-unit item fails: the item fails, the App fails.
	as = append(passing(), ans("PIC-03", "2", No, TechnicalTest))
	j = Judge(c, as)
	if j.Items[1].Verdict != Fail || j.Summary.Verdict != Fail {
		t.Errorf("item 6.1.1.2 %s App %s, want 不符合", j.Items[1].Verdict, j.Summary.Verdict)
	}
	if j.Summary.PassedItems != 3 || j.Summary.Applicable != 4 || j.Summary.Rate != 0.75 {
		t.Errorf("rate %+v", j.Summary)
	}

	// A pending unit makes its item and the App 待定, unless something fails.
	as = passing()[1:] // PIC-01 step 1 unknown
	j = Judge(c, as)
	if j.Items[0].Verdict != Pending || j.Summary.Verdict != Pending || j.Summary.Items[Pending] != 1 {
		t.Errorf("pending: item %s App %s", j.Items[0].Verdict, j.Summary.Verdict)
	}
	if j.Summary.Rate != 0.75 {
		t.Errorf("pending items count as applicable: rate %v", j.Summary.Rate)
	}
	as = append(as, ans("RPI-01", "1", No, TechnicalTest), ans("RPI-01", "3", No, TechnicalTest))
	if v := Judge(c, as).Summary.Verdict; v != Fail {
		t.Errorf("fail beats pending: %s", v)
	}

	// No answers at all: everything pending.
	j = Judge(c, nil)
	if j.Summary.Verdict != Pending || j.Summary.Units[Pending] != 6 || j.Summary.Advisory[Pending] != 1 {
		t.Errorf("empty: %+v", j.Summary)
	}
}

// TestPendingExact checks 待定 against brute force: for random rules and
// random partial answers, the verdict is 待定 exactly when completing the
// unknown answers can give different verdicts, and otherwise equals the one
// verdict every completion gives.
func TestPendingExact(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	randTerm := func(n int) string {
		var pos, neg []string
		for s := 1; s <= n; s++ {
			switch rng.Intn(4) {
			case 0:
				pos = append(pos, strconv.Itoa(s))
			case 1:
				neg = append(neg, strconv.Itoa(s))
			}
		}
		var atoms []string
		if len(pos) > 0 {
			atoms = append(atoms, "pos("+strings.Join(pos, ",")+")")
		}
		if len(neg) > 0 {
			atoms = append(atoms, "neg("+strings.Join(neg, ",")+")")
		}
		if rng.Intn(5) == 0 {
			atoms = append(atoms, []string{"A", "neg(A)"}[rng.Intn(2)])
		}
		if len(atoms) == 0 {
			atoms = append(atoms, "pos("+strconv.Itoa(1+rng.Intn(n))+")")
		}
		return strings.Join(atoms, " & ")
	}
	randExpr := func(n int) string {
		k := 1 + rng.Intn(3)
		ts := make([]string, k)
		for i := range ts {
			ts[i] = "(" + randTerm(n) + ")"
		}
		return strings.Join(ts, " | ")
	}
	for iter := 0; iter < 3000; iter++ {
		n := 1 + rng.Intn(7)
		r := Rule{Pass: randExpr(n)}
		if rng.Intn(2) == 0 {
			r.NA = randExpr(n)
		}
		cr, err := r.Compile()
		if err != nil {
			t.Fatalf("%+v: %v", r, err)
		}
		all := uint64(1)<<(n+1) - 1 // A and steps 1..n
		for k := 0; k < 20; k++ {
			var yes, no uint64
			for b := 0; b <= n; b++ {
				switch rng.Intn(3) {
				case 0:
					yes |= 1 << b
				case 1:
					no |= 1 << b
				}
			}
			// Brute force over every completion of every unknown bit
			// (not only the referenced ones).
			unknown := all &^ (yes | no)
			seen := map[Verdict]bool{}
			for sub := uint64(0); sub <= all; sub++ {
				if sub&^unknown != 0 {
					continue
				}
				seen[cr.Decide(yes|sub, no|(unknown&^sub))] = true
			}
			want := Pending
			if len(seen) == 1 {
				for v := range seen {
					want = v
				}
			}
			got, possible := cr.Resolve(yes, no)
			if got != want {
				t.Fatalf("rule na=%q pass=%q yes=%b no=%b: got %s, brute force %s (%v)", r.NA, r.Pass, yes, no, got, want, seen)
			}
			if len(possible) != len(seen) {
				t.Fatalf("rule na=%q pass=%q yes=%b no=%b: possible %v, brute force %v", r.NA, r.Pass, yes, no, possible, seen)
			}
			for _, v := range possible {
				if !seen[v] {
					t.Fatalf("possible %v includes %s, brute force %v", possible, v, seen)
				}
			}
		}
	}
	_ = bits.OnesCount64
}
