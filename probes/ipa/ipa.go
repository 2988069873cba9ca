// Package ipa is ceping's static analysis of iOS packages (.ipa): the
// app's Info.plist (bundle id, versions, MinimumOSVersion, purpose strings
// NS…UsageDescription mapped to PI types, App Transport Security
// exceptions) and embedded frameworks matched against kb's SDKs. Nothing is
// extracted to disk.
package ipa

import (
	"archive/zip"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"howett.net/plist"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
)

// ErrTooLarge is wrapped by errors about entries over the limits.
var ErrTooLarge = errors.New("over the size limit")

// Options bound the work done on one package; zero fields take defaults.
type Options struct {
	MaxEntries   int   // zip entries (default 500,000)
	MaxPlistSize int64 // uncompressed bytes of Info.plist (default 8 MiB)
}

func (o Options) withDefaults() Options {
	if o.MaxEntries <= 0 {
		o.MaxEntries = 500_000
	}
	if o.MaxPlistSize <= 0 {
		o.MaxPlistSize = 8 << 20
	}
	return o
}

// Analyze reads the IPA at path.
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
	return AnalyzeReader(f, st.Size(), path, opt)
}

// appDir matches the app bundle's Info.plist: Payload/<name>.app/Info.plist.
var appPlist = regexp.MustCompile(`^Payload/[^/]+\.app/Info\.plist$`)

// AnalyzeReader analyses size bytes of r; name labels the input.
func AnalyzeReader(r io.ReaderAt, size int64, name string, opt Options) (*evidence.App, error) {
	opt = opt.withDefaults()
	app := &evidence.App{
		File: name, Platform: "ios",
		Permissions: []evidence.Permission{}, Components: []evidence.Component{}, SelfStart: []evidence.SelfStart{},
		Dex: []evidence.DexFile{}, SDKs: []evidence.SDKHit{}, SensitiveCalls: []evidence.SensitiveCall{},
		Endpoints: []evidence.Endpoint{}, UsageDescriptions: []evidence.UsageDescription{},
		Signing: evidence.Signing{Schemes: []string{}, Certificates: []evidence.Certificate{}},
	}
	sum := sha256.New()
	if _, err := io.Copy(sum, io.NewSectionReader(r, 0, size)); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	app.SHA256 = hex.EncodeToString(sum.Sum(nil))
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("%s: not a readable zip archive: %w", name, err)
	}
	if len(zr.File) > opt.MaxEntries {
		return nil, fmt.Errorf("%s: %d entries, more than the limit of %d: %w", name, len(zr.File), opt.MaxEntries, ErrTooLarge)
	}
	var info *zip.File
	var appPrefix string
	for _, f := range zr.File {
		if appPlist.MatchString(f.Name) {
			if info != nil {
				return nil, fmt.Errorf("%s: more than one app bundle under Payload/ (%s and %s)", name, info.Name, f.Name)
			}
			info = f
			appPrefix = strings.TrimSuffix(f.Name, "Info.plist")
		}
	}
	if info == nil {
		return nil, fmt.Errorf("%s: no Payload/<name>.app/Info.plist: not an IPA", name)
	}
	b, err := readEntry(info, opt.MaxPlistSize)
	if err != nil {
		return nil, fmt.Errorf("%s: entry %q: %w", name, info.Name, err)
	}
	if err := infoPlist(app, b); err != nil {
		return nil, fmt.Errorf("%s: entry %q: %w", name, info.Name, err)
	}
	frameworks(app, zr, appPrefix)
	return app, nil
}

func readEntry(f *zip.File, limit int64) ([]byte, error) {
	if f.UncompressedSize64 > uint64(limit) {
		return nil, fmt.Errorf("declares %d bytes, more than the limit of %d (zip bomb?): %w", f.UncompressedSize64, limit, ErrTooLarge)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if int64(len(b)) > limit {
		return nil, fmt.Errorf("inflates past %d bytes (zip bomb?): %w", limit, ErrTooLarge)
	}
	return b, err
}

// ParseInfoPlist decodes an Info.plist (XML, binary or OpenStep) into app.
func ParseInfoPlist(app *evidence.App, b []byte) error { return infoPlist(app, b) }

func infoPlist(app *evidence.App, b []byte) (err error) {
	var m map[string]any
	defer func() {
		// howett.net/plist recovers its own parse panics into errors; this
		// only guards against an unforeseen one.
		if r := recover(); r != nil {
			err = fmt.Errorf("Info.plist: %v", r)
		}
	}()
	if _, err := plist.Unmarshal(b, &m); err != nil {
		return fmt.Errorf("Info.plist: %w", err)
	}
	str := func(k string) string { s, _ := m[k].(string); return s }
	app.Package = str("CFBundleIdentifier")
	app.VersionName = str("CFBundleShortVersionString")
	if v := str("CFBundleVersion"); v != "" {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			app.VersionCode = n
		} else if app.VersionName == "" {
			app.VersionName = v
		} else if v != app.VersionName {
			app.VersionName += " (" + v + ")"
		}
	}
	app.MinOS = str("MinimumOSVersion")
	app.Label = str("CFBundleDisplayName")
	if app.Label == "" {
		app.Label = str("CFBundleName")
	}
	var keys []string
	for k := range m {
		if strings.HasPrefix(k, "NS") && strings.HasSuffix(k, "UsageDescription") {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	for _, k := range keys {
		u := evidence.UsageDescription{Key: k, Text: fmt.Sprint(m[k])}
		if uk, ok := kb.LookupUsageKey(k); ok {
			u.PITypes = append([]string(nil), uk.PITypes...)
		}
		app.UsageDescriptions = append(app.UsageDescriptions, u)
	}
	ats(app, m["NSAppTransportSecurity"])
	return nil
}

// ats lists App Transport Security relaxations ("NSAllowsArbitraryLoads",
// "example.com: NSExceptionAllowsInsecureHTTPLoads"…).
func ats(app *evidence.App, v any) {
	d, ok := v.(map[string]any)
	if !ok {
		return
	}
	truthy := func(x any) bool { b, ok := x.(bool); return ok && b }
	for _, k := range []string{"NSAllowsArbitraryLoads", "NSAllowsArbitraryLoadsForMedia", "NSAllowsArbitraryLoadsInWebContent", "NSAllowsLocalNetworking"} {
		if truthy(d[k]) {
			app.ATSExceptions = append(app.ATSExceptions, k)
		}
	}
	app.CleartextAllowed = truthy(d["NSAllowsArbitraryLoads"])
	ex, _ := d["NSExceptionDomains"].(map[string]any)
	var domains []string
	for dom := range ex {
		domains = append(domains, dom)
	}
	sort.Strings(domains)
	for _, dom := range domains {
		e, _ := ex[dom].(map[string]any)
		var ks []string
		for k, x := range e {
			switch k {
			case "NSExceptionAllowsInsecureHTTPLoads", "NSThirdPartyExceptionAllowsInsecureHTTPLoads",
				"NSTemporaryExceptionAllowsInsecureHTTPLoads", "NSIncludesSubdomains",
				"NSExceptionRequiresForwardSecrecy", "NSThirdPartyExceptionRequiresForwardSecrecy":
				if b, ok := x.(bool); ok {
					ks = append(ks, k+"="+strconv.FormatBool(b))
				}
			case "NSExceptionMinimumTLSVersion", "NSThirdPartyExceptionMinimumTLSVersion", "NSTemporaryExceptionMinimumTLSVersion":
				ks = append(ks, k+"="+fmt.Sprint(x))
			}
		}
		sort.Strings(ks)
		app.ATSExceptions = append(app.ATSExceptions, dom+": "+strings.Join(ks, ", "))
	}
}

// frameworks matches the bundle's Frameworks/*.framework against kb.
func frameworks(app *evidence.App, zr *zip.Reader, prefix string) {
	seen := map[string]bool{}
	hits := map[string]*evidence.SDKHit{}
	var order []string
	for _, f := range zr.File {
		rest, ok := strings.CutPrefix(f.Name, prefix+"Frameworks/")
		if !ok {
			continue
		}
		fw, _, _ := strings.Cut(rest, "/")
		if !strings.HasSuffix(fw, ".framework") || seen[fw] {
			continue
		}
		seen[fw] = true
		s := kb.Index().ByFramework(fw)
		if s == nil {
			continue
		}
		h := hits[s.ID]
		if h == nil {
			h = &evidence.SDKHit{ID: s.ID, Name: s.Name, Company: s.Company, Category: s.Category,
				PITypes: append([]string(nil), s.PITypes...), Domains: append([]string(nil), s.Domains...)}
			hits[s.ID] = h
			order = append(order, s.ID)
		}
		h.Matched = append(h.Matched, "framework:"+fw)
	}
	sort.Strings(order)
	for _, id := range order {
		app.SDKs = append(app.SDKs, *hits[id])
	}
}
