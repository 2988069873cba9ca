package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/ceping/ceping/internal/testutil"
)

// TestCLIImportAnalyzeLabelled runs the labelled fixture session through the
// user's chain — session new, import (HAR), analyze — and checks every
// labelled finding comes out of the CLI (flow, PI type, encoding).
func TestCLIImportAnalyzeLabelled(t *testing.T) {
	fx := testutil.Path("fixtures", "sessions", "detectors")
	var labels struct {
		Findings []struct {
			Flow     int    `yaml:"flow"`
			PIType   string `yaml:"pi_type"`
			Detector string `yaml:"detector"`
			Encoding string `yaml:"encoding"`
		} `yaml:"findings"`
	}
	data, err := os.ReadFile(filepath.Join(fx, "labels.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(data, &labels); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "s")
	for _, args := range [][]string{
		{"session", "new", "--app", "labelled", dir},
		{"import", "--session", dir, filepath.Join(fx, "session.har")},
	} {
		if _, stderr, code := runCeping(t, args...); code != 0 {
			t.Fatalf("%v: exit %d: %s", args, code, stderr)
		}
	}
	out, stderr, code := runCeping(t, "analyze", "--session", dir, "--device", filepath.Join(fx, "device.yaml"), "--json")
	if code != 0 {
		t.Fatalf("analyze: exit %d: %s", code, stderr)
	}
	var r struct {
		Observations []struct {
			FlowID   int64  `json:"flow_id"`
			PIType   string `json:"pi_type"`
			Detector string `json:"detector"`
			Encoding string `json:"encoding"`
		} `json:"observations"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatal(err)
	}
	got := map[[3]string]bool{}
	for _, o := range r.Observations {
		got[[3]string{itoa64(o.FlowID - 1), o.PIType, o.Encoding}] = true
	}
	missing := 0
	for _, l := range labels.Findings {
		if !got[[3]string{itoa64(int64(l.Flow)), l.PIType, l.Encoding}] {
			missing++
			t.Errorf("labelled finding not reported: HAR entry %d %s (%s, %s)", l.Flow, l.PIType, l.Detector, l.Encoding)
		}
	}
	if len(labels.Findings) < 20 {
		t.Fatalf("only %d labels", len(labels.Findings))
	}
	t.Logf("%d labelled findings, %d reported observations, %d missing", len(labels.Findings), len(r.Observations), missing)
}

func itoa64(n int64) string {
	b, _ := json.Marshal(n)
	return string(b)
}
