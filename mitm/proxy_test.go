package mitm

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// echoHandler answers with the request body reversed, a duplicated header
// and the request's method and path.
func echoHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
			b[i], b[j] = b[j], b[i]
		}
		w.Header().Add("X-Dup", "one")
		w.Header().Add("X-Dup", "two")
		w.Header().Set("X-Seen", r.Method+" "+r.URL.RequestURI()+" "+r.Proto)
		w.Write(b)
	})
}

func TestHTTP1MITM(t *testing.T) {
	r := newRig(t, echoHandler(), false, nil)
	body := make([]byte, 300<<10)
	rand.Read(body)
	req, _ := http.NewRequest("POST", "https://example.com/upload?x=1", bytes.NewReader(body))
	req.Header.Set("X-App", "demo")
	resp, err := r.client(false).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || len(got) != len(body) {
		t.Fatalf("status %d, %d bytes", resp.StatusCode, len(got))
	}
	if resp.TLS == nil || resp.TLS.PeerCertificates[0].Issuer.CommonName != r.ca.Name() {
		t.Fatal("response not served with our CA's certificate")
	}
	f := r.rec.wait(t, 1)[0]
	if f.Source != "proxy" || f.Method != "POST" || f.URL != "https://example.com/upload?x=1" || f.Host != "example.com" {
		t.Fatalf("flow: %+v", f)
	}
	if f.Scheme != "https" || f.SNI != "example.com" || f.ALPN != "http/1.1" || f.Proto != "HTTP/1.1" || f.TLSVersion != "TLS 1.3" {
		t.Fatalf("TLS facts: scheme %q sni %q alpn %q proto %q tls %q", f.Scheme, f.SNI, f.ALPN, f.Proto, f.TLSVersion)
	}
	if f.ServerIP != "203.0.113.7" || f.ServerPort != 443 {
		t.Fatalf("server %s:%d, want 203.0.113.7:443", f.ServerIP, f.ServerPort)
	}
	if f.Status != 200 || !bytes.Equal(f.ReqBody.Raw, body) || !bytes.Equal(f.RespBody.Raw, got) || f.RespBody.Size != int64(len(got)) {
		t.Fatalf("bodies not byte-exact: status %d req %d/%d resp %d/%d", f.Status, len(f.ReqBody.Raw), len(body), len(f.RespBody.Raw), len(got))
	}
	if v := headerValues(f.RespHeaders, "X-Dup"); strings.Join(v, ",") != "one,two" {
		t.Fatalf("duplicate response header: %v", v)
	}
	if v := headerValues(f.ReqHeaders, "X-App"); len(v) != 1 || v[0] != "demo" {
		t.Fatalf("request header: %v", v)
	}
	if f.Start.IsZero() || f.FirstByte.Before(f.Start) || f.End.Before(f.FirstByte) || f.Error != "" {
		t.Fatalf("times/error: %v %v %v %q", f.Start, f.FirstByte, f.End, f.Error)
	}
	if f.ClientAddr == "" || !strings.HasPrefix(f.ClientAddr, "127.0.0.1:") {
		t.Fatalf("client addr %q", f.ClientAddr)
	}
}

func TestGzipBodyKeptRaw(t *testing.T) {
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write(bytes.Repeat([]byte(`{"imei":"000000000000000"}`), 200))
	zw.Close()
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Type", "application/json")
		w.Write(gz.Bytes())
	})
	r := newRig(t, h, false, nil)
	up := []byte("gzipped request body")
	var reqGz bytes.Buffer
	zw = gzip.NewWriter(&reqGz)
	zw.Write(up)
	zw.Close()
	req, _ := http.NewRequest("PUT", "https://example.com/z", bytes.NewReader(reqGz.Bytes()))
	req.Header.Set("Content-Encoding", "gzip")
	resp, err := r.client(false).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Equal(got, gz.Bytes()) {
		t.Fatalf("client did not get the gzip bytes unchanged:\n%x\n%x", got, gz.Bytes())
	}
	f := r.rec.wait(t, 1)[0]
	if !bytes.Equal(f.RespBody.Raw, gz.Bytes()) || f.RespBody.Encoding != "gzip" {
		t.Fatalf("response body not raw gzip: %d bytes, encoding %q", len(f.RespBody.Raw), f.RespBody.Encoding)
	}
	if !bytes.Equal(f.ReqBody.Raw, reqGz.Bytes()) || f.ReqBody.Encoding != "gzip" {
		t.Fatalf("request body not raw gzip: encoding %q", f.ReqBody.Encoding)
	}
}

// rawTLSThroughProxy opens a CONNECT tunnel and a TLS session trusting ca.
func rawTLSThroughProxy(t *testing.T, r *rig, host string, alpn []string) *tls.Conn {
	t.Helper()
	c, err := net.Dial("tcp", r.addr)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(c, "CONNECT %s:443 HTTP/1.1\r\nHost: %s:443\r\n\r\n", host, host)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("CONNECT: %v %v", resp, err)
	}
	tc := tls.Client(c, &tls.Config{ServerName: host, RootCAs: r.ca.CertPool(), NextProtos: alpn})
	if err := tc.Handshake(); err != nil {
		t.Fatal(err)
	}
	return tc
}

func TestHeaderOrderAndDuplicatesKept(t *testing.T) {
	r := newRig(t, echoHandler(), false, nil)
	tc := rawTLSThroughProxy(t, r, "example.com", nil)
	defer tc.Close()
	raw := "GET /order HTTP/1.1\r\nHost: example.com\r\nZ-Last: 1\r\nCookie: a=1\r\nA-First: 2\r\nCookie: b=2\r\nX-Folded: part1\r\n  part2\r\nUser-Agent: okhttp/4\r\n\r\n"
	io.WriteString(tc, raw)
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("%v %v", resp, err)
	}
	io.Copy(io.Discard, resp.Body)
	f := r.rec.wait(t, 1)[0]
	var names []string
	for _, h := range f.ReqHeaders {
		names = append(names, h.Name)
	}
	want := "Host,Z-Last,Cookie,A-First,Cookie,X-Folded,User-Agent"
	if strings.Join(names, ",") != want {
		t.Fatalf("request headers in order %v, want %s", names, want)
	}
	if v := headerValues(f.ReqHeaders, "Cookie"); strings.Join(v, "|") != "a=1|b=2" {
		t.Fatalf("cookies %v", v)
	}
	if v := headerValues(f.ReqHeaders, "X-Folded"); len(v) != 1 || v[0] != "part1 part2" {
		t.Fatalf("folded header %q", v)
	}
	if got := resp.Header.Get("X-Seen"); got != "GET /order HTTP/1.1" && got != "GET /order HTTP/2.0" {
		t.Fatalf("server saw %q", got)
	}
}
