package pi

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
	"gopkg.in/yaml.v3"
)

type prCount struct{ tp, fp, fn int }

func (c prCount) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

func (c prCount) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

// TestFixturePrecisionRecall runs the detectors over the labelled fixture
// session and measures precision and recall per detector against the
// labels (flow, pi_type, detector, encoding).
func TestFixturePrecisionRecall(t *testing.T) {
	dir := testutil.Path("fixtures", "sessions", "detectors")
	raw, err := os.ReadFile(filepath.Join(dir, "labels.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var lf labelFile
	if err := yaml.Unmarshal(raw, &lf); err != nil {
		t.Fatal(err)
	}
	prof, warns, err := LoadProfile(filepath.Join(dir, lf.Profile))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) > 0 {
		t.Fatalf("fixture profile should be clean: %v", warns)
	}
	flows, err := loadHAR(filepath.Join(dir, lf.Session))
	if err != nil {
		t.Fatal(err)
	}
	sc := NewScanner(prof, ScanOptions{})
	want := map[string]bool{}
	for _, l := range lf.Findings {
		want[fmt.Sprintf("%d|%s|%s|%s", l.Flow, l.PIType, l.Detector, l.Encoding)] = true
	}
	got := map[string]bool{}
	gotOpaque := map[int]bool{}
	for i, f := range flows {
		dets, op := sc.ScanFlow(f)
		for _, d := range dets {
			got[fmt.Sprintf("%d|%s|%s|%s", i, d.PIType, d.Detector, d.Encoding)] = true
		}
		if len(op) > 0 {
			gotOpaque[i] = true
		}
	}
	per := map[string]*prCount{}
	det := func(k string) *prCount {
		d := strings.Split(k, "|")[2]
		if per[d] == nil {
			per[d] = &prCount{}
		}
		return per[d]
	}
	for k := range want {
		if got[k] {
			det(k).tp++
		} else {
			det(k).fn++
			t.Logf("missed: %s", k)
		}
	}
	for k := range got {
		if !want[k] {
			det(k).fp++
			t.Logf("false positive: %s", k)
		}
	}
	var names []string
	for n := range per {
		names = append(names, n)
	}
	sort.Strings(names)
	var total prCount
	t.Logf("%-20s %4s %4s %4s %9s %7s", "detector", "TP", "FP", "FN", "precision", "recall")
	for _, n := range names {
		c := per[n]
		total.tp += c.tp
		total.fp += c.fp
		total.fn += c.fn
		t.Logf("%-20s %4d %4d %4d %9.3f %7.3f", n, c.tp, c.fp, c.fn, c.precision(), c.recall())
	}
	t.Logf("%-20s %4d %4d %4d %9.3f %7.3f", "all", total.tp, total.fp, total.fn, total.precision(), total.recall())
	for _, n := range names {
		c := per[n]
		if c.recall() < 0.95 || c.precision() < 0.98 {
			t.Errorf("detector %s: precision %.3f recall %.3f (targets ≥0.98, ≥0.95)", n, c.precision(), c.recall())
		}
	}
	for _, i := range lf.Opaque {
		if !gotOpaque[i] {
			t.Errorf("flow %d: expected an opaque (uninspectable) body report", i)
		}
	}
	for i := range gotOpaque {
		if !contains(lf.Opaque, i) {
			t.Errorf("flow %d: unexpected opaque report", i)
		}
	}
}

func contains(s []int, v int) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}
