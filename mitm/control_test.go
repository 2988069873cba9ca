package mitm

import (
	"bytes"
	"context"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/ceping/ceping/evidence"
)

func TestControlEndpoint(t *testing.T) {
	var mu sync.Mutex
	var got []evidence.Marker
	file := filepath.Join(t.TempDir(), "control.json")
	r := newRig(t, echoHandler(), false, func(c *Config) {
		c.ControlFile = file
		c.Marker = func(m evidence.Marker) (int64, error) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, m)
			return int64(len(got)), nil
		}
	})
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("control file: %v %v", st, err)
	}
	info, err := ReadControlFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if info.Addr != r.proxy.ControlAddr() || info.Token != r.proxy.ControlToken() || len(info.Token) < 32 {
		t.Fatalf("control info %+v", info)
	}
	if h, _, _ := net.SplitHostPort(info.Addr); h != "127.0.0.1" {
		t.Fatalf("control endpoint on %s, want loopback", info.Addr)
	}
	id, err := PostMark(context.Background(), info, evidence.MarkFeatureStart, "登录")
	if err != nil || id != 1 {
		t.Fatalf("PostMark: %d %v", id, err)
	}
	// wrong and missing tokens
	for _, auth := range []string{"", "Bearer wrong", "Bearer " + strings.ToUpper(info.Token) + "x", "Basic " + info.Token} {
		req, _ := http.NewRequest("POST", "http://"+info.Addr+"/mark", strings.NewReader(`{"kind":"consent"}`))
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("auth %q: status %d, want 401", auth, resp.StatusCode)
		}
	}
	bad := info
	bad.Token = "0000"
	if _, err := PostMark(context.Background(), bad, evidence.MarkConsent, ""); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("wrong token: %v", err)
	}
	// bad input is refused with a reason
	for body, want := range map[string]string{
		`{"kind":"dance"}`:         "unknown marker kind",
		`{"kind":"note"}`:          "needs an argument",
		`{"kind":"consent"`:        "bad JSON",
		`{"kind":"consent","x":1}`: "bad JSON",
	} {
		req, _ := http.NewRequest("POST", "http://"+info.Addr+"/mark", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+info.Token)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 || !strings.Contains(string(b), want) {
			t.Fatalf("%s: %d %s", body, resp.StatusCode, b)
		}
	}
	mu.Lock()
	if len(got) != 1 || got[0].Kind != evidence.MarkFeatureStart || got[0].Arg != "登录" || got[0].Time.IsZero() {
		t.Fatalf("markers %+v", got)
	}
	mu.Unlock()
	r.proxy.Close()
	if _, err := os.Stat(file); !os.IsNotExist(err) {
		t.Fatalf("control file left after Close: %v", err)
	}
}

func TestCAPage(t *testing.T) {
	r := newRig(t, echoHandler(), false, nil)
	check := func(resp *http.Response, err error) []byte {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		return b
	}
	// through the proxy, by the fixed name
	cl := r.client(false)
	page := check(cl.Get("http://ceping.ca/"))
	for _, want := range []string{`href="/ca.crt"`, `href="/ca.pem"`, "安装", "Install", "Android", "iOS"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Fatalf("CA page lacks %q", want)
		}
	}
	resp, err := cl.Get("http://ceping.ca/ca.crt")
	der := check(resp, err)
	if !bytes.Equal(der, r.ca.DER()) || resp.Header.Get("Content-Type") != "application/x-x509-ca-cert" {
		t.Fatalf("ca.crt: %s, %d bytes", resp.Header.Get("Content-Type"), len(der))
	}
	// directly, at the proxy's own address
	page2 := check(http.Get("http://" + r.addr + "/ca"))
	if !bytes.Contains(page2, []byte("/ca.pem")) {
		t.Fatal("direct CA page lacks the PEM link")
	}
	if pem := check(http.Get("http://" + r.addr + "/ca.pem")); !bytes.Equal(pem, r.ca.PEM()) {
		t.Fatal("ca.pem differs")
	}
	// the page escapes what it shows
	if bytes.Contains(page, []byte("<script")) {
		t.Fatal("unexpected script in the page")
	}
	if n := len(r.rec.snapshot()); n != 0 {
		t.Fatalf("CA page requests were recorded as app flows: %d", n)
	}
}
