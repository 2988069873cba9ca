package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/elazarl/goproxy"
	"golang.org/x/net/http2"
)

const (
	clientBufSize    = 40 << 10 // holds a ClientHello of several records, and request heads
	firstByteTimeout = time.Minute
	handshakeTimeout = 30 * time.Second
	idleTimeout      = 2 * time.Minute
	pinnedCloseDelay = 2 * time.Second
)

// countingConn counts bytes each way.
type countingConn struct {
	net.Conn
	read, written atomic.Int64
}

func (c *countingConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	c.read.Add(int64(n))
	return n, err
}

func (c *countingConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	c.written.Add(int64(n))
	return n, err
}

// peekedConn reads through a bufio.Reader that may hold peeked bytes.
type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (c *peekedConn) Read(p []byte) (int, error) { return c.r.Read(p) }

// closeWrite half-closes c when it can, else closes it.
func closeWrite(c net.Conn) {
	for i := 0; i < 8; i++ {
		switch v := c.(type) {
		case interface{ CloseWrite() error }:
			if v.CloseWrite() == nil {
				return
			}
			c.Close()
			return
		case *dialedConn:
			c = v.Conn
		case *bufferedConn:
			c = v.Conn
		case *countingConn:
			c = v.Conn
		case *peekedConn:
			c = v.Conn
		default:
			c.Close()
			return
		}
	}
	c.Close()
}

// hijackConnect takes over a CONNECT tunnel from goproxy: pass-through for
// NoMITM (and pinned) hosts, plain HTTP when the client does not speak TLS,
// else TLS interception with HTTP/1.1 or HTTP/2 towards the client.
func (p *Proxy) hijackConnect(req *http.Request, client net.Conn, _ *goproxy.ProxyCtx) {
	if !p.track(client) {
		client.Close()
		return
	}
	defer p.untrack(client)
	defer client.Close()

	target := req.URL.Host
	if target == "" {
		target = req.Host
	}
	if _, _, err := net.SplitHostPort(target); err != nil {
		target = net.JoinHostPort(target, "443")
	}
	host := hostOnly(target)
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		return
	}
	cc := &countingConn{Conn: client}
	br := bufio.NewReaderSize(cc, clientBufSize)
	start := time.Now()
	client.SetReadDeadline(start.Add(firstByteTimeout))
	first, err := br.Peek(1)
	if err != nil {
		return
	}
	client.SetReadDeadline(time.Time{})
	pc := &peekedConn{Conn: cc, r: br}
	meta := connMeta{clientAddr: req.RemoteAddr, target: target}

	if first[0] != 0x16 { // not a TLS handshake: HTTP (or anything) in the tunnel
		if p.noMITM(host) {
			p.tunnel(pc, cc, target, host, "", start, meta, false)
			return
		}
		meta.scheme, meta.proto = "http", "HTTP/1.1"
		p.serveH1(pc, br, meta)
		return
	}
	ch, herr := peekClientHello(br)
	name := ch.SNI
	if name == "" {
		name = host
	}
	if p.noMITM(host) || p.noMITM(ch.SNI) || p.isPinned(name) {
		p.tunnel(pc, cc, target, name, ch.SNI, start, meta, true)
		return
	}
	if herr != nil {
		p.log.WithError(herr).WithField("host", host).Debug("unparsable TLS ClientHello")
	}
	tc := tls.Server(pc, &tls.Config{
		GetCertificate: func(hi *tls.ClientHelloInfo) (*tls.Certificate, error) {
			n := hi.ServerName
			if n == "" {
				n = host
			}
			return p.cfg.CA.Leaf(n)
		},
		NextProtos: []string{"h2", "http/1.1"},
	})
	client.SetDeadline(time.Now().Add(handshakeTimeout))
	if err := tc.Handshake(); err != nil {
		client.SetDeadline(time.Time{})
		p.recordNotIntercepted(meta, name, ch.SNI, target, start, cc,
			"the client rejected the proxy's certificate (certificate pinning, or the ceping CA is not trusted): "+err.Error())
		if p.cfg.PassthroughAfterFailure {
			p.pinned.Store(name, struct{}{})
		}
		return
	}
	client.SetDeadline(time.Time{})
	st := tc.ConnectionState()
	meta.scheme = "https"
	meta.sni = st.ServerName
	meta.alpn = st.NegotiatedProtocol
	meta.tlsVersion = tlsVersionName(st.Version)
	afterHandshake := cc.read.Load()
	hsDone := time.Now()
	var served int64
	if st.NegotiatedProtocol == "h2" {
		meta.proto = "HTTP/2.0"
		var n atomic.Int64
		p.h2.ServeConn(tc, &http2.ServeConnOpts{
			Context:    p.ctx,
			Handler:    p.h2Handler(meta, &n),
			BaseConfig: &http.Server{ReadHeaderTimeout: 30 * time.Second},
		})
		served = n.Load()
	} else {
		meta.proto = "HTTP/1.1"
		served = p.serveH1(tc, bufio.NewReaderSize(tc, clientBufSize), meta)
	}
	if served > 0 {
		p.intercepted.Store(name, struct{}{})
	}
	if served == 0 && cc.read.Load() == afterHandshake && time.Since(hsDone) < pinnedCloseDelay {
		// A client that checks pins after the handshake (OkHttp's
		// CertificatePinner) closes at once without a byte of HTTP. Idle
		// connections that close later, or HTTP/2 clients that sent their
		// preface, are not recorded. A client may also drop a spare
		// connection this way, so the host is passed through only when no
		// request to it was ever intercepted.
		if _, seen := p.intercepted.Load(name); !seen && p.cfg.PassthroughAfterFailure {
			p.pinned.Store(name, struct{}{})
		}
		p.recordNotIntercepted(meta, name, meta.sni, target, start, cc,
			"the TLS handshake completed but the client closed without sending a request (certificate pinning checked after the handshake?)")
	}
}

func (p *Proxy) isPinned(name string) bool {
	_, ok := p.pinned.Load(name)
	return ok
}

// recordNotIntercepted records a TLS connection whose content was not read.
func (p *Proxy) recordNotIntercepted(m connMeta, name, sni, target string, start time.Time, cc *countingConn, why string) {
	f := &evidence.Flow{
		Source: evidence.SourceProxy, Start: start, End: time.Now(), ClientAddr: m.clientAddr,
		Host: name, SNI: sni, Scheme: "https", NotIntercepted: true,
		BytesUp: cc.read.Load(), BytesDown: cc.written.Load(), Error: why,
		TLSVersion: m.tlsVersion, ALPN: m.alpn,
	}
	f.ServerIP, f.ServerPort = p.resolveForRecord(target)
	p.record(f)
}

// resolveForRecord finds the server IP a name stands for without dialling
// (Resolve, an IP literal, else DNS with a short timeout).
func (p *Proxy) resolveForRecord(target string) (string, int) {
	host, port, err := net.SplitHostPort(target)
	if err != nil {
		return "", 0
	}
	pn, _ := strconv.Atoi(port)
	if ip, ok := lookupMap(p.cfg.Resolve, host, port); ok {
		return ip, pn
	}
	if ip := net.ParseIP(host); ip != nil {
		return ip.String(), pn
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	ips, err := net.DefaultResolver.LookupIPAddr(ctx, host)
	if err != nil || len(ips) == 0 {
		return "", pn
	}
	return ips[0].IP.String(), pn
}

// tunnel relays a connection untouched and records it at connection level.
func (p *Proxy) tunnel(client net.Conn, cc *countingConn, target, name, sni string, start time.Time, m connMeta, isTLS bool) {
	f := &evidence.Flow{Source: evidence.SourceProxy, Start: start, ClientAddr: m.clientAddr,
		Host: name, SNI: sni, NotIntercepted: true}
	if isTLS {
		f.Scheme = "https"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	up, err := p.dialTunnel(ctx, target)
	cancel()
	if err != nil {
		f.End = time.Now()
		f.Error = "pass-through tunnel: " + err.Error()
		f.ServerIP, f.ServerPort = p.resolveForRecord(target)
		p.record(f)
		return
	}
	f.ServerIP, f.ServerPort = serverAddrOf(up)
	done := make(chan struct{})
	defer close(done)
	go func() {
		select {
		case <-p.ctx.Done(): // Close: end the tunnel
			up.Close()
			client.Close()
		case <-done:
		}
	}()
	var wg sync.WaitGroup
	var upN, downN int64
	var upErr, downErr error
	wg.Add(2)
	go func() {
		defer wg.Done()
		upN, upErr = io.Copy(up, client)
		closeWrite(up)
	}()
	go func() {
		defer wg.Done()
		downN, downErr = io.Copy(client, up)
		closeWrite(client)
	}()
	wg.Wait()
	up.Close()
	f.End = time.Now()
	f.BytesUp, f.BytesDown = upN, downN
	if e := firstErr(upErr, downErr); e != nil && !isClosedErr(e) {
		f.Error = "pass-through tunnel: " + e.Error()
	}
	p.record(f)
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}

func isClosedErr(err error) bool {
	return errors.Is(err, net.ErrClosed) || errors.Is(err, io.EOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
}

// serveH1 serves HTTP/1.1 requests read from br on conn (inside a tunnel)
// and returns how many it handled.
func (p *Proxy) serveH1(conn net.Conn, br *bufio.Reader, meta connMeta) int64 {
	bw := bufio.NewWriterSize(conn, 16<<10)
	var n int64
	for {
		conn.SetReadDeadline(time.Now().Add(idleTimeout))
		head, ok, err := peekHead(br)
		conn.SetReadDeadline(time.Time{})
		if err != nil {
			return n
		}
		var hdrs []evidence.Header
		if ok {
			hdrs, _ = parseHeaderLines(head) // nil on error: sorted fallback
		}
		req, err := http.ReadRequest(br)
		if err != nil {
			io.WriteString(conn, "HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n")
			p.log.WithError(err).WithField("host", hostOnly(meta.target)).Debug("malformed request from the client")
			return n
		}
		n++
		req.RemoteAddr = meta.clientAddr
		if !p.exchangeH1(conn, br, bw, req, hdrs, meta) {
			return n
		}
	}
}

// exchangeH1 forwards one HTTP/1.1 request and writes the response; it
// reports whether the connection may carry another request.
func (p *Proxy) exchangeH1(conn net.Conn, br *bufio.Reader, bw *bufio.Writer, req *http.Request, hdrs []evidence.Header, meta connMeta) bool {
	x := p.newExchange(meta, req, hdrs)
	u := *req.URL
	u.Scheme, u.Host = meta.scheme, meta.target
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	resp, err := p.forward(ctx, x, req, &u)
	if err != nil {
		msg := "ceping proxy: upstream error: " + err.Error() + "\n"
		fmt.Fprintf(bw, "HTTP/1.1 502 Bad Gateway\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: %d\r\nConnection: close\r\n\r\n%s", len(msg), msg)
		bw.Flush()
		return false
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		p.relayWS(conn, br, bw, resp, x)
		return false
	}
	tee := resp.Body.(*respTee)
	tee.deferFinish = true
	tee.before = func() {
		if bw.Buffered() > 0 {
			bw.Flush()
		}
	}
	resp.Header = forwardHeader(resp.Header, false)
	resp.Proto, resp.ProtoMajor, resp.ProtoMinor = "HTTP/1.1", 1, 1
	resp.TransferEncoding = nil
	if resp.ContentLength < 0 && bodyAllowed(resp.StatusCode) && req.Method != http.MethodHead {
		resp.TransferEncoding = []string{"chunked"}
	}
	resp.Close = req.Close
	// writerOnly hides bufio's ReadFrom, which must not see a Flush from
	// tee.before in the middle of a read
	err = resp.Write(writerOnly{bw})
	if err == nil {
		err = bw.Flush()
	}
	resp.Body.Close()
	if err != nil && !tee.eof {
		x.addError("writing response to the client: " + err.Error())
	}
	x.finish()
	if err != nil || req.Close || resp.Close {
		return false
	}
	// drain what the server did not read of the request body
	_, err = io.CopyN(io.Discard, req.Body, 256<<10)
	return err == io.EOF
}

type writerOnly struct{ io.Writer }

func bodyAllowed(status int) bool {
	return !(status >= 100 && status < 200) && status != http.StatusNoContent && status != http.StatusNotModified
}

// relayWS writes the 101 response and relays both ways, recording messages.
func (p *Proxy) relayWS(conn net.Conn, br *bufio.Reader, bw *bufio.Writer, resp *http.Response, x *exchange) {
	body := resp.Body.(*wsBody)
	fmt.Fprintf(bw, "HTTP/1.1 101 %s\r\n", http.StatusText(http.StatusSwitchingProtocols))
	resp.Header.Write(bw)
	bw.WriteString("\r\n")
	if err := bw.Flush(); err != nil {
		x.addError("writing the upgrade response to the client: " + err.Error())
		body.Close()
		return
	}
	var wg sync.WaitGroup
	var once sync.Once
	stop := func() {
		once.Do(func() {
			body.rwc.Close()
			conn.Close()
		})
	}
	wg.Add(2)
	go func() { // app → server
		defer wg.Done()
		io.Copy(body, br)
		stop()
	}()
	go func() { // server → app
		defer wg.Done()
		io.Copy(conn, body)
		stop()
	}()
	wg.Wait()
	if p.ctx.Err() != nil {
		x.addError("the proxy closed while the WebSocket was open")
	}
	body.Close()
}

// h2Handler serves intercepted HTTP/2 streams.
func (p *Proxy) h2Handler(meta connMeta, count *atomic.Int64) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		count.Add(1)
		x := p.newExchange(meta, r, nil)
		u := *r.URL
		u.Scheme, u.Host = meta.scheme, meta.target
		resp, err := p.forward(r.Context(), x, r, &u)
		if err != nil {
			http.Error(w, "ceping proxy: upstream error: "+err.Error(), http.StatusBadGateway)
			return
		}
		if resp.StatusCode == http.StatusSwitchingProtocols {
			resp.Body.Close()
			http.Error(w, "ceping proxy: protocol switch over HTTP/2", http.StatusBadGateway)
			return
		}
		tee := resp.Body.(*respTee)
		tee.deferFinish = true
		h := w.Header()
		for k, v := range forwardHeader(resp.Header, false) {
			h[k] = v
		}
		for k := range resp.Trailer {
			h.Add("Trailer", k)
		}
		w.WriteHeader(resp.StatusCode)
		buf := make([]byte, 32<<10)
		var werr error
		fl, _ := w.(http.Flusher)
		for {
			n, rerr := resp.Body.Read(buf)
			if n > 0 {
				if _, werr = w.Write(buf[:n]); werr != nil {
					break
				}
				if fl != nil {
					fl.Flush()
				}
			}
			if rerr != nil {
				break
			}
		}
		for k, v := range resp.Trailer {
			h[k] = v
		}
		resp.Body.Close()
		if werr != nil {
			x.addError("writing response to the client: " + werr.Error())
		}
		x.finish()
	})
}

// plainHTTP forwards a plain-HTTP proxy request (goproxy's request hook).
func (p *Proxy) plainHTTP(r *http.Request, _ *goproxy.ProxyCtx) (*http.Request, *http.Response) {
	meta := connMeta{clientAddr: r.RemoteAddr, scheme: "http", proto: r.Proto}
	x := p.newExchange(meta, r, nil)
	u := *r.URL
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), "80")
	}
	meta.target = u.Host
	resp, err := p.forward(r.Context(), x, r, &u)
	if err != nil {
		return r, goproxy.NewResponse(r, goproxy.ContentTypeText, http.StatusBadGateway, "ceping proxy: upstream error: "+err.Error()+"\n")
	}
	if resp.StatusCode == http.StatusSwitchingProtocols {
		// WebSocket upgrades are relayed by plainWS (front); any other
		// protocol switch cannot be relayed here
		x.addError("upstream switched protocols without a WebSocket upgrade")
		resp.Body.Close()
		return r, goproxy.NewResponse(r, goproxy.ContentTypeText, http.StatusBadGateway, "ceping proxy: unexpected protocol switch\n")
	}
	resp.Header = forwardHeader(resp.Header, false)
	return r, resp
}
