package units

import (
	"bytes"
	"math/rand"
	"os"
	"strconv"
	"testing"
)

// fullAnswers answers every step (and A) of every unit with a random
// 肯定/否定 from a fixed seed, one answer per step plus a second, less
// trusted one on every third step.
func fullAnswers(c *Catalog) []StepAnswer {
	rng := rand.New(rand.NewSource(7))
	var as []StepAnswer
	pick := func() Answer {
		if rng.Intn(2) == 0 {
			return Yes
		}
		return No
	}
	for _, u := range c.Units() {
		if u.Applicability != "" {
			as = append(as, StepAnswer{Unit: u.ID, Step: ApplicabilityStep, Value: pick(), Method: DocumentReview})
		}
		for _, s := range u.Steps {
			k := strconv.Itoa(s.N)
			as = append(as, StepAnswer{Unit: u.ID, Step: k, Value: pick(), Method: TechnicalTest})
			if s.N%3 == 0 {
				as = append(as, StepAnswer{Unit: u.ID, Step: k, Value: pick(), Method: Interview})
			}
		}
	}
	return as
}

func benchCatalog(b *testing.B) *Catalog {
	c, err := Load()
	if err != nil {
		b.Fatalf("catalog: %v", err)
	}
	return c
}

func BenchmarkJudgeFull(b *testing.B) {
	c := benchCatalog(b)
	as := fullAnswers(c)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		j := Judge(c, as)
		if len(j.Units) != c.Len() {
			b.Fatal("short judgement")
		}
	}
}

func BenchmarkJudgeAllUnknown(b *testing.B) {
	c := benchCatalog(b)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		j := Judge(c, nil)
		if j.Summary.Verdict != Pending {
			b.Fatal("not pending")
		}
	}
}

func BenchmarkParseAnswersTemplate(b *testing.B) {
	c := benchCatalog(b)
	var buf bytes.Buffer
	if err := WriteTemplate(&buf, c, TemplateOptions{}); err != nil {
		b.Fatal(err)
	}
	data := buf.Bytes()
	b.SetBytes(int64(len(data)))
	b.ResetTimer()
	for b.Loop() {
		if _, err := ParseAnswers(c, "t.yaml", data); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadCatalog(b *testing.B) {
	fsys := os.DirFS("catalog")
	for b.Loop() {
		if _, err := LoadFS(fsys); err != nil {
			b.Fatal(err)
		}
	}
}

// TestJudgeFullCatalog judges the real catalog with every step answered:
// no unit may stay 待定, and the counts add up.
func TestJudgeFullCatalog(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	if c.Len() != 157 || len(c.Items()) != 146 {
		t.Errorf("%d units, %d items; want 157 and 146", c.Len(), len(c.Items()))
	}
	per := map[string]int{}
	for _, u := range c.Units() {
		per[u.Category]++
	}
	want := map[string]int{"PIC": 33, "PIS": 9, "UPI": 19, "RPI": 24, "EPI": 38, "HPI": 6, "PIO": 28}
	for k, v := range want {
		if per[k] != v {
			t.Errorf("%s: %d units, want %d", k, per[k], v)
		}
	}
	j := Judge(c, fullAnswers(c))
	if len(j.Problems) != 0 {
		t.Fatalf("problems: %v", j.Problems)
	}
	n := 0
	for _, u := range j.Units {
		if u.Verdict == Pending {
			t.Errorf("%s pending with every step answered: %s", u.ID, u.Reason)
		}
		n++
	}
	s := j.Summary
	sum := func(m map[Verdict]int) int { return m[Pass] + m[Fail] + m[NotApplies] + m[Pending] }
	if sum(s.Units)+sum(s.Advisory) != n {
		t.Errorf("unit counts %v + %v != %d", s.Units, s.Advisory, n)
	}
	advisoryItems := 0
	for _, it := range j.Items {
		if it.Advisory {
			advisoryItems++
		}
	}
	if sum(s.Items)+advisoryItems != len(j.Items) {
		t.Errorf("item counts %v + %d advisory != %d", s.Items, advisoryItems, len(j.Items))
	}
}
