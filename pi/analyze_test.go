package pi

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
)

var t0 = time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)

func at(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }

func mk(kind evidence.MarkerKind, s float64, arg string) evidence.Marker {
	return evidence.Marker{Time: at(s), Kind: kind, Arg: arg}
}

func TestTimelinePhases(t *testing.T) {
	tl := NewTimeline([]evidence.Marker{
		mk(evidence.MarkConsent, 100, ""), // out of order on purpose
		mk(evidence.MarkAppStart, 10, ""),
		mk(evidence.MarkConsentShown, 12, ""),
		mk(evidence.MarkFeatureStart, 150, "nav"),
		mk(evidence.MarkFeatureStop, 180, "nav"),
		mk(evidence.MarkBackground, 200, ""),
		mk(evidence.MarkForeground, 260, ""),
		mk(evidence.MarkWithdraw, 300, ""),
		mk(evidence.MarkRefuse, 400, ""),
		mk(evidence.MarkConsent, 500, ""),
	})
	cases := []struct {
		s              float64
		phase, feature string
	}{
		{5, PhaseUnknown, ""}, {10, PhaseBeforeConsent, ""}, {99.9, PhaseBeforeConsent, ""},
		{100, PhaseAfterConsent, ""}, {160, PhaseAfterConsent, "nav"}, {181, PhaseAfterConsent, ""},
		{230, PhaseBackground, ""}, {260, PhaseAfterConsent, ""}, {350, PhaseAfterWithdrawal, ""},
		{450, PhaseAfterRefusal, ""}, {600, PhaseAfterConsent, ""},
	}
	for _, c := range cases {
		p, f := tl.At(at(c.s))
		if p != c.phase || f != c.feature {
			t.Errorf("t=%v: got %s/%q, want %s/%q", c.s, p, f, c.phase, c.feature)
		}
	}
	if !tl.Known {
		t.Error("Known should be true")
	}
	// Without consent or refuse markers every phase is unknown (except
	// background) and the timeline says so.
	tl2 := NewTimeline([]evidence.Marker{mk(evidence.MarkAppStart, 0, ""), mk(evidence.MarkBackground, 50, ""), mk(evidence.MarkForeground, 60, "")})
	if p, _ := tl2.At(at(10)); p != PhaseUnknown {
		t.Errorf("no consent marker: got %s", p)
	}
	if p, _ := tl2.At(at(55)); p != PhaseBackground {
		t.Errorf("background: got %s", p)
	}
	if tl2.Known || len(tl2.Notes) == 0 {
		t.Error("expected Known=false and a note")
	}
}

func flowAt(id int64, s float64, rawURL, ip string, body string) *evidence.Flow {
	f := &evidence.Flow{ID: id, Start: at(s), Method: "POST", URL: rawURL, ServerIP: ip, Scheme: "https"}
	if i := strings.Index(rawURL, "://"); i >= 0 {
		h := rawURL[i+3:]
		if j := strings.IndexAny(h, "/?"); j >= 0 {
			h = h[:j]
		}
		f.Host = h
	}
	if body != "" {
		f.ReqBody.Raw = []byte(body)
		f.ReqBody.Size = int64(len(body))
		f.ReqHeaders = []evidence.Header{{Name: "Content-Type", Value: "application/json"}}
	}
	return f
}

// A scripted session: markers and flows at known times; the phases,
// frequency flags and cross-border table must come out as designed.
func TestAnalyzeScriptedTimeline(t *testing.T) {
	prof, _, err := ParseProfile("p.yaml", []byte(testProfileYAML+"location: {lat: 39.9087, lon: 116.3975, radius_m: 2000}\ncontacts: [{name: 张伟国, number: \"13900001111\"}]\n"))
	if err != nil {
		t.Fatal(err)
	}
	markers := []evidence.Marker{
		mk(evidence.MarkAppStart, 0, ""), mk(evidence.MarkConsentShown, 1, ""), mk(evidence.MarkConsent, 30, ""),
		mk(evidence.MarkFeatureStart, 100, "share-contact"), mk(evidence.MarkFeatureStop, 110, "share-contact"),
	}
	var flows []*evidence.Flow
	id := int64(0)
	add := func(s float64, u, ip, body string) {
		id++
		flows = append(flows, flowAt(id, s, u, ip, body))
	}
	// before consent: IMEI to a domestic first-party host
	add(2, "https://api.example.com/init?imei=867543031234561", "114.114.114.114", "")
	// before consent: OAID to a Hong Kong host
	add(3, "https://hk.tracker-example.net/t", "218.102.23.1", `{"oaid":"7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10"}`)
	// after consent: location every 0.5 s to the same host (above 1/s)
	for i := 0; i < 6; i++ {
		add(40+float64(i)*0.5, "https://lbs.example.com/loc", "223.5.5.5", `{"lat":39.9090,"lng":116.3970}`)
	}
	// contacts inside the feature window (triggered) and outside (flagged)
	add(105, "https://api.example.com/share", "114.114.114.114", `{"p":"13900001111"}`)
	add(150, "https://api.example.com/sync", "114.114.114.114", `{"p":"13900001111"}`)
	// Taiwan and Macao destinations without PI still appear as cross-border
	add(160, "https://cdn.example.tw/a.js", "168.95.1.1", "")
	add(161, "https://m.example.mo/b", "202.175.3.3", "")
	// DNS names an IP-only flow
	f := flowAt(100, 170, "", "8.8.8.8", "")
	f.URL, f.Host = "", ""
	flows = append(flows, f)

	res, err := Analyze(Input{Flows: flows, Markers: markers, Profile: prof, FirstParty: []string{"example.com"},
		DNS: []evidence.DNSAnswer{{Name: "dns.google.example", Type: "A", Answers: []string{"8.8.8.8"}}}})
	if err != nil {
		t.Fatal(err)
	}
	byFlow := map[int64][]Observation{}
	for _, o := range res.Observations {
		byFlow[o.FlowID] = append(byFlow[o.FlowID], o)
	}
	if o := byFlow[1]; len(o) != 1 || o[0].PIType != "imei" || o[0].Phase != PhaseBeforeConsent || o[0].Party != "first" || o[0].Country != "CN" || o[0].Abroad {
		t.Errorf("flow 1: %+v", o)
	}
	if o := byFlow[2]; len(o) != 1 || o[0].PIType != "oaid" || o[0].Country != "HK" || !o[0].Abroad || o[0].Party != "third" {
		t.Errorf("flow 2: %+v", o)
	}
	if o := byFlow[3]; len(o) != 1 || o[0].PIType != "location" || o[0].Phase != PhaseAfterConsent {
		t.Errorf("flow 3: %+v", o)
	}
	// frequency
	var loc, contactsTrig FrequencyRow
	for _, r := range res.Frequency {
		if r.PIType == "location" {
			loc = r
		}
		if r.PIType == "contacts" {
			contactsTrig = r
		}
	}
	if loc.Count != 6 || loc.MedInterval != 0.5 || loc.MinInterval != 0.5 || !loc.Flag {
		t.Errorf("location frequency: %+v", loc)
	}
	if contactsTrig.Count != 2 || contactsTrig.Untriggered != 1 || !contactsTrig.Flag {
		t.Errorf("contacts frequency: %+v", contactsTrig)
	}
	// cross-border: HK (with oaid), TW, MO and US (named by DNS)
	got := map[string]CrossBorderRow{}
	for _, r := range res.CrossBorder {
		got[r.Country] = r
	}
	if r := got["HK"]; r.Host != "hk.tracker-example.net" || len(r.PITypes) != 1 || r.PITypes[0] != "oaid" || r.Flows != 1 || r.Phases[0] != PhaseBeforeConsent || !r.First.Equal(at(3)) {
		t.Errorf("HK row: %+v", r)
	}
	if got["TW"].Host != "cdn.example.tw" || got["MO"].Host != "m.example.mo" {
		t.Errorf("TW/MO rows: %+v", res.CrossBorder)
	}
	if got["US"].Host != "dns.google.example" {
		t.Errorf("US row should be named by DNS: %+v", got["US"])
	}
	if _, ok := got["CN"]; ok {
		t.Error("CN is not cross-border")
	}
	if len(res.Findings) != len(res.Observations) {
		t.Error("findings and observations differ")
	}
	for _, f := range res.Findings {
		if strings.Contains(f.Masked, "7543031234") {
			t.Errorf("finding holds an unmasked value: %s", f.Masked)
		}
	}
}

func TestGeoCountries(t *testing.T) {
	g, err := NewGeo("")
	if err != nil {
		t.Fatal(err)
	}
	// Allocations checked against the registries: 114DNS and AliDNS (CN),
	// PCCW Netvigator 218.102/16 (HK), CTM 202.175/16 (MO), HiNet DNS
	// (TW), Google DNS (US), WIDE M-root (JP).
	cases := map[string]string{
		"114.114.114.114": "CN", "223.5.5.5": "CN", "2400:3200::1": "CN",
		"218.102.23.1": "HK", "202.175.3.3": "MO", "168.95.1.1": "TW",
		"8.8.8.8": "US", "2001:4860:4860::8888": "US", "202.12.27.33": "JP",
		"10.0.0.1": "private", "192.168.1.2": "private", "::ffff:114.114.114.114": "CN", "bogus": "",
	}
	for ip, want := range cases {
		if got := g.Country(ip); got != want {
			t.Errorf("%s: got %q want %q", ip, got, want)
		}
	}
	for _, c := range []string{"HK", "MO", "TW", "US"} {
		if !Abroad(c) {
			t.Errorf("%s must be cross-border", c)
		}
	}
	if Abroad("CN") || Abroad("") || Abroad("private") {
		t.Error("CN, unknown and private are not cross-border")
	}
	if !strings.Contains(GeoCredit, "IP2Location LITE") || !strings.Contains(GeoCredit, "CC BY-SA 4.0") {
		t.Error("credit missing")
	}
	if _, err := NewGeo(filepath.Join(t.TempDir(), "missing.mmdb")); err == nil || !strings.Contains(err.Error(), "missing.mmdb") {
		t.Errorf("missing mmdb should name the file: %v", err)
	}
}

func TestParties(t *testing.T) {
	app := &evidence.App{Package: "com.example.shop", Endpoints: []evidence.Endpoint{{Host: "img.shopcdn.cn"}, {Host: "x.umeng.com", SDK: "umeng"}}}
	p := NewParties([]string{"partner.com.cn"}, app)
	for host, want := range map[string]string{"api.example.com": "first", "img.shopcdn.cn": "first", "a.partner.com.cn": "first", "tracker.other.net": "third"} {
		if got, _ := p.Classify(host); got != want {
			t.Errorf("%s: %s want %s", host, got, want)
		}
	}
	if DomainFromPackage("com.example.app") != "example.com" || RegistrableDomain("a.b.example.com.cn:443") != "example.com.cn" {
		t.Error("domain derivation")
	}
}

func TestProfileErrors(t *testing.T) {
	cases := []struct{ yaml, want string }{
		{"imei: [\"12345\"]\n", "p.yaml:1: imei"},
		{"phone_number: \"13812345678\"\nfoo: 1\n", "field foo not found"},
		{"mac: zz:zz\n", "p.yaml:1: mac"},
		{"android_id: 3f2a9c1be07d4a56\nlocation: {lat: 95, lon: 1}\n", "p.yaml:2: location"},
		{"installed_apps: [\"not a package\"]\n", "p.yaml:1: installed_apps"},
		{"", "empty"},
		{"imei: [\n", "p.yaml"},
	}
	for _, c := range cases {
		_, _, err := ParseProfile("p.yaml", []byte(c.yaml))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%q: got %v, want error containing %q", c.yaml, err, c.want)
		}
	}
	_, warns, err := ParseProfile("p.yaml", []byte("imei: \"867543031234560\"\n"))
	if err != nil || len(warns) != 1 || !strings.Contains(warns[0].String(), "p.yaml:1: imei: ") || !strings.Contains(warns[0].Msg, "Luhn") {
		t.Errorf("Luhn warning: %v %v", warns, err)
	}
}

func TestTemplateParses(t *testing.T) {
	p, warns, err := ParseProfile("template", []byte(Template))
	if err != nil {
		t.Fatal(err)
	}
	if len(warns) != 0 || len(p.Values()) < 20 {
		t.Errorf("template: %d values, warnings %v", len(p.Values()), warns)
	}
}

func TestMask(t *testing.T) {
	for in, want := range map[string]string{"867543031234561": "8675****4561", "13812345": "13****45", "abcde": "a****", "ab": "****", "李小明": "****"} {
		if got := Mask(in); got != want {
			t.Errorf("Mask(%q)=%q want %q", in, got, want)
		}
	}
}

// Profile-value detectors must stay silent on real third-party HAR files
// when the profile holds random values.
func TestNoFalsePositivesOnCorpus(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus", "har")
	var files []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && strings.HasSuffix(p, ".har") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no .har files in " + dir)
	}
	prof := randomProfile(t)
	sc := NewScanner(prof, ScanOptions{Responses: true})
	flows, n := 0, int64(0)
	for _, fn := range files {
		fs, err := loadHAR(fn)
		if err != nil {
			t.Logf("%s: %v (skipped)", fn, err)
			continue
		}
		for _, f := range fs {
			flows++
			n += int64(len(f.ReqBody.Raw) + len(f.RespBody.Raw))
			dets, _ := sc.ScanFlow(f)
			for _, d := range dets {
				if d.Detector == "profile" {
					t.Errorf("%s flow %d: profile detector matched %s (%s) at %s", filepath.Base(fn), f.ID, d.PIType, d.Encoding, d.Where)
				}
			}
		}
	}
	t.Logf("%d HAR files, %d flows, %d body bytes, %d variants: no profile matches", len(files), flows, n, len(sc.Matcher().Variants))
}
