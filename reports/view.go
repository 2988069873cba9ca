package reports

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

// view is the report arranged for the human-readable formats: items with
// their mandatory units, advisory units apart, and an index of the evidence
// the steps cite.
type view struct {
	R         *Report
	Mandatory []itemView // mandatory 测评项 in the judgement's order
	Advisory  []itemView // advisory units grouped by item (not counted)
	Index     []indexEntry
	// Open lists mandatory units that are 不符合 or 待定.
	Open []*units.UnitResult
}

type itemView struct {
	Item  units.ItemResult
	Units []*units.UnitResult
}

// indexEntry is one piece of evidence that a step or an evidence row points
// at; its Anchor is the fragment links use.
type indexEntry struct {
	Anchor  string
	Kind    string
	ID      string
	Labels  []string
	CitedBy []string // unit IDs
}

func newView(r *Report) *view {
	v := &view{R: r}
	j := r.Judgement
	byID := make(map[string]*units.UnitResult, len(j.Units))
	for i := range j.Units {
		byID[j.Units[i].ID] = &j.Units[i]
	}
	placed := make(map[string]bool, len(j.Units))
	for _, it := range j.Items {
		var mand, adv []*units.UnitResult
		for _, id := range it.Units {
			u, ok := byID[id]
			if !ok || placed[id] {
				continue
			}
			placed[id] = true
			if u.Advisory {
				adv = append(adv, u)
			} else {
				mand = append(mand, u)
			}
		}
		if len(mand) > 0 || (!it.Advisory && len(adv) == 0) {
			v.Mandatory = append(v.Mandatory, itemView{Item: it, Units: mand})
		}
		if len(adv) > 0 {
			v.Advisory = append(v.Advisory, itemView{Item: it, Units: adv})
		}
	}
	// Units no item lists still appear, under their own item number with
	// no item verdict.
	for i := range j.Units {
		u := &j.Units[i]
		if placed[u.ID] {
			continue
		}
		placed[u.ID] = true
		iv := itemView{Item: units.ItemResult{Number: u.Item, Category: u.Category, Units: []string{u.ID}, Advisory: u.Advisory}, Units: []*units.UnitResult{u}}
		if u.Advisory {
			v.Advisory = append(v.Advisory, iv)
		} else {
			v.Mandatory = append(v.Mandatory, iv)
		}
	}
	for _, iv := range v.Mandatory {
		for _, u := range iv.Units {
			if u.Verdict == units.Fail || u.Verdict == units.Pending {
				v.Open = append(v.Open, u)
			}
		}
	}
	v.Index = buildIndex(r)
	return v
}

// buildIndex collects every evidence reference the steps cite and every flow
// the evidence sections name, one entry per anchor.
func buildIndex(r *Report) []indexEntry {
	idx := map[string]*indexEntry{}
	add := func(kind, id, label, unit string) {
		a := anchor(kind, id)
		e := idx[a]
		if e == nil {
			e = &indexEntry{Anchor: a, Kind: kind, ID: id}
			idx[a] = e
		}
		if label != "" && !contains(e.Labels, label) {
			e.Labels = append(e.Labels, label)
		}
		if unit != "" && !contains(e.CitedBy, unit) {
			e.CitedBy = append(e.CitedBy, unit)
		}
	}
	for _, u := range r.Judgement.Units {
		for _, s := range u.Steps {
			for _, a := range s.All {
				for _, ref := range a.Evidence {
					add(string(ref.Kind), ref.ID, ref.Label, u.ID)
				}
			}
			if s.Counted != nil && len(s.All) == 0 {
				for _, ref := range s.Counted.Evidence {
					add(string(ref.Kind), ref.ID, ref.Label, u.ID)
				}
			}
		}
	}
	if e := r.Evidence; e != nil {
		flow := func(id int64) { add(string(evidence.RefFlow), strconv.FormatInt(id, 10), "", "") }
		for _, f := range e.PIBeforeConsent {
			flow(f.FlowID)
		}
		for _, c := range e.CrossBorder {
			for _, id := range c.Flows {
				flow(id)
			}
		}
		for _, o := range e.Opaque {
			flow(o.FlowID)
		}
		if t := e.Timeline; t != nil {
			for _, f := range t.Flows {
				if f.PI {
					flow(f.ID)
				}
			}
			for _, f := range t.Findings {
				flow(f.FlowID)
			}
		}
	}
	if e := r.Evidence; e != nil {
		for _, f := range e.Flows {
			if x := idx[anchor(string(evidence.RefFlow), strconv.FormatInt(f.ID, 10))]; x != nil {
				x.Labels = append([]string{flowLine(f)}, x.Labels...)
			}
		}
	}
	out := make([]indexEntry, 0, len(idx))
	for _, e := range idx {
		out = append(out, *e)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Kind != out[j].Kind {
			return out[i].Kind < out[j].Kind
		}
		ni, ei := strconv.ParseInt(out[i].ID, 10, 64)
		nj, ej := strconv.ParseInt(out[j].ID, 10, 64)
		if ei == nil && ej == nil && ni != nj {
			return ni < nj
		}
		return out[i].ID < out[j].ID
	})
	return out
}

func contains(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}

// anchor is the fragment identifier of a piece of evidence: kind-id, where
// every byte outside [A-Za-z0-9.] (and "-" in the kind) is written as _xx
// (hex), so that any ID
// gives a distinct, safe anchor (flow 12 → "flow-12").
func anchor(kind, id string) string {
	var b strings.Builder
	b.Grow(len(kind) + len(id) + 1)
	esc := func(s string, dash bool) {
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '.' || c == '-' && dash {
				b.WriteByte(c)
			} else {
				fmt.Fprintf(&b, "_%02x", c)
			}
		}
	}
	esc(kind, false)
	b.WriteByte('-')
	esc(id, true)
	return b.String()
}

func flowAnchor(id int64) string { return anchor(string(evidence.RefFlow), strconv.FormatInt(id, 10)) }

// isCounted reports whether a is the answer that counted.
func isCounted(s units.StepResult, a units.StepAnswer) bool {
	c := s.Counted
	return c != nil && c.Value == a.Value && c.Method == a.Method && c.Source == a.Source &&
		c.By == a.By && c.Note == a.Note && c.At.Equal(a.At) && len(c.Evidence) == len(a.Evidence)
}

// answers returns the answers a step shows: all given, or the counted one.
func answers(s units.StepResult) []units.StepAnswer {
	if len(s.All) > 0 {
		return s.All
	}
	if s.Counted != nil {
		return []units.StepAnswer{*s.Counted}
	}
	return nil
}

func methodList(ms []units.Method) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = string(m)
	}
	return strings.Join(s, "、")
}

// verdictText is the label of a verdict ("—" when there is none).
func verdictText(v units.Verdict) string {
	if v == "" {
		return "—"
	}
	return string(v)
}

// verdictClass is the CSS class of a verdict.
func verdictClass(v units.Verdict) string {
	switch v {
	case units.Pass:
		return "v-pass"
	case units.Fail:
		return "v-fail"
	case units.NotApplies:
		return "v-na"
	case units.Pending:
		return "v-pending"
	}
	return "v-none"
}

// rateText is the 符合率 as a percentage.
func rateText(s units.Summary) string {
	if s.Applicable == 0 {
		return "—（无适用测评项）"
	}
	return strconv.FormatFloat(s.Rate*100, 'f', 1, 64) + "%"
}

// appVerdictText is the overall conclusion as a sentence.
func appVerdictText(v units.Verdict) string {
	switch v {
	case units.Pass:
		return "符合（测评通过）"
	case units.Fail:
		return "不符合（测评不通过）"
	case units.Pending:
		return "待定（尚有测评单元无法判定）"
	}
	return verdictText(v)
}

var verdictOrder = []units.Verdict{units.Pass, units.Fail, units.NotApplies, units.Pending}

// counts renders a verdict count map in a fixed order.
func counts(m map[units.Verdict]int) string {
	parts := make([]string, 0, 4)
	for _, v := range verdictOrder {
		parts = append(parts, string(v)+" "+strconv.Itoa(m[v]))
	}
	return strings.Join(parts, "，")
}

// timeLayout shows the UTC offset (zone names do not survive JSON).
const timeLayout = "2006-01-02 15:04:05 UTC-07:00"

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format(timeLayout)
}

func fmtClock(t time.Time) string {
	if t.IsZero() {
		return "—"
	}
	return t.Format("15:04:05.000")
}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func joinIDs(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ", ")
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return strconv.FormatFloat(float64(n)/(1<<20), 'f', 1, 64) + " MiB"
	case n >= 1<<10:
		return strconv.FormatFloat(float64(n)/(1<<10), 'f', 1, 64) + " KiB"
	}
	return strconv.FormatInt(n, 10) + " B"
}

func fmtInterval(s float64) string {
	if s <= 0 {
		return "—"
	}
	return strconv.FormatFloat(s, 'f', -1, 64) + " s"
}

func toolList(ts []Tool) string {
	s := make([]string, len(ts))
	for i, t := range ts {
		s[i] = strings.TrimSpace(t.Name + " " + t.Version)
	}
	return strings.Join(s, "，")
}

func orDash(s string) string {
	if strings.TrimSpace(s) == "" {
		return "—"
	}
	return s
}

// phaseText names a phase in Chinese (unknown phases pass through).
func phaseText(p string) string {
	switch p {
	case "before-consent":
		return "同意前"
	case "after-consent":
		return "同意后"
	case "after-refusal":
		return "拒绝后"
	case "background":
		return "后台"
	case "after-withdrawal":
		return "撤回后"
	case "unknown", "":
		return "未知"
	}
	return clean(p, false)
}

// flowLine is a flow's request line for the evidence index.
func flowLine(f FlowRow) string {
	var b strings.Builder
	if f.Method != "" {
		b.WriteString(f.Method + " ")
	}
	b.WriteString(f.URL)
	if f.Status != 0 {
		b.WriteString(" → " + strconv.Itoa(f.Status))
	}
	if f.IP != "" {
		b.WriteString("（" + f.IP)
		if f.Country != "" {
			b.WriteString(" " + f.Country)
		}
		b.WriteString("）")
	}
	return b.String()
}
