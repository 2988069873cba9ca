package apk

import (
	"fmt"
	"net/url"
	"path"
	"sort"
	"strings"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
)

// collector accumulates code and file findings for one package.
type collector struct {
	app      *evidence.App
	sdks     map[string]*evidence.SDKHit // by id
	sdkOrder []string
	calls    map[string]bool
	eps      map[string]bool
	packers  map[string]*evidence.Packer
	pkOrder  []string
	classSDK map[string]*kb.SDK // class descriptor → SDK (cache for attribution)
}

func newCollector(app *evidence.App) *collector {
	return &collector{
		app:      app,
		sdks:     map[string]*evidence.SDKHit{},
		calls:    map[string]bool{},
		eps:      map[string]bool{},
		packers:  map[string]*evidence.Packer{},
		classSDK: map[string]*kb.SDK{},
	}
}

func (c *collector) warn(s string) { c.app.Warnings = append(c.app.Warnings, s) }

// sdkSeen records that signature sig (kind:value) of s matched.
func (c *collector) sdkSeen(s *kb.SDK, sig string) {
	h := c.sdks[s.ID]
	if h == nil {
		h = &evidence.SDKHit{ID: s.ID, Name: s.Name, Company: s.Company, Category: s.Category,
			PITypes: append([]string(nil), s.PITypes...), Domains: append([]string(nil), s.Domains...), Matched: []string{}}
		c.sdks[s.ID] = h
		c.sdkOrder = append(c.sdkOrder, s.ID)
	}
	for _, m := range h.Matched {
		if m == sig {
			return
		}
	}
	h.Matched = append(h.Matched, sig)
}

func (c *collector) packerSeen(p *kb.Packer, sig string) {
	h := c.packers[p.Name]
	if h == nil {
		h = &evidence.Packer{Name: p.Name, Matched: []string{}}
		c.packers[p.Name] = h
		c.pkOrder = append(c.pkOrder, p.Name)
	}
	for _, m := range h.Matched {
		if m == sig {
			return
		}
	}
	h.Matched = append(h.Matched, sig)
}

// classPrefix returns the signature of s that a dotted class name matches.
func classPrefix(s *kb.SDK, name string) string {
	best := ""
	for _, p := range s.ClassPrefixes {
		if (strings.HasPrefix(name, p) && strings.HasSuffix(p, ".")) || name == p || strings.HasPrefix(name, p+"$") {
			if len(p) > len(best) {
				best = p
			}
		}
	}
	if best == "" {
		return name
	}
	return best
}

// class records a class defined in the package: SDK and packer signatures.
func (c *collector) class(desc string) *kb.SDK {
	if s, ok := c.classSDK[desc]; ok {
		return s
	}
	s := kb.Index().ByClass(desc)
	c.classSDK[desc] = s
	name := dotted(desc)
	if s != nil {
		c.sdkSeen(s, "class:"+classPrefix(s, name))
	}
	for _, p := range kb.Packers() {
		if p.MatchClass(desc) {
			c.packerSeen(&p, "class:"+name)
		}
	}
	return s
}

// dex analyses every classesN.dex.
func (c *collector) dex(a *archive) error {
	for _, name := range a.dexNames() {
		b, err := a.read(name)
		if err != nil {
			return err
		}
		d, err := openDex(name, b)
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		c.app.Dex = append(c.app.Dex, d.summary())
		c.scanStrings(d.strs, name)
		if a.opt.NoCode {
			for ci := uint32(0); ci < d.r.ClassDefCount; ci++ {
				if cd, err := d.r.ReadClassDef(ci); err == nil {
					c.class(d.typeName(cd.ClassTypeID))
				}
			}
			continue
		}
		x, err := d.index()
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
		// Every defined class, with or without code, counts for SDK presence.
		for ci := uint32(0); ci < d.r.ClassDefCount; ci++ {
			cd, err := d.r.ReadClassDef(ci)
			if err != nil {
				return fmt.Errorf("%s: %s: class_def %d: %w", a.name, name, ci, err)
			}
			c.class(d.typeName(cd.ClassTypeID))
		}
		err = d.walk(x, c.warn, func(class, method string, hits []hit) {
			c.methodHits(name, class, method, hits)
		})
		if err != nil {
			return fmt.Errorf("%s: %w", a.name, err)
		}
	}
	return nil
}

// methodHits records the sensitive references of one method. A string
// signature whose PI type an API call of the same method already reports
// (the "android_id" name passed to Settings.Secure.getString) is folded
// into that call.
func (c *collector) methodHits(dexName, class, method string, hits []hit) {
	covered := map[string]bool{}
	for _, h := range hits {
		if h.kind != "string" {
			covered[h.api.PIType] = true
		}
	}
	s := c.class(class)
	sdk := ""
	if s != nil {
		sdk = s.ID
	}
	caller := dotted(class)
	for _, h := range hits {
		if h.kind == "string" && covered[h.api.PIType] {
			continue
		}
		api := apiName(h.api)
		key := api + "\x00" + caller + "\x00" + method + "\x00" + h.kind
		if c.calls[key] {
			continue
		}
		c.calls[key] = true
		c.app.SensitiveCalls = append(c.app.SensitiveCalls, evidence.SensitiveCall{
			API: api, PIType: h.api.PIType, Caller: caller, Method: method, SDK: sdk, Dex: dexName, Kind: h.kind,
		})
	}
}

// files looks at native libraries and assets (SDKs, packers), scans text
// assets and XML resources for endpoints, and checks the application class
// against packers.
func (c *collector) files(a *archive, appClass string) {
	if appClass != "" {
		for _, p := range kb.Packers() {
			if p.MatchClass(appClass) {
				c.packerSeen(&p, "class:"+appClass)
			}
		}
	}
	x := kb.Index()
	for _, f := range a.zr.File {
		name := f.Name
		if isNativeLib(name) {
			if s := x.ByLib(name); s != nil {
				c.sdkSeen(s, "lib:"+path.Base(name))
			}
			for _, p := range kb.Packers() {
				if p.MatchLib(name) {
					c.packerSeen(&p, "lib:"+path.Base(name))
				}
			}
		}
		if s := x.ByAsset(name); s != nil {
			c.sdkSeen(s, "asset:"+name)
		}
		for _, p := range kb.Packers() {
			if p.MatchAsset(name) {
				c.packerSeen(&p, "asset:"+name)
			}
		}
		switch {
		case strings.HasPrefix(name, "assets/") && textLike(name):
			b, err := a.readCapped(f, a.opt.MaxAssetScan)
			if err != nil {
				c.warn(err.Error())
				continue
			}
			c.scanText(string(b), name)
		case strings.HasPrefix(name, "res/") && strings.HasSuffix(name, ".xml") && f.UncompressedSize64 <= uint64(a.opt.MaxAssetScan):
			b, err := a.readCapped(f, a.opt.MaxAssetScan)
			if err != nil {
				c.warn(err.Error())
				continue
			}
			if ck, err := check(b, chunkXML); err == nil {
				c.scanStrings(ck.global, name)
			}
		}
	}
}

// textLike reports whether an asset is worth a text scan for URLs.
func textLike(name string) bool {
	switch strings.ToLower(path.Ext(name)) {
	case ".json", ".xml", ".txt", ".js", ".html", ".htm", ".properties", ".cfg", ".conf", ".ini", ".yaml", ".yml", "":
		return true
	}
	return false
}

func (c *collector) scanStrings(strs []string, where string) {
	for _, s := range strs {
		if strings.Contains(s, "://") {
			c.scanText(s, where)
		}
	}
}

// ignoredHosts are namespace and schema hosts that appear in every package
// and are never contacted.
var ignoredHosts = map[string]bool{
	"schemas.android.com": true, "www.w3.org": true, "ns.adobe.com": true, "xmlpull.org": true,
	"www.apache.org": true, "xml.org": true, "java.sun.com": true, "purl.org": true, "xml.apache.org": true,
}

// scanText finds http(s) URLs in s.
func (c *collector) scanText(s, where string) {
	for {
		i := strings.Index(s, "http")
		if i < 0 {
			return
		}
		s = s[i:]
		var rest string
		switch {
		case strings.HasPrefix(s, "https://"):
			rest = s[8:]
		case strings.HasPrefix(s, "http://"):
			rest = s[7:]
		default:
			s = s[4:]
			continue
		}
		end := strings.IndexAny(s, " \t\r\n\"'<>\\`{}|^")
		if end < 0 {
			end = len(s)
		}
		raw := strings.TrimRight(s[:end], ".,;:)]")
		s = s[len(s)-len(rest):]
		u, err := url.Parse(raw)
		if err != nil || !validHost(u.Hostname()) {
			continue
		}
		host := strings.ToLower(u.Hostname())
		if ignoredHosts[host] || c.eps[raw] {
			continue
		}
		c.eps[raw] = true
		ep := evidence.Endpoint{Value: raw, Host: host, Where: where}
		if sdk := kb.Index().ByHost(host); sdk != nil {
			ep.SDK = sdk.ID
		}
		c.app.Endpoints = append(c.app.Endpoints, ep)
	}
}

// validHost accepts DNS names with a dot and IPv4/IPv6 literals.
func validHost(h string) bool {
	if h == "" || len(h) > 253 || !strings.Contains(h, ".") && !strings.Contains(h, ":") {
		return false
	}
	for _, r := range h {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '-', r == ':', r == '_':
		default:
			return false
		}
	}
	return !strings.HasPrefix(h, ".") && !strings.HasSuffix(h, ".") && !strings.Contains(h, "..")
}

// finish fills SDK hits (active when their code calls sensitive APIs) and
// the packer, in a stable order.
func (c *collector) finish() {
	active := map[string]bool{}
	for _, sc := range c.app.SensitiveCalls {
		if sc.SDK != "" {
			active[sc.SDK] = true
		}
	}
	for _, ep := range c.app.Endpoints {
		if ep.SDK != "" && c.sdks[ep.SDK] != nil {
			c.sdkSeen(kb.Index().ByID(ep.SDK), "host:"+ep.Host)
		}
	}
	for _, id := range c.sdkOrder {
		h := c.sdks[id]
		h.Active = active[id]
		c.app.SDKs = append(c.app.SDKs, *h)
	}
	sort.SliceStable(c.app.SDKs, func(i, j int) bool { return c.app.SDKs[i].ID < c.app.SDKs[j].ID })
	if len(c.pkOrder) > 0 {
		p := *c.packers[c.pkOrder[0]]
		c.app.Packer = &p
		names := strings.Join(c.pkOrder, ", ")
		c.warn(fmt.Sprintf("%s: packed (加固) by %s: the real code is encrypted or loaded at run time, so static findings (classes, sensitive calls, SDKs, endpoints) are incomplete; test the running app",
			c.app.File, names))
	}
}
