package pi

import (
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"gopkg.in/yaml.v3"
)

// scanBoth scans a flow with and without the prefilters.
func scanBoth(t *testing.T, prof *Profile, opt ScanOptions, f *evidence.Flow) ([]Detection, []Detection) {
	t.Helper()
	with := NewScanner(prof, opt)
	without := NewScanner(prof, opt)
	without.noPrefilter = true
	a, oa := with.ScanFlow(f)
	b, ob := without.ScanFlow(f)
	if !reflect.DeepEqual(oa, ob) {
		t.Errorf("flow %d: opaque reports differ with prefilters: %v vs %v", f.ID, oa, ob)
	}
	return a, b
}

func detKeys(ds []Detection) []string {
	var out []string
	for _, d := range ds {
		out = append(out, fmt.Sprintf("%s|%s|%s|%s|%s|%.2f|%v", d.PIType, d.Detector, d.Encoding, d.Where, d.Value, d.Confidence, d.Response))
	}
	return out
}

// A prefilter never drops a finding: the fixture session, the detector
// samples and 2,000 generated flows give the same findings with and
// without the prefilters, and those findings are not empty.
func TestPrefiltersKeepFindings(t *testing.T) {
	dir := testutil.Path("fixtures", "sessions", "detectors")
	raw, err := os.ReadFile(filepath.Join(dir, "labels.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var lf labelFile
	if err := yaml.Unmarshal(raw, &lf); err != nil {
		t.Fatal(err)
	}
	fprof, _, err := LoadProfile(filepath.Join(dir, lf.Profile))
	if err != nil {
		t.Fatal(err)
	}
	fflows, err := loadHAR(filepath.Join(dir, lf.Session))
	if err != nil {
		t.Fatal(err)
	}
	var flows []*evidence.Flow
	flows = append(flows, fflows...)
	for _, s := range detectorSamples {
		for _, b := range append(append([]string(nil), s.match...), s.noMatch...) {
			flows = append(flows, sampleFlow(b))
		}
	}
	sampleProf := &Profile{Location: &Location{Lat: 39.9087, Lon: 116.3975, RadiusM: 2000}}
	perDetector := map[string]int{}
	for _, prof := range []*Profile{fprof, sampleProf, nil} {
		all := append(append([]*evidence.Flow(nil), flows...), genFlows(t, fprof, 1, 700)...)
		for _, f := range all {
			a, b := scanBoth(t, prof, ScanOptions{Responses: true}, f)
			ka, kb := detKeys(a), detKeys(b)
			if !reflect.DeepEqual(ka, kb) {
				t.Fatalf("flow %d (%s): findings differ with prefilters:\n with    %v\n without %v", f.ID, f.URL, ka, kb)
			}
			for _, d := range a {
				perDetector[d.Detector]++
			}
		}
	}
	for _, d := range []string{"profile", "pattern:email", "pattern:mac", "pattern:location", "pattern:app-list", "pattern:phone", "pattern:imei", "pattern:meid"} {
		if perDetector[d] == 0 {
			t.Errorf("no %s findings at all: the comparison proves nothing for it", d)
		}
	}
	t.Logf("findings compared: %v", perDetector)
}

// Every regular-expression match meets its prefilter's condition.
func TestPrefilterConditions(t *testing.T) {
	cases := []string{
		"3c:46:d8:aa:bb:01", "x 3C-46-D8-AA-BB-02 y", "aa:bb:cc:dd:ee", "12:30:45",
		"116.3971,39.9085", "39.9091 ; 116.3969", "1.2345|6.7890", "116.397,39.9", "-39.12345 , -116.1234",
		"com.a.b,com.c.d,cn.e.f,org.g.h,net.i.j", "xcom.a.b com.a.b", "io.x.y me.x.y tv.x.y air.x.y top.x.y",
		"someone@qq.com", strings.Repeat("a", 100) + "@example.com", "a@b.com.x@y.cn", "@handle", "x@y",
	}
	for _, c := range cases {
		checkPrefilters(t, []byte(c))
	}
}

func checkPrefilters(t *testing.T, b []byte) {
	if reMACFind.Match(b) && !macShape(b) {
		t.Errorf("%q: MAC match but no MAC shape", b)
	}
	if rePairFind.Match(b) && !pairCandidate(b) {
		t.Errorf("%q: coordinate pair match but no candidate", b)
	}
	if n := len(rePkgFind.FindAll(b, -1)); pkgStarts(b, n+1) < n {
		t.Errorf("%q: %d package matches but %d starts", b, n, pkgStarts(b, n+1))
	}
	lo, hi := emailWindow(b)
	if got, want := reEmailFind.FindAll(b[lo:hi], 20), reEmailFind.FindAll(b, 20); !reflect.DeepEqual(got, want) {
		t.Errorf("%q: e-mail matches in the window %q differ: %q vs %q", b, b[lo:hi], got, want)
	}
}

// FuzzPrefilters: on arbitrary text no prefilter rejects a value its
// regular expression matches.
func FuzzPrefilters(f *testing.F) {
	for _, s := range []string{"3c:46:d8:aa:bb:01", "116.3971,39.9085", "a.b@c.cn d@e.org", "com.a.b,com.c.d,cn.e.f,org.g.h,net.i.j"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		checkPrefilters(t, b)
	})
}
