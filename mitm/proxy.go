// Package mitm is ceping's intercepting proxy: an HTTP(S) proxy (built on
// github.com/elazarl/goproxy) that decrypts HTTPS with the installation's own
// CA, forwards every exchange unchanged and hands each finished exchange to a
// Recorder as an evidence.Flow. It knows nothing of personal information,
// units or storage.
package mitm

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/elazarl/goproxy"
	"github.com/sirupsen/logrus"
	"golang.org/x/net/http2"
)

// Recorder receives every finished exchange, once. It is called from the
// proxy's connection goroutines, concurrently; it must be safe for that.
type Recorder interface {
	Record(f *evidence.Flow) error
}

// RecorderFunc adapts a function to Recorder.
type RecorderFunc func(f *evidence.Flow) error

// Record calls f.
func (f RecorderFunc) Record(fl *evidence.Flow) error { return f(fl) }

// CAHost is the fixed name that serves the CA install page through the proxy
// (http://ceping.ca/).
const CAHost = "ceping.ca"

// DefaultBodyCap is the default number of body bytes kept per message.
const DefaultBodyCap = 16 << 20

// Config configures a Proxy.
type Config struct {
	// CA signs the certificates presented to the app (required).
	CA *CA
	// Recorder receives each finished exchange (required).
	Recorder Recorder
	// OnFlow, when set, is called after each flow was recorded (for the live
	// terminal line). Record errors are passed too.
	OnFlow func(f *evidence.Flow, recordErr error)

	// NoMITM lists hosts (globs such as *.example.com) that are tunnelled
	// untouched and recorded at connection level only.
	NoMITM []string
	// Resolve maps HOST (or HOST:PORT) to the IP to connect to, like curl
	// --resolve; the recorded ServerIP is that IP.
	Resolve map[string]string
	// ConnectTo maps HOST (or HOST:PORT) to ADDR (host or host:port) that is
	// actually dialled instead; the recorded ServerIP stays the resolved IP
	// of HOST (from Resolve when given, else from DNS).
	ConnectTo map[string]string
	// Upstream is an optional upstream HTTP proxy URL (http://host:port).
	Upstream string
	// UpstreamRootCAs verifies upstream servers (nil: the system roots).
	UpstreamRootCAs *x509.CertPool
	// InsecureUpstream skips verification of upstream certificates.
	InsecureUpstream bool
	// PassthroughAfterFailure tunnels later connections to a host untouched
	// once a client has rejected our certificate for it (certificate
	// pinning), so the app keeps working; they are recorded at connection
	// level.
	PassthroughAfterFailure bool

	// BodyCap is the number of body bytes kept per message (0: DefaultBodyCap).
	BodyCap int64

	// Marker, when set, enables the control endpoint (POST /mark) on
	// 127.0.0.1 with a random token; ControlFile, when set, receives its
	// address and token (0600).
	Marker      func(evidence.Marker) (int64, error)
	ControlFile string

	// CAPageAddr is the proxy's LAN address shown on the CA page (optional).
	CAPageAddr string

	// Log receives diagnostics (nil: logrus.StandardLogger()). It never
	// receives bodies, header values or URLs' queries.
	Log *logrus.Logger
}

// Proxy is a running intercepting proxy.
type Proxy struct {
	cfg     Config
	log     *logrus.Logger
	gp      *goproxy.ProxyHttpServer
	srv     *http.Server
	tr      *http.Transport
	h2      *http2.Server
	dialer  *net.Dialer
	upURL   *url.URL
	bodyCap int64
	ctl     *control

	mu     sync.Mutex
	conns  map[net.Conn]struct{} // hijacked client connections
	closed bool
	wg     sync.WaitGroup

	ctx         context.Context // canceled by Close: ends upstream requests
	cancel      context.CancelFunc
	inflight    atomic.Int64 // exchanges begun and not yet recorded
	pinned      sync.Map     // host → struct{}: clients rejected our certificate
	intercepted sync.Map     // host → struct{}: at least one request intercepted
}

// New builds a proxy from cfg. It starts the control endpoint when
// cfg.Marker is set; Serve starts proxying.
func New(cfg Config) (*Proxy, error) {
	if cfg.CA == nil {
		return nil, errors.New("mitm: Config.CA is required")
	}
	if cfg.Recorder == nil {
		return nil, errors.New("mitm: Config.Recorder is required")
	}
	for _, g := range cfg.NoMITM {
		if _, err := path.Match(strings.ToLower(g), "x"); err != nil {
			return nil, fmt.Errorf("mitm: bad no-mitm pattern %q: %w", g, err)
		}
	}
	for h, ip := range cfg.Resolve {
		if net.ParseIP(ip) == nil {
			return nil, fmt.Errorf("mitm: resolve %s=%s: %q is not an IP address", h, ip, ip)
		}
	}
	p := &Proxy{cfg: cfg, log: cfg.Log, bodyCap: cfg.BodyCap, conns: map[net.Conn]struct{}{}}
	p.ctx, p.cancel = context.WithCancel(context.Background())
	if p.log == nil {
		p.log = logrus.StandardLogger()
	}
	if p.bodyCap <= 0 {
		p.bodyCap = DefaultBodyCap
	}
	if cfg.Upstream != "" {
		u, err := url.Parse(cfg.Upstream)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("mitm: upstream proxy %q: want http://host:port", cfg.Upstream)
		}
		p.upURL = u
	}
	p.dialer = &net.Dialer{Timeout: 15 * time.Second, KeepAlive: 30 * time.Second}
	p.tr = &http.Transport{
		DialContext:           p.dialContext,
		ForceAttemptHTTP2:     true,
		DisableCompression:    true, // keep bodies as sent on the wire
		MaxIdleConns:          1024,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   15 * time.Second,
		ExpectContinueTimeout: time.Second,
		TLSClientConfig:       &tls.Config{RootCAs: cfg.UpstreamRootCAs, InsecureSkipVerify: cfg.InsecureUpstream},
	}
	if p.upURL != nil {
		p.tr.Proxy = http.ProxyURL(p.upURL)
	}
	p.h2 = &http2.Server{IdleTimeout: 2 * time.Minute, MaxConcurrentStreams: 250}

	gp := goproxy.NewProxyHttpServer()
	gp.Verbose = false
	gp.Logger = logAdapter{p.log}
	gp.Tr = p.tr
	gp.KeepAcceptEncoding = true
	gp.KeepHeader = true
	gp.NonproxyHandler = http.HandlerFunc(p.serveCAPage)
	gp.OnRequest().HandleConnectFunc(func(host string, ctx *goproxy.ProxyCtx) (*goproxy.ConnectAction, string) {
		return &goproxy.ConnectAction{Action: goproxy.ConnectHijack, Hijack: p.hijackConnect}, host
	})
	gp.OnRequest().DoFunc(p.plainHTTP)
	p.gp = gp

	p.srv = &http.Server{
		Handler:           http.HandlerFunc(p.front),
		ReadHeaderTimeout: 30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		BaseContext:       func(net.Listener) context.Context { return p.ctx },
	}
	if cfg.Marker != nil {
		ctl, err := startControl(cfg.Marker, cfg.ControlFile, p.log)
		if err != nil {
			return nil, err
		}
		p.ctl = ctl
	}
	return p, nil
}

// Serve accepts proxy clients on l until Close.
func (p *Proxy) Serve(l net.Listener) error {
	err := p.srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// ControlAddr and ControlToken describe the control endpoint ("" when off).
func (p *Proxy) ControlAddr() string {
	if p.ctl == nil {
		return ""
	}
	return p.ctl.addr
}

// ControlToken is the bearer token of the control endpoint.
func (p *Proxy) ControlToken() string {
	if p.ctl == nil {
		return ""
	}
	return p.ctl.token
}

// Close stops accepting, closes every client connection, waits for the
// exchanges in progress to be recorded (partial ones with Error set) and
// stops the control endpoint.
func (p *Proxy) Close() error {
	p.mu.Lock()
	p.closed = true
	p.cancel()
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	err := p.srv.Close()
	p.wg.Wait()
	// HTTP/2 and plain-HTTP handlers may outlive their connection by a
	// moment: wait for every exchange begun to be recorded
	for deadline := time.Now().Add(10 * time.Second); p.inflight.Load() > 0 && time.Now().Before(deadline); {
		time.Sleep(5 * time.Millisecond)
	}
	if n := p.inflight.Load(); n > 0 {
		p.log.Warnf("closing with %d exchanges not recorded", n)
	}
	p.tr.CloseIdleConnections()
	if p.ctl != nil {
		if cerr := p.ctl.close(); err == nil {
			err = cerr
		}
	}
	return err
}

// track registers a hijacked connection so Close can end it; it reports
// false when the proxy is closing.
func (p *Proxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		return false
	}
	p.conns[c] = struct{}{}
	p.wg.Add(1)
	return true
}

func (p *Proxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	p.wg.Done()
}

// front dispatches: the CA page for http://ceping.ca/ through the proxy,
// everything else to goproxy (CONNECT, absolute-URI proxy requests, and
// direct requests, which goproxy hands to the CA page handler).
func (p *Proxy) front(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodConnect && r.URL.IsAbs() && strings.EqualFold(hostOnly(r.URL.Host), CAHost) {
		p.serveCAPage(w, r)
		return
	}
	if isPlainWSRequest(r) {
		p.plainWS(w, r)
		return
	}
	p.gp.ServeHTTP(w, r)
}

// record hands a finished flow to the recorder and OnFlow.
func (p *Proxy) record(f *evidence.Flow) {
	err := p.cfg.Recorder.Record(f)
	if err != nil {
		p.log.WithError(err).WithField("host", f.Host).Warn("recording a flow failed")
	}
	if p.cfg.OnFlow != nil {
		p.cfg.OnFlow(f, err)
	}
}

// noMITM reports whether host matches a NoMITM glob.
func (p *Proxy) noMITM(host string) bool {
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if host == "" {
		return false
	}
	for _, g := range p.cfg.NoMITM {
		g = strings.ToLower(g)
		if ok, _ := path.Match(g, host); ok {
			return true
		}
		// *.example.com also covers example.com's subdomains at any depth
		if strings.HasPrefix(g, "*.") && strings.HasSuffix(host, g[1:]) {
			return true
		}
	}
	return false
}

// hostOnly strips a port and IPv6 brackets.
func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return strings.Trim(hostport, "[]")
}

type logAdapter struct{ l *logrus.Logger }

func (a logAdapter) Printf(format string, v ...any) { a.l.Debugf("goproxy: "+format, v...) }
