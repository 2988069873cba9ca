package mitm

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"github.com/sirupsen/logrus"
)

// The benchmarks compare, in one run, HTTPS interception by ceping and by
// mitmproxy (mitmdump), with the same Go client, the same local HTTPS
// server and the same concurrency:
//
//	go test -run '^$' -bench 'HTTPSMITM|AddedLatency' -benchtime 20000x ./mitm/

const benchConcurrency = 32

var benchBody = make([]byte, 1024)

type benchEnv struct {
	server   *httptest.Server
	target   string // https://127.0.0.1:PORT/
	upPool   *x509.CertPool
	upPEM    string
	counting atomic.Int64
}

func newBenchEnv(b *testing.B) *benchEnv {
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(benchBody)
	}))
	srv.EnableHTTP2 = true
	srv.StartTLS()
	b.Cleanup(srv.Close)
	pool := x509.NewCertPool()
	pool.AddCert(srv.Certificate())
	dir := b.TempDir()
	pemFile := filepath.Join(dir, "upstream.pem")
	os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw}), 0o644)
	return &benchEnv{server: srv, target: srv.URL + "/bench", upPool: pool, upPEM: pemFile}
}

// ceping starts our proxy with a counting recorder; it returns the proxy
// address and the CA pool a client must trust.
func (e *benchEnv) ceping(b *testing.B) (string, *x509.CertPool) {
	ca, err := LoadOrCreateCA(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	lg := logrus.New()
	lg.SetLevel(logrus.ErrorLevel)
	p, err := New(Config{CA: ca, UpstreamRootCAs: e.upPool, Log: lg,
		Recorder: RecorderFunc(func(f *evidence.Flow) error {
			if f.Status == 200 && f.RespBody.Size == int64(len(benchBody)) {
				e.counting.Add(1)
			}
			return nil
		})})
	if err != nil {
		b.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go p.Serve(l)
	b.Cleanup(func() { p.Close() })
	return l.Addr().String(), ca.CertPool()
}

// mitmproxy starts mitmdump on a free port with its own confdir.
func (e *benchEnv) mitmproxy(b *testing.B) (string, *x509.CertPool) {
	bin := testutil.NeedTool(b, "mitmdump", "mitmproxy")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	conf := b.TempDir()
	cmd := exec.Command(bin, "--listen-host", "127.0.0.1", "--listen-port", fmt.Sprint(port),
		"--set", "confdir="+conf, "--set", "ssl_verify_upstream_trusted_ca="+e.upPEM, "-q")
	cmd.Stdout, cmd.Stderr = io.Discard, io.Discard
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	caFile := filepath.Join(conf, "mitmproxy-ca-cert.pem")
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			if _, err := os.Stat(caFile); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			b.Fatalf("mitmdump did not start on %s", addr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	caPEM, err := os.ReadFile(caFile)
	if err != nil {
		b.Fatal(err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		b.Fatal("mitmproxy CA unreadable")
	}
	return addr, pool
}

// benchClient is the one client configuration used for every target:
// HTTP/1.1 keep-alive, benchConcurrency connections.
func benchClient(proxyAddr string, roots *x509.CertPool) *http.Client {
	tr := &http.Transport{
		TLSClientConfig:     &tls.Config{RootCAs: roots},
		MaxIdleConnsPerHost: benchConcurrency,
		MaxConnsPerHost:     benchConcurrency,
		TLSNextProto:        map[string]func(string, *tls.Conn) http.RoundTripper{},
	}
	if proxyAddr != "" {
		pu, _ := url.Parse("http://" + proxyAddr)
		tr.Proxy = http.ProxyURL(pu)
	}
	return &http.Client{Transport: tr, Timeout: 30 * time.Second}
}

func get(c *http.Client, u string) error {
	resp, err := c.Get(u)
	if err != nil {
		return err
	}
	n, err := io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if err == nil && (resp.StatusCode != 200 || n != int64(len(benchBody))) {
		err = fmt.Errorf("status %d, %d bytes", resp.StatusCode, n)
	}
	return err
}

// throughput runs b.N requests over benchConcurrency goroutines.
func throughput(b *testing.B, c *http.Client, u string) {
	// warm up: connections, TLS sessions, leaf certificates
	var wg sync.WaitGroup
	for i := 0; i < benchConcurrency; i++ {
		wg.Add(1)
		go func() { defer wg.Done(); get(c, u) }()
	}
	wg.Wait()
	var next atomic.Int64
	var failed atomic.Value
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < benchConcurrency; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(b.N) {
				if err := get(c, u); err != nil {
					failed.Store(err)
					return
				}
			}
		}()
	}
	wg.Wait()
	el := time.Since(start)
	b.StopTimer()
	if err, ok := failed.Load().(error); ok {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/el.Seconds(), "req/s")
}

func BenchmarkHTTPSMITM(b *testing.B) {
	e := newBenchEnv(b)
	b.Run("direct", func(b *testing.B) {
		throughput(b, benchClient("", e.upPool), e.target)
	})
	b.Run("ceping", func(b *testing.B) {
		addr, roots := e.ceping(b)
		before := e.counting.Load()
		throughput(b, benchClient(addr, roots), e.target)
		if rec := e.counting.Load() - before; rec < int64(b.N) {
			// flows are recorded when each response ends; allow a moment
			time.Sleep(200 * time.Millisecond)
			if rec = e.counting.Load() - before; rec < int64(b.N) {
				b.Fatalf("recorded %d of %d exchanges", rec, b.N)
			}
		}
	})
	b.Run("mitmproxy", func(b *testing.B) {
		addr, roots := e.mitmproxy(b)
		throughput(b, benchClient(addr, roots), e.target)
	})
}

// BenchmarkAddedLatency alternates sequential requests direct and through
// the proxy on warm connections and reports the median of each and the
// median added latency.
func BenchmarkAddedLatency(b *testing.B) {
	e := newBenchEnv(b)
	run := func(b *testing.B, addr string, roots *x509.CertPool) {
		direct := benchClient("", e.upPool)
		proxied := benchClient(addr, roots)
		get(direct, e.target)
		get(proxied, e.target)
		dd := make([]time.Duration, 0, b.N)
		pd := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			t0 := time.Now()
			if err := get(direct, e.target); err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := get(proxied, e.target); err != nil {
				b.Fatal(err)
			}
			dd = append(dd, t1.Sub(t0))
			pd = append(pd, time.Since(t1))
		}
		b.StopTimer()
		md, mp := median(dd), median(pd)
		b.ReportMetric(float64(md.Microseconds()), "direct-median-µs")
		b.ReportMetric(float64(mp.Microseconds()), "proxied-median-µs")
		b.ReportMetric(float64((mp - md).Microseconds()), "added-median-µs")
	}
	b.Run("ceping", func(b *testing.B) {
		addr, roots := e.ceping(b)
		run(b, addr, roots)
	})
	b.Run("mitmproxy", func(b *testing.B) {
		addr, roots := e.mitmproxy(b)
		run(b, addr, roots)
	})
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	s := append([]time.Duration(nil), d...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	return s[len(s)/2]
}
