package har

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ceping/ceping/evidence"
)

// MaxFileSize bounds what Read accepts (HAR files are read whole).
const MaxFileSize = 2 << 30

// Error is an import error located in the input.
type Error struct {
	File   string // the name given to Read
	Path   string // JSON path, e.g. entries[12].request.url
	Offset int64  // byte offset of the error or of the entry; -1 unknown
	Line   int    // 1-based; 0 when unknown
	Col    int
	Err    error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, e.Col)
	}
	if e.Path != "" {
		b.WriteString(": ")
		b.WriteString(e.Path)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	return b.String()
}

func (e *Error) Unwrap() error { return e.Err }

// IsHAR reports whether data looks like a HAR file (a JSON object with a
// "log" member near the start), for content sniffing.
func IsHAR(data []byte) bool {
	d := bytes.TrimLeft(data, " \t\r\n\xef\xbb\xbf")
	if len(d) == 0 || d[0] != '{' {
		return false
	}
	head := d
	if len(head) > 4096 {
		head = head[:4096]
	}
	return bytes.Contains(head, []byte(`"log"`))
}

// ReadFile imports the HAR file at path.
func ReadFile(path string) ([]*evidence.Flow, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return Read(f, path)
}

// Read imports a HAR document; name labels errors. Every entry becomes one
// flow, in file order, with Source "har".
func Read(r io.Reader, name string) ([]*evidence.Flow, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		return nil, &Error{File: name, Offset: -1, Err: err}
	}
	if len(data) > MaxFileSize {
		return nil, &Error{File: name, Offset: MaxFileSize, Err: fmt.Errorf("larger than %d bytes", int64(MaxFileSize))}
	}
	p := &parser{name: name, data: data}
	return p.parse()
}

type parser struct {
	name string
	data []byte
}

func (p *parser) errAt(path string, off int64, err error) error {
	e := &Error{File: p.name, Path: path, Offset: off, Err: err}
	if off >= 0 && off <= int64(len(p.data)) {
		e.Line = 1 + bytes.Count(p.data[:off], []byte("\n"))
		e.Col = 1 + utf8.RuneCount(p.data[bytes.LastIndexByte(p.data[:off], '\n')+1:off])
	}
	return e
}

// jsonErr turns a decoding error at base into a located error.
func (p *parser) jsonErr(path string, base int64, err error) error {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		// The stream decoder's offsets are not absolute: validate the whole
		// input once to locate the offending byte.
		off := base
		var whole json.RawMessage
		var ws *json.SyntaxError
		if errors.As(json.Unmarshal(p.data, &whole), &ws) && ws.Offset > 0 {
			off = ws.Offset - 1
		}
		return p.errAt(path, off, fmt.Errorf("invalid JSON: %v", se))
	case errors.As(err, &te):
		if te.Field != "" {
			path += "." + te.Field
		}
		off := base
		if te.Offset > 0 {
			off = base + te.Offset
		}
		return p.errAt(path, off, fmt.Errorf("cannot read a %s as %s", te.Value, te.Type))
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return p.errAt(path, int64(len(p.data)), errors.New("unexpected end of file"))
	}
	return p.errAt(path, base, err)
}

func (p *parser) parse() ([]*evidence.Flow, error) {
	dec := json.NewDecoder(bytes.NewReader(p.data))
	// Skip a UTF-8 byte-order mark, which some Windows tools write.
	if bytes.HasPrefix(p.data, []byte("\xef\xbb\xbf")) {
		dec = json.NewDecoder(bytes.NewReader(p.data[3:]))
		p.data = p.data[3:]
	}
	if err := expectDelim(dec, '{'); err != nil {
		if errors.Is(err, io.EOF) {
			err = errors.New("empty input")
		}
		return nil, p.errAt("", dec.InputOffset(), fmt.Errorf("not a HAR file (want a JSON object): %v", err))
	}
	var flows []*evidence.Flow
	sawLog, sawEntries := false, false
	for dec.More() {
		key, err := objectKey(dec)
		if err != nil {
			return nil, p.jsonErr("", dec.InputOffset(), err)
		}
		if key != "log" {
			var skip json.RawMessage
			off := dec.InputOffset()
			if err := dec.Decode(&skip); err != nil {
				return nil, p.jsonErr(key, off, err)
			}
			continue
		}
		sawLog = true
		if err := expectDelim(dec, '{'); err != nil {
			return nil, p.jsonErr("log", dec.InputOffset(), err)
		}
		for dec.More() {
			key, err := objectKey(dec)
			if err != nil {
				return nil, p.jsonErr("log", dec.InputOffset(), err)
			}
			if key != "entries" {
				var skip json.RawMessage
				off := dec.InputOffset()
				if err := dec.Decode(&skip); err != nil {
					return nil, p.jsonErr("log."+key, off, err)
				}
				continue
			}
			sawEntries = true
			// null entries: an empty archive.
			off := dec.InputOffset()
			tok, err := dec.Token()
			if err != nil {
				return nil, p.jsonErr("entries", off, err)
			}
			if tok == nil {
				continue
			}
			if d, ok := tok.(json.Delim); !ok || d != '[' {
				return nil, p.errAt("entries", off, fmt.Errorf("want an array, got %v", tok))
			}
			for i := 0; dec.More(); i++ {
				path := fmt.Sprintf("entries[%d]", i)
				start := dec.InputOffset()
				var e harEntry
				if err := dec.Decode(&e); err != nil {
					return nil, p.jsonErr(path, entryStart(p.data, start), err)
				}
				f, err := e.flow()
				if err != nil {
					var fe *fieldErr
					if errors.As(err, &fe) {
						return nil, p.errAt(path+"."+fe.path, entryStart(p.data, start), fe.err)
					}
					return nil, p.errAt(path, entryStart(p.data, start), err)
				}
				flows = append(flows, f)
			}
			if _, err := dec.Token(); err != nil {
				return nil, p.jsonErr("entries", dec.InputOffset(), err)
			}
		}
		if _, err := dec.Token(); err != nil {
			return nil, p.jsonErr("log", dec.InputOffset(), err)
		}
	}
	if _, err := dec.Token(); err != nil {
		return nil, p.jsonErr("", dec.InputOffset(), err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, p.errAt("", dec.InputOffset(), errors.New("data after the HAR object"))
	}
	if !sawLog {
		return nil, p.errAt("", 0, errors.New(`not a HAR file: no "log" object`))
	}
	if !sawEntries {
		return nil, p.errAt("log", 0, errors.New(`not a HAR file: no "entries" array`))
	}
	return flows, nil
}

// entryStart moves past the separator the decoder's offset points at.
func entryStart(data []byte, off int64) int64 {
	for off < int64(len(data)) {
		switch data[off] {
		case ' ', '\t', '\r', '\n', ',':
			off++
			continue
		}
		break
	}
	return off
}

func expectDelim(dec *json.Decoder, want json.Delim) error {
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	if d, ok := tok.(json.Delim); !ok || d != want {
		return fmt.Errorf("want %q, got %v", string(want), tok)
	}
	return nil
}

func objectKey(dec *json.Decoder) (string, error) {
	tok, err := dec.Token()
	if err != nil {
		return "", err
	}
	k, ok := tok.(string)
	if !ok {
		return "", fmt.Errorf("want an object key, got %v", tok)
	}
	return k, nil
}

// fieldErr is an invalid value at a path inside an entry.
type fieldErr struct {
	path string
	err  error
}

func (e *fieldErr) Error() string { return e.path + ": " + e.err.Error() }

func ferr(path string, format string, a ...any) error {
	return &fieldErr{path: path, err: fmt.Errorf(format, a...)}
}

// timeLayouts are the startedDateTime forms seen in the wild.
var timeLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999Z07",
	"2006-01-02 15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999Z0700",
	"2006-01-02T15:04:05.999999999 -0700",
}

func parseHARTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t, nil
		}
	}
	// No zone at all: taken as UTC.
	if t, err := time.Parse("2006-01-02T15:04:05.999999999", s); err == nil {
		return t, nil
	}
	return time.Time{}, fmt.Errorf("not an ISO 8601 date-time: %q", s)
}

// ms converts HAR milliseconds into a duration (ns precision).
func ms(v float64) time.Duration {
	d := v * float64(time.Millisecond)
	if d > math.MaxInt64/2 || d < 0 || math.IsNaN(d) {
		return 0
	}
	return time.Duration(math.Round(d))
}

// normProto maps httpVersion spellings onto Go's ("HTTP/1.1", "HTTP/2.0").
func normProto(v string) string {
	s := strings.ToLower(strings.TrimSpace(v))
	switch s {
	case "":
		return ""
	case "1.1", "http/1.1":
		return "HTTP/1.1"
	case "1.0", "http/1.0":
		return "HTTP/1.0"
	case "h2", "http/2", "http/2.0", "2", "2.0", "h2c":
		return "HTTP/2.0"
	case "h3", "http/3", "http/3.0", "3":
		return "HTTP/3.0"
	}
	if strings.HasPrefix(s, "h3-") {
		return "HTTP/3.0"
	}
	return strings.TrimSpace(v)
}

// serverIP reads serverIPAddress: "1.2.3.4", "2001:db8::1", "[2001:db8::1]",
// "[::1]:443", "1.2.3.4:8080".
func serverIP(s string) (ip string, port int) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", 0
	}
	if a := net.ParseIP(s); a != nil {
		return a.String(), 0
	}
	if h, p, err := net.SplitHostPort(s); err == nil {
		if a := net.ParseIP(strings.Trim(h, "[]")); a != nil {
			pn, _ := strconv.Atoi(p)
			return a.String(), pn
		}
	}
	if a := net.ParseIP(strings.Trim(s, "[]")); a != nil {
		return a.String(), 0
	}
	return "", 0
}

func headers(hs []harNV) []evidence.Header {
	if len(hs) == 0 {
		return nil
	}
	out := make([]evidence.Header, len(hs))
	for i, h := range hs {
		out[i] = evidence.Header{Name: string(h.Name), Value: string(h.Value)}
	}
	return out
}

func headerValue(hs []evidence.Header, name string) string {
	var vs []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			vs = append(vs, h.Value)
		}
	}
	return strings.Join(vs, ", ")
}

func hasCoding(ce string) bool {
	for _, p := range strings.Split(ce, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p != "" && p != "identity" {
			return true
		}
	}
	return false
}

// flow converts one entry.
func (e *harEntry) flow() (*evidence.Flow, error) {
	f := &evidence.Flow{Source: evidence.SourceHAR}
	start, err := parseHARTime(e.StartedDateTime)
	if err != nil {
		return nil, ferr("startedDateTime", "%v", err)
	}
	f.Start = start
	if e.Time.valid() {
		f.End = start.Add(ms(e.Time.V))
	}
	t := e.Timings
	if t.Wait.valid() {
		d := ms(t.Wait.V)
		for _, x := range []num{t.Blocked, t.DNS, t.Connect, t.Send} {
			if x.valid() {
				d += ms(x.V)
			}
		}
		f.FirstByte = start.Add(d)
	}

	rq := &e.Request
	f.Method = strings.TrimSpace(string(rq.Method))
	if f.Method == "" {
		return nil, ferr("request.method", "missing")
	}
	f.URL = string(rq.URL)
	if f.URL == "" {
		return nil, ferr("request.url", "missing")
	}
	u, err := url.Parse(f.URL)
	if err != nil {
		return nil, ferr("request.url", "%v", err)
	}
	if u.Scheme == "" || u.Host == "" {
		return nil, ferr("request.url", "not an absolute URL: %q", f.URL)
	}
	f.Scheme = strings.ToLower(u.Scheme)
	f.Host = strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" {
		pn, err := strconv.Atoi(p)
		if err != nil || pn <= 0 || pn > 65535 {
			return nil, ferr("request.url", "bad port %q", p)
		}
		f.ServerPort = pn
	} else {
		switch f.Scheme {
		case "https", "wss":
			f.ServerPort = 443
		case "http", "ws":
			f.ServerPort = 80
		}
	}
	ipField := e.ServerIPAddress
	if ipField == "" {
		ipField = e.IPAddr
	}
	if ip, port := serverIP(string(ipField)); ip != "" {
		f.ServerIP = ip
		if port != 0 {
			f.ServerPort = port
		}
	}
	f.Proto = normProto(string(rq.HTTPVersion))
	if f.Proto == "" {
		f.Proto = normProto(string(e.Response.HTTPVersion))
	}
	f.ReqHeaders = headers(rq.Headers)
	body, err := requestBody(rq.PostData)
	if err != nil {
		return nil, err
	}
	f.ReqBody.Raw = body
	f.ReqBody.Size = int64(len(body))
	if rq.BodySize.valid() {
		f.ReqBody.Size = int64(rq.BodySize.V)
	}
	if ce := headerValue(f.ReqHeaders, "Content-Encoding"); hasCoding(ce) && body != nil {
		// HAR bodies are recorded decoded.
		f.ReqBody.Encoding = ce
		f.ReqBody.Decoded, f.ReqBody.Raw = body, nil
	}

	rs := &e.Response
	if rs.Status.OK {
		if rs.Status.V < 0 || rs.Status.V > 999 || rs.Status.V != math.Trunc(rs.Status.V) {
			return nil, ferr("response.status", "not an HTTP status: %v", rs.Status.V)
		}
		f.Status = int(rs.Status.V)
	}
	f.RespHeaders = headers(rs.Headers)
	c := &rs.Content
	var resp []byte
	if c.Text != nil {
		resp = []byte(*c.Text)
		if strings.EqualFold(strings.TrimSpace(string(c.Encoding)), "base64") {
			resp, err = decodeBase64(string(*c.Text))
			if err != nil {
				return nil, ferr("response.content.text", "encoding is base64 but %v", err)
			}
		}
	}
	switch {
	case rs.BodySize.valid():
		f.RespBody.Size = int64(rs.BodySize.V)
	case c.Size.valid():
		f.RespBody.Size = int64(c.Size.V)
	default:
		f.RespBody.Size = int64(len(resp))
	}
	if ce := headerValue(f.RespHeaders, "Content-Encoding"); hasCoding(ce) {
		f.RespBody.Encoding = ce
		f.RespBody.Decoded = resp
	} else {
		f.RespBody.Raw = resp
	}
	if rs.Error != "" {
		f.Error = string(rs.Error)
	}
	for i, m := range e.WebSocketMessages {
		wm := evidence.WSMessage{FromApp: strings.EqualFold(string(m.Type), "send"), Data: []byte(m.Data)}
		if m.Time.valid() && m.Time.V < 1e11 {
			// Seconds as a float carry about microsecond precision.
			wm.Time = time.UnixMicro(int64(math.Round(m.Time.V * 1e6))).In(start.Location())
		}
		if m.Opcode.OK {
			wm.Opcode = int(m.Opcode.V)
		}
		if wm.Opcode == 2 {
			if b, err := decodeBase64(string(m.Data)); err == nil {
				wm.Data = b
			} else {
				return nil, ferr(fmt.Sprintf("_webSocketMessages[%d].data", i), "binary frame is not base64: %v", err)
			}
		}
		wm.Size = int64(len(wm.Data))
		f.WebSocket = append(f.WebSocket, wm)
	}
	return f, nil
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		if r == '\n' || r == '\r' || r == ' ' || r == '\t' {
			return -1
		}
		return r
	}, s)
	if b, err := base64.StdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.RawStdEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	if b, err := base64.URLEncoding.DecodeString(s); err == nil {
		return b, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("invalid base64 (%v)", err)
	}
	return b, nil
}

// requestBody returns postData's bytes: text (base64 when encoding says
// so), else the params form-encoded.
func requestBody(pd *harPostData) ([]byte, error) {
	if pd == nil {
		return nil, nil
	}
	if pd.Text != nil && (*pd.Text != "" || len(pd.Params) == 0) {
		if strings.EqualFold(strings.TrimSpace(string(pd.Encoding)), "base64") {
			b, err := decodeBase64(string(*pd.Text))
			if err != nil {
				return nil, ferr("request.postData.text", "encoding is base64 but %v", err)
			}
			return b, nil
		}
		if *pd.Text == "" {
			return nil, nil
		}
		return []byte(*pd.Text), nil
	}
	if len(pd.Params) == 0 {
		return nil, nil
	}
	// Only params: rebuild an application/x-www-form-urlencoded body.
	var b strings.Builder
	for i, p := range pd.Params {
		if i > 0 {
			b.WriteByte('&')
		}
		b.WriteString(url.QueryEscape(string(p.Name)))
		b.WriteByte('=')
		if p.Value != nil {
			b.WriteString(url.QueryEscape(string(*p.Value)))
		} else if p.FileName != "" {
			b.WriteString(url.QueryEscape(string(p.FileName)))
		}
	}
	return []byte(b.String()), nil
}
