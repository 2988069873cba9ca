package mitm

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/ceping/ceping/evidence"
)

// connMeta describes the client side of the connection an exchange came on.
type connMeta struct {
	clientAddr string
	scheme     string // http or https
	sni        string
	alpn       string
	tlsVersion string
	proto      string // HTTP/1.1 or HTTP/2.0
	target     string // CONNECT host:port, "" for plain proxy requests
}

// capBuf keeps the first cap bytes written to it and counts them all.
type capBuf struct {
	mu        sync.Mutex
	buf       []byte
	cap       int64
	n         int64
	truncated bool
}

func (c *capBuf) add(p []byte) {
	if len(p) == 0 {
		return
	}
	c.mu.Lock()
	c.n += int64(len(p))
	if room := c.cap - int64(len(c.buf)); room > 0 {
		if int64(len(p)) > room {
			c.buf = append(c.buf, p[:room]...)
			c.truncated = true
		} else {
			c.buf = append(c.buf, p...)
		}
	} else {
		c.truncated = true
	}
	c.mu.Unlock()
}

func (c *capBuf) body(encoding string) evidence.Body {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := evidence.Body{Size: c.n, Encoding: encoding, Truncated: c.truncated}
	if len(c.buf) > 0 {
		b.Raw = append([]byte(nil), c.buf...)
	}
	return b
}

// exchange is one request/response being forwarded and recorded.
type exchange struct {
	p       *Proxy
	f       evidence.Flow
	reqBuf  capBuf
	respBuf capBuf
	reqEnc  string
	respEnc string

	mu   sync.Mutex
	errs []string
	ws   *wsRecorder
	once sync.Once
}

func (p *Proxy) newExchange(m connMeta, in *http.Request, reqHeaders []evidence.Header) *exchange {
	x := &exchange{p: p}
	p.inflight.Add(1)
	x.reqBuf.cap, x.respBuf.cap = p.bodyCap, p.bodyCap
	host := in.Host
	if host == "" {
		host = m.target
	}
	f := &x.f
	f.Source = evidence.SourceProxy
	f.Start = time.Now()
	f.ClientAddr = m.clientAddr
	f.Method = in.Method
	f.Host = strings.ToLower(hostOnly(host))
	f.Scheme = m.scheme
	f.SNI, f.ALPN, f.TLSVersion, f.Proto = m.sni, m.alpn, m.tlsVersion, m.proto
	if in.URL.IsAbs() {
		f.URL = in.URL.String()
	} else {
		f.URL = m.scheme + "://" + host + in.URL.RequestURI()
	}
	if reqHeaders == nil {
		reqHeaders = sortedHeaders(in.Header)
		if in.ProtoMajor < 2 && in.Host != "" {
			reqHeaders = append([]evidence.Header{{Name: "Host", Value: in.Host}}, reqHeaders...)
		}
	}
	f.ReqHeaders = reqHeaders
	x.reqEnc = in.Header.Get("Content-Encoding")
	return x
}

func (x *exchange) addBytes(up, down int64) {
	x.mu.Lock()
	x.f.BytesUp += up
	x.f.BytesDown += down
	x.mu.Unlock()
}

func (x *exchange) addError(msg string) {
	x.mu.Lock()
	x.errs = append(x.errs, msg)
	x.mu.Unlock()
}

// finish completes the flow and records it, once.
func (x *exchange) finish() {
	x.once.Do(func() {
		f := &x.f
		f.End = time.Now()
		f.ReqBody = x.reqBuf.body(x.reqEnc)
		f.RespBody = x.respBuf.body(x.respEnc)
		if x.ws != nil {
			f.WebSocket = x.ws.messages()
		}
		x.mu.Lock()
		if len(x.errs) > 0 {
			f.Error = strings.Join(x.errs, "; ")
		}
		x.mu.Unlock()
		x.p.record(f)
		x.p.inflight.Add(-1)
	})
}

// sortedHeaders lists h by name (Go's maps lose the wire order), values in
// their order.
func sortedHeaders(h http.Header) []evidence.Header {
	names := make([]string, 0, len(h))
	for k := range h {
		names = append(names, k)
	}
	sort.Strings(names)
	var out []evidence.Header
	for _, k := range names {
		for _, v := range h[k] {
			out = append(out, evidence.Header{Name: k, Value: v})
		}
	}
	return out
}

// hop-by-hop headers, not forwarded (RFC 9110 7.6.1).
var hopHeaders = []string{
	"Connection", "Proxy-Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade",
}

func isWebSocketUpgrade(h http.Header) bool {
	return headerHasToken(h, "Connection", "upgrade") && strings.EqualFold(strings.TrimSpace(h.Get("Upgrade")), "websocket")
}

func headerHasToken(h http.Header, name, token string) bool {
	for _, v := range h[name] {
		for _, t := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(t), token) {
				return true
			}
		}
	}
	return false
}

// forwardHeader copies h without hop-by-hop headers (and those named in
// Connection); keepUpgrade keeps Connection/Upgrade of a WebSocket
// handshake.
func forwardHeader(h http.Header, keepUpgrade bool) http.Header {
	out := make(http.Header, len(h))
	for k, v := range h {
		out[k] = v
	}
	for _, v := range h["Connection"] {
		for _, t := range strings.Split(v, ",") {
			if t = strings.TrimSpace(t); t != "" && !(keepUpgrade && strings.EqualFold(t, "upgrade")) {
				out.Del(t)
			}
		}
	}
	for _, k := range hopHeaders {
		if keepUpgrade && (k == "Connection" || k == "Upgrade") {
			continue
		}
		out.Del(k)
	}
	if keepUpgrade {
		out.Set("Connection", "Upgrade")
	}
	if te := h.Get("Te"); strings.Contains(strings.ToLower(te), "trailers") {
		out.Set("Te", "trailers")
	}
	return out
}

// teeBody captures what the transport reads from the client's request body.
type teeBody struct {
	rc io.ReadCloser
	cb *capBuf
}

func (t *teeBody) Read(p []byte) (int, error) {
	n, err := t.rc.Read(p)
	t.cb.add(p[:n])
	return n, err
}

// Close does not close the app's request body: the transport closes the
// outgoing body once sent, but the HTTP/1.1 loop must still drain what the
// server did not read and then read the next request from the same
// connection (closing it here broke every keep-alive request after a body).
// The servers close their request bodies themselves when the exchange ends.
func (t *teeBody) Close() error { return nil }

// respTee captures the response body as it is forwarded and finishes the
// exchange when closed.
type respTee struct {
	rc  io.ReadCloser
	x   *exchange
	eof bool
	// deferFinish leaves recording to the caller (which may still add the
	// error of writing to the client).
	deferFinish bool
	// before, when set, runs before each read of the upstream body (the
	// HTTP/1 writer flushes what it has so streaming responses stream).
	before func()
}

func (t *respTee) Read(p []byte) (int, error) {
	if t.before != nil {
		t.before()
	}
	n, err := t.rc.Read(p)
	t.x.respBuf.add(p[:n])
	if err != nil {
		if err == io.EOF {
			t.eof = true
		} else {
			t.x.addError("reading response body from server: " + err.Error())
		}
	}
	return n, err
}

func (t *respTee) Close() error {
	err := t.rc.Close()
	if !t.deferFinish {
		t.x.finish()
	}
	return err
}

// forward sends in upstream to u and returns the response with a body that
// records the exchange when closed (or, for a WebSocket upgrade, a
// read-write body that records the messages). On error the exchange is
// recorded with Error and the error is returned.
func (p *Proxy) forward(ctx context.Context, x *exchange, in *http.Request, u *url.URL) (*http.Response, error) {
	ws := isWebSocketUpgrade(in.Header)
	out := &http.Request{
		Method:        in.Method,
		URL:           u,
		Proto:         "HTTP/1.1",
		ProtoMajor:    1,
		ProtoMinor:    1,
		Header:        forwardHeader(in.Header, ws),
		Host:          in.Host,
		ContentLength: in.ContentLength,
	}
	if _, ok := out.Header["User-Agent"]; !ok {
		out.Header["User-Agent"] = []string{""} // no Go default User-Agent
	}
	if in.Body != nil && in.Body != http.NoBody {
		out.Body = &teeBody{rc: in.Body, cb: &x.reqBuf}
	}
	trace := &httptrace.ClientTrace{
		GotConn: func(ci httptrace.GotConnInfo) {
			ip, port := serverAddrOf(ci.Conn)
			x.mu.Lock()
			x.f.ServerIP, x.f.ServerPort = ip, port
			x.mu.Unlock()
		},
	}
	out = out.WithContext(httptrace.WithClientTrace(ctx, trace))
	resp, err := p.tr.RoundTrip(out)
	if err != nil {
		x.addError("upstream: " + err.Error())
		x.finish()
		return nil, err
	}
	x.mu.Lock()
	x.f.FirstByte = time.Now()
	x.f.Status = resp.StatusCode
	rh := sortedHeaders(resp.Header)
	if len(resp.TransferEncoding) > 0 {
		rh = append(rh, evidence.Header{Name: "Transfer-Encoding", Value: strings.Join(resp.TransferEncoding, ", ")})
	}
	x.f.RespHeaders = rh
	x.mu.Unlock()
	x.respEnc = resp.Header.Get("Content-Encoding")
	if resp.StatusCode == http.StatusSwitchingProtocols {
		rwc, ok := resp.Body.(io.ReadWriteCloser)
		if !ok {
			resp.Body.Close()
			x.addError("upstream switched protocols without a usable connection")
			x.finish()
			return nil, errors.New("upstream switched protocols without a usable connection")
		}
		if x.f.Scheme == "https" {
			x.f.Scheme = "wss"
		} else {
			x.f.Scheme = "ws"
		}
		x.ws = newWSRecorder(p.bodyCap)
		resp.Body = &wsBody{rwc: rwc, x: x}
		return resp, nil
	}
	resp.Body = &respTee{rc: resp.Body, x: x}
	return resp, nil
}

// tlsVersionName names a TLS version as the flow records it.
func tlsVersionName(v uint16) string {
	switch v {
	case tls.VersionTLS10:
		return "TLS 1.0"
	case tls.VersionTLS11:
		return "TLS 1.1"
	case tls.VersionTLS12:
		return "TLS 1.2"
	case tls.VersionTLS13:
		return "TLS 1.3"
	case 0:
		return ""
	}
	return tls.VersionName(v)
}
