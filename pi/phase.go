package pi

import (
	"sort"
	"time"

	"github.com/ceping/ceping/evidence"
)

// Phases of a session, derived from the tester's markers.
const (
	PhaseBeforeConsent   = "before-consent"
	PhaseAfterConsent    = "after-consent"
	PhaseAfterRefusal    = "after-refusal"
	PhaseBackground      = "background"
	PhaseAfterWithdrawal = "after-withdrawal"
	PhaseUnknown         = "unknown"
)

// PhaseNames are the Chinese terms for reports.
var PhaseNames = map[string]string{
	PhaseBeforeConsent:   "同意隐私政策前",
	PhaseAfterConsent:    "同意隐私政策后",
	PhaseAfterRefusal:    "拒绝隐私政策后",
	PhaseBackground:      "后台运行",
	PhaseAfterWithdrawal: "撤回同意后",
	PhaseUnknown:         "未知（无同意/拒绝标记）",
}

// Interval is one stretch of time in one phase.
type Interval struct {
	Phase string    `json:"phase"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"` // zero: open to the end of the session
}

// FeatureWindow is a feature-start … feature-stop window.
type FeatureWindow struct {
	Name  string    `json:"name"`
	Start time.Time `json:"start"`
	End   time.Time `json:"end,omitzero"`
}

// Timeline places instants in phases and feature windows.
type Timeline struct {
	Intervals []Interval      `json:"intervals"`
	Features  []FeatureWindow `json:"features"`
	// Known is false when the session has no consent or refuse marker:
	// phases other than background are then unknown.
	Known bool     `json:"known"`
	Notes []string `json:"notes,omitempty"`
}

// NewTimeline derives phases from markers (any order; they are sorted by time).
func NewTimeline(markers []evidence.Marker) *Timeline {
	ms := append([]evidence.Marker(nil), markers...)
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Time.Before(ms[j].Time) })
	tl := &Timeline{}
	hasShown := false
	var appStart time.Time
	for _, m := range ms {
		switch m.Kind {
		case evidence.MarkConsent, evidence.MarkRefuse:
			tl.Known = true
		case evidence.MarkConsentShown:
			hasShown = true
		case evidence.MarkAppStart:
			if appStart.IsZero() {
				appStart = m.Time
			}
		}
	}
	if !tl.Known {
		tl.Notes = append(tl.Notes, "no consent or refuse marker in the session: phases are unknown (会话中无同意/拒绝标记，无法判断收集时机)")
	}
	// Base state machine (ignoring background).
	base := PhaseUnknown
	start := time.Time{}
	if tl.Known {
		base = PhaseBeforeConsent
		if hasShown && !appStart.IsZero() {
			base = PhaseUnknown
			tl.Notes = append(tl.Notes, "before-consent starts at the first app-start marker; traffic before it is unknown")
		}
	}
	var baseIv []Interval
	push := func(p string, at time.Time) {
		if len(baseIv) > 0 && baseIv[len(baseIv)-1].Phase == p {
			return
		}
		if len(baseIv) > 0 {
			baseIv[len(baseIv)-1].End = at
		}
		baseIv = append(baseIv, Interval{Phase: p, Start: at})
	}
	push(base, start)
	open := map[string]int{}
	for _, m := range ms {
		switch m.Kind {
		case evidence.MarkAppStart:
			if tl.Known && hasShown && m.Time.Equal(appStart) {
				push(PhaseBeforeConsent, m.Time)
			}
		case evidence.MarkConsent:
			push(PhaseAfterConsent, m.Time)
		case evidence.MarkRefuse:
			push(PhaseAfterRefusal, m.Time)
		case evidence.MarkWithdraw:
			if tl.Known {
				push(PhaseAfterWithdrawal, m.Time)
			}
		case evidence.MarkFeatureStart:
			tl.Features = append(tl.Features, FeatureWindow{Name: m.Arg, Start: m.Time})
			open[m.Arg] = len(tl.Features) - 1
		case evidence.MarkFeatureStop:
			if i, ok := open[m.Arg]; ok {
				tl.Features[i].End = m.Time
				delete(open, m.Arg)
			} else {
				tl.Notes = append(tl.Notes, "feature-stop "+m.Arg+" without a feature-start; ignored")
			}
		}
	}
	// Overlay background windows.
	var out []Interval
	var bgStart *time.Time
	bg := []Interval{}
	for _, m := range ms {
		switch m.Kind {
		case evidence.MarkBackground:
			if bgStart == nil {
				t := m.Time
				bgStart = &t
			}
		case evidence.MarkForeground:
			if bgStart != nil {
				bg = append(bg, Interval{Phase: PhaseBackground, Start: *bgStart, End: m.Time})
				bgStart = nil
			}
		}
	}
	if bgStart != nil {
		bg = append(bg, Interval{Phase: PhaseBackground, Start: *bgStart})
	}
	out = overlay(baseIv, bg)
	tl.Intervals = out
	return tl
}

// overlay cuts the background windows into the base intervals.
func overlay(base, bg []Interval) []Interval {
	if len(bg) == 0 {
		return base
	}
	// Collect boundaries and evaluate at each.
	var cuts []time.Time
	for _, iv := range append(append([]Interval(nil), base...), bg...) {
		cuts = append(cuts, iv.Start)
		if !iv.End.IsZero() {
			cuts = append(cuts, iv.End)
		}
	}
	sort.Slice(cuts, func(i, j int) bool { return cuts[i].Before(cuts[j]) })
	var out []Interval
	for _, c := range cuts {
		p := PhaseUnknown
		if in(bg, c) >= 0 {
			p = PhaseBackground
		} else if i := in(base, c); i >= 0 {
			p = base[i].Phase
		}
		if len(out) > 0 && out[len(out)-1].Phase == p {
			continue
		}
		if len(out) > 0 {
			out[len(out)-1].End = c
		}
		out = append(out, Interval{Phase: p, Start: c})
	}
	return out
}

func in(ivs []Interval, t time.Time) int {
	for i := len(ivs) - 1; i >= 0; i-- {
		iv := ivs[i]
		if !t.Before(iv.Start) && (iv.End.IsZero() || t.Before(iv.End)) {
			return i
		}
	}
	return -1
}

// At returns the phase and the innermost open feature at t.
func (tl *Timeline) At(t time.Time) (phase, feature string) {
	phase = PhaseUnknown
	if i := in(tl.Intervals, t); i >= 0 {
		phase = tl.Intervals[i].Phase
	}
	var best time.Time
	for _, f := range tl.Features {
		if !t.Before(f.Start) && (f.End.IsZero() || !t.After(f.End)) && !f.Start.Before(best) {
			feature, best = f.Name, f.Start
		}
	}
	return phase, feature
}
