package mitm

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
)

// isPlainWSRequest reports whether r is a WebSocket upgrade sent to the
// proxy as an absolute-URI proxy request (ws:// through an HTTP proxy).
func isPlainWSRequest(r *http.Request) bool {
	return r.Method != http.MethodConnect && r.URL.IsAbs() && isWebSocketUpgrade(r.Header)
}

// plainWS forwards a ws:// upgrade itself rather than through goproxy's
// relay: the client connection is hijacked, tracked (so Close ends it) and
// relayed by relayWS, the same code that relays wss:// inside a tunnel.
func (p *Proxy) plainWS(w http.ResponseWriter, r *http.Request) {
	u := *r.URL
	scheme, port := "http", "80"
	switch strings.ToLower(u.Scheme) {
	case "https", "wss":
		scheme, port = "https", "443"
	}
	u.Scheme = scheme
	if u.Port() == "" {
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	meta := connMeta{clientAddr: r.RemoteAddr, scheme: scheme, proto: "HTTP/1.1", target: u.Host}
	x := p.newExchange(meta, r, nil)
	x.f.URL = u.Scheme + "://" + r.Host + r.URL.RequestURI()
	ctx, cancel := context.WithCancel(p.ctx)
	defer cancel()
	resp, err := p.forward(ctx, x, r, &u)
	if err != nil {
		http.Error(w, "ceping proxy: upstream error: "+err.Error(), http.StatusBadGateway)
		return
	}
	if resp.StatusCode != http.StatusSwitchingProtocols {
		// the server declined the upgrade: an ordinary response
		tee := resp.Body.(*respTee)
		tee.deferFinish = true
		for k, v := range forwardHeader(resp.Header, false) {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		if _, err := io.Copy(w, resp.Body); err != nil && !tee.eof {
			x.addError("writing response to the client: " + err.Error())
		}
		resp.Body.Close()
		x.finish()
		return
	}
	hj, ok := w.(http.Hijacker)
	if !ok {
		x.addError("the client connection cannot be taken over for the WebSocket relay")
		resp.Body.Close()
		http.Error(w, "ceping proxy: cannot relay a WebSocket on this connection", http.StatusBadGateway)
		return
	}
	conn, brw, err := hj.Hijack()
	if err != nil {
		x.addError("taking over the client connection: " + err.Error())
		resp.Body.Close()
		return
	}
	if !p.track(conn) {
		x.addError("the proxy closed before the WebSocket relay began")
		conn.Close()
		resp.Body.Close()
		return
	}
	defer p.untrack(conn)
	defer conn.Close()
	p.relayWS(conn, brw.Reader, brw.Writer, resp, x)
}
