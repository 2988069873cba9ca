package mitm

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/sirupsen/logrus"
)

// collector is a real Recorder that keeps flows in memory.
type collector struct {
	mu    sync.Mutex
	flows []*evidence.Flow
	ch    chan struct{}
}

func newCollector() *collector { return &collector{ch: make(chan struct{}, 1<<16)} }

func (c *collector) Record(f *evidence.Flow) error {
	c.mu.Lock()
	c.flows = append(c.flows, f)
	c.mu.Unlock()
	select {
	case c.ch <- struct{}{}:
	default:
	}
	return nil
}

func (c *collector) snapshot() []*evidence.Flow {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*evidence.Flow(nil), c.flows...)
}

// wait returns once n flows are recorded (or fails the test).
func (c *collector) wait(t testing.TB, n int) []*evidence.Flow {
	t.Helper()
	deadline := time.After(30 * time.Second)
	for {
		if fl := c.snapshot(); len(fl) >= n {
			return fl
		}
		select {
		case <-c.ch:
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatalf("waited for %d flows, have %d", n, len(c.snapshot()))
		}
	}
}

type rig struct {
	proxy    *Proxy
	ca       *CA
	addr     string
	rec      *collector
	upstream *httptest.Server
}

// newRig starts an upstream HTTPS server (h2 when h2 is set) and a proxy
// that maps example.com to it (ServerIP recorded as 203.0.113.7).
func newRig(t testing.TB, h http.Handler, h2 bool, mod func(*Config)) *rig {
	t.Helper()
	up := httptest.NewUnstartedServer(h)
	up.EnableHTTP2 = h2
	up.StartTLS()
	t.Cleanup(up.Close)
	ca, err := LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(up.Certificate())
	rec := newCollector()
	lg := logrus.New()
	lg.SetLevel(logrus.WarnLevel)
	cfg := Config{
		CA: ca, Recorder: rec, UpstreamRootCAs: pool, Log: lg,
		Resolve:   map[string]string{"example.com": "203.0.113.7"},
		ConnectTo: map[string]string{"example.com": up.Listener.Addr().String()},
	}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go p.Serve(l)
	t.Cleanup(func() { p.Close() })
	return &rig{proxy: p, ca: ca, addr: l.Addr().String(), rec: rec, upstream: up}
}

// client returns an http.Client through the proxy that trusts our CA.
func (r *rig) client(h2 bool) *http.Client {
	pu, _ := url.Parse("http://" + r.addr)
	tr := &http.Transport{
		Proxy:               http.ProxyURL(pu),
		TLSClientConfig:     &tls.Config{RootCAs: r.ca.CertPool(), NextProtos: []string{"http/1.1"}},
		ForceAttemptHTTP2:   h2,
		DisableCompression:  true,
		MaxIdleConnsPerHost: 64,
	}
	if !h2 {
		tr.TLSNextProto = map[string]func(string, *tls.Conn) http.RoundTripper{}
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func headerValues(hs []evidence.Header, name string) []string {
	var out []string
	for _, h := range hs {
		if http.CanonicalHeaderKey(h.Name) == http.CanonicalHeaderKey(name) {
			out = append(out, h.Value)
		}
	}
	return out
}

// newPlainServer starts a plain-HTTP server and returns its address.
func newPlainServer(t testing.TB, h http.Handler) string {
	s := httptest.NewServer(h)
	t.Cleanup(s.Close)
	return s.Listener.Addr().String()
}
