// Package apk is ceping's static analysis of Android packages: manifest
// and resources (package, versions, SDK levels, permissions, components with
// their effective exported flag, self-start entries, network security),
// DEX code (sensitive API call sites attributed to the app or a third-party
// SDK, content URIs, endpoints), packers (加固) and signatures (v1, v2, v3).
//
// Nothing is extracted to disk: entries are read in memory within the
// Options limits. Knowledge (SDK signatures, sensitive APIs, permissions,
// packers) comes from package kb.
package apk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ceping/ceping/evidence"
)

// Options bound the work done on one package. Zero fields take the
// defaults.
type Options struct {
	MaxEntries   int   // zip entries (default 200,000)
	MaxEntrySize int64 // uncompressed bytes of one entry read (default 512 MiB)
	MaxTotalSize int64 // uncompressed bytes read in all (default 2 GiB)
	// MaxAssetScan is how much of each asset is scanned for endpoints
	// (default 1 MiB); larger assets are scanned in part.
	MaxAssetScan int64
	// NoCode skips DEX code (no sensitive calls, no class-based SDKs).
	NoCode bool
}

func (o Options) withDefaults() Options {
	if o.MaxEntries <= 0 {
		o.MaxEntries = 200_000
	}
	if o.MaxEntrySize <= 0 {
		o.MaxEntrySize = 512 << 20
	}
	if o.MaxTotalSize <= 0 {
		o.MaxTotalSize = 2 << 30
	}
	if o.MaxAssetScan <= 0 {
		o.MaxAssetScan = 1 << 20
	}
	return o
}

// Analyze reads the APK (or a bare binary AndroidManifest.xml) at path.
func Analyze(path string, opt Options) (*evidence.App, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if st.IsDir() {
		return nil, fmt.Errorf("%s: is a directory, want an .apk file", path)
	}
	return AnalyzeReader(f, st.Size(), path, opt)
}

// AnalyzeReader analyses size bytes of r; name labels the input in the
// result and in errors.
func AnalyzeReader(r io.ReaderAt, size int64, name string, opt Options) (app *evidence.App, err error) {
	opt = opt.withDefaults()
	// Last resort only: parsers bound their input and return errors; this
	// turns an unforeseen panic into an error naming the file.
	defer func() {
		if p := recover(); p != nil {
			app, err = nil, fmt.Errorf("%s: internal error while analysing: %v", name, p)
		}
	}()
	app = newApp(name)
	sum := sha256.New()
	if _, err := io.Copy(sum, io.NewSectionReader(r, 0, size)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	app.SHA256 = hex.EncodeToString(sum.Sum(nil))

	var magic [4]byte
	if size >= 4 {
		if _, err := r.ReadAt(magic[:], 0); err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
	}
	if bytes.Equal(magic[:], []byte{0x03, 0x00, 0x08, 0x00}) {
		if size > opt.MaxEntrySize {
			return nil, fmt.Errorf("%s: manifest of %d bytes over the limit of %d: %w", name, size, opt.MaxEntrySize, ErrTooLarge)
		}
		b := make([]byte, size)
		if _, err := r.ReadAt(b, 0); err != nil && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if err := analyzeManifest(app, b, nil, filepath.Base(name)); err != nil {
			return nil, err
		}
		finish(app)
		return app, nil
	}

	a, err := openArchive(r, size, name, opt)
	if err != nil {
		return nil, err
	}
	if err := analyzeArchive(app, a, r, size); err != nil {
		return nil, err
	}
	finish(app)
	return app, nil
}

func newApp(name string) *evidence.App {
	return &evidence.App{
		File:           name,
		Platform:       "android",
		Permissions:    []evidence.Permission{},
		Components:     []evidence.Component{},
		SelfStart:      []evidence.SelfStart{},
		Dex:            []evidence.DexFile{},
		SDKs:           []evidence.SDKHit{},
		SensitiveCalls: []evidence.SensitiveCall{},
		Endpoints:      []evidence.Endpoint{},
		Signing:        evidence.Signing{Schemes: []string{}, Certificates: []evidence.Certificate{}},
	}
}

// analyzeManifest decodes a bare manifest (no resource table) into app.
func analyzeManifest(app *evidence.App, b []byte, tb *table, part string) error {
	root, err := decodeXML(b, part)
	if err != nil {
		return fmt.Errorf("%s: %w", app.File, err)
	}
	_, _, err = manifestFacts(app, root, tb)
	if err != nil {
		return fmt.Errorf("%s: %w", app.File, err)
	}
	app.CleartextAllowed = cleartextAllowed(app)
	return nil
}

func analyzeArchive(app *evidence.App, a *archive, r io.ReaderAt, size int64) error {
	mb, err := a.read("AndroidManifest.xml")
	if err != nil {
		if !a.has("AndroidManifest.xml") {
			return fmt.Errorf("%s: no AndroidManifest.xml: not an APK", a.name)
		}
		return err
	}
	var tb *table
	if a.has("resources.arsc") {
		rb, err := a.read("resources.arsc")
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return err
			}
			app.Warnings = append(app.Warnings, err.Error())
		} else if tb, err = decodeTable(rb, "resources.arsc"); err != nil {
			app.Warnings = append(app.Warnings, fmt.Sprintf("%s: %v", a.name, err))
			tb = nil
		}
	}
	root, err := decodeXML(mb, "AndroidManifest.xml")
	if err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	appClass, nscRef, err := manifestFacts(app, root, tb)
	if err != nil {
		return fmt.Errorf("%s: %w", a.name, err)
	}
	if nscRef != "" {
		nscNetwork(app, a, tb, nscRef)
	}
	app.CleartextAllowed = cleartextAllowed(app)

	c := newCollector(app)
	if tb != nil {
		c.scanStrings(tb.strings, "resources.arsc")
	}
	if err := c.dex(a); err != nil {
		return err
	}
	c.files(a, appClass)
	if err := c.signing(a, r, size); err != nil {
		return err
	}
	c.finish()
	return nil
}

func nscNetwork(app *evidence.App, a *archive, tb *table, ref string) {
	file := tb.resolve(ref)
	if strings.HasPrefix(file, "@") || file == "" {
		app.Warnings = append(app.Warnings, fmt.Sprintf("%s: AndroidManifest.xml: networkSecurityConfig %s does not resolve to a file", a.name, ref))
		return
	}
	b, err := a.read(file)
	if err != nil {
		app.Warnings = append(app.Warnings, err.Error())
		return
	}
	root, err := decodeXML(b, file)
	if err != nil {
		app.Warnings = append(app.Warnings, fmt.Sprintf("%s: %v", a.name, err))
		return
	}
	app.NetworkSecurity = networkSecurity(root, file, app.TargetSDK)
}

// finish guarantees non-nil slices for JSON ([] rather than null).
func finish(app *evidence.App) {
	if app.Permissions == nil {
		app.Permissions = []evidence.Permission{}
	}
}
