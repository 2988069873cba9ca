package har

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
)

func readFixture(t *testing.T, name string) []*evidence.Flow {
	t.Helper()
	fs, err := ReadFile(testutil.Path("fixtures", "har", name))
	if err != nil {
		t.Fatal(err)
	}
	return fs
}

func TestCharlesQuirks(t *testing.T) {
	fs := readFixture(t, "charles-quirks.har")
	if len(fs) != 1 {
		t.Fatalf("%d flows", len(fs))
	}
	f := fs[0]
	start := time.Date(2024, 6, 1, 10, 15, 30, 123e6, time.FixedZone("", 8*3600))
	if f.Source != evidence.SourceHAR || !f.Start.Equal(start) || !f.End.Equal(start.Add(250*time.Millisecond)) {
		t.Fatalf("times/source: %v %v %v", f.Source, f.Start, f.End)
	}
	// blocked -1 is skipped, ssl is inside connect: 3+20+1+200.
	if got := f.FirstByte.Sub(f.Start); got != 224*time.Millisecond {
		t.Fatalf("first byte after %v", got)
	}
	if f.Method != "POST" || f.Host != "api.example.cn" || f.Scheme != "https" || f.ServerPort != 443 || f.ServerIP != "203.0.113.7" || f.Proto != "HTTP/1.1" || f.Status != 200 {
		t.Fatalf("flow %+v", f)
	}
	if len(f.ReqHeaders) != 4 || f.ReqHeaders[2].Value != "1" || f.ReqHeaders[3].Name != "X-Dup" || f.ReqHeaders[3].Value != "2" {
		t.Fatalf("headers %+v", f.ReqHeaders)
	}
	if !bytes.Equal(f.ReqBody.Raw, []byte{0, 1, 2, 3, 0xff}) || f.ReqBody.Size != 5 {
		t.Fatalf("base64 request body %v", f.ReqBody)
	}
	// The response was gzip on the wire; HAR holds it decoded.
	rb := f.RespBody
	if rb.Raw != nil || string(rb.Decoded) != `{"ok":true,"id":"中文"}` || rb.Encoding != "gzip" || rb.Size != 45 {
		t.Fatalf("response body %+v %q", rb, rb.Decoded)
	}
}

func TestFiddlerQuirks(t *testing.T) {
	fs := readFixture(t, "fiddler-quirks.har")
	if len(fs) != 2 {
		t.Fatalf("%d flows", len(fs))
	}
	f := fs[0]
	if f.Start.Nanosecond() != 123456700 || f.End.Sub(f.Start) != 31*time.Millisecond || f.FirstByte.Sub(f.Start) != 30500*time.Microsecond {
		t.Fatalf("times %v %v %v", f.Start, f.End, f.FirstByte)
	}
	if f.Status != 204 || f.ServerPort != 8080 || f.Scheme != "http" || f.Host != "log.example.com" {
		t.Fatalf("flow %+v", f)
	}
	want := "imei=861234567890123&model=Mi+10+Pro&%E5%9F%8E%E5%B8%82=%E5%8C%97%E4%BA%AC"
	if string(f.ReqBody.Raw) != want || f.ReqBody.Size != int64(len(want)) {
		t.Fatalf("params body %q size %d", f.ReqBody.Raw, f.ReqBody.Size)
	}
	if f.RespBody.Raw != nil || f.RespBody.Size != 0 {
		t.Fatalf("empty response %+v", f.RespBody)
	}
	g := fs[1]
	if !g.End.IsZero() || !g.FirstByte.IsZero() || g.Status != 0 || g.Error != "net::ERR_CONNECTION_RESET" || g.Proto != "" {
		t.Fatalf("failed entry %+v", g)
	}
	if g.Start.Location() != time.UTC {
		t.Fatalf("Z offset read as %v", g.Start.Location())
	}
}

func TestMitmproxyQuirks(t *testing.T) {
	f := readFixture(t, "mitmproxy-quirks.har")[0]
	if f.Host != "2001:db8::10" || f.ServerIP != "2001:db8::10" || f.ServerPort != 8443 || f.Proto != "HTTP/2.0" {
		t.Fatalf("flow %+v", f)
	}
	if _, off := f.Start.Zone(); off != 8*3600 || f.Start.Nanosecond() != 1000 {
		t.Fatalf("start %v", f.Start)
	}
	if string(f.RespBody.Raw) != "hello 世界" || f.RespBody.Size != 12 {
		t.Fatalf("body %+v", f.RespBody)
	}
	if f.ReqHeaders[0].Name != ":authority" || f.ReqBody.Raw != nil {
		t.Fatalf("request %+v", f)
	}
}

func TestChromeWebSocket(t *testing.T) {
	f := readFixture(t, "chrome-websocket.har")[0]
	if f.Scheme != "wss" || f.Status != 101 || f.ServerIP != "2001:db8::20" || f.Error != "" {
		t.Fatalf("flow %+v", f)
	}
	if len(f.WebSocket) != 2 {
		t.Fatalf("%d ws messages", len(f.WebSocket))
	}
	m0, m1 := f.WebSocket[0], f.WebSocket[1]
	if !m0.FromApp || m0.Opcode != 1 || string(m0.Data) != `{"op":"hello"}` || m0.Time.UnixMilli() != 1717208134600 {
		t.Fatalf("send %+v", m0)
	}
	if m1.FromApp || m1.Opcode != 2 || !bytes.Equal(m1.Data, []byte{0, 1, 2}) || m1.Size != 3 {
		t.Fatalf("receive %+v", m1)
	}
}

// The public corpus: every file imports, one flow per entry.
func TestSharedCorpus(t *testing.T) {
	dir := testutil.SharedDir(t, "corpus", "har")
	var files []string
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, ".har") {
			files = append(files, p)
		}
		return nil
	})
	if len(files) == 0 {
		t.Fatalf("no .har files under %s", dir)
	}
	for _, p := range files {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			var raw struct {
				Log struct {
					Entries []struct {
						Request struct {
							URL string `json:"url"`
						} `json:"request"`
					} `json:"entries"`
				} `json:"log"`
			}
			if err := json.Unmarshal(data, &raw); err != nil {
				t.Fatal(err)
			}
			if !IsHAR(data) {
				t.Fatal("IsHAR is false")
			}
			fs, err := Read(bytes.NewReader(data), p)
			if err != nil {
				t.Fatal(err)
			}
			if len(fs) != len(raw.Log.Entries) || len(fs) == 0 {
				t.Fatalf("%d flows for %d entries", len(fs), len(raw.Log.Entries))
			}
			for i, f := range fs {
				if f.URL != raw.Log.Entries[i].Request.URL || f.Host == "" || f.Start.IsZero() || f.Source != evidence.SourceHAR {
					t.Fatalf("flow %d: %+v", i, f)
				}
			}
			// Export and import again: same count and URLs.
			var buf bytes.Buffer
			n, err := Write(&buf, fs, Options{})
			if err != nil || n != len(fs) {
				t.Fatalf("export: %d %v", n, err)
			}
			back, err := Read(&buf, "re-export")
			if err != nil || len(back) != len(fs) {
				t.Fatalf("re-import: %d %v", len(back), err)
			}
		})
	}
}

func TestHostileInputs(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string // substrings of the error
	}{
		{"empty", ``, []string{"in.har", "not a HAR file"}},
		{"array", `[1,2]`, []string{"not a HAR file"}},
		{"no log", `{"x":1}`, []string{`no "log"`}},
		{"no entries", `{"log":{"version":"1.2"}}`, []string{`no "entries"`}},
		{"entries object", `{"log":{"entries":{}}}`, []string{"entries", "want an array"}},
		{"truncated", `{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z",`, []string{"entries[0]"}},
		{"bad url type", `{"log":{"entries":[` + okEntry + `,{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":{"a":1}},"response":{}}]}}`,
			[]string{"entries[1].request.url", "cannot read a object"}},
		{"relative url", `{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"/x"},"response":{}}]}}`,
			[]string{"entries[0].request.url", "not an absolute URL"}},
		{"no method", `{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","request":{"url":"http://a/"},"response":{}}]}}`,
			[]string{"entries[0].request.method", "missing"}},
		{"bad date", `{"log":{"entries":[{"startedDateTime":"yesterday","request":{"method":"GET","url":"http://a/"},"response":{}}]}}`,
			[]string{"entries[0].startedDateTime", "yesterday"}},
		{"bad status", `{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"http://a/"},"response":{"status":"abc"}}]}}`,
			[]string{"entries[0].response.status"}},
		{"bad base64", `{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"http://a/"},"response":{"content":{"encoding":"base64","text":"!!!"}}}]}}`,
			[]string{"entries[0].response.content.text", "base64"}},
		{"bad port", `{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"http://a:99999/"},"response":{}}]}}`,
			[]string{"entries[0].request.url", "port"}},
		{"syntax", "{\"log\":{\"entries\":[\n" + okEntry + ",\n{\"startedDateTime\":,}]}}", []string{"in.har:3:", "entries[1]", "invalid JSON"}},
		{"trailing", `{"log":{"entries":[]}} {}`, []string{"after the HAR object"}},
		{"deep", strings.Repeat(`{"log":`, 20000), []string{"in.har"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fs, err := Read(strings.NewReader(c.in), "in.har")
			if err == nil {
				t.Fatalf("accepted: %d flows", len(fs))
			}
			var he *Error
			if !errors.As(err, &he) {
				t.Fatalf("error is %T, not *Error: %v", err, err)
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Fatalf("error %q lacks %q", err, w)
				}
			}
		})
	}
	// An empty archive is valid.
	for _, in := range []string{`{"log":{"entries":[]}}`, `{"log":{"entries":null}}`, "\xef\xbb\xbf{\"log\":{\"entries\":[]}}"} {
		if fs, err := Read(strings.NewReader(in), "e.har"); err != nil || len(fs) != 0 {
			t.Fatalf("%q: %d %v", in, len(fs), err)
		}
	}
}

const okEntry = `{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"http://a/"},"response":{"status":200}}`

func TestIsHAR(t *testing.T) {
	for in, want := range map[string]bool{
		`{"log":{}}`: true, "\xef\xbb\xbf {\n \"log\"": true, `[]`: false, "\xd4\xc3\xb2\xa1": false, ``: false, `{"x":1}`: false,
	} {
		if IsHAR([]byte(in)) != want {
			t.Errorf("IsHAR(%q) != %v", in, want)
		}
	}
}

func TestServerIPForms(t *testing.T) {
	for in, want := range map[string]struct {
		ip   string
		port int
	}{
		"1.2.3.4": {"1.2.3.4", 0}, "2001:db8::1": {"2001:db8::1", 0}, "[2001:db8::1]": {"2001:db8::1", 0},
		"[::1]:443": {"::1", 443}, "1.2.3.4:8080": {"1.2.3.4", 8080}, "": {"", 0}, "example.com": {"", 0}, " 10.0.0.1 ": {"10.0.0.1", 0},
	} {
		ip, port := serverIP(in)
		if ip != want.ip || port != want.port {
			t.Errorf("serverIP(%q) = %q %d, want %+v", in, ip, port, want)
		}
	}
}

func readFixtureBytes(name string) ([]byte, error) {
	return os.ReadFile(testutil.Path("fixtures", "har", name))
}

func TestDateForms(t *testing.T) {
	want := time.Date(2024, 6, 1, 2, 15, 30, 120_000_000, time.UTC)
	for _, s := range []string{
		"2024-06-01T02:15:30.12Z", "2024-06-01T10:15:30.12+08:00", "2024-06-01T10:15:30.1200000+0800",
		"2024-06-01T10:15:30.12+08", "2024-06-01 10:15:30.12+08:00", "2024-06-01T02:15:30.120",
		"2024-05-31T21:15:30.12-05:00",
	} {
		got, err := parseHARTime(s)
		if err != nil || !got.Equal(want) {
			t.Errorf("parseHARTime(%q) = %v, %v", s, got, err)
		}
	}
	for _, s := range []string{"", "2024-06-01", "1717208130", "2024-13-01T00:00:00Z"} {
		if _, err := parseHARTime(s); err == nil {
			t.Errorf("parseHARTime(%q) accepted", s)
		}
	}
}
