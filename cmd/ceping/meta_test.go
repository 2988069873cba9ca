package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
)

func TestLoadMeta(t *testing.T) {
	m, err := loadMeta(testutil.Path("fixtures", "demo", "meta.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	if m.Subject.Name != "泄露演示" || m.Org != "ceping 演示实验室" || len(m.Testers) != 1 || m.Environment.OS == "" {
		t.Fatalf("meta %+v", m)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("app:\n  nmae: x\n"), 0o644)
	if _, err := loadMeta(bad); err == nil || !strings.Contains(err.Error(), "bad.yaml") || !strings.Contains(err.Error(), "nmae") {
		t.Fatalf("unknown field: %v", err)
	}
}

func FuzzLoadMeta(f *testing.F) {
	seed, err := os.ReadFile(testutil.Path("fixtures", "demo", "meta.yaml"))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("testers: {a: 1}\n"))
	f.Add([]byte("environment: [x]\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "m.yaml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := loadMeta(p); err != nil && !strings.Contains(err.Error(), "m.yaml") {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}
