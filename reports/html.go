package reports

import (
	_ "embed"
	"html/template"
	"io"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ceping/ceping/units"
)

//go:embed report.html.tmpl
var htmlSource string

var htmlTmpl = template.Must(template.New("report").Funcs(template.FuncMap{
	"t":          func(s string) string { return clean(s, true) },
	"or":         func(s string) string { return clean(orDash(s), true) },
	"verdict":    func(v units.Verdict) string { return verdictText(v) },
	"vclass":     verdictClass,
	"appVerdict": appVerdictText,
	"counts":     counts,
	"rate":       rateText,
	"time":       fmtTime,
	"methods":    methodList,
	"answers":    answers,
	"counted":    isCounted,
	"anchor":     anchor,
	"unitAnchor": func(id string) string { return anchor("unit", id) },
	"flowAnchor": flowAnchor,
	"join":       func(ss []string, sep string) string { return clean(strings.Join(ss, sep), true) },
	"tools":      toolList,
	"yesno":      yesNo,
	"bytes":      fmtBytes,
	"interval":   fmtInterval,
	"phase":      phaseText,
	"marker":     markerText,
	"entropy":    func(f float64) string { return strconv.FormatFloat(f, 'f', 2, 64) },
	"level": func(adv bool) string {
		if adv {
			return "宜"
		}
		return "应"
	},
	"str":     func(v any) string { return toString(v) },
	"piflows": piFlows,
}).Parse(htmlSource))

// toString turns any string-kinded value (units.Method, evidence.RefKind…)
// into its string.
func toString(v any) string {
	rv := reflect.ValueOf(v)
	if rv.Kind() == reflect.String {
		return rv.String()
	}
	return ""
}

type htmlView struct {
	*view
	SVG *svgTimeline
}

func encodeHTML(w io.Writer, r *Report) error {
	hv := htmlView{view: newView(r)}
	if e := r.Evidence; e != nil && e.Timeline != nil {
		hv.SVG = layoutTimeline(e.Timeline)
	}
	return htmlTmpl.Execute(w, hv)
}

// svgTimeline is the timeline laid out for the inline SVG chart. Numbers
// are preformatted user-space coordinates (the viewBox is Width×Height).
type svgTimeline struct {
	Width, Height      int
	Left, Right        string
	AxisY              string
	Lanes              []svgLane
	Markers            []svgMarker
	Ticks              []svgTick
	Finds              []svgFind
	Axis               []svgAxis
	Start, End         string
	NFlows, NPI, NFind int
	Summary            string
}

type svgLane struct {
	Y, TextY string
	Label    string
	Title    string
	Odd      bool
}

type svgMarker struct {
	X, LabelY string
	Label     string
	Title     string
	Kind      string
}

type svgTick struct {
	X, Y1, Y2 string
	PI        bool
	Anchor    string
	Title     string
}

type svgFind struct {
	X, Y   string
	Anchor string
	Title  string
}

type svgAxis struct {
	X, Y2  string
	Label  string
	Anchor string // text-anchor
}

const (
	svgWidth    = 1000
	svgLeft     = 190
	svgRight    = 985
	svgTop      = 44 // room for two rows of marker labels
	svgLaneH    = 18
	svgMaxLanes = 14
)

func fx(f float64) string { return strconv.FormatFloat(f, 'f', 1, 64) }

// layoutTimeline places markers as labelled vertical lines, flows as ticks
// in one lane per host (the busiest hosts; the rest share a last lane), and
// PI findings as highlighted dots.
func layoutTimeline(t *Timeline) *svgTimeline {
	start, end := t.Start, t.End
	if start.IsZero() || end.IsZero() {
		lo, hi := timelineBounds(t)
		if start.IsZero() {
			start = lo
		}
		if end.IsZero() {
			end = hi
		}
	}
	span := end.Sub(start)
	x := func(at time.Time) float64 {
		if span <= 0 {
			return svgLeft
		}
		f := float64(at.Sub(start)) / float64(span)
		if f < 0 {
			f = 0
		} else if f > 1 {
			f = 1
		}
		return svgLeft + f*(svgRight-svgLeft)
	}

	// Lanes: hosts by flow count (ties by first appearance).
	type hostInfo struct {
		name  string
		n     int
		first int
	}
	hosts := map[string]*hostInfo{}
	var order []*hostInfo
	for i, f := range t.Flows {
		h := hosts[f.Host]
		if h == nil {
			h = &hostInfo{name: f.Host, first: i}
			hosts[f.Host] = h
			order = append(order, h)
		}
		h.n++
	}
	sort.SliceStable(order, func(i, j int) bool {
		if order[i].n != order[j].n {
			return order[i].n > order[j].n
		}
		return order[i].first < order[j].first
	})
	lane := map[string]int{}
	nl := len(order)
	other := -1
	if nl > svgMaxLanes {
		nl = svgMaxLanes
		other = svgMaxLanes - 1
	}
	if nl == 0 {
		nl = 1
	}
	s := &svgTimeline{Width: svgWidth, Left: fx(svgLeft), Right: fx(svgRight)}
	for i := 0; i < nl; i++ {
		y := float64(svgTop + i*svgLaneH)
		l := svgLane{Y: fx(y), TextY: fx(y + svgLaneH - 4), Odd: i%2 == 1}
		switch {
		case i == other:
			l.Label = strconv.Itoa(len(order)-other) + " 个其他主机"
			l.Title = l.Label
		case i < len(order):
			host := clean(order[i].name, false)
			if host == "" {
				host = "（无主机名）"
			}
			l.Label = clip(host, 28)
			l.Title = host + "：" + strconv.Itoa(order[i].n) + " 条流量"
		default:
			l.Label = "（无流量）"
		}
		s.Lanes = append(s.Lanes, l)
	}
	for i, h := range order {
		if other >= 0 && i >= other {
			lane[h.name] = other
		} else {
			lane[h.name] = i
		}
	}
	bottom := float64(svgTop + nl*svgLaneH)
	s.Height = int(bottom) + 26
	s.AxisY = fx(bottom)

	flowLane := make(map[int64]int, len(t.Flows))
	for _, f := range t.Flows {
		li := lane[f.Host]
		flowLane[f.ID] = li
		y := float64(svgTop + li*svgLaneH)
		tk := svgTick{X: fx(x(f.Time)), Y1: fx(y + 3), Y2: fx(y + svgLaneH - 3), PI: f.PI,
			Title: "flow " + strconv.FormatInt(f.ID, 10) + " " + fmtClock(f.Time) + " " + clean(f.Host, false)}
		if f.PI {
			tk.Anchor = flowAnchor(f.ID)
			s.NPI++
		}
		s.Ticks = append(s.Ticks, tk)
	}
	s.NFlows = len(t.Flows)
	for _, fd := range t.Findings {
		li, ok := flowLane[fd.FlowID]
		if !ok {
			li = 0
		}
		y := float64(svgTop+li*svgLaneH) + svgLaneH/2
		s.Finds = append(s.Finds, svgFind{X: fx(x(fd.Time)), Y: fx(y), Anchor: flowAnchor(fd.FlowID),
			Title: clean(fd.PIType, false) + " · flow " + strconv.FormatInt(fd.FlowID, 10) + " · " + fmtClock(fd.Time)})
	}
	s.NFind = len(t.Findings)
	for i, mk := range t.Markers {
		label := markerShort(mk.Kind)
		if mk.Arg != "" {
			label += "：" + clip(clean(mk.Arg, false), 16)
		}
		labelY := 14.0
		if i%2 == 1 {
			labelY = 30
		}
		s.Markers = append(s.Markers, svgMarker{X: fx(x(mk.Time)), LabelY: fx(labelY), Label: label,
			Title: markerText(mk.Kind) + " " + fmtClock(mk.Time) + " " + clean(mk.Arg, false), Kind: markerClass(mk.Kind)})
	}
	const nAxis = 5
	for i := 0; i <= nAxis; i++ {
		at := start.Add(time.Duration(float64(span) * float64(i) / nAxis))
		anc := "middle"
		if i == nAxis {
			anc = "end"
		}
		s.Axis = append(s.Axis, svgAxis{X: fx(svgLeft + float64(i)*(svgRight-svgLeft)/nAxis), Y2: fx(bottom + 4), Label: at.Format("15:04:05"), Anchor: anc})
	}
	s.Start, s.End = fmtTime(start), fmtTime(end)
	return s
}

func timelineBounds(t *Timeline) (lo, hi time.Time) {
	see := func(at time.Time) {
		if at.IsZero() {
			return
		}
		if lo.IsZero() || at.Before(lo) {
			lo = at
		}
		if hi.IsZero() || at.After(hi) {
			hi = at
		}
	}
	for _, m := range t.Markers {
		see(m.Time)
	}
	for _, f := range t.Flows {
		see(f.Time)
	}
	for _, f := range t.Findings {
		see(f.Time)
	}
	return lo, hi
}

func markerShort(k string) string {
	s := markerText(k)
	if i := strings.Index(s, "（"); i > 0 {
		return s[:i]
	}
	return clip(clean(s, false), 16)
}

// markerClass is the CSS class of a marker kind (only known kinds get one).
func markerClass(k string) string {
	switch k {
	case "consent", "refuse", "withdraw", "consent-shown", "app-start":
		return "mk-" + k
	}
	return "mk-other"
}
