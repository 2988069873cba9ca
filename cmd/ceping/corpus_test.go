package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/pi"
	"github.com/ceping/ceping/probes/har"
	"github.com/ceping/ceping/probes/pcap"
)

// TestCorpusNoProfileFalsePositives imports every third-party capture in
// ../shared/corpus (HAR and pcap/pcapng) with the real importers and runs the
// PI analysis with the demo device's made-up identifiers: the known-value
// detectors must find nothing in traffic that never carried them.
func TestCorpusNoProfileFalsePositives(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus")
	prof, _, err := pi.LoadProfile(testutil.Path("fixtures", "demo", "device.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	filepath.Walk(dir, func(p string, fi os.FileInfo, err error) error {
		if err == nil && !fi.IsDir() && (strings.HasSuffix(p, ".har") || strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng")) {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Skip("no HAR or pcap files under " + dir)
	}
	total, kinds := 0, map[string]int{}
	for _, fn := range files {
		var flows []*evidence.Flow
		var dns []evidence.DNSAnswer
		var conns []evidence.Conn
		if strings.HasSuffix(fn, ".har") {
			flows, err = har.ReadFile(fn)
			kinds["har"]++
		} else {
			var r *pcap.Result
			r, err = pcap.ReadFile(fn)
			if r != nil {
				flows, dns, conns = r.Flows, r.DNS, r.Conns
			}
			kinds["pcap"]++
		}
		if err != nil {
			t.Errorf("%s: %v", filepath.Base(fn), err)
			continue
		}
		for i, f := range flows {
			f.ID = int64(i + 1)
		}
		res, err := pi.Analyze(pi.Input{Flows: flows, DNS: dns, Conns: conns, Profile: prof})
		if err != nil {
			t.Fatalf("%s: %v", fn, err)
		}
		total += len(flows)
		for _, o := range res.Observations {
			if o.Detector == "profile" {
				t.Errorf("%s flow %d: the device profile's %s matched (%s at %s)", filepath.Base(fn), o.FlowID, o.PIType, o.Encoding, o.Where)
			}
		}
	}
	if kinds["har"] == 0 || kinds["pcap"] == 0 {
		t.Errorf("corpus kinds %v: want HAR and pcap files", kinds)
	}
	t.Logf("%d files (%v), %d flows: no known-value matches", len(files), kinds, total)
}
