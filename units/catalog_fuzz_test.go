package units

import (
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzLoadCatalog feeds arbitrary YAML to the catalog loader: it must
// return a catalog or an error naming the file, never panic.
func FuzzLoadCatalog(f *testing.F) {
	sub, err := fs.Sub(catalogFS, "catalog")
	if err != nil {
		f.Fatal(err)
	}
	seed, err := fs.ReadFile(sub, "hpi.yaml")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte("- id: PIC-01\n  category: PIC\n  steps: [{n: 1, text: x}]\n  rule: {pass: 'pos(1'}\n"))
	f.Add([]byte("- {id: X}\n- [1, 2]\n"))
	f.Add([]byte("&a [*a]"))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := LoadFS(fstest.MapFS{"f.yaml": {Data: data}})
		if err == nil && c == nil {
			t.Fatal("no catalog and no error")
		}
	})
}
