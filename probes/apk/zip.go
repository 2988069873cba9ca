package apk

import (
	"archive/zip"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"

	kflate "github.com/klauspost/compress/flate"
)

// ErrTooLarge is wrapped by errors about entries or archives over the
// Options limits (zip bombs among them).
var ErrTooLarge = errors.New("over the size limit")

// archive is the zip being analysed, with the limits applied to every read.
type archive struct {
	name  string
	zr    *zip.Reader
	opt   Options
	byNm  map[string]*zip.File
	total int64 // uncompressed bytes read so far
}

func openArchive(r io.ReaderAt, size int64, name string, opt Options) (*archive, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable zip archive: %w", name, err)
	}
	// klauspost's inflater is about twice as fast as compress/flate.
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return kflate.NewReader(r) })
	if len(zr.File) > opt.MaxEntries {
		return nil, fmt.Errorf("%s: %d entries, more than the limit of %d: %w", name, len(zr.File), opt.MaxEntries, ErrTooLarge)
	}
	a := &archive{name: name, zr: zr, opt: opt, byNm: make(map[string]*zip.File, len(zr.File))}
	for _, f := range zr.File {
		// Names are only ever used as keys and labels: nothing is written
		// to disk, so "../" or absolute names cannot escape anywhere.
		if _, dup := a.byNm[f.Name]; !dup {
			a.byNm[f.Name] = f
		}
	}
	return a, nil
}

// names returns the entry names in archive order.
func (a *archive) names() []string {
	out := make([]string, 0, len(a.zr.File))
	for _, f := range a.zr.File {
		out = append(out, f.Name)
	}
	return out
}

func (a *archive) has(name string) bool { _, ok := a.byNm[name]; return ok }

// read returns an entry's content, enforcing the per-entry and total limits
// on the declared and on the actual uncompressed size.
func (a *archive) read(name string) ([]byte, error) {
	f, ok := a.byNm[name]
	if !ok {
		return nil, fmt.Errorf("%s: no entry %q", a.name, name)
	}
	return a.readFile(f, a.opt.MaxEntrySize)
}

// readCapped reads at most limit bytes of an entry (for text scans of
// assets); larger entries are truncated, not an error.
func (a *archive) readCapped(f *zip.File, limit int64) ([]byte, error) {
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: entry %q: %w", a.name, f.Name, err)
	}
	defer rc.Close()
	if rem := a.opt.MaxTotalSize - a.total; limit > rem {
		limit = rem
	}
	b, err := io.ReadAll(io.LimitReader(rc, limit))
	a.total += int64(len(b))
	if err != nil && !errors.Is(err, zip.ErrChecksum) {
		return nil, fmt.Errorf("%s: entry %q: %w", a.name, f.Name, err)
	}
	return b, nil
}

func (a *archive) readFile(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("%s: entry %q declares %d bytes uncompressed, more than the per-entry limit of %d (zip bomb?): %w",
			a.name, f.Name, f.UncompressedSize64, limit, ErrTooLarge)
	}
	if a.total+int64(f.UncompressedSize64) > a.opt.MaxTotalSize {
		return nil, fmt.Errorf("%s: entry %q: reading it would exceed the total uncompressed limit of %d bytes (zip bomb?): %w",
			a.name, f.Name, a.opt.MaxTotalSize, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: entry %q: %w", a.name, f.Name, err)
	}
	defer rc.Close()
	// The declared size can lie: read one byte past it to notice.
	max := int64(f.UncompressedSize64)
	buf := bytes.NewBuffer(make([]byte, 0, max+1))
	_, err = buf.ReadFrom(io.LimitReader(rc, max+1))
	b := buf.Bytes()
	a.total += int64(len(b))
	if int64(len(b)) > max {
		return nil, fmt.Errorf("%s: entry %q inflates past its declared size of %d bytes (zip bomb?): %w", a.name, f.Name, max, ErrTooLarge)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: entry %q: %w", a.name, f.Name, err)
	}
	return b, nil
}

// dexNames returns classes.dex, classes2.dex, … in load order (the runtime
// stops at the first missing number).
func (a *archive) dexNames() []string {
	var out []string
	if a.has("classes.dex") {
		out = append(out, "classes.dex")
	} else {
		return nil
	}
	for i := 2; ; i++ {
		n := fmt.Sprintf("classes%d.dex", i)
		if !a.has(n) {
			return out
		}
		out = append(out, n)
	}
}

// isNativeLib reports whether an entry is a native library (lib/<abi>/x.so).
func isNativeLib(name string) bool {
	return strings.HasPrefix(name, "lib/") && strings.HasSuffix(name, ".so")
}

func base(name string) string { return path.Base(name) }
