// Package archtest checks the import rules of docs/architecture.md: what
// each package may import of ceping.
package archtest

import (
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
)

const module = "github.com/ceping/ceping/"

// allowed lists, per package (or package prefix ending in "/"), the ceping
// packages it may import. cmd/ceping, the composition root, may import all.
var allowed = map[string][]string{
	"evidence":   {},
	"kb":         {},
	"units":      {"evidence"},
	"units/auto": {"units", "evidence"},
	"reports":    {"units", "evidence"},
	"session":    {"evidence"},
	"mitm":       {"evidence"},
	"pi":         {"evidence", "kb"},
	"probes/":    {"evidence", "kb"},
	"internal/":  {},
}

func rulesFor(pkg string) ([]string, bool) {
	if r, ok := allowed[pkg]; ok {
		return r, true
	}
	for k, r := range allowed {
		if strings.HasSuffix(k, "/") && strings.HasPrefix(pkg, k) {
			return r, true
		}
	}
	return nil, false
}

func TestImportRules(t *testing.T) {
	root := testutil.RepoRoot()
	imports := map[string]map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "fixtures" || name == "docs") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		rel = filepath.ToSlash(rel)
		for _, im := range f.Imports {
			p := strings.Trim(im.Path.Value, `"`)
			if strings.HasPrefix(p, module) {
				if imports[rel] == nil {
					imports[rel] = map[string]bool{}
				}
				imports[rel][strings.TrimPrefix(p, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var pkgs []string
	for p := range imports {
		pkgs = append(pkgs, p)
	}
	sort.Strings(pkgs)
	checked := 0
	for _, pkg := range pkgs {
		if strings.HasPrefix(pkg, "cmd/") {
			continue // the composition root
		}
		rules, ok := rulesFor(pkg)
		if !ok {
			t.Errorf("package %s imports ceping packages but has no rule in docs/architecture.md (add one here and there)", pkg)
			continue
		}
		checked++
		for dep := range imports[pkg] {
			ok := false
			for _, r := range rules {
				if dep == r || strings.HasPrefix(dep, "internal/") && strings.HasPrefix(pkg, "internal/") {
					ok = true
				}
			}
			if !ok {
				t.Errorf("%s imports %s: not allowed by docs/architecture.md (allowed: %v)", pkg, dep, rules)
			}
		}
	}
	if checked < 4 {
		t.Fatalf("only %d packages checked: the walk is broken", checked)
	}
}
