package pi

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"math"
	"mime"
	"mime/multipart"
	"net/url"
	"strings"

	"github.com/ceping/ceping/evidence"
)

// Detection is one piece of personal information found in one flow before
// it is placed in time, phase and destination.
type Detection struct {
	PIType     string
	Detector   string // profile, pattern:<name>
	Encoding   string
	Where      string
	Value      string // the matched value in canonical form; never stored or logged unmasked
	Confidence float64
	Response   bool // found in the response (an echo), not in what the app sent
}

// ScanOptions bounds the layered decoder.
type ScanOptions struct {
	MaxDepth   int   // nested decoding layers; default 4
	MaxDecoded int64 // bytes decoded per flow; default 8 MiB
	Responses  bool  // also scan response bodies (reported separately)
	// EntropyMin is the Shannon entropy (bits per byte) at or above which
	// an unreadable body is reported as opaque; default 7.0.
	EntropyMin float64
	// OpaqueMin is the smallest body size considered for opaque; default 128.
	OpaqueMin int
}

func (o *ScanOptions) defaults() {
	if o.MaxDepth == 0 {
		o.MaxDepth = 4
	}
	if o.MaxDecoded == 0 {
		o.MaxDecoded = 8 << 20
	}
	if o.EntropyMin == 0 {
		o.EntropyMin = 7.0
	}
	if o.OpaqueMin == 0 {
		o.OpaqueMin = 128
	}
}

// Scanner finds personal information in flows. It is safe for concurrent
// use: each ScanFlow call keeps its state on the stack.
type Scanner struct {
	m    *Matcher
	prof *Profile
	opt  ScanOptions
	// noPrefilter runs every detector on every value (tests compare the
	// findings with and without the prefilters).
	noPrefilter bool
	// validateFirst checks a JSON text with validJSON before walking it
	// (the earlier way; tests compare it with the single walk).
	validateFirst bool
}

// NewScanner builds a scanner for a device profile (nil: pattern detectors only).
func NewScanner(p *Profile, opt ScanOptions) *Scanner {
	opt.defaults()
	s := &Scanner{prof: p, opt: opt}
	if p != nil {
		s.m = NewMatcher(p)
	}
	return s
}

// Matcher returns the known-value matcher (nil without a profile).
func (s *Scanner) Matcher() *Matcher { return s.m }

type flowScan struct {
	s      *Scanner
	budget int64
	out    []Detection
	seen   map[string]bool
	resp   bool
	opaque []evidence.Opaque
	flowID int64
	coords map[string]*coordPair
	apps   map[string]bool // profile packages seen in the flow
	hints  map[string]string
	hits   []Hit
	// spec counts the JSON walks under way that may still fail (the text
	// is walked once: a walk that meets malformed JSON undoes what it
	// found). While spec > 0 the keys added to seen and apps and the
	// coordinates changed are journalled for the undo.
	spec int
	j    *journal // made on the first entry (most flows never need one)
}

type journal struct {
	seen   []string
	apps   []string
	coords []coordUndo
}

func (fs *flowScan) jrnl() *journal {
	if fs.j == nil {
		fs.j = &journal{}
	}
	return fs.j
}

type coordUndo struct {
	parent  string
	existed bool
	old     coordPair
}

// scanMark is the scan state a failed JSON walk returns to.
type scanMark struct {
	out, opaque, seen, apps, coords int
	budget                          int64
}

func (fs *flowScan) mark() scanMark {
	m := scanMark{out: len(fs.out), opaque: len(fs.opaque), budget: fs.budget}
	if j := fs.j; j != nil {
		m.seen, m.apps, m.coords = len(j.seen), len(j.apps), len(j.coords)
	}
	return m
}

// undo forgets everything found since m.
func (fs *flowScan) undo(m scanMark) {
	fs.out = fs.out[:m.out]
	fs.opaque = fs.opaque[:m.opaque]
	if m.opaque == 0 {
		fs.opaque = nil // as if nothing had been reported
	}
	if j := fs.j; j != nil {
		for _, k := range j.seen[m.seen:] {
			delete(fs.seen, k)
		}
		for _, k := range j.apps[m.apps:] {
			delete(fs.apps, k)
		}
		for i := len(j.coords) - 1; i >= m.coords; i-- {
			u := j.coords[i]
			if u.existed {
				*fs.coords[u.parent] = u.old
			} else {
				delete(fs.coords, u.parent)
			}
		}
		j.seen, j.apps, j.coords = j.seen[:m.seen], j.apps[:m.apps], j.coords[:m.coords]
	}
	fs.budget = m.budget
}

type coordPair struct {
	lat, lon       float64
	hasLat, hasLon bool
	where          string
}

// ScanFlow scans what the app sent in one flow (URL, headers, cookies,
// request body, WebSocket messages from the app) and, with
// ScanOptions.Responses, the response body.
func (s *Scanner) ScanFlow(f *evidence.Flow) ([]Detection, []evidence.Opaque) {
	fs := &flowScan{s: s, budget: s.opt.MaxDecoded, flowID: f.ID}
	if f.URL != "" {
		fs.scanURL(f.URL)
	}
	for _, h := range f.ReqHeaders {
		name := strings.ToLower(h.Name)
		switch name {
		case "cookie":
			for _, c := range strings.Split(h.Value, ";") {
				c = strings.TrimSpace(c)
				k, v, _ := strings.Cut(c, "=")
				fs.leaf(plainLoc("cookie:"+k, k), []byte(v), nil, 0, true)
			}
		case "host", "content-length", "accept-encoding", "connection", "content-type", "accept", ":authority", ":method", ":path", ":scheme":
		default:
			fs.leaf(plainLoc("header:"+name, name), []byte(h.Value), nil, 0, true)
		}
	}
	fs.body("body", f.ReqBody.Bytes(), headerValue(f.ReqHeaders, "content-type"))
	for i, m := range f.WebSocket {
		if m.FromApp {
			fs.body("ws:"+itoa(i), m.Data, "")
		}
	}
	if s.opt.Responses {
		fs.resp = true
		fs.body("response", f.RespBody.Bytes(), headerValue(f.RespHeaders, "content-type"))
		for i, m := range f.WebSocket {
			if !m.FromApp {
				fs.body("ws-in:"+itoa(i), m.Data, "")
			}
		}
		fs.resp = false
	}
	fs.finish()
	return fs.out, fs.opaque
}

func headerValue(hs []evidence.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func itoa(i int) string {
	if i == 0 {
		return "0"
	}
	var b [20]byte
	n := len(b)
	for i > 0 {
		n--
		b[n] = byte('0' + i%10)
		i /= 10
	}
	return string(b[n:])
}

func (fs *flowScan) scanURL(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		fs.leaf(plainLoc("url", ""), []byte(raw), nil, 0, true)
		return
	}
	p := u.Path
	if p == "" {
		p = u.EscapedPath()
	}
	fs.leaf(plainLoc("url", ""), []byte(p), nil, 0, true)
	fs.form("query:", u.RawQuery, nil, 0)
}

// form scans a form-urlencoded string field by field.
func (fs *flowScan) form(prefix, raw string, layers []string, depth int) {
	for _, kv := range strings.Split(raw, "&") {
		if kv == "" {
			continue
		}
		k, v, _ := strings.Cut(kv, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			dv = v
		}
		fs.text(prefix+k, []byte(dv), layers, depth, k)
	}
}

// body scans a message body by its content type and shape.
func (fs *flowScan) body(where string, b []byte, ctype string) {
	if len(b) == 0 {
		return
	}
	mt, params, _ := mime.ParseMediaType(ctype)
	switch {
	case strings.HasPrefix(mt, "image/"), strings.HasPrefix(mt, "video/"), strings.HasPrefix(mt, "audio/"), strings.HasPrefix(mt, "font/"):
		return
	case mt == "multipart/form-data" && params["boundary"] != "":
		r := multipart.NewReader(bytes.NewReader(b), params["boundary"])
		for {
			p, err := r.NextPart()
			if err != nil {
				break
			}
			data, err := io.ReadAll(io.LimitReader(p, fs.budget))
			if err != nil {
				break
			}
			fs.budget -= int64(len(data))
			name := p.FormName()
			pt := p.Header.Get("Content-Type")
			if strings.HasPrefix(pt, "image/") || strings.HasPrefix(pt, "video/") || strings.HasPrefix(pt, "audio/") {
				continue
			}
			fs.text(where+":"+name, data, nil, 0, name)
		}
		return
	case mt == "application/x-www-form-urlencoded":
		fs.form(where+":", string(b), nil, 0)
		return
	}
	if !printable(b) {
		fs.binary(where, b, nil, 0, mt)
		return
	}
	fs.text(where, b, nil, 0, "")
}

// binary handles a body that is not text: gzip inside, protobuf strings,
// or an opaque (likely encrypted) blob.
func (fs *flowScan) binary(where string, b []byte, layers []string, depth int, mt string) {
	if isGzip(b) && depth < fs.s.opt.MaxDepth {
		if d, ok := fs.gunzip(b); ok {
			nl := append(append([]string(nil), layers...), "gzip")
			if printable(d) {
				fs.text(where, d, nl, depth+1, "")
			} else {
				fs.binary(where, d, nl, depth+1, "")
			}
			return
		}
	}
	// Plain values inside binary framing (protobuf, msgpack, thrift) are
	// still visible: scan printable runs.
	found := false
	for _, run := range printableRuns(b, 6) {
		n := len(fs.out)
		fs.leaf(plainLoc(where+":strings", ""), run, layers, depth, false)
		found = found || len(fs.out) > n
	}
	if found || strings.Contains(mt, "protobuf") || strings.Contains(mt, "grpc") {
		return
	}
	if len(b) >= fs.s.opt.OpaqueMin {
		if h := entropy(b); h >= fs.s.opt.EntropyMin {
			reason := "high-entropy binary body (likely encrypted or compressed in an unknown way)"
			if len(layers) > 0 {
				reason = "high-entropy data inside " + strings.Join(reverse(layers), "+") + " (likely encrypted)"
			}
			fs.addOpaque(where, h, int64(len(b)), reason)
		}
	}
}

func (fs *flowScan) addOpaque(where string, h float64, size int64, reason string) {
	if fs.resp {
		where = "response:" + where
	}
	fs.opaque = append(fs.opaque, evidence.Opaque{FlowID: fs.flowID, Where: where, Entropy: math.Round(h*1000) / 1000, Size: size, Reason: reason})
}

// text scans a text value: JSON is walked leaf by leaf, form-encoded text
// field by field, anything else as one leaf.
func (fs *flowScan) text(where string, b []byte, layers []string, depth int, key string) {
	t := bytes.TrimSpace(b)
	if len(t) == 0 {
		return
	}
	if (t[0] == '{' || t[0] == '[') && depth <= fs.s.opt.MaxDepth && fs.walkLeaves(where, t, layers, depth) {
		return
	}
	if depth == 0 && looksForm(t) {
		fs.form(where+":", string(t), layers, depth)
		return
	}
	fs.leaf(plainLoc(where, key), b, layers, depth, true)
}

// walkLeaves scans each string and number of a JSON text. Leaves shorter
// than 3 bytes cannot hold PI and are skipped. When t is not JSON (what
// validJSON rejects) it undoes what the walk found and returns false: the
// text is walked once, not validated first and walked again.
func (fs *flowScan) walkLeaves(where string, t []byte, layers []string, depth int) bool {
	// Both ways give the same findings (TestOneWalkSameFindings). Text
	// whose first line ends a JSON value and whose next line starts one
	// (JSON lines) is validated first: the check stops at the first line,
	// where a walk would scan the first line and undo it.
	if (fs.s.validateFirst || jsonLines(t)) && !validJSON(t) {
		return false
	}
	m := fs.mark()
	fs.spec++
	l := &loc{}
	err := walkJSON(t, func(lf leaf, w *jsonWalker) error {
		v := t[lf.start:lf.end]
		if lf.escaped {
			v = []byte(unescapeJSON(t[lf.start-1 : lf.end+1]))
		}
		if len(v) < 3 {
			return nil
		}
		*l = loc{base: where, w: w}
		fs.leaf(l, v, layers, depth, true)
		return nil
	})
	fs.spec--
	if err != nil {
		fs.undo(m)
		return false
	}
	if j := fs.j; fs.spec == 0 && j != nil {
		j.seen, j.apps, j.coords = j.seen[:0], j.apps[:0], j.coords[:0]
	}
	return true
}

// jsonLines reports whether the first line of t ends with } or ] and the
// next non-blank line starts with { or [.
func jsonLines(t []byte) bool {
	i := bytes.IndexByte(t, '\n')
	if i < 0 {
		return false
	}
	a, b := bytes.TrimRight(t[:i], " \t\r"), bytes.TrimLeft(t[i:], " \t\r\n")
	return len(a) > 0 && len(b) > 0 && (a[len(a)-1] == '}' || a[len(a)-1] == ']') && (b[0] == '{' || b[0] == '[')
}

// looksForm reports whether a body looks like k=v&k=v.
func looksForm(b []byte) bool {
	if len(b) > 1<<20 || !bytes.Contains(b, []byte("=")) || bytes.ContainsAny(b, " \n\t<>{}\"") {
		return false
	}
	i := bytes.IndexByte(b, '=')
	for _, c := range b[:i] {
		if !(isAlnum(c) || c == '_' || c == '-' || c == '.' || c == '[' || c == ']' || c == '%') {
			return false
		}
	}
	return i > 0
}

// leaf scans one value: known values, patterns, then nested layers.
func (fs *flowScan) leaf(where *loc, b []byte, layers []string, depth int, nest bool) {
	if len(b) == 0 {
		return
	}
	fs.hits = fs.s.m.appendFind(fs.hits[:0], b)
	for _, h := range fs.hits {
		v := h.Variant
		fs.add(Detection{PIType: v.PIType, Detector: "profile", Encoding: composeEnc(v.Encoding, layers),
			Where: where.String(), Value: fs.s.m.Values[v.Value].Value, Confidence: 1})
	}
	var sh valueShape
	fs.patternsShape(where, b, layers, &sh)
	if !nest || depth >= fs.s.opt.MaxDepth || fs.budget <= 0 {
		return
	}
	t := b
	if c, d := b[0], b[len(b)-1]; c <= ' ' || c >= 0x80 || d <= ' ' || d >= 0x80 {
		t = bytes.TrimSpace(b) // else nothing to trim (JSON leaves rarely have any)
	}
	if len(t) < 8 {
		return
	}
	if bytes.IndexByte(t, '%') >= 0 {
		if d, err := url.QueryUnescape(string(t)); err == nil && d != string(t) {
			fs.budget -= int64(len(d))
			fs.text(where.String(), []byte(d), append(append([]string(nil), layers...), "url"), depth+1, where.Key())
			return
		}
	}
	if (t[0] == '{' || t[0] == '[') && (t[len(t)-1] == '}' || t[len(t)-1] == ']') {
		// JSON inside a string: not an encoding layer, a structure. Text
		// that only looks like JSON has nothing more to give: as one value
		// it was just scanned.
		fs.walkLeaves(where.String(), t, layers, depth+1)
		return
	}
	if isGzip(t) {
		fs.binary(where.String(), t, layers, depth, "")
		return
	}
	// all of t in the base64 alphabets needs a run as long as t (b64Run
	// is exact from 8 up)
	if len(t) >= 16 && int(sh.b64Run) >= len(t) && isBase64(t) {
		if d := decodeBase64(t); d != nil {
			fs.budget -= int64(len(d))
			nl := append(append([]string(nil), layers...), "base64")
			if printable(d) {
				fs.text(where.String(), d, nl, depth+1, where.Key())
			} else {
				fs.binary(where.String(), d, nl, depth+1, "")
			}
		}
		return
	}
	// base64 runs embedded in longer text (a=…;b=… or free text)
	if len(t) >= 32 && sh.b64Run >= 24 {
		for _, run := range base64Runs(t, 24) {
			if d := decodeBase64(run); d != nil && (printable(d) || isGzip(d)) {
				fs.budget -= int64(len(d))
				nl := append(append([]string(nil), layers...), "base64")
				if printable(d) {
					fs.text(where.String(), d, nl, depth+1, where.Key())
				} else {
					fs.binary(where.String(), d, nl, depth+1, "")
				}
			}
		}
	}
}

func composeEnc(enc string, layers []string) string {
	if len(layers) == 0 {
		return enc
	}
	l := strings.Join(reverse(layers), "+")
	if enc == "plain" {
		return l
	}
	return enc + "+" + l
}

func reverse(s []string) []string {
	r := make([]string, len(s))
	for i, v := range s {
		r[len(s)-1-i] = v
	}
	return r
}

func (fs *flowScan) add(d Detection) {
	d.Response = fs.resp
	if fs.resp {
		d.Where = "response:" + strings.TrimPrefix(d.Where, "response:")
	}
	// One value in one place is reported once, with the outermost encoding
	// that revealed it (a URL-encoded value is not reported again after
	// URL-decoding).
	k := d.PIType + "\x00" + d.Detector + "\x00" + d.Where + "\x00" + d.Value
	if fs.seen[k] {
		return
	}
	if fs.seen == nil {
		fs.seen = map[string]bool{}
	}
	fs.seen[k] = true
	if fs.spec > 0 {
		j := fs.jrnl()
		j.seen = append(j.seen, k)
	}
	if d.PIType == "installed_apps" && d.Detector == "profile" {
		// one package name alone is not an app list: the app's own or a
		// share target's package is routinely sent
		if fs.apps == nil {
			fs.apps = map[string]bool{}
		}
		if fs.spec > 0 && !fs.apps[d.Value] {
			j := fs.jrnl()
			j.apps = append(j.apps, d.Value)
		}
		fs.apps[d.Value] = true
	}
	fs.out = append(fs.out, d)
}

// finish pairs coordinates, enforces the app-list minimum and drops pattern
// detections that repeat a profile detection of the same value.
func (fs *flowScan) finish() {
	fs.pairCoords()
	prof := map[string]bool{}
	for _, d := range fs.out {
		if d.Detector == "profile" {
			prof[d.Where+"\x00"+d.Value] = true
			prof[d.Where+"\x00"+d.PIType] = true
		}
	}
	out := fs.out[:0]
	for _, d := range fs.out {
		if d.Detector == "profile" && d.PIType == "installed_apps" && len(fs.apps) < 3 {
			continue
		}
		if d.Detector != "profile" && (prof[d.Where+"\x00"+d.Value] || prof[d.Where+"\x00"+d.PIType]) {
			continue
		}
		out = append(out, d)
	}
	fs.out = out
}

func isGzip(b []byte) bool { return len(b) > 10 && b[0] == 0x1f && b[1] == 0x8b && b[2] == 8 }

func (fs *flowScan) gunzip(b []byte) ([]byte, bool) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, false
	}
	d, err := io.ReadAll(io.LimitReader(zr, fs.budget))
	if len(d) == 0 && err != nil {
		return nil, false
	}
	fs.budget -= int64(len(d))
	return d, true
}

var b64chars = func() (t [256]bool) {
	for _, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_") {
		t[c] = true
	}
	return
}()

func isBase64(b []byte) bool {
	digits, letters := 0, 0
	for _, c := range b {
		if !b64chars[c] {
			return false
		}
		if c >= '0' && c <= '9' {
			digits++
		} else if isAlnum(c) {
			letters++
		}
	}
	// all-hex or all-digit strings are hex or numbers, not base64
	return letters > 0 && !isHexString(b)
}

func isHexString(b []byte) bool {
	for _, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// decodeBase64 tries the standard and URL-safe alphabets, padded or not.
func decodeBase64(b []byte) []byte {
	s := string(b)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if d, err := enc.DecodeString(s); err == nil && len(d) > 0 {
			return d
		}
	}
	return nil
}

// base64Runs finds runs of at least min base64 characters (starting with
// one that is not '=') that isBase64 accepts.
func base64Runs(b []byte, min int) [][]byte {
	var out [][]byte
	for i := 0; i < len(b); {
		for i < len(b) && (!b64chars[b[i]] || b[i] == '=') {
			i++
		}
		s := i
		for i < len(b) && b64chars[b[i]] {
			i++
		}
		if i-s >= min && isBase64(b[s:i]) {
			out = append(out, b[s:i])
		}
	}
	return out
}

func printableRuns(b []byte, min int) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i <= len(b); i++ {
		if i < len(b) && b[i] >= 0x20 && b[i] < 0x7f {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 && i-start >= min {
			out = append(out, b[start:i])
		}
		start = -1
	}
	return out
}

// entropy is the Shannon entropy of b in bits per byte.
func entropy(b []byte) float64 {
	if len(b) == 0 {
		return 0
	}
	var n [256]int
	for _, c := range b {
		n[c]++
	}
	h := 0.0
	l := float64(len(b))
	for _, c := range n {
		if c > 0 {
			p := float64(c) / l
			h -= p * math.Log2(p)
		}
	}
	return h
}
