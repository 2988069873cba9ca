package auto

import (
	"bytes"
	"flag"
	"os"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/units"
)

var update = flag.Bool("update", false, "rewrite docs/automation.md")

// TestCatalogAutoKeys checks that the catalog's "auto" keys and the evaluator
// registry name exactly the same steps.
func TestCatalogAutoKeys(t *testing.T) {
	cat, err := units.Load()
	if err != nil {
		t.Fatal(err)
	}
	reg := map[string]string{}
	for _, e := range Evaluators() {
		k := e.Unit + "." + itoa(e.Step)
		if _, dup := reg[k]; dup {
			t.Errorf("two evaluators for %s", k)
		}
		reg[k] = e.Key
		u, ok := cat.Unit(e.Unit)
		if !ok || e.Step < 1 || e.Step > len(u.Steps) {
			t.Errorf("evaluator %s: no step %s in the catalog", e.Key, k)
			continue
		}
		if got := u.Steps[e.Step-1].Auto; got != e.Key {
			t.Errorf("%s: catalog auto key %q, evaluator %q", k, got, e.Key)
		}
		if e.Coverage != CoverageFull && e.Coverage != CoveragePartial {
			t.Errorf("evaluator %s: coverage %q", e.Key, e.Coverage)
		}
	}
	for _, u := range cat.Units() {
		for _, s := range u.Steps {
			if s.Auto != "" && reg[u.ID+"."+itoa(s.N)] == "" {
				t.Errorf("%s step %d: catalog names evaluator %q, none registered", u.ID, s.N, s.Auto)
			}
		}
	}
}

func TestCoverageDoc(t *testing.T) {
	cat, err := units.Load()
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := WriteCoverage(&b, cat); err != nil {
		t.Fatal(err)
	}
	path := testutil.Path("docs", "automation.md")
	if *update {
		if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (write it with: go test ./units/auto -run TestCoverageDoc -update)", err)
	}
	if !bytes.Equal(got, b.Bytes()) {
		t.Fatalf("docs/automation.md is stale: go test ./units/auto -run TestCoverageDoc -update")
	}
	if n := bytes.Count(b.Bytes(), []byte("\n| ")); n < 157 {
		t.Fatalf("coverage table has %d rows", n)
	}
}
