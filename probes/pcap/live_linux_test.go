//go:build linux

package pcap

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestLiveLoopback captures on lo while a real HTTP client talks to a real
// server on loopback, and expects the exchange as a flow. Skips when the
// process may not open a packet socket.
func TestLiveLoopback(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, "live-ok")
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	var final *Result
	var flows int
	done := make(chan error, 1)
	go func() {
		done <- Live(ctx, "lo", func(u LiveUpdate) {
			flows += len(u.Flows)
			if u.Final != nil {
				final = u.Final
			}
		})
	}()
	time.Sleep(300 * time.Millisecond)
	select {
	case err := <-done:
		cancel()
		if errors.Is(err, syscall.EPERM) || errors.Is(err, os.ErrPermission) || strings.Contains(err.Error(), "operation not permitted") {
			t.Skipf("live capture not permitted here: %v", err)
		}
		t.Fatal(err)
	default:
	}
	tr := &http.Transport{DisableKeepAlives: true}
	resp, err := (&http.Client{Transport: tr}).Get(srv.URL + "/live?x=1")
	if err != nil {
		t.Fatal(err)
	}
	io.ReadAll(resp.Body)
	resp.Body.Close()
	time.Sleep(1500 * time.Millisecond)
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if final == nil {
		t.Fatal("no final update")
	}
	var found bool
	for _, f := range final.Flows {
		if strings.HasSuffix(f.URL, "/live?x=1") && f.Status == 200 && string(f.RespBody.Raw) == "live-ok" {
			found = true
		}
	}
	for _, c := range final.Conns {
		t.Logf("conn %s:%d up %d down %d", c.DstIP, c.DstPort, c.BytesUp, c.BytesDown)
	}
	if !found || flows == 0 {
		t.Errorf("flow not captured live: %d updates' flows, final %d flows, %d packets", flows, len(final.Flows), final.Packets)
	}
}
