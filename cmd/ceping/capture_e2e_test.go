package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/tls"
	"io"
	"net/http"
	"net/url"
	"path/filepath"
	"testing"
	"time"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"

	"github.com/ceping/ceping/mitm"
	"github.com/ceping/ceping/session"
)

// TestCaptureEndToEndBodies drives real HTTP/1.1 and HTTP/2 clients through
// the real proxy (ceping capture) to a local HTTPS server: request bodies and
// compressed response bodies (gzip, br, zstd) come back byte-exact in the
// session store, and the store holds their decoded form. Several requests
// with bodies share each keep-alive connection.
func TestCaptureEndToEndBodies(t *testing.T) {
	plain := make([]byte, 200<<10)
	rand.Read(plain[:100<<10]) // half random, half zeros: compressible but not trivial
	enc := map[string][]byte{}
	var b bytes.Buffer
	gw := gzip.NewWriter(&b)
	gw.Write(plain)
	gw.Close()
	enc["gzip"] = append([]byte(nil), b.Bytes()...)
	b.Reset()
	bw := brotli.NewWriter(&b)
	bw.Write(plain)
	bw.Close()
	enc["br"] = append([]byte(nil), b.Bytes()...)
	zw, _ := zstd.NewWriter(nil)
	enc["zstd"] = zw.EncodeAll(plain, nil)

	up, pool := upstreamTLS(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		ce := r.URL.Query().Get("ce")
		w.Header().Set("Content-Encoding", ce)
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(enc[ce])
	}))
	dir := filepath.Join(t.TempDir(), "sess")
	caDir := t.TempDir()
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		done <- runCapture(ctx, captureOptions{session: dir, listen: "127.0.0.1:0", caDir: caDir, noKeys: true,
			resolve: []string{"cdn.example.com=106.11.248.1"}, connectTo: []string{"cdn.example.com=" + up.Listener.Addr().String()},
			upstreamRoots: pool, ready: func(a string) { ready <- a }}, io.Discard)
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
	reqBody := make([]byte, 150<<10)
	rand.Read(reqBody)
	pu, _ := url.Parse("http://" + addr)
	sent := 0
	for _, h2 := range []bool{false, true} {
		cl := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{Proxy: http.ProxyURL(pu),
			TLSClientConfig: &tls.Config{RootCAs: ca.CertPool()}, ForceAttemptHTTP2: h2, DisableCompression: true}}
		for _, ce := range []string{"gzip", "br", "zstd"} {
			resp, err := cl.Post("https://cdn.example.com/blob?ce="+ce, "application/octet-stream", bytes.NewReader(reqBody))
			if err != nil {
				t.Fatal(err)
			}
			got, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(got, enc[ce]) {
				t.Fatalf("%s: the client got %d bytes, want the %d sent", ce, len(got), len(enc[ce]))
			}
			sent++
		}
		cl.CloseIdleConnections()
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs, err := st.Flows(session.FlowQuery{})
	if err != nil || len(fs) != sent {
		t.Fatalf("%d flows stored for %d requests (%v)", len(fs), sent, err)
	}
	protos := map[string]int{}
	for _, meta := range fs {
		f, err := st.Flow(meta.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		ce := f.URL[len(f.URL)-len("gzip"):]
		if f.URL[len(f.URL)-2:] == "br" {
			ce = "br"
		}
		protos[f.Proto]++
		if !bytes.Equal(f.ReqBody.Raw, reqBody) {
			t.Errorf("flow %d %s: request body %d bytes, not byte-exact", f.ID, f.Proto, len(f.ReqBody.Raw))
		}
		if !bytes.Equal(f.RespBody.Raw, enc[ce]) {
			t.Errorf("flow %d %s %s: raw response body %d bytes, want the %d on the wire", f.ID, f.Proto, ce, len(f.RespBody.Raw), len(enc[ce]))
		}
		if !bytes.Equal(f.RespBody.Decoded, plain) || f.RespBody.DecodeError != "" {
			t.Errorf("flow %d %s %s: decoded body %d bytes (%s), want the %d plain bytes", f.ID, f.Proto, ce, len(f.RespBody.Decoded), f.RespBody.DecodeError, len(plain))
		}
		if f.ServerIP != "106.11.248.1" {
			t.Errorf("flow %d: server IP %s", f.ID, f.ServerIP)
		}
	}
	if protos["HTTP/1.1"] != 3 || protos["HTTP/2.0"] != 3 {
		t.Errorf("protocols %v, want 3 HTTP/1.1 and 3 HTTP/2.0", protos)
	}
}
