package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/session"
)

// TestCaptureLiveInterface: with --iface lo, plain HTTP that bypasses the
// proxy is recorded from the packets, and the proxy's own connections are
// left to the proxy. Needs a packet socket (root or CAP_NET_RAW).
func TestCaptureLiveInterface(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		fmt.Fprint(w, "ok")
	}))
	defer srv.Close()
	dir := filepath.Join(t.TempDir(), "sess")
	ready := make(chan string, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var out syncBuffer
	done := make(chan error, 1)
	go func() {
		done <- runCapture(ctx, captureOptions{session: dir, listen: "127.0.0.1:0", caDir: t.TempDir(), noKeys: true, iface: "lo",
			ready: func(a string) { ready <- a }}, &out)
	}()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the packet socket is open
	if strings.Contains(out.String(), "CAP_NET_RAW") {
		cancel()
		<-done
		t.Skip("no packet socket here (needs root or CAP_NET_RAW)")
	}
	// Direct, not through the proxy: only the packet capture sees it.
	resp, err := http.Post(srv.URL+"/v1/report?imei=867543031234561", "application/json", strings.NewReader(`{"a":1}`))
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	time.Sleep(1500 * time.Millisecond) // one live update
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "stopped (needs root") {
		t.Skip("no packet socket here: " + out.String())
	}
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	fs, err := st.Flows(session.FlowQuery{})
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, f := range fs {
		if f.Source == "pcap" && strings.Contains(f.URL, "/v1/report") && f.Method == "POST" {
			found = true
		}
	}
	if !found {
		t.Fatalf("no pcap flow for the direct request among %d flows; output:\n%s", len(fs), out.String())
	}
}
