package har

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ceping/ceping/evidence"
)

// Options describe the exporting tool.
type Options struct {
	Creator string // default "ceping"
	Version string // the creator's version
}

// Writer streams flows into a HAR 1.2 document: NewWriter writes the head,
// Add one entry per flow, Close the tail.
type Writer struct {
	w   *bufio.Writer
	n   int
	err error
}

// NewWriter starts a HAR document on w.
func NewWriter(w io.Writer, o Options) (*Writer, error) {
	if o.Creator == "" {
		o.Creator = "ceping"
	}
	if o.Version == "" {
		o.Version = "dev"
	}
	cr, err := json.Marshal(harCreator{Name: o.Creator, Version: o.Version})
	if err != nil {
		return nil, err
	}
	hw := &Writer{w: bufio.NewWriterSize(w, 64<<10)}
	hw.write(`{"log":{"version":"1.2","creator":` + string(cr) + `,"pages":[],"entries":[`)
	return hw, hw.err
}

func (hw *Writer) write(s string) {
	if hw.err == nil {
		_, hw.err = hw.w.WriteString(s)
	}
}

// Add writes f as one entry. Flows without an HTTP request (no method or
// URL, e.g. connections whose TLS was not intercepted) have no HAR form:
// Add returns false for them and writes nothing.
func (hw *Writer) Add(f *evidence.Flow) (bool, error) {
	if hw.err != nil {
		return false, hw.err
	}
	if f == nil || f.Method == "" || f.URL == "" {
		return false, nil
	}
	b, err := json.Marshal(entryOf(f))
	if err != nil {
		return false, err
	}
	if hw.n > 0 {
		hw.write(",")
	}
	hw.write("\n")
	hw.write(string(b))
	hw.n++
	return hw.err == nil, hw.err
}

// Count returns the number of entries written.
func (hw *Writer) Count() int { return hw.n }

// Close ends the document and flushes it.
func (hw *Writer) Close() error {
	hw.write("\n]}}\n")
	if hw.err == nil {
		hw.err = hw.w.Flush()
	}
	err := hw.err
	if err == nil {
		hw.err = errors.New("har: writer closed")
	}
	return err
}

// Write exports flows as one HAR document and returns the entry count.
func Write(w io.Writer, flows []*evidence.Flow, o Options) (int, error) {
	hw, err := NewWriter(w, o)
	if err != nil {
		return 0, err
	}
	for _, f := range flows {
		if _, err := hw.Add(f); err != nil {
			return hw.Count(), err
		}
	}
	return hw.Count(), hw.Close()
}

func msOf(d time.Duration) num { return n(float64(d) / float64(time.Millisecond)) }

var unknown = n(-1)

func nvs(hs []evidence.Header) []harNV {
	out := make([]harNV, len(hs))
	for i, h := range hs {
		out[i] = harNV{Name: str(h.Name), Value: str(h.Value)}
	}
	return out
}

// textOf returns b as HAR text, base64 when it is not UTF-8.
func textOf(b []byte) (str, str) {
	if utf8.Valid(b) {
		return str(b), ""
	}
	return str(base64.StdEncoding.EncodeToString(b)), "base64"
}

func header(hs []evidence.Header, name string) string {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func entryOf(f *evidence.Flow) *harEntry {
	e := &harEntry{StartedDateTime: f.Start.Format(time.RFC3339Nano)}
	e.Time = n(0)
	if !f.End.IsZero() && !f.End.Before(f.Start) {
		e.Time = msOf(f.End.Sub(f.Start))
	}
	e.Timings = harTimings{Blocked: unknown, DNS: unknown, Connect: unknown, SSL: unknown, Send: n(0), Wait: n(0), Receive: e.Time}
	if !f.FirstByte.IsZero() && !f.FirstByte.Before(f.Start) {
		e.Timings.Wait = msOf(f.FirstByte.Sub(f.Start))
		e.Timings.Receive = n(0)
		if !f.End.IsZero() && !f.End.Before(f.FirstByte) {
			e.Timings.Receive = msOf(f.End.Sub(f.FirstByte))
		}
	}
	e.ServerIPAddress = str(f.ServerIP)

	proto := f.Proto
	if proto == "" {
		proto = "HTTP/1.1"
	}
	rq := &e.Request
	rq.Method, rq.URL, rq.HTTPVersion = str(f.Method), str(f.URL), str(proto)
	rq.Headers = nvs(f.ReqHeaders)
	rq.Cookies = []harCookie{}
	for _, h := range f.ReqHeaders {
		if strings.EqualFold(h.Name, "Cookie") {
			if cs, err := http.ParseCookie(h.Value); err == nil {
				for _, c := range cs {
					rq.Cookies = append(rq.Cookies, harCookie{Name: str(c.Name), Value: str(c.Value)})
				}
			}
		}
	}
	rq.QueryString = queryString(f.URL)
	rq.HeadersSize = unknown
	rq.BodySize = n(0)
	if body := f.ReqBody.Bytes(); len(body) > 0 {
		text, enc := textOf(body)
		rq.PostData = &harPostData{MimeType: str(header(f.ReqHeaders, "Content-Type")), Text: &text, Encoding: enc}
		rq.BodySize = n(float64(len(body)))
	}
	if f.ReqBody.Size > 0 {
		rq.BodySize = n(float64(f.ReqBody.Size))
	}

	rs := &e.Response
	rs.Status, rs.StatusText = n(float64(f.Status)), str(http.StatusText(f.Status))
	rs.HTTPVersion = str(proto)
	rs.Headers = nvs(f.RespHeaders)
	rs.Cookies = []harCookie{}
	for _, h := range f.RespHeaders {
		if strings.EqualFold(h.Name, "Set-Cookie") {
			if c, err := http.ParseSetCookie(h.Value); err == nil {
				rs.Cookies = append(rs.Cookies, harCookie{Name: str(c.Name), Value: str(c.Value),
					Path: str(c.Path), Domain: str(c.Domain), HTTPOnly: c.HttpOnly, Secure: c.Secure})
			}
		}
	}
	rs.RedirectURL = str(header(f.RespHeaders, "Location"))
	rs.HeadersSize = unknown
	body := f.RespBody.Bytes()
	rs.Content = harContent{Size: n(float64(len(body))), MimeType: str(header(f.RespHeaders, "Content-Type"))}
	if len(body) > 0 {
		text, enc := textOf(body)
		rs.Content.Text, rs.Content.Encoding = &text, enc
	}
	rs.BodySize = n(float64(len(body)))
	if f.RespBody.Size > 0 {
		rs.BodySize = n(float64(f.RespBody.Size))
		if c := len(body) - int(f.RespBody.Size); c > 0 {
			comp := n(float64(c))
			rs.Content.Compression = &comp
		}
	}
	rs.Error = str(f.Error)

	for _, m := range f.WebSocket {
		wm := harWSMessage{Type: "receive", Opcode: n(float64(m.Opcode)), Data: str(m.Data)}
		if m.FromApp {
			wm.Type = "send"
		}
		if !m.Time.IsZero() {
			wm.Time = n(float64(m.Time.UnixNano()) / 1e9)
		}
		if m.Opcode == 2 {
			wm.Data = str(base64.StdEncoding.EncodeToString(m.Data))
		}
		e.WebSocketMessages = append(e.WebSocketMessages, wm)
	}
	return e
}

// queryString lists the URL's query parameters in order, unescaped.
func queryString(raw string) []harNV {
	out := []harNV{}
	u, err := url.Parse(raw)
	if err != nil || u.RawQuery == "" {
		return out
	}
	for _, part := range strings.Split(u.RawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		if uk, err := url.QueryUnescape(k); err == nil {
			k = uk
		}
		if uv, err := url.QueryUnescape(v); err == nil {
			v = uv
		}
		out = append(out, harNV{Name: str(k), Value: str(v)})
	}
	return out
}
