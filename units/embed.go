package units

import (
	"embed"
	"io/fs"
	"sync"
)

//go:embed catalog/*.yaml
var catalogFS embed.FS

var (
	builtinOnce sync.Once
	builtin     *Catalog
	builtinErr  error
)

// Load returns the embedded catalog of the 157 test units, validated. The
// catalog is parsed once; callers share it and must not modify it.
func Load() (*Catalog, error) {
	builtinOnce.Do(func() {
		sub, err := fs.Sub(catalogFS, "catalog")
		if err != nil {
			builtinErr = err
			return
		}
		builtin, builtinErr = LoadFS(sub)
	})
	return builtin, builtinErr
}
