package main

// The pipeline joins the parts: evidence (package facts, flows, markers,
// the privacy policy) → PI analysis → automatic step answers + the tester's
// answers → judgement → report. It is the one place that knows how the
// packages' outputs map onto each other's inputs.

import (
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
	"github.com/ceping/ceping/pi"
	"github.com/ceping/ceping/reports"
	"github.com/ceping/ceping/units"
	"github.com/ceping/ceping/units/auto"
)

// evidenceSet is everything a test gathered, whatever recorded it.
type evidenceSet struct {
	App     *evidence.App
	Flows   []*evidence.Flow
	Markers []evidence.Marker
	DNS     []evidence.DNSAnswer
	Conns   []evidence.Conn
	// Profile is the test device's known identifiers (nil: patterns only).
	Profile *pi.Profile
	// Policy is what the privacy policy declares (nil: not analysed).
	Policy *auto.Policy
}

// pipelineOptions are the knobs of one run.
type pipelineOptions struct {
	Answers []string // answers files, in order
	Geo     *pi.Geo  // nil: embedded iploc data
	Reveal  bool
	// FirstParty are the app's own domains beyond those pi derives.
	FirstParty []string
	Now        time.Time
	Meta       reports.Meta
}

// pipelineResult is what one run produced.
type pipelineResult struct {
	PI        *pi.Result // nil when there was no traffic
	Auto      []units.StepAnswer
	Manual    []units.StepAnswer
	Judgement units.Judgement
	Report    *reports.Report
}

func runPipeline(ev *evidenceSet, opt pipelineOptions) (*pipelineResult, error) {
	cat, err := units.Load()
	if err != nil {
		return nil, err
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	res := &pipelineResult{}

	facts := &auto.Facts{App: ev.App, Markers: ev.Markers, Policy: ev.Policy}
	if len(ev.Flows) > 0 {
		facts.Capture = true
		facts.Flows = make([]evidence.Flow, len(ev.Flows))
		for i, f := range ev.Flows {
			facts.Flows[i] = *f
		}
		r, err := pi.Analyze(pi.Input{
			Flows: ev.Flows, Markers: ev.Markers, DNS: ev.DNS, Conns: ev.Conns,
			App: ev.App, Profile: ev.Profile, Geo: opt.Geo, Reveal: opt.Reveal, FirstParty: opt.FirstParty,
		})
		if err != nil {
			return nil, fmt.Errorf("PI analysis: %w", err)
		}
		res.PI = r
		facts.Analysed = true
		facts.Findings = r.Findings
		facts.Opaque = r.Opaque
		facts.Frequency = autoFrequency(r)
	}
	res.Auto = auto.Run(facts, opt.Now)

	if len(opt.Answers) > 0 {
		manual, _, err := units.ReadAnswers(cat, opt.Answers)
		if err != nil {
			return nil, err
		}
		res.Manual = manual
	}
	all := append(append([]units.StepAnswer(nil), res.Auto...), res.Manual...)
	res.Judgement = units.Judge(cat, all)

	j := res.Judgement
	res.Report = &reports.Report{Meta: opt.Meta, Judgement: &j, Evidence: reportEvidence(ev, res.PI)}
	res.Report.Evidence.Flows = citedFlows(ev, res)
	if res.Report.Meta.GeneratedAt.IsZero() {
		res.Report.Meta.GeneratedAt = opt.Now
	}
	if res.Report.Meta.CepingVersion == "" {
		res.Report.Meta.CepingVersion = version
	}
	fillSubject(&res.Report.Meta.Subject, ev.App)
	return res, nil
}

// autoFrequency converts the PI analysis's frequency rows for the evaluators,
// keeping the flows of each row.
func autoFrequency(r *pi.Result) []auto.Frequency {
	type key struct{ t, h, p string }
	flows := map[key][]int64{}
	for _, o := range r.Observations {
		k := key{o.PIType, o.Host, o.Phase}
		if n := len(flows[k]); n == 0 || flows[k][n-1] != o.FlowID {
			flows[k] = append(flows[k], o.FlowID)
		}
	}
	out := make([]auto.Frequency, 0, len(r.Frequency))
	for _, f := range r.Frequency {
		out = append(out, auto.Frequency{
			PIType: f.PIType, Host: f.Host, Phase: f.Phase, Count: f.Count,
			Median:    time.Duration(f.MedInterval * float64(time.Second)),
			Reference: firstNonEmptyStr(f.Reference, f.FlagReason),
			// pi flags by type (appendix D): location above its reference
			// rate, trigger-only types (contacts, app list…) outside a
			// feature window. Other types are never flagged for frequency.
			Exceeded:  f.Flag && !strings.Contains(f.FlagReason, "无用户触发"),
			NoTrigger: f.Flag && strings.Contains(f.FlagReason, "无用户触发"),
			FlowIDs:   flows[key{f.PIType, f.Host, f.Phase}],
		})
	}
	return out
}

func fillSubject(s *reports.Subject, app *evidence.App) {
	if app == nil {
		return
	}
	if s.Name == "" {
		s.Name = app.Label
	}
	if s.Version == "" {
		s.Version = app.VersionName
	}
	if s.Platform == "" {
		s.Platform = app.Platform
	}
	if s.Package == "" {
		s.Package = app.Package
	}
}

// reportEvidence builds the report's evidence sections.
func reportEvidence(ev *evidenceSet, r *pi.Result) *reports.Evidence {
	out := &reports.Evidence{}
	if app := ev.App; app != nil {
		for _, p := range app.Permissions {
			if len(p.PITypes) == 0 && !p.Sensitive {
				continue
			}
			out.Permissions = append(out.Permissions, reports.PermissionRow{
				Name: p.Name, PITypes: p.PITypes, Sensitive: p.Sensitive, Protection: p.Protection,
			})
		}
	}
	out.ThirdPartySDKs = sdkRows(ev.App, r)
	if r == nil {
		if len(ev.Markers) > 0 {
			out.Timeline = timeline(ev, nil)
		}
		return out
	}
	out.GeoCredit = r.Geo
	if out.GeoCredit == "" {
		out.GeoCredit = pi.GeoCredit
	}
	for _, o := range r.Observations {
		if o.Phase == "before-consent" {
			out.PIBeforeConsent = append(out.PIBeforeConsent, reports.FindingRow{
				Time: o.Time, PIType: o.PIType, Masked: o.Masked, Host: o.Host,
				FlowID: o.FlowID, Encoding: o.Encoding, Where: o.Where,
			})
		}
	}
	flowIDs := map[string][]int64{}
	for _, o := range r.Observations {
		if o.Abroad {
			ids := flowIDs[o.Host]
			if len(ids) == 0 || ids[len(ids)-1] != o.FlowID {
				flowIDs[o.Host] = append(ids, o.FlowID)
			}
		}
	}
	for _, c := range r.CrossBorder {
		if c.PITypes == nil {
			c.PITypes = []string{}
		}
		out.CrossBorder = append(out.CrossBorder, reports.CrossBorderRow{
			Host: c.Host, IPs: c.IPs, Country: c.Country, PITypes: c.PITypes,
			Flows: flowIDs[c.Host], Bytes: c.Bytes, First: c.First, Phase: strings.Join(c.Phases, "、"),
		})
	}
	for _, f := range r.Frequency {
		ref := f.Reference
		if f.FlagReason != "" {
			ref = strings.TrimSpace(ref + "；" + f.FlagReason)
		}
		out.Frequency = append(out.Frequency, reports.FrequencyRow{
			PIType: f.PIType, Host: f.Host, Phase: f.Phase, Count: f.Count,
			IntervalSeconds: f.MinInterval, Reference: ref, Exceeded: f.Flag,
		})
	}
	hostOf := map[int64]string{}
	for _, f := range ev.Flows {
		hostOf[f.ID] = f.Host
	}
	for _, o := range r.Opaque {
		out.Opaque = append(out.Opaque, reports.OpaqueRow{
			FlowID: o.FlowID, Host: hostOf[o.FlowID], Where: o.Where, Size: o.Size, Entropy: o.Entropy, Reason: o.Reason,
		})
	}
	out.Timeline = timeline(ev, r)
	return out
}

// sdkRows fills table A.4 from the package's SDKs and the SDKs seen in traffic.
func sdkRows(app *evidence.App, r *pi.Result) []reports.SDKRow {
	rows := map[string]*reports.SDKRow{}
	var order []string
	get := func(id, name, company string) *reports.SDKRow {
		k := id
		if k == "" {
			k = "name:" + name
		}
		if row, ok := rows[k]; ok {
			return row
		}
		row := &reports.SDKRow{Name: name, Provider: company, PICollected: []string{}, Permissions: []string{}}
		rows[k] = row
		order = append(order, k)
		return row
	}
	if app != nil {
		calls := map[string][]string{}
		for _, c := range app.SensitiveCalls {
			if c.SDK != "" {
				calls[c.SDK] = appendUnique(calls[c.SDK], c.PIType)
			}
		}
		for _, s := range app.SDKs {
			row := get(s.ID, s.Name, s.Company)
			row.Present = true
			row.Active = row.Active || s.Active
			row.Purpose = s.Category
			for _, t := range calls[s.ID] {
				row.PICollected = appendUnique(row.PICollected, t)
			}
			if sdk := kb.Index().ByID(s.ID); sdk != nil {
				for _, p := range sdk.Permissions {
					row.Permissions = appendUnique(row.Permissions, p)
				}
			}
		}
	}
	if r != nil {
		for _, t := range r.ThirdParties {
			if t.SDK == "" {
				continue // unknown third parties are in the cross-border/PI tables
			}
			row := get(t.SDK, t.Name, t.Company)
			if t.PIFlows > 0 {
				row.Active = true
			}
			if row.Purpose == "" {
				row.Purpose = t.Category
			}
			for _, p := range t.PITypes {
				row.PICollected = appendUnique(row.PICollected, p)
			}
			for _, p := range t.Permissions {
				row.Permissions = appendUnique(row.Permissions, p)
			}
			if t.Frequency != "" {
				row.Frequency = t.Frequency
			}
		}
	}
	out := make([]reports.SDKRow, 0, len(order))
	for _, k := range order {
		sort.Strings(rows[k].PICollected)
		sort.Strings(rows[k].Permissions)
		out = append(out, *rows[k])
	}
	return out
}

func timeline(ev *evidenceSet, r *pi.Result) *reports.Timeline {
	t := &reports.Timeline{}
	extend := func(x time.Time) {
		if x.IsZero() {
			return
		}
		if t.Start.IsZero() || x.Before(t.Start) {
			t.Start = x
		}
		if x.After(t.End) {
			t.End = x
		}
	}
	for _, m := range ev.Markers {
		t.Markers = append(t.Markers, reports.TimelineMarker{Time: m.Time, Kind: string(m.Kind), Arg: m.Arg})
		extend(m.Time)
	}
	withPI := map[int64]bool{}
	if r != nil {
		for _, o := range r.Observations {
			withPI[o.FlowID] = true
			t.Findings = append(t.Findings, reports.TimelineFinding{Time: o.Time, PIType: o.PIType, FlowID: o.FlowID})
		}
	}
	for _, f := range ev.Flows {
		t.Flows = append(t.Flows, reports.TimelineFlow{ID: f.ID, Time: f.Start, Host: f.Host, PI: withPI[f.ID]})
		extend(f.Start)
	}
	if t.Start.IsZero() {
		return nil
	}
	return t
}

func appendUnique(s []string, v string) []string {
	if v == "" {
		return s
	}
	for _, x := range s {
		if x == v {
			return s
		}
	}
	return append(s, v)
}

func firstNonEmptyStr(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// citedFlows describes every flow an answer or an evidence section cites.
func citedFlows(ev *evidenceSet, res *pipelineResult) []reports.FlowRow {
	cited := map[int64]bool{}
	for _, a := range append(append([]units.StepAnswer(nil), res.Auto...), res.Manual...) {
		for _, r := range a.Evidence {
			if r.Kind == evidence.RefFlow {
				if id, err := strconv.ParseInt(r.ID, 10, 64); err == nil {
					cited[id] = true
				}
			}
		}
	}
	if e := res.Report.Evidence; e != nil {
		for _, f := range e.PIBeforeConsent {
			cited[f.FlowID] = true
		}
		for _, c := range e.CrossBorder {
			for _, id := range c.Flows {
				cited[id] = true
			}
		}
		for _, o := range e.Opaque {
			cited[o.FlowID] = true
		}
	}
	country := map[int64]string{}
	if res.PI != nil {
		for _, o := range res.PI.Observations {
			country[o.FlowID] = o.Country
		}
	}
	var out []reports.FlowRow
	for _, f := range ev.Flows {
		if !cited[f.ID] {
			continue
		}
		u := f.URL
		if pu, err := url.Parse(f.URL); err == nil {
			pu.RawQuery, pu.Fragment, pu.User = "", "", nil
			u = pu.String()
		} else if i := strings.IndexAny(u, "?#"); i >= 0 {
			u = u[:i]
		}
		out = append(out, reports.FlowRow{ID: f.ID, Time: f.Start, Method: f.Method, URL: u, IP: f.ServerIP,
			Country: country[f.ID], Status: f.Status, Source: string(f.Source)})
	}
	return out
}
