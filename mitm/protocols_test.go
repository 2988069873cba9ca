package mitm

import (
	"bytes"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/websocket"
)

func TestHTTP2MITM(t *testing.T) {
	r := newRig(t, echoHandler(), true, nil)
	cl := r.client(true)
	cl.Transport.(*http.Transport).TLSClientConfig.NextProtos = []string{"h2", "http/1.1"}
	// one request first, so the concurrent ones share its connection (Go's
	// transport would otherwise dial spare connections and drop them)
	warm, err := cl.Get("https://example.com/warm")
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, warm.Body)
	warm.Body.Close()
	r.rec.wait(t, 1)
	const n = 8
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		bodies[i] = make([]byte, 10<<10*(i+1))
		rand.Read(bodies[i])
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := cl.Post(fmt.Sprintf("https://example.com/h2/%d", i), "application/octet-stream", bytes.NewReader(bodies[i]))
			if err != nil {
				t.Error(err)
				return
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.ProtoMajor != 2 {
				t.Errorf("client spoke %s to the proxy, want HTTP/2", resp.Proto)
			}
			if seen := resp.Header.Get("X-Seen"); !strings.HasSuffix(seen, "HTTP/2.0") {
				t.Errorf("upstream saw %q, want HTTP/2.0", seen)
			}
		}()
	}
	wg.Wait()
	flows := r.rec.wait(t, n+1)
	for _, f := range flows[1:] {
		var i int
		if _, err := fmt.Sscanf(f.URL, "https://example.com/h2/%d", &i); err != nil {
			t.Fatalf("URL %q: %+v", f.URL, f)
		}
		if f.Proto != "HTTP/2.0" || f.ALPN != "h2" || f.Status != 200 {
			t.Fatalf("flow %d: proto %q alpn %q status %d", i, f.Proto, f.ALPN, f.Status)
		}
		if !bytes.Equal(f.ReqBody.Raw, bodies[i]) || len(f.RespBody.Raw) != len(bodies[i]) || f.RespBody.Raw[0] != bodies[i][len(bodies[i])-1] {
			t.Fatalf("flow %d: bodies not exact", i)
		}
		if f.ServerIP != "203.0.113.7" {
			t.Fatalf("server IP %q", f.ServerIP)
		}
	}
}

func TestWebSocketRecorded(t *testing.T) {
	mux := http.NewServeMux()
	mux.Handle("/ws", websocket.Handler(func(c *websocket.Conn) {
		for {
			var msg string
			if err := websocket.Message.Receive(c, &msg); err != nil {
				return
			}
			websocket.Message.Send(c, "echo:"+msg)
		}
	}))
	r := newRig(t, mux, false, nil)
	tc := rawTLSThroughProxy(t, r, "example.com", []string{"http/1.1"})
	cfg, _ := websocket.NewConfig("wss://example.com/ws", "https://example.com")
	ws, err := websocket.NewClient(cfg, tc)
	if err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("x", 70000) // 64-bit length form
	for _, m := range []string{"hello", "世界", big} {
		if err := websocket.Message.Send(ws, m); err != nil {
			t.Fatal(err)
		}
		var back string
		if err := websocket.Message.Receive(ws, &back); err != nil || back != "echo:"+m {
			t.Fatalf("echo %q (%v)", back[:min(len(back), 20)], err)
		}
	}
	if err := websocket.Message.Send(ws, []byte{0, 1, 2}); err != nil {
		t.Fatal(err)
	}
	var bin string
	websocket.Message.Receive(ws, &bin)
	ws.Close()
	f := r.rec.wait(t, 1)[0]
	if f.Scheme != "wss" || f.Status != 101 || f.URL != "https://example.com/ws" {
		t.Fatalf("flow scheme %q status %d url %q", f.Scheme, f.Status, f.URL)
	}
	type m struct {
		app  bool
		op   int
		data string
	}
	var got []m
	for _, w := range f.WebSocket {
		if w.Opcode == wsClose {
			continue
		}
		got = append(got, m{w.FromApp, w.Opcode, string(w.Data)})
		if w.Size != int64(len(w.Data)) || w.Time.IsZero() {
			t.Fatalf("message size %d, %d bytes kept, time %v", w.Size, len(w.Data), w.Time)
		}
	}
	want := []m{{true, 1, "hello"}, {false, 1, "echo:hello"}, {true, 1, "世界"}, {false, 1, "echo:世界"},
		{true, 1, big}, {false, 1, "echo:" + big}, {true, 2, "\x00\x01\x02"}}
	if len(got) < len(want) {
		t.Fatalf("recorded %d messages, want at least %d", len(got), len(want))
	}
	for i, w := range want {
		if got[i] != w {
			t.Fatalf("message %d: app %v op %d %d bytes; want app %v op %d %d bytes", i, got[i].app, got[i].op, len(got[i].data), w.app, w.op, len(w.data))
		}
	}
	if f.BytesUp < 70000 || f.BytesDown < 70000 {
		t.Fatalf("bytes up %d down %d", f.BytesUp, f.BytesDown)
	}
}

func TestPinningClientRecordedNotIntercepted(t *testing.T) {
	r := newRig(t, echoHandler(), false, func(c *Config) { c.PassthroughAfterFailure = true })
	pu, _ := url.Parse("http://" + r.addr)
	// a client that trusts only the real server's certificate (pins it)
	pins := x509.NewCertPool()
	pins.AddCert(r.upstream.Certificate())
	pinned := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(pu),
		TLSClientConfig: &tls.Config{RootCAs: pins}}}
	_, err := pinned.Get("https://example.com/secret")
	if err == nil {
		t.Fatal("the pinning client accepted our certificate")
	}
	f := r.rec.wait(t, 1)[0]
	if !f.NotIntercepted || f.SNI != "example.com" || f.Host != "example.com" || f.ServerIP != "203.0.113.7" || f.ServerPort != 443 {
		t.Fatalf("pinning flow: %+v", f)
	}
	if f.BytesUp == 0 || f.BytesDown == 0 || f.Error == "" || f.End.Before(f.Start) || f.Method != "" {
		t.Fatalf("pinning flow: up %d down %d err %q", f.BytesUp, f.BytesDown, f.Error)
	}
	// later connections to the pinned host pass through untouched: the app works
	resp, err := pinned.Get("https://example.com/again")
	if err != nil {
		t.Fatalf("pass-through after pinning: %v", err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	pinned.CloseIdleConnections()
	fl := r.rec.wait(t, 2)
	g := fl[1]
	if !g.NotIntercepted || g.SNI != "example.com" || g.Error != "" || g.BytesUp == 0 || g.BytesDown == 0 || g.Method != "" {
		t.Fatalf("pass-through flow: %+v", g)
	}
}

func TestNoMITMTunnelled(t *testing.T) {
	r := newRig(t, echoHandler(), false, func(c *Config) {
		c.NoMITM = []string{"*.example.com"}
		c.Resolve["api.example.com"] = "198.51.100.20"
		c.ConnectTo["api.example.com"] = c.ConnectTo["example.com"]
	})
	pu, _ := url.Parse("http://" + r.addr)
	pool := x509.NewCertPool()
	pool.AddCert(r.upstream.Certificate())
	cl := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(pu),
		TLSClientConfig: &tls.Config{RootCAs: pool}, DisableKeepAlives: true}}
	resp, err := cl.Post("https://api.example.com/x", "text/plain", strings.NewReader("abc"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "cba" || resp.TLS.PeerCertificates[0].Issuer.CommonName == r.ca.Name() {
		t.Fatal("NoMITM host was intercepted")
	}
	f := r.rec.wait(t, 1)[0]
	if !f.NotIntercepted || f.SNI != "api.example.com" || f.ServerIP != "198.51.100.20" || f.Error != "" {
		t.Fatalf("tunnel flow: %+v", f)
	}
	if f.BytesUp < 200 || f.BytesDown < 500 || len(f.ReqBody.Raw) != 0 {
		t.Fatalf("tunnel bytes up %d down %d", f.BytesUp, f.BytesDown)
	}
}

func TestPlainHTTPProxy(t *testing.T) {
	// a plain-HTTP upstream reached as http://tracker.example.net
	plain := newPlainServer(t, echoHandler())
	r := newRig(t, echoHandler(), false, func(c *Config) {
		c.ConnectTo["tracker.example.net"] = plain
		c.Resolve["tracker.example.net"] = "192.0.2.44"
	})
	resp, err := r.client(false).Post("http://tracker.example.net/collect?id=1", "text/plain", strings.NewReader("hello"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(b) != "olleh" {
		t.Fatalf("body %q", b)
	}
	f := r.rec.wait(t, 1)[0]
	if f.Scheme != "http" || f.URL != "http://tracker.example.net/collect?id=1" || f.Host != "tracker.example.net" ||
		f.ServerIP != "192.0.2.44" || f.ServerPort != 80 || string(f.ReqBody.Raw) != "hello" || string(f.RespBody.Raw) != "olleh" {
		t.Fatalf("plain flow: %+v", f)
	}
}

// TestCloseRecordsExchangesInProgress: a response still streaming when the
// proxy closes is recorded, with an error, before Close returns.
func TestCloseRecordsExchangesInProgress(t *testing.T) {
	started := make(chan struct{})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("partial"))
		w.(http.Flusher).Flush()
		close(started)
		<-r.Context().Done()
	})
	for _, h2 := range []bool{false, true} {
		t.Run(fmt.Sprint("h2=", h2), func(t *testing.T) {
			started = make(chan struct{})
			r := newRig(t, h, h2, nil)
			cl := r.client(h2)
			if h2 {
				cl.Transport.(*http.Transport).TLSClientConfig.NextProtos = []string{"h2"}
			}
			go func() {
				resp, err := cl.Get("https://example.com/stream")
				if err == nil {
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
				}
			}()
			<-started
			time.Sleep(50 * time.Millisecond)
			r.proxy.Close()
			fl := r.rec.snapshot()
			if len(fl) != 1 {
				t.Fatalf("%d flows recorded by Close", len(fl))
			}
			if string(fl[0].RespBody.Raw) != "partial" || fl[0].Error == "" || fl[0].Status != 200 {
				t.Fatalf("partial flow: body %q error %q", fl[0].RespBody.Raw, fl[0].Error)
			}
		})
	}
}
