package pi

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"gopkg.in/yaml.v3"
)

// broken returns copies of f whose request body is JSON made malformed in
// several ways: cut short, trailing bytes, two documents (JSON lines), an
// error inside a nested JSON string.
func broken(f *evidence.Flow) []*evidence.Flow {
	b := f.ReqBody.Bytes()
	if len(b) < 4 {
		return nil
	}
	var out []*evidence.Flow
	for _, nb := range [][]byte{
		b[:len(b)*2/3], append(append([]byte(nil), b...), 'x'), append(append(append([]byte(nil), b...), '\n'), b...),
		append(append([]byte(`{"inner":"{\"a\":1,`), b[:len(b)/2]...), []byte(`","z":1}`)...),
		append(append([]byte(`[`), b...), []byte(`,{"k":}]`)...),
	} {
		g := *f
		g.ReqBody = evidence.Body{Raw: nb}
		g.ReqHeaders = []evidence.Header{{Name: "Content-Type", Value: "text/plain"}}
		out = append(out, &g)
	}
	return out
}

// The single JSON walk (which undoes what it found when the text turns
// out not to be JSON) gives the same findings and opaque reports as
// validating first and walking after, on the fixture session, generated
// flows and malformed copies of them.
func TestOneWalkSameFindings(t *testing.T) {
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
	flows := append([]*evidence.Flow(nil), fflows...)
	flows = append(flows, genFlows(t, fprof, 5, 500)...)
	for _, f := range append([]*evidence.Flow(nil), flows...) {
		flows = append(flows, broken(f)...)
	}
	sampleProf := &Profile{Location: &Location{Lat: 39.9087, Lon: 116.3975, RadiusM: 2000}}
	n := 0
	for _, prof := range []*Profile{fprof, sampleProf, nil} {
		one := NewScanner(prof, ScanOptions{Responses: true})
		two := NewScanner(prof, ScanOptions{Responses: true})
		two.validateFirst = true
		for _, f := range flows {
			a, oa := one.ScanFlow(f)
			b, ob := two.ScanFlow(f)
			if ka, kb := detKeys(a), detKeys(b); !reflect.DeepEqual(ka, kb) {
				t.Fatalf("flow %d (%s): findings differ:\n one walk       %v\n validate first %v", f.ID, f.URL, ka, kb)
			}
			if !reflect.DeepEqual(oa, ob) {
				t.Fatalf("flow %d: opaque reports differ: %v vs %v", f.ID, oa, ob)
			}
			n += len(a)
		}
	}
	if n == 0 {
		t.Fatal("no findings compared")
	}
	t.Logf("%d flows, %d findings compared", len(flows), n)
}
