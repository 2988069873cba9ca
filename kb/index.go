package kb

import (
	"fmt"
	"path"
	"sort"
	"strings"
)

// SDKIndex finds the SDK a class, native library, asset, host or iOS
// framework belongs to. It is immutable once built and safe for concurrent
// use. The *SDK it returns points into shared data: read it, do not modify
// it.
type SDKIndex struct {
	sdks       []SDK
	byID       map[string]int
	classes    map[string]int // prefix without trailing "."
	libs       map[string]int // exact file names, lower case
	libGlobs   []globEntry
	assets     map[string]int // exact paths
	assetDirs  []globEntry    // "dir/" prefixes, longest first
	assetGlobs []globEntry
	hosts      map[string]int // domain suffixes
	frameworks map[string]int // lower-case name without .framework/.xcframework
	maxDots    int
}

type globEntry struct {
	pattern string
	sdk     int
}

// NewIndex builds an index over sdks. Two SDKs claiming the same
// signature is an error naming both.
func NewIndex(sdks []SDK) (*SDKIndex, error) {
	x := &SDKIndex{
		sdks:       sdks,
		byID:       map[string]int{},
		classes:    map[string]int{},
		libs:       map[string]int{},
		assets:     map[string]int{},
		hosts:      map[string]int{},
		frameworks: map[string]int{},
	}
	claim := func(m map[string]int, kind, key string, i int) error {
		if j, dup := m[key]; dup {
			if j == i {
				return fmt.Errorf("kb: SDK %q lists %s %q twice", sdks[i].ID, kind, key)
			}
			return fmt.Errorf("kb: %s %q is claimed by both SDK %q and SDK %q", kind, key, sdks[j].ID, sdks[i].ID)
		}
		m[key] = i
		return nil
	}
	globs := map[string]int{}
	for i, s := range sdks {
		if err := claim(x.byID, "id", s.ID, i); err != nil {
			return nil, err
		}
		for _, c := range s.ClassPrefixes {
			key := strings.TrimSuffix(c, ".")
			if err := claim(x.classes, "class prefix", key, i); err != nil {
				return nil, err
			}
			// The slashed form lets ByClass resolve descriptors without
			// allocating; dotted keys never contain "/", so no clash.
			x.classes[strings.ReplaceAll(key, ".", "/")] = i
		}
		for _, l := range s.NativeLibs {
			l = strings.ToLower(l)
			if isGlob(l) {
				if err := claim(globs, "library pattern", l, i); err != nil {
					return nil, err
				}
				x.libGlobs = append(x.libGlobs, globEntry{l, i})
			} else if err := claim(x.libs, "library", l, i); err != nil {
				return nil, err
			}
		}
		for _, a := range s.Assets {
			switch {
			case strings.HasSuffix(a, "/"):
				if err := claim(globs, "asset directory", a, i); err != nil {
					return nil, err
				}
				x.assetDirs = append(x.assetDirs, globEntry{a, i})
			case isGlob(a):
				if err := claim(globs, "asset pattern", a, i); err != nil {
					return nil, err
				}
				x.assetGlobs = append(x.assetGlobs, globEntry{a, i})
			default:
				if err := claim(x.assets, "asset", a, i); err != nil {
					return nil, err
				}
			}
		}
		for _, d := range s.Domains {
			if err := claim(x.hosts, "domain", strings.ToLower(d), i); err != nil {
				return nil, err
			}
		}
		for _, f := range s.Frameworks {
			if err := claim(x.frameworks, "framework", frameworkKey(f), i); err != nil {
				return nil, err
			}
		}
	}
	// Most specific pattern first: the one with the longest literal prefix,
	// then the longest pattern.
	bySpecificity := func(g []globEntry) {
		sort.SliceStable(g, func(a, b int) bool {
			la, lb := literalLen(g[a].pattern), literalLen(g[b].pattern)
			if la != lb {
				return la > lb
			}
			return len(g[a].pattern) > len(g[b].pattern)
		})
	}
	bySpecificity(x.libGlobs)
	bySpecificity(x.assetGlobs)
	bySpecificity(x.assetDirs)
	return x, nil
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

func literalLen(p string) int {
	if i := strings.IndexAny(p, "*?["); i >= 0 {
		return i
	}
	return len(p)
}

func frameworkKey(name string) string {
	name = strings.TrimSuffix(strings.TrimSuffix(name, "/"), "/")
	name = path.Base(name)
	name = strings.TrimSuffix(name, ".xcframework")
	name = strings.TrimSuffix(name, ".framework")
	return strings.ToLower(name)
}

func (x *SDKIndex) at(i int) *SDK { return &x.sdks[i] }

// SDKs returns the indexed SDKs.
func (x *SDKIndex) SDKs() []SDK { return x.sdks }

// ByID returns the SDK with that id, or nil.
func (x *SDKIndex) ByID(id string) *SDK {
	if i, ok := x.byID[id]; ok {
		return x.at(i)
	}
	return nil
}

// ByClass returns the SDK owning a class, by the longest matching prefix on
// a package or nesting boundary, or nil. It accepts dotted names
// ("com.umeng.analytics.MobclickAgent"), slashed names and Dalvik
// descriptors ("Lcom/umeng/analytics/MobclickAgent;"), without allocating.
// A name mixing "." and "/" separators matches nothing beyond its first
// separator kind.
func (x *SDKIndex) ByClass(name string) *SDK {
	if strings.HasPrefix(name, "L") && strings.HasSuffix(name, ";") {
		name = name[1 : len(name)-1]
	}
	best := -1
	for i := 0; i < len(name); i++ {
		if c := name[i]; c == '.' || c == '/' || c == '$' {
			if j, ok := x.classes[name[:i]]; ok {
				best = j
			}
		}
	}
	if j, ok := x.classes[name]; ok {
		best = j
	}
	if best < 0 {
		return nil
	}
	return x.at(best)
}

// ByLib returns the SDK owning a native library, by its file name (any
// directory is ignored; case-insensitive), or nil.
func (x *SDKIndex) ByLib(name string) *SDK {
	name = strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	if i, ok := x.libs[name]; ok {
		return x.at(i)
	}
	for _, g := range x.libGlobs {
		if ok, _ := path.Match(g.pattern, name); ok {
			return x.at(g.sdk)
		}
	}
	return nil
}

// ByAsset returns the SDK owning a file of the package, by its path inside
// the package ("assets/…"), or nil.
func (x *SDKIndex) ByAsset(p string) *SDK {
	p = strings.TrimPrefix(strings.ReplaceAll(p, "\\", "/"), "/")
	if i, ok := x.assets[p]; ok {
		return x.at(i)
	}
	for _, g := range x.assetGlobs {
		if ok, _ := path.Match(g.pattern, p); ok {
			return x.at(g.sdk)
		}
	}
	for _, g := range x.assetDirs {
		if strings.HasPrefix(p, g.pattern) {
			return x.at(g.sdk)
		}
	}
	return nil
}

// ByHost returns the SDK whose domain is the host or a parent of it on a
// label boundary (the longest such domain wins), or nil. Case, a port and a
// trailing dot are ignored.
func (x *SDKIndex) ByHost(host string) *SDK {
	host = strings.ToLower(strings.TrimSpace(host))
	if strings.HasPrefix(host, "[") { // IPv6 literal
		return nil
	}
	if i := strings.LastIndexByte(host, ':'); i >= 0 && strings.Count(host, ":") == 1 {
		host = host[:i]
	}
	host = strings.TrimSuffix(host, ".")
	for h := host; h != ""; {
		if i, ok := x.hosts[h]; ok {
			return x.at(i)
		}
		dot := strings.IndexByte(h, '.')
		if dot < 0 {
			break
		}
		h = h[dot+1:]
	}
	return nil
}

// ByFramework returns the SDK owning an iOS framework ("UMCommon",
// "UMCommon.framework", "Frameworks/UMCommon.framework"), or nil.
func (x *SDKIndex) ByFramework(name string) *SDK {
	if i, ok := x.frameworks[frameworkKey(name)]; ok {
		return x.at(i)
	}
	return nil
}

// BySample resolves a sample "kind:value" through the matching method.
func (x *SDKIndex) BySample(sample string) (*SDK, error) {
	kind, value, err := ParseSample(sample)
	if err != nil {
		return nil, err
	}
	switch kind {
	case "class":
		return x.ByClass(value), nil
	case "lib":
		return x.ByLib(value), nil
	case "asset":
		return x.ByAsset(value), nil
	case "host":
		return x.ByHost(value), nil
	default:
		return x.ByFramework(value), nil
	}
}

// MatchClass reports whether a class (dotted, slashed or a descriptor)
// belongs to the packer's stub: under one of its package prefixes, or one of
// its exact class names or their nested classes.
func (p *Packer) MatchClass(name string) bool {
	name = dotted(name)
	for _, c := range p.Classes {
		if strings.HasSuffix(c, ".") {
			if strings.HasPrefix(name, c) {
				return true
			}
		} else if name == c || strings.HasPrefix(name, c+"$") {
			return true
		}
	}
	return false
}

// MatchLib reports whether a native library (any directory) is one of the
// packer's, case-insensitively.
func (p *Packer) MatchLib(name string) bool {
	name = strings.ToLower(path.Base(strings.ReplaceAll(name, "\\", "/")))
	for _, l := range p.NativeLibs {
		if ok, _ := path.Match(strings.ToLower(l), name); ok {
			return true
		}
	}
	return false
}

// MatchAsset reports whether a path inside the package is one of the
// packer's files (exact, glob, or under a directory ending in "/").
func (p *Packer) MatchAsset(name string) bool {
	name = strings.TrimPrefix(strings.ReplaceAll(name, "\\", "/"), "/")
	for _, a := range p.Assets {
		if strings.HasSuffix(a, "/") {
			if strings.HasPrefix(name, a) {
				return true
			}
		} else if ok, _ := path.Match(a, name); ok {
			return true
		}
	}
	return false
}

// PackerBySample resolves "class:…", "lib:…" or "asset:…" to the first
// packer that matches, or nil.
func PackerBySample(packers []Packer, sample string) (*Packer, error) {
	kind, value, err := ParseSample(sample)
	if err != nil {
		return nil, err
	}
	for i := range packers {
		p := &packers[i]
		switch kind {
		case "class":
			if p.MatchClass(value) {
				return p, nil
			}
		case "lib":
			if p.MatchLib(value) {
				return p, nil
			}
		case "asset":
			if p.MatchAsset(value) {
				return p, nil
			}
		default:
			return nil, fmt.Errorf("sample %q: packers have no %s signatures", sample, kind)
		}
	}
	return nil, nil
}

func dotted(name string) string {
	if strings.HasPrefix(name, "L") && strings.HasSuffix(name, ";") {
		name = name[1 : len(name)-1]
	}
	if strings.IndexByte(name, '/') >= 0 {
		name = strings.ReplaceAll(name, "/", ".")
	}
	return name
}
