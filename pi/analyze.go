package pi

import (
	"fmt"
	"net/url"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
)

// Input is what Analyze reads: a session's flows (with bodies), markers,
// DNS answers, connections and app facts, plus the device profile.
type Input struct {
	Flows   []*evidence.Flow
	Markers []evidence.Marker
	DNS     []evidence.DNSAnswer
	Conns   []evidence.Conn
	App     *evidence.App
	// Profile is the device's known values; nil runs the pattern
	// detectors only.
	Profile *Profile
	// FirstParty adds the app's own domains.
	FirstParty []string
	// Geo maps IPs to countries; nil uses the embedded iploc data.
	Geo *Geo
	// Reveal puts raw values in Observation.Value (lab use only).
	Reveal bool
	Scan   ScanOptions
	// Workers scanning flows in parallel; default GOMAXPROCS.
	Workers int
}

// Observation is one PI finding placed in time, phase and destination.
type Observation struct {
	FlowID     int64     `json:"flow_id"`
	Time       time.Time `json:"time"`
	PIType     string    `json:"pi_type"`
	PIName     string    `json:"pi_name"`
	Detector   string    `json:"detector"`
	Encoding   string    `json:"encoding"`
	Where      string    `json:"where"`
	Masked     string    `json:"masked"`
	Value      string    `json:"value,omitempty"` // only with Reveal
	Confidence float64   `json:"confidence"`
	Sensitive  bool      `json:"sensitive"`
	Phase      string    `json:"phase"`
	Feature    string    `json:"feature,omitempty"`
	Host       string    `json:"host"`
	IP         string    `json:"ip,omitempty"`
	Country    string    `json:"country,omitempty"`
	Abroad     bool      `json:"abroad"`
	Party      string    `json:"party"`
	SDK        string    `json:"sdk,omitempty"`
	SDKName    string    `json:"sdk_name,omitempty"`
	Company    string    `json:"company,omitempty"`
	Scheme     string    `json:"scheme,omitempty"`
	Response   bool      `json:"response,omitempty"`
}

// FrequencyRow is collection of one PI type by one host in one phase.
type FrequencyRow struct {
	PIType      string    `json:"pi_type"`
	PIName      string    `json:"pi_name"`
	Host        string    `json:"host"`
	Phase       string    `json:"phase"`
	Count       int       `json:"count"` // distinct flows
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	MinInterval float64   `json:"min_interval_s"`
	MedInterval float64   `json:"median_interval_s"`
	Untriggered int       `json:"untriggered"` // flows outside any feature window
	Reference   string    `json:"reference,omitempty"`
	Flag        bool      `json:"flag"`
	FlagReason  string    `json:"flag_reason,omitempty"`
}

// CrossBorderRow is one destination outside mainland China.
type CrossBorderRow struct {
	Host    string    `json:"host"`
	IPs     []string  `json:"ips"`
	Country string    `json:"country"`
	PITypes []string  `json:"pi_types"`
	Flows   int       `json:"flows"`
	Bytes   int64     `json:"bytes_up"`
	First   time.Time `json:"first"`
	Phases  []string  `json:"phases"`
	Party   string    `json:"party"`
	SDK     string    `json:"sdk,omitempty"`
}

// ThirdPartyRow is one line of table A.4 (第三方 SDK 基本情况表), from what
// was observed in the traffic.
type ThirdPartyRow struct {
	SDK         string    `json:"sdk,omitempty"` // kb id; "" for an unknown third party
	Name        string    `json:"name"`
	Company     string    `json:"company,omitempty"`
	Category    string    `json:"category,omitempty"`
	Hosts       []string  `json:"hosts"`
	PITypes     []string  `json:"pi_types"` // observed
	Flows       int       `json:"flows"`
	PIFlows     int       `json:"pi_flows"`
	First       time.Time `json:"first"`
	Last        time.Time `json:"last"`
	Permissions []string  `json:"permissions,omitempty"` // the SDK's typical permissions (kb)
	Declared    []string  `json:"declared,omitempty"`    // of those, declared in the app's manifest
	Abroad      bool      `json:"abroad"`
	Frequency   string    `json:"frequency"`
}

// Result is the analysis of one session.
type Result struct {
	Observations []Observation      `json:"observations"`
	Opaque       []evidence.Opaque  `json:"opaque"`
	CrossBorder  []CrossBorderRow   `json:"cross_border"`
	Frequency    []FrequencyRow     `json:"frequency"`
	ThirdParties []ThirdPartyRow    `json:"third_parties"`
	Phases       *Timeline          `json:"phases"`
	FirstParty   []string           `json:"first_party"`
	Notes        []string           `json:"notes,omitempty"`
	Geo          string             `json:"geo"`
	Stats        Stats              `json:"stats"`
	Findings     []evidence.Finding `json:"-"`
}

// Stats counts what was scanned.
type Stats struct {
	Flows        int     `json:"flows"`
	Bytes        int64   `json:"bytes"`
	Variants     int     `json:"variants"`
	Seconds      float64 `json:"seconds"`
	NotInspected int     `json:"not_intercepted"`
}

// Analyze finds PI in the flows and builds the tables.
func Analyze(in Input) (*Result, error) {
	t0 := time.Now()
	geo := in.Geo
	if geo == nil {
		geo = &Geo{}
	}
	sc := NewScanner(in.Profile, in.Scan)
	res := &Result{Geo: geo.Source()}
	if sc.m != nil {
		res.Stats.Variants = len(sc.m.Variants)
	} else {
		res.Notes = append(res.Notes, "no device profile: only pattern detectors ran (无设备信息文件，仅运行模式检测)")
	}
	tl := NewTimeline(in.Markers)
	res.Phases = tl
	res.Notes = append(res.Notes, tl.Notes...)
	parties := NewParties(in.FirstParty, in.App)
	res.FirstParty = parties.FirstPartyDomains()
	if len(res.FirstParty) == 0 {
		res.Notes = append(res.Notes, "no first-party domain known (no app facts, no --first-party): every host counts as third party")
	}
	names := newNamer(in.DNS, in.Conns)

	type scanned struct {
		dets []Detection
		op   []evidence.Opaque
	}
	out := make([]scanned, len(in.Flows))
	workers := in.Workers
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	var wg sync.WaitGroup
	next := make(chan int, 256)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f := in.Flows[i]
				if f == nil || f.NotIntercepted {
					continue
				}
				d, op := sc.ScanFlow(f)
				out[i] = scanned{d, op}
			}
		}()
	}
	for i := range in.Flows {
		next <- i
	}
	close(next)
	wg.Wait()

	perms := map[string]bool{}
	if in.App != nil {
		for _, p := range in.App.Permissions {
			perms[p.Name] = true
		}
	}
	cb := map[string]*CrossBorderRow{}
	tp := map[string]*ThirdPartyRow{}
	tpFlows := map[string]map[int64]bool{}
	tpPIFlows := map[string]map[int64]bool{}
	for i, f := range in.Flows {
		if f == nil {
			continue
		}
		res.Stats.Flows++
		res.Stats.Bytes += int64(len(f.ReqBody.Bytes()) + len(f.URL))
		if f.NotIntercepted {
			res.Stats.NotInspected++
		}
		host, ip := names.hostIP(f)
		country := geo.Country(ip)
		abroad := Abroad(country)
		party, sdk := parties.Classify(host)
		phase, feature := tl.At(f.Start)
		res.Opaque = append(res.Opaque, out[i].op...)
		piSet := map[string]bool{}
		for _, d := range out[i].dets {
			o := Observation{
				FlowID: f.ID, Time: f.Start, PIType: d.PIType, PIName: kb.PITypeNames[d.PIType],
				Detector: d.Detector, Encoding: d.Encoding, Where: d.Where, Masked: Mask(d.Value),
				Confidence: d.Confidence, Sensitive: kb.PITypeSensitive[d.PIType],
				Phase: phase, Feature: feature, Host: host, IP: ip, Country: country, Abroad: abroad,
				Party: party, Scheme: f.Scheme, Response: d.Response,
			}
			if o.PIName == "" {
				o.PIName = d.PIType
			}
			if in.Reveal {
				o.Value = d.Value
			}
			if sdk != nil {
				o.SDK, o.SDKName, o.Company = sdk.ID, sdk.Name, sdk.Company
			}
			res.Observations = append(res.Observations, o)
			if !d.Response {
				piSet[d.PIType] = true
			}
		}
		if abroad {
			r := cb[host]
			if r == nil {
				r = &CrossBorderRow{Host: host, Country: country, First: f.Start, Party: party}
				if sdk != nil {
					r.SDK = sdk.ID
				}
				cb[host] = r
			}
			r.Flows++
			r.Bytes += max(f.ReqBody.Size, int64(len(f.ReqBody.Raw))) + f.BytesUp
			r.IPs = addUniq(r.IPs, ip)
			for t := range piSet {
				r.PITypes = addUniq(r.PITypes, t)
			}
			r.Phases = addUniq(r.Phases, phase)
			if f.Start.Before(r.First) {
				r.First = f.Start
			}
		}
		if party == "third" {
			key := "domain:" + RegistrableDomain(host)
			if sdk != nil {
				key = "sdk:" + sdk.ID
			}
			r := tp[key]
			if r == nil {
				r = &ThirdPartyRow{Name: RegistrableDomain(host), First: f.Start, Last: f.Start}
				if sdk != nil {
					r.SDK, r.Name, r.Company, r.Category = sdk.ID, sdk.Name, sdk.Company, sdk.Category
					r.Permissions = append([]string(nil), sdk.Permissions...)
					for _, p := range sdk.Permissions {
						if perms[p] {
							r.Declared = append(r.Declared, p)
						}
					}
				}
				tp[key] = r
				tpFlows[key] = map[int64]bool{}
				tpPIFlows[key] = map[int64]bool{}
			}
			tpFlows[key][int64(i)] = true
			if len(piSet) > 0 {
				tpPIFlows[key][int64(i)] = true
			}
			r.Hosts = addUniq(r.Hosts, host)
			for t := range piSet {
				r.PITypes = addUniq(r.PITypes, t)
			}
			r.Abroad = r.Abroad || abroad
			if f.Start.Before(r.First) {
				r.First = f.Start
			}
			if f.Start.After(r.Last) {
				r.Last = f.Start
			}
		}
	}
	sort.SliceStable(res.Observations, func(i, j int) bool {
		a, b := res.Observations[i], res.Observations[j]
		if !a.Time.Equal(b.Time) {
			return a.Time.Before(b.Time)
		}
		return a.FlowID < b.FlowID
	})
	for _, r := range cb {
		sort.Strings(r.PITypes)
		res.CrossBorder = append(res.CrossBorder, *r)
	}
	sort.Slice(res.CrossBorder, func(i, j int) bool {
		if len(res.CrossBorder[i].PITypes) != len(res.CrossBorder[j].PITypes) {
			return len(res.CrossBorder[i].PITypes) > len(res.CrossBorder[j].PITypes)
		}
		return res.CrossBorder[i].Host < res.CrossBorder[j].Host
	})
	for k, r := range tp {
		sort.Strings(r.PITypes)
		r.Flows = len(tpFlows[k])
		r.PIFlows = len(tpPIFlows[k])
		r.Frequency = describeFrequency(r.PIFlows, r.First, r.Last)
		res.ThirdParties = append(res.ThirdParties, *r)
	}
	sort.Slice(res.ThirdParties, func(i, j int) bool {
		a, b := res.ThirdParties[i], res.ThirdParties[j]
		if (a.SDK != "") != (b.SDK != "") {
			return a.SDK != ""
		}
		if len(a.PITypes) != len(b.PITypes) {
			return len(a.PITypes) > len(b.PITypes)
		}
		return a.Name < b.Name
	})
	res.Frequency = frequency(res.Observations)
	res.Findings = toFindings(res.Observations)
	if len(in.Flows) > 0 && len(in.Markers) == 0 {
		res.Notes = append(res.Notes, "the session has no markers: frequency flags for user-triggered PI cannot see feature windows")
	}
	res.Stats.Seconds = time.Since(t0).Seconds()
	if res.Observations == nil {
		res.Observations = []Observation{}
	}
	if res.Opaque == nil {
		res.Opaque = []evidence.Opaque{}
	}
	return res, nil
}

func describeFrequency(n int, first, last time.Time) string {
	switch {
	case n == 0:
		return "未见个人信息"
	case n == 1:
		return "1 次"
	}
	d := last.Sub(first)
	if d <= 0 {
		return fmt.Sprintf("%d 次", n)
	}
	return fmt.Sprintf("%d 次 / %s", n, d.Round(time.Second))
}

func addUniq(s []string, v string) []string {
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

func sortedStrings(s []string) []string {
	sort.Strings(s)
	return s
}

// toFindings converts observations for the session store (masked values only).
func toFindings(obs []Observation) []evidence.Finding {
	out := make([]evidence.Finding, 0, len(obs))
	for _, o := range obs {
		out = append(out, evidence.Finding{
			FlowID: o.FlowID, Time: o.Time, PIType: o.PIType, Detector: o.Detector, Encoding: o.Encoding,
			Where: o.Where, Masked: o.Masked, Confidence: o.Confidence, Sensitive: o.Sensitive,
			Phase: o.Phase, Feature: o.Feature, Host: o.Host, IP: o.IP, Country: o.Country, Abroad: o.Abroad,
			Party: o.Party, SDK: o.SDK, Company: o.Company, Scheme: o.Scheme,
		})
	}
	return out
}

// namer names destinations: the flow's Host or SNI, else a DNS name for
// the IP; and the IP from the flow, else from connections or DNS.
type namer struct {
	ipNames map[string]string   // ip → name (DNS answers, conns)
	nameIPs map[string][]string // name → ips
}

func newNamer(dns []evidence.DNSAnswer, conns []evidence.Conn) *namer {
	n := &namer{ipNames: map[string]string{}, nameIPs: map[string][]string{}}
	cname := map[string]string{} // target → queried name
	for _, d := range dns {
		name := strings.TrimSuffix(strings.ToLower(d.Name), ".")
		for _, a := range d.Answers {
			a = strings.TrimSuffix(strings.ToLower(a), ".")
			if d.Type == "CNAME" {
				cname[a] = name
				continue
			}
			if _, ok := n.ipNames[a]; !ok {
				q := name
				if orig, ok := cname[name]; ok {
					q = orig
				}
				n.ipNames[a] = q
			}
			n.nameIPs[name] = addUniq(n.nameIPs[name], a)
			if orig, ok := cname[name]; ok {
				n.nameIPs[orig] = addUniq(n.nameIPs[orig], a)
			}
		}
	}
	for _, c := range conns {
		if c.Host != "" && c.DstIP != "" {
			if _, ok := n.ipNames[c.DstIP]; !ok {
				n.ipNames[c.DstIP] = strings.ToLower(c.Host)
			}
			n.nameIPs[strings.ToLower(c.Host)] = addUniq(n.nameIPs[strings.ToLower(c.Host)], c.DstIP)
		}
	}
	return n
}

func (n *namer) hostIP(f *evidence.Flow) (string, string) {
	host := strings.ToLower(stripPort(f.Host))
	if host == "" && f.URL != "" {
		if u, err := url.Parse(f.URL); err == nil {
			host = strings.ToLower(u.Hostname())
		}
	}
	if host == "" {
		host = strings.ToLower(f.SNI)
	}
	ip := f.ServerIP
	if host == "" && ip != "" {
		host = n.ipNames[ip]
		if host == "" {
			host = ip
		}
	}
	if ip == "" {
		if ips := n.nameIPs[host]; len(ips) > 0 {
			ip = ips[0]
		}
	}
	return host, ip
}
