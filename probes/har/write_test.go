package har

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

func sampleFlows() []*evidence.Flow {
	zone := time.FixedZone("CST", 8*3600)
	start := time.Date(2025, 3, 14, 9, 26, 53, 589793238, zone)
	return []*evidence.Flow{
		{
			Source: evidence.SourceProxy, Start: start, FirstByte: start.Add(12*time.Millisecond + 7), End: start.Add(40 * time.Millisecond),
			Method: "POST", URL: "https://api.example.cn/v1/report?n=1&x=%E4%B8%AD&flag", Host: "api.example.cn",
			ServerIP: "2001:db8::1", ServerPort: 443, Scheme: "https", Proto: "HTTP/2.0", Status: 201,
			ReqHeaders: []evidence.Header{{Name: "Content-Type", Value: "application/json"}, {Name: "Cookie", Value: "a=1; b=2"},
				{Name: "X-Dup", Value: "1"}, {Name: "X-Dup", Value: "2"}},
			RespHeaders: []evidence.Header{{Name: "Set-Cookie", Value: "s=1; Path=/; HttpOnly"}, {Name: "Content-Encoding", Value: "gzip"},
				{Name: "Content-Type", Value: "application/json"}},
			ReqBody:  evidence.Body{Raw: []byte(`{"imei":"861234567890123","名":"张三"}`), Size: 39},
			RespBody: evidence.Body{Raw: []byte{0x1f, 0x8b, 1, 2}, Decoded: []byte(`{"ok":1}`), Encoding: "gzip", Size: 4},
			Error:    "stream reset",
		},
		{
			Source: evidence.SourceProxy, Start: start.Add(time.Second).UTC(), FirstByte: start.Add(time.Second + time.Millisecond), End: start.Add(2 * time.Second),
			Method: "PUT", URL: "http://10.0.0.5:8080/upload", Host: "10.0.0.5", ServerIP: "10.0.0.5", ServerPort: 8080, Scheme: "http",
			Proto: "HTTP/1.1", Status: 200,
			ReqHeaders: []evidence.Header{{Name: "Content-Type", Value: "application/octet-stream"}},
			ReqBody:    evidence.Body{Raw: []byte{0, 0xff, 0xfe, 1, 2, 3}, Size: 6},
		},
		{
			Source: evidence.SourceProxy, Start: start.Add(3 * time.Second), FirstByte: start.Add(3*time.Second + time.Millisecond), End: start.Add(9 * time.Second),
			Method: "GET", URL: "wss://chat.example.com/socket", Host: "chat.example.com", ServerPort: 443, Scheme: "wss",
			Proto: "HTTP/1.1", Status: 101,
			WebSocket: []evidence.WSMessage{
				{Time: start.Add(4 * time.Second).Add(123 * time.Microsecond), FromApp: true, Opcode: 1, Data: []byte(`{"op":"hi"}`), Size: 11},
				{Time: start.Add(5 * time.Second), Opcode: 2, Data: []byte{0, 1, 2, 0xff}, Size: 4},
			},
		},
		// No HTTP request: not exported.
		{Source: evidence.SourceProxy, Start: start, Host: "pinned.example.com", SNI: "pinned.example.com", NotIntercepted: true},
	}
}

func TestRoundTrip(t *testing.T) {
	in := sampleFlows()
	var buf bytes.Buffer
	n, err := Write(&buf, in, Options{Creator: "ceping-test", Version: "1"})
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Fatalf("wrote %d entries, want 3 (the not-intercepted flow has no HAR form)", n)
	}
	// It is valid JSON with the HAR 1.2 required members.
	var doc map[string]any
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	log := doc["log"].(map[string]any)
	if log["version"] != "1.2" || log["creator"].(map[string]any)["name"] != "ceping-test" {
		t.Fatalf("log head %v", log)
	}
	for i, e := range log["entries"].([]any) {
		em := e.(map[string]any)
		for _, k := range []string{"startedDateTime", "time", "request", "response", "cache", "timings"} {
			if _, ok := em[k]; !ok {
				t.Fatalf("entry %d lacks %s", i, k)
			}
		}
		tm := em["timings"].(map[string]any)
		for _, k := range []string{"send", "wait", "receive"} {
			if v, _ := tm[k].(float64); v < 0 {
				t.Fatalf("entry %d timings.%s = %v", i, k, v)
			}
		}
	}
	out, err := Read(&buf, "export.har")
	if err != nil {
		t.Fatal(err)
	}
	if len(out) != 3 {
		t.Fatalf("%d flows back", len(out))
	}
	for i, got := range out {
		want := in[i]
		check := func(field string, ok bool) {
			t.Helper()
			if !ok {
				t.Errorf("flow %d: %s differs", i, field)
			}
		}
		check("source", got.Source == evidence.SourceHAR)
		check("start", got.Start.Equal(want.Start))
		_, wo := want.Start.Zone()
		_, goff := got.Start.Zone()
		check("start offset", wo == goff)
		check("first byte", got.FirstByte.Equal(want.FirstByte))
		check("end", got.End.Equal(want.End))
		check("method", got.Method == want.Method)
		check("url", got.URL == want.URL)
		check("host", got.Host == want.Host)
		check("scheme", got.Scheme == want.Scheme)
		check("server ip", got.ServerIP == want.ServerIP)
		check("server port", got.ServerPort == want.ServerPort)
		check("proto", got.Proto == want.Proto)
		check("status", got.Status == want.Status)
		check("error", got.Error == want.Error)
		check("req headers", fmt.Sprint(got.ReqHeaders) == fmt.Sprint(want.ReqHeaders))
		check("resp headers", fmt.Sprint(got.RespHeaders) == fmt.Sprint(want.RespHeaders))
		check("req body", bytes.Equal(got.ReqBody.Bytes(), want.ReqBody.Bytes()))
		check("resp body", bytes.Equal(got.RespBody.Bytes(), want.RespBody.Bytes()))
		check("req size", got.ReqBody.Size == want.ReqBody.Size)
		check("resp size", got.RespBody.Size == want.RespBody.Size)
		check("resp encoding", got.RespBody.Encoding == want.RespBody.Encoding)
		check("ws count", len(got.WebSocket) == len(want.WebSocket))
		for j := range want.WebSocket {
			if j >= len(got.WebSocket) {
				break
			}
			g, w := got.WebSocket[j], want.WebSocket[j]
			check("ws data", bytes.Equal(g.Data, w.Data))
			check("ws dir/opcode", g.FromApp == w.FromApp && g.Opcode == w.Opcode)
			// Seconds as a float: microsecond precision.
			check("ws time", g.Time.Sub(w.Time).Abs() < time.Microsecond)
		}
	}
	if t.Failed() {
		t.Logf("export:\n%s", buf.String())
	}
}

func TestExportCookiesQuery(t *testing.T) {
	var buf bytes.Buffer
	if _, err := Write(&buf, sampleFlows()[:1], Options{}); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Log struct {
			Creator harCreator `json:"creator"`
			Entries []struct {
				Request struct {
					Cookies     []harCookie `json:"cookies"`
					QueryString []harNV     `json:"queryString"`
				} `json:"request"`
				Response struct {
					Cookies []harCookie `json:"cookies"`
					Content struct {
						Compression *float64 `json:"compression"`
					} `json:"content"`
				} `json:"response"`
			} `json:"entries"`
		} `json:"log"`
	}
	if err := json.Unmarshal(buf.Bytes(), &doc); err != nil {
		t.Fatal(err)
	}
	e := doc.Log.Entries[0]
	if doc.Log.Creator.Name != "ceping" {
		t.Fatalf("creator %+v", doc.Log.Creator)
	}
	if len(e.Request.Cookies) != 2 || e.Request.Cookies[1].Name != "b" || e.Request.Cookies[1].Value != "2" {
		t.Fatalf("request cookies %+v", e.Request.Cookies)
	}
	q := e.Request.QueryString
	if len(q) != 3 || q[1].Name != "x" || q[1].Value != "中" || q[2].Name != "flag" || q[2].Value != "" {
		t.Fatalf("queryString %+v", q)
	}
	if c := e.Response.Cookies; len(c) != 1 || c[0].Name != "s" || !c[0].HTTPOnly || c[0].Path != "/" {
		t.Fatalf("response cookies %+v", c)
	}
	if c := e.Response.Content.Compression; c == nil || *c != 4 {
		t.Fatalf("compression %v", c)
	}
}

func TestWriterStreams(t *testing.T) {
	var buf bytes.Buffer
	w, err := NewWriter(&buf, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range sampleFlows() {
		if _, err := w.Add(f); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if w.Count() != 3 {
		t.Fatalf("count %d", w.Count())
	}
	if _, err := w.Add(sampleFlows()[0]); err == nil {
		t.Fatal("Add after Close succeeded")
	}
	if !strings.HasSuffix(buf.String(), "]}}\n") {
		t.Fatalf("tail %q", buf.String()[buf.Len()-10:])
	}
	// An empty export is a valid, empty archive.
	buf.Reset()
	if n, err := Write(&buf, nil, Options{}); err != nil || n != 0 {
		t.Fatal(n, err)
	}
	if fs, err := Read(&buf, "empty"); err != nil || len(fs) != 0 {
		t.Fatalf("%d %v", len(fs), err)
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"charles-quirks.har", "fiddler-quirks.har", "mitmproxy-quirks.har", "chrome-websocket.har"} {
		data, err := readFixtureBytes(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	var buf bytes.Buffer
	Write(&buf, sampleFlows(), Options{})
	f.Add(buf.Bytes())
	f.Add([]byte(`{"log":{"entries":[` + okEntry + `]}}`))
	f.Add([]byte(`{"log":{"entries":null}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		fs, err := Read(bytes.NewReader(data), "fuzz.har")
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.har") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		// Whatever imports exports and imports again to as many flows.
		var out bytes.Buffer
		n, err := Write(&out, fs, Options{})
		if err != nil {
			t.Fatal(err)
		}
		back, err := Read(&out, "again.har")
		if err != nil {
			t.Fatalf("re-import of an export failed: %v", err)
		}
		if len(back) != n {
			t.Fatalf("%d flows back from %d entries", len(back), n)
		}
	})
}
