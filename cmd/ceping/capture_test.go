package main

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/mitm"
	"github.com/ceping/ceping/session"
)

// syncBuffer is a goroutine-safe bytes.Buffer for captured output.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func upstreamTLS(t testing.TB, h http.Handler) (*httptest.Server, *x509.CertPool) {
	up := httptest.NewUnstartedServer(h)
	up.EnableHTTP2 = true
	up.StartTLS()
	t.Cleanup(up.Close)
	pool := x509.NewCertPool()
	pool.AddCert(up.Certificate())
	return up, pool
}

func proxyClient(proxyAddr string, roots *x509.CertPool) *http.Client {
	pu, _ := url.Parse("http://" + proxyAddr)
	return &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{
		Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: roots}, ForceAttemptHTTP2: true}}
}

func TestCaptureCommandRecordsFlowsAndMarks(t *testing.T) {
	up, pool := upstreamTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "got %d bytes", len(b))
	}))
	dir := filepath.Join(t.TempDir(), "sess")
	caDir := t.TempDir()
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runCapture(ctx, captureOptions{
			session: dir, listen: "127.0.0.1:0", caDir: caDir, noKeys: true,
			resolve:       []string{"api.example.com=203.0.113.50"},
			connectTo:     []string{"api.example.com=" + up.Listener.Addr().String()},
			upstreamRoots: pool,
			ready:         func(a string) { ready <- a },
		}, &out)
	}()
	var addr string
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	ca, err := mitm.LoadOrCreateCA(caDir)
	if err != nil {
		t.Fatal(err)
	}
	// a second capture in the same session is refused
	if err := runCapture(context.Background(), captureOptions{session: dir, listen: "127.0.0.1:0", caDir: caDir, noKeys: true}, io.Discard); err == nil || !strings.Contains(err.Error(), "already running") {
		t.Fatalf("second capture: %v", err)
	}
	stdout, _, err := runInProcess(t, "mark", "--session", dir, "consent")
	if err != nil || !strings.Contains(stdout, "sent to the running capture") {
		t.Fatalf("mark: %q %v", stdout, err)
	}
	cl := proxyClient(addr, ca.CertPool())
	resp, err := cl.Post("https://api.example.com/login?u=1", "application/json", strings.NewReader(`{"phone":"13800000000"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "got 23 bytes" {
		t.Fatalf("body %q", body)
	}
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(out.String(), "api.example.com") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	o := out.String()
	for _, want := range []string{"代理地址", "/ca", "POST", "api.example.com", "marker #1 consent", "flows 1"} {
		if !strings.Contains(o, want) {
			t.Fatalf("output lacks %q:\n%s", want, o)
		}
	}
	if strings.Contains(o, "13800000000") {
		t.Fatal("the live output shows a body")
	}
	if _, err := os.Stat(filepath.Join(dir, controlFileName)); !os.IsNotExist(err) {
		t.Fatalf("control file left behind: %v", err)
	}
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	flows, err := st.Flows(session.FlowQuery{})
	if err != nil || len(flows) != 1 {
		t.Fatalf("flows %d %v", len(flows), err)
	}
	f, err := st.Flow(flows[0].ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if f.ServerIP != "203.0.113.50" || f.URL != "https://api.example.com/login?u=1" || string(f.ReqBody.Raw) != `{"phone":"13800000000"}` || f.Proto != "HTTP/2.0" {
		t.Fatalf("stored flow: ip %s url %s proto %s body %q", f.ServerIP, f.URL, f.Proto, f.ReqBody.Raw)
	}
	ms, err := st.Markers()
	if err != nil || len(ms) != 1 || ms[0].Kind != evidence.MarkConsent {
		t.Fatalf("markers %+v %v", ms, err)
	}
}

func TestMarkWithoutCaptureWritesStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	st, err := session.Create(dir, session.Meta{App: "com.example"})
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	stdout, _, err := runInProcess(t, "mark", "--session", dir, "feature-start", "扫码")
	if err != nil || !strings.Contains(stdout, "no capture is running") {
		t.Fatalf("%q %v", stdout, err)
	}
	// a stale control file (capture killed) falls back to the store too
	os.WriteFile(filepath.Join(dir, controlFileName), []byte(`{"addr":"127.0.0.1:1","token":"x"}`), 0o600)
	stdout, _, err = runInProcess(t, "mark", "--session", dir, "note", "二次 test")
	if err != nil || !strings.Contains(stdout, "no capture is running") {
		t.Fatalf("stale control file: %q %v", stdout, err)
	}
	_, _, err = runInProcess(t, "mark", "--session", dir, "feature-start")
	if err == nil || !strings.Contains(err.Error(), "needs an argument") {
		t.Fatalf("missing argument: %v", err)
	}
	_, _, err = runInProcess(t, "mark", "--session", dir, "lunch")
	if err == nil || !strings.Contains(err.Error(), "unknown marker kind") {
		t.Fatalf("bad kind: %v", err)
	}
	st, err = session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ms, _ := st.Markers()
	if len(ms) != 2 || ms[0].Kind != evidence.MarkFeatureStart || ms[0].Arg != "扫码" || ms[1].Arg != "二次 test" {
		t.Fatalf("markers %+v", ms)
	}
}

func TestCAExportAndPath(t *testing.T) {
	caDir := filepath.Join(t.TempDir(), "ca")
	outFile := filepath.Join(t.TempDir(), "ca.crt")
	if _, _, err := runInProcess(t, "ca", "export", "--ca-dir", caDir, "--format", "der", "--out", outFile); err != nil {
		t.Fatal(err)
	}
	der, _ := os.ReadFile(outFile)
	cert, err := x509.ParseCertificate(der)
	if err != nil || !cert.IsCA {
		t.Fatalf("exported DER: %v", err)
	}
	pemOut, _, err := runInProcess(t, "ca", "export", "--ca-dir", caDir, "--format", "pem", "--out", "")
	if err != nil || !strings.HasPrefix(pemOut, "-----BEGIN CERTIFICATE-----") || strings.Contains(pemOut, "PRIVATE") {
		t.Fatalf("pem export: %v %q", err, pemOut)
	}
	p, _, err := runInProcess(t, "ca", "path", "--ca-dir", caDir)
	if err != nil || strings.TrimSpace(p) != filepath.Join(caDir, mitm.CACertFile) {
		t.Fatalf("path %q %v", p, err)
	}
	if _, _, err := runInProcess(t, "ca", "export", "--ca-dir", caDir, "--format", "p12"); err == nil {
		t.Fatal("bad format accepted")
	}
}

// TestProxyLoadIntoSessionStore: 500 concurrent client connections × 20
// HTTPS requests each through the intercepting proxy into a real session
// store: exactly 10 000 flows, each recorded once.
func TestProxyLoadIntoSessionStore(t *testing.T) {
	if testing.Short() {
		t.Skip("load test skipped with -short")
	}
	const conns, perConn = 500, 20
	up, pool := upstreamTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(r.URL.Path))
	}))
	dir := filepath.Join(t.TempDir(), "load")
	st, err := session.Create(dir, session.Meta{App: "load"})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ca, err := mitm.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var recErrs sync.Map
	px, err := mitm.New(mitm.Config{
		CA: ca,
		Recorder: mitm.RecorderFunc(func(f *evidence.Flow) error {
			_, err := st.AddFlow(f)
			if err != nil {
				recErrs.Store(f.URL, err)
			}
			return err
		}),
		UpstreamRootCAs: pool,
		Resolve:         map[string]string{"load.example.com": "203.0.113.99"},
		ConnectTo:       map[string]string{"load.example.com": up.Listener.Addr().String()},
	})
	if err != nil {
		t.Fatal(err)
	}
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	go px.Serve(l)
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, conns)
	for c := 0; c < conns; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pu, _ := url.Parse("http://" + l.Addr().String())
			tr := &http.Transport{Proxy: http.ProxyURL(pu), TLSClientConfig: &tls.Config{RootCAs: ca.CertPool()},
				MaxConnsPerHost: 1, ForceAttemptHTTP2: c%2 == 0}
			defer tr.CloseIdleConnections()
			cl := &http.Client{Transport: tr, Timeout: 60 * time.Second}
			for i := 0; i < perConn; i++ {
				p := fmt.Sprintf("/load/%d/%d", c, i)
				resp, err := cl.Get("https://load.example.com" + p)
				if err != nil {
					errs <- err
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if string(b) != p {
					errs <- fmt.Errorf("%s: body %q", p, b)
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	elapsed := time.Since(start)
	if err := px.Close(); err != nil {
		t.Fatal(err)
	}
	recErrs.Range(func(k, v any) bool { t.Fatalf("recording %v: %v", k, v); return false })
	flows, err := st.Flows(session.FlowQuery{})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, f := range flows {
		seen[f.URL]++
		if f.Status != 200 || f.ServerIP != "203.0.113.99" || f.NotIntercepted {
			t.Fatalf("flow %s: status %d ip %s", f.URL, f.Status, f.ServerIP)
		}
	}
	if len(flows) != conns*perConn || len(seen) != conns*perConn {
		t.Fatalf("%d flows, %d distinct URLs; want %d each", len(flows), len(seen), conns*perConn)
	}
	for c := 0; c < conns; c++ {
		for i := 0; i < perConn; i++ {
			if n := seen[fmt.Sprintf("https://load.example.com/load/%d/%d", c, i)]; n != 1 {
				t.Fatalf("request %d/%d recorded %d times", c, i, n)
			}
		}
	}
	t.Logf("%d requests over %d connections in %v (%.0f req/s, into the session store)", conns*perConn, conns, elapsed, float64(conns*perConn)/elapsed.Seconds())
}
