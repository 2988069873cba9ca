package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/session"
)

func TestCLISessionGC(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sess")
	if _, _, err := runInProcess(t, "session", "new", "--app", "com.example.shop", dir); err != nil {
		t.Fatal(err)
	}
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	f := &evidence.Flow{Source: evidence.SourceProxy, Start: time.Now(), URL: "https://h/a",
		ReqBody: evidence.Body{Raw: []byte("kept body")}}
	if _, err := st.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	orphan, err := st.PutBlob([]byte("nobody points here"))
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	old := time.Now().Add(-time.Hour)
	orphanPath := filepath.Join(dir, session.BlobDir, orphan[:2], orphan)
	tmp := filepath.Join(dir, session.BlobDir, orphan[:2], ".tmp-42")
	os.WriteFile(tmp, []byte("half"), 0o644)
	for _, p := range []string{orphanPath, tmp} {
		if err := os.Chtimes(p, old, old); err != nil {
			t.Fatal(err)
		}
	}
	out, _, err := runInProcess(t, "session", "gc", dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"freed 22 bytes", "unreferenced blobs removed: 1 (18 bytes)", "temp files removed:         1 (4 bytes)", "blobs kept:                 1 (9 bytes)"} {
		if !strings.Contains(out, want) {
			t.Fatalf("gc output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(orphanPath); err == nil {
		t.Fatal("orphan blob still there")
	}
	st, err = session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.Flow(f.ID, true)
	if err != nil || string(got.ReqBody.Raw) != "kept body" {
		t.Fatalf("flow after gc: %v", err)
	}
	if _, _, err := runInProcess(t, "session", "gc", filepath.Join(t.TempDir(), "none")); err == nil {
		t.Fatal("gc of a missing folder succeeded")
	}
}
