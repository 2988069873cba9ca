// Package auto holds ceping's automatic step evaluators: each answers one
// step of one unit (肯定/否定/未知) from evidence — the app's static facts,
// the captured flows, the tester's timeline markers, the PI findings and the
// privacy policy's declarations — with the evidence it used and one sentence
// of reasoning in Chinese.
//
// An evaluator never passes by default: when the evidence it needs is absent
// (no consent marker, no capture, a packed APK…) it answers 未知 and says
// what is missing. The tester can override any answer; the judge keeps both
// and the order of trust decides which one counts.
//
// The package reads only the shared evidence model: the composition root
// translates the PI analysis and the policy analysis into Facts.
package auto

import (
	"sort"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

// Facts is everything the evaluators may look at.
type Facts struct {
	// App is the static analysis of the package (nil when none was analysed).
	App *evidence.App
	// Capture is true when the session holds captured traffic (proxy, pcap
	// or HAR); Flows are their metadata (bodies are not needed here).
	Capture bool
	Flows   []evidence.Flow
	Markers []evidence.Marker
	// Findings are the PI observations (nil when no analysis ran).
	Findings []evidence.Finding
	Opaque   []evidence.Opaque
	// Analysed is true when the PI analysis ran over the flows.
	Analysed bool
	// Frequency are the frequency rows of the PI analysis (appendix D).
	Frequency []Frequency
	// Policy is what the privacy policy declares (nil when not analysed).
	Policy *Policy
}

// Frequency is one PI type × destination × phase row of the PI analysis.
type Frequency struct {
	PIType    string        `json:"pi_type"`
	Host      string        `json:"host"`
	Phase     string        `json:"phase"`
	Count     int           `json:"count"`
	Median    time.Duration `json:"median_interval"`
	Reference string        `json:"reference"` // appendix D wording
	Exceeded  bool          `json:"exceeded"`  // above the reference rate
	NoTrigger bool          `json:"no_trigger"`
	FlowIDs   []int64       `json:"flow_ids"`
}

// Policy is what the privacy policy declares, as the evaluators need it.
type Policy struct {
	Source      string   `json:"source"` // file name or flow
	PITypes     []string `json:"pi_types"`
	Permissions []string `json:"permissions"`
	// DeclaresSDK reports whether the policy's SDK list names an SDK (by
	// id, name or company).
	DeclaresSDK func(id, name, company string) bool `json:"-"`
	SDKs        []string                            `json:"sdks"`
	// Checks are the content checks of the policy text (GB/T 35273—2020
	// 5.5, appendix D, the self-assessment guides), by check id.
	Checks []PolicyCheck `json:"checks,omitempty"`
	// Rights are the PI subject's rights the policy states (access,
	// correct, delete, close_account, withdraw, copy).
	Rights []PolicyRight `json:"rights,omitempty"`
}

// PolicyCheck is one content check of the policy text.
type PolicyCheck struct {
	ID     string `json:"id"`
	Title  string `json:"title"`
	Basis  string `json:"basis"`
	Result string `json:"result"` // pass, fail, unknown
	Detail string `json:"detail"`
	Quote  string `json:"quote,omitempty"`
	Where  string `json:"where,omitempty"` // line and heading path
}

// PolicyRight is one right the policy states and how to exercise it.
type PolicyRight struct {
	Key   string `json:"key"`
	Name  string `json:"name"`
	How   string `json:"how,omitempty"`
	Quote string `json:"quote,omitempty"`
	Where string `json:"where,omitempty"`
}

func (p *Policy) check(id string) *PolicyCheck {
	for i := range p.Checks {
		if p.Checks[i].ID == id {
			return &p.Checks[i]
		}
	}
	return nil
}

func (p *Policy) right(key string) *PolicyRight {
	for i := range p.Rights {
		if p.Rights[i].Key == key {
			return &p.Rights[i]
		}
	}
	return nil
}

// Outcome is an evaluator's answer to its step.
type Outcome struct {
	Value    units.Answer
	Evidence []evidence.Ref
	Reason   string
}

// Evaluator answers one step of one unit.
type Evaluator struct {
	Key    string // evaluator key, as in the catalog's step "auto" field
	Unit   string
	Step   int
	Method units.Method
	// Coverage says how far the step is automated: "full" when evidence
	// can decide both answers, "partial" when it can only decide one
	// direction (e.g. a violation) and leaves the other to the tester.
	Coverage string
	Doc      string // what it checks, for docs
	Eval     func(f *Facts) Outcome
}

var registry []Evaluator

func register(e Evaluator) { registry = append(registry, e) }

// Evaluators returns every evaluator, ordered by unit and step.
func Evaluators() []Evaluator {
	out := append([]Evaluator(nil), registry...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Unit != out[j].Unit {
			return out[i].Unit < out[j].Unit
		}
		return out[i].Step < out[j].Step
	})
	return out
}

// Run answers every step an evaluator covers. The answers carry the method,
// evidence, reason and the evaluator as their source.
func Run(f *Facts, at time.Time) []units.StepAnswer {
	var out []units.StepAnswer
	for _, e := range Evaluators() {
		o := e.Eval(f)
		out = append(out, units.StepAnswer{
			Unit:     e.Unit,
			Step:     itoa(e.Step),
			Value:    o.Value,
			Method:   e.Method,
			Evidence: o.Evidence,
			Note:     o.Reason,
			By:       "ceping:" + e.Key,
			At:       at,
			Source:   "auto:" + e.Key,
		})
	}
	return out
}

func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

func yes(reason string, ev ...evidence.Ref) Outcome {
	return Outcome{Value: units.Yes, Reason: reason, Evidence: ev}
}
func no(reason string, ev ...evidence.Ref) Outcome {
	return Outcome{Value: units.No, Reason: reason, Evidence: ev}
}
func unknown(reason string, ev ...evidence.Ref) Outcome {
	return Outcome{Value: units.Unknown, Reason: reason, Evidence: ev}
}
