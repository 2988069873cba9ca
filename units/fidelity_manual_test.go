package units

import (
	"strconv"
	"testing"
)

// Hand-written fidelity tables for the units whose 单元判定 the derivation in
// fidelity_test.go cannot read (unparsedBySpecWording). Each case gives
// answers as the spec words them and the verdict the spec wording gives; the
// applicability question A is phrased in the catalog so that 肯定 means the
// condition the spec states holds. Each unit also has its wording written
// out by hand as a Go predicate, checked against the catalog rule over every
// combination of answers.

type manualCase struct {
	answers map[string]Answer // "A", "1".."n"; missing steps are 未知
	want    Verdict
}

var manualFidelity = map[string]struct {
	wording string
	// spec is the wording by hand: yes(k) is whether step k (or "A") is 肯定.
	spec  func(yes func(string) bool) Verdict
	cases []manualCase
}{
	"UPI-04": {
		wording: "如果 1）、2）、3）均为肯定，则符合…，否则不符合…。如果 App 提供者的相关管理制度规定不允许出现超权限处理个人信息的情形，则本测评单元为不适用。",
		spec: func(yes func(string) bool) Verdict {
			switch {
			case yes("A"):
				return NotApplies
			case yes("1") && yes("2") && yes("3"):
				return Pass
			}
			return Fail
		},
		cases: []manualCase{
			{map[string]Answer{"A": Yes}, NotApplies},
			{map[string]Answer{"A": Yes, "1": No, "2": No, "3": No}, NotApplies},
			{map[string]Answer{"A": No, "1": Yes, "2": Yes, "3": Yes}, Pass},
			{map[string]Answer{"A": No, "1": Yes, "2": No, "3": Yes}, Fail},
			{map[string]Answer{"A": No, "1": No}, Fail},
			{map[string]Answer{"1": Yes, "2": Yes, "3": Yes}, Pending}, // A unknown: 符合 or 不适用
			{map[string]Answer{"A": No, "1": Yes, "2": Yes}, Pending},
		},
	},
	"UPI-08": {
		wording: "如果 1）、2）、3）均为肯定，则符合…，如果 2）不存在个人信息加工处理后产生的信息能够被认定为个人信息的情况，则判定为不适用；否则不符合…",
		spec: func(yes func(string) bool) Verdict {
			switch {
			case !yes("2"): // 2）"不存在…" is step 2 answered 否定
				return NotApplies
			case yes("1") && yes("2") && yes("3"):
				return Pass
			}
			return Fail
		},
		cases: []manualCase{
			{map[string]Answer{"2": No}, NotApplies},
			{map[string]Answer{"1": No, "2": No, "3": No}, NotApplies},
			{map[string]Answer{"1": Yes, "2": Yes, "3": Yes}, Pass},
			{map[string]Answer{"1": No, "2": Yes, "3": Yes}, Fail},
			{map[string]Answer{"1": Yes, "2": Yes, "3": No}, Fail},
			{map[string]Answer{"1": Yes, "3": Yes}, Pending}, // 2 unknown: 符合 or 不适用
		},
	},
	"UPI-12": {
		wording: "App 不涉及个性化展示服务时，本测评单元为不适用；如果 1）、5）为肯定，并且 2）、3）、4）其中任一项为肯定，则符合…，否则不符合…",
		spec: func(yes func(string) bool) Verdict {
			switch {
			case yes("A"):
				return NotApplies
			case yes("1") && yes("5") && (yes("2") || yes("3") || yes("4")):
				return Pass
			}
			return Fail
		},
		cases: []manualCase{
			{map[string]Answer{"A": Yes}, NotApplies},
			{map[string]Answer{"A": No, "1": Yes, "5": Yes, "2": Yes, "3": No, "4": No}, Pass},
			{map[string]Answer{"A": No, "1": Yes, "5": Yes, "2": No, "3": No, "4": Yes}, Pass},
			{map[string]Answer{"A": No, "1": Yes, "5": Yes, "3": Yes}, Pass}, // 2, 4 unknown: any one suffices
			{map[string]Answer{"A": No, "1": Yes, "5": Yes, "2": No, "3": No, "4": No}, Fail},
			{map[string]Answer{"A": No, "1": No, "5": Yes, "2": Yes, "3": Yes, "4": Yes}, Fail},
			{map[string]Answer{"A": No, "1": Yes, "5": No, "2": Yes}, Fail},
			{map[string]Answer{"A": No, "1": Yes, "5": Yes}, Pending},
		},
	},
}

func TestFidelityManual(t *testing.T) {
	cat, err := Load()
	if err != nil {
		t.Fatalf("catalog: %v", err)
	}
	if len(manualFidelity) != len(unparsedBySpecWording) {
		t.Errorf("manual tables for %d units, %d cannot be derived", len(manualFidelity), len(unparsedBySpecWording))
	}
	for _, id := range unparsedBySpecWording {
		m, ok := manualFidelity[id]
		if !ok {
			t.Errorf("%s: no hand-written table", id)
			continue
		}
		u, ok := cat.Unit(id)
		if !ok {
			t.Errorf("%s: not in the catalog", id)
			continue
		}
		for i, c := range m.cases {
			var as []StepAnswer
			for k, v := range c.answers {
				as = append(as, StepAnswer{Unit: id, Step: k, Value: v})
			}
			r, err := JudgeUnit(u, as)
			if err != nil {
				t.Fatal(err)
			}
			if r.Verdict != c.want {
				t.Errorf("%s case %d %v: catalog gives %s (%s), the spec wording gives %s\n  wording: %s",
					id, i+1, c.answers, r.Verdict, r.Reason, c.want, m.wording)
			}
		}
		// Every complete combination against the wording by hand.
		cr, _ := cat.Rule(id)
		n := len(u.Steps)
		all := uint64(1)<<(n+1) - 2
		if u.Applicability != "" {
			all |= 1
		}
		for y := uint64(0); y <= all; y++ {
			if y&^all != 0 {
				continue
			}
			yes := func(k string) bool {
				if k == ApplicabilityStep {
					return y&1 != 0
				}
				s, _ := strconv.Atoi(k)
				return y&(1<<s) != 0
			}
			if got, want := cr.Decide(y, all&^y), m.spec(yes); got != want {
				t.Errorf("%s: answers %s: catalog %s, wording %s", id, answerString(y, n, u.Applicability != ""), got, want)
			}
		}
	}
}
