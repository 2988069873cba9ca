// Package testutil holds helpers shared by ceping's tests: locating the
// repository root, the shared corpus, and external tools.
package testutil

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// InCI reports whether the tests run under CI (CI=true), where every tool
// .ci/run installs must be present: a missing tool fails instead of skipping.
func InCI() bool { return os.Getenv("CI") == "true" }

// RepoRoot returns the repository's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Path joins parts onto the repository root.
func Path(parts ...string) string {
	return filepath.Join(append([]string{RepoRoot()}, parts...)...)
}

// NeedTool returns the path of an external program, or skips the test with a
// clear message (fails under CI, where .ci/run installs it).
func NeedTool(t testing.TB, name, debianPackage string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		msg := name + " not found: install Debian package " + debianPackage + " (.ci/run does)"
		if InCI() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	return p
}

// SharedDir returns ../shared beside the repository (third-party corpora),
// or skips the test with a clear message when it is absent.
func SharedDir(t testing.TB, sub ...string) string {
	t.Helper()
	dir := filepath.Join(append([]string{RepoRoot(), "..", "shared"}, sub...)...)
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("%s is absent: the third-party corpus lives in ../shared beside the repository and is never committed; skipping", dir)
	}
	return dir
}
