package session

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

func newStore(t testing.TB, m Meta) *Store {
	t.Helper()
	s, err := Create(filepath.Join(t.TempDir(), "sess"), m)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var cst = time.FixedZone("CST", 8*3600)

// fullFlow sets every field of a Flow.
func fullFlow(i int) *evidence.Flow {
	start := time.Date(2025, 3, 14, 9, 26, 53, 589793238, cst).Add(time.Duration(i) * time.Millisecond)
	return &evidence.Flow{
		Source:     evidence.SourceProxy,
		Start:      start,
		FirstByte:  start.Add(12 * time.Millisecond),
		End:        start.Add(40*time.Millisecond + 7),
		ClientAddr: "192.168.1.23:51234",
		Method:     "POST",
		URL:        fmt.Sprintf("https://api.example.cn/v1/report?n=%d&x=%%E4%%B8%%AD", i),
		Host:       "api.example.cn",
		ServerIP:   "2001:db8::1",
		ServerPort: 8443,
		Scheme:     "https",
		SNI:        "api.example.cn",
		ALPN:       "h2",
		TLSVersion: "TLS 1.3",
		Proto:      "HTTP/2.0",
		Status:     201,
		ReqHeaders: []evidence.Header{
			{Name: "Content-Type", Value: "application/json; charset=utf-8"},
			{Name: "Cookie", Value: "a=1"},
			{Name: "X-Empty", Value: ""},
			{Name: "Cookie", Value: "b=2"},
		},
		RespHeaders: []evidence.Header{
			{Name: "Set-Cookie", Value: "s=1; Path=/"},
			{Name: "Set-Cookie", Value: "t=2; Path=/"},
			{Name: "content-type", Value: "text/plain"},
		},
		ReqBody:   evidence.Body{Raw: []byte(fmt.Sprintf(`{"imei":"86123456789012%d","名字":"张三"}`, i))},
		RespBody:  evidence.Body{Raw: []byte{0, 1, 2, 0xff, 0xfe, '\n', 0}},
		BytesUp:   1234,
		BytesDown: 5678,
		WebSocket: []evidence.WSMessage{
			{Time: start.Add(time.Second), FromApp: true, Opcode: 1, Data: []byte("hello")},
			{Time: start.Add(2 * time.Second), FromApp: false, Opcode: 2, Data: []byte{9, 8, 7}},
		},
		Error: "upstream reset after response",
	}
}

// sameFlow compares every field: the JSON form (all metadata, times with
// their offsets) and the bytes JSON leaves out.
func sameFlow(t *testing.T, want, got *evidence.Flow, withBodies bool) {
	t.Helper()
	wj, _ := json.Marshal(want)
	gj, _ := json.Marshal(got)
	if !bytes.Equal(wj, gj) {
		t.Fatalf("flow differs:\nwant %s\ngot  %s", wj, gj)
	}
	for _, f := range []func(*evidence.Flow) time.Time{
		func(f *evidence.Flow) time.Time { return f.Start },
		func(f *evidence.Flow) time.Time { return f.FirstByte },
		func(f *evidence.Flow) time.Time { return f.End },
	} {
		if !f(want).Equal(f(got)) {
			t.Fatalf("time differs: %v vs %v", f(want), f(got))
		}
	}
	if !withBodies {
		if got.ReqBody.Raw != nil || got.RespBody.Raw != nil || got.RespBody.Decoded != nil {
			t.Fatalf("bodies loaded without withBodies")
		}
		return
	}
	for _, p := range []struct {
		name      string
		want, got []byte
	}{
		{"req raw", want.ReqBody.Raw, got.ReqBody.Raw},
		{"req decoded", want.ReqBody.Decoded, got.ReqBody.Decoded},
		{"resp raw", want.RespBody.Raw, got.RespBody.Raw},
		{"resp decoded", want.RespBody.Decoded, got.RespBody.Decoded},
	} {
		if !bytes.Equal(p.want, p.got) {
			t.Fatalf("%s differs: want %q got %q", p.name, p.want, p.got)
		}
	}
	if len(want.WebSocket) != len(got.WebSocket) {
		t.Fatalf("websocket count %d vs %d", len(want.WebSocket), len(got.WebSocket))
	}
	for i := range want.WebSocket {
		if !bytes.Equal(want.WebSocket[i].Data, got.WebSocket[i].Data) {
			t.Fatalf("websocket %d data differs", i)
		}
	}
}

func TestCreateOpen(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s1")
	created := time.Date(2025, 1, 2, 3, 4, 5, 0, cst)
	s, err := Create(dir, Meta{App: "com.example.app", APK: "app.apk", Created: created, Notes: "测试"})
	if err != nil {
		t.Fatal(err)
	}
	if s.Dir() != dir {
		t.Fatalf("Dir %q", s.Dir())
	}
	if m := s.Meta(); m.BodyCap != DefaultBodyCap || m.App != "com.example.app" {
		t.Fatalf("meta %+v", m)
	}
	if _, err := Create(dir, Meta{App: "x"}); err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("second Create: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{filepath.Join(dir, DBName), filepath.Join(dir, BlobDir)} {
		if _, err := os.Stat(p); err != nil {
			t.Fatal(err)
		}
	}
	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	m := s.Meta()
	if m.App != "com.example.app" || m.APK != "app.apk" || m.Notes != "测试" || !m.Created.Equal(created) || m.BodyCap != DefaultBodyCap {
		t.Fatalf("reopened meta %+v", m)
	}
	var mode string
	if err := s.rdb.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Fatalf("journal_mode %q %v", mode, err)
	}
	var v int
	if err := s.rdb.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil || v != SchemaVersion {
		t.Fatalf("user_version %d %v", v, err)
	}
}

func TestOpenNotSession(t *testing.T) {
	empty := t.TempDir()
	_, err := Open(empty)
	if err == nil || !strings.Contains(err.Error(), "not a ceping session") {
		t.Fatalf("Open(empty dir): %v", err)
	}
	if _, err := os.Stat(filepath.Join(empty, DBName)); err == nil {
		t.Fatal("Open created a database")
	}
	file := filepath.Join(empty, "f.txt")
	os.WriteFile(file, []byte("x"), 0o644)
	if _, err := Open(file); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Fatalf("Open(file): %v", err)
	}
	if _, err := Open(filepath.Join(empty, "missing")); err == nil {
		t.Fatal("Open(missing) succeeded")
	}
	// A session.db that is not SQLite.
	bad := t.TempDir()
	os.WriteFile(filepath.Join(bad, DBName), bytes.Repeat([]byte("not sqlite "), 100), 0o644)
	if _, err := Open(bad); err == nil {
		t.Fatal("Open(garbage db) succeeded")
	}
}

func TestNewerSchemaRefused(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "s")
	s, err := Create(dir, Meta{App: "a"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, DBName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion+5)); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(dir); err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open(newer schema): %v", err)
	}
}

func TestFlowRoundTrip(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	want := fullFlow(0)
	id, err := s.AddFlow(want)
	if err != nil {
		t.Fatal(err)
	}
	if id == 0 || want.ID != id {
		t.Fatalf("id %d, f.ID %d", id, want.ID)
	}
	if want.ReqBody.RawRef != RefOf(want.ReqBody.Raw) || want.ReqBody.Size != int64(len(want.ReqBody.Raw)) {
		t.Fatalf("req body ref/size not set: %+v", want.ReqBody)
	}
	got, err := s.Flow(id, true)
	if err != nil {
		t.Fatal(err)
	}
	sameFlow(t, want, got, true)
	list, err := s.Flows(FlowQuery{})
	if err != nil || len(list) != 1 {
		t.Fatalf("Flows: %d %v", len(list), err)
	}
	sameFlow(t, want, list[0], false)
	if b, err := s.Blob(list[0].RespBody.RawRef); err != nil || !bytes.Equal(b, want.RespBody.Raw) {
		t.Fatalf("Blob: %q %v", b, err)
	}
	if _, err := s.Flow(id+100, false); err == nil {
		t.Fatal("Flow(missing) succeeded")
	}
	if _, err := s.Blob("../../etc/passwd"); err == nil {
		t.Fatal("Blob(bad ref) succeeded")
	}

	// A minimal flow: zero times, nil headers, empty bodies.
	min := &evidence.Flow{Source: evidence.SourcePcap, Host: "h", NotIntercepted: true}
	if _, err := s.AddFlow(min); err != nil {
		t.Fatal(err)
	}
	got, err = s.Flow(min.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	sameFlow(t, min, got, true)
	if got.ReqHeaders != nil || !got.Start.IsZero() {
		t.Fatalf("minimal flow came back as %+v", got)
	}
}

func TestAddFlowsAndQuery(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	base := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	hosts := []string{"a.example.com", "example.com", "b.a.example.com", "notexample.com", "EXAMPLE.org"}
	var fs []*evidence.Flow
	for i := 0; i < 10; i++ {
		src := evidence.SourceProxy
		if i%3 == 0 {
			src = evidence.SourceHAR
		}
		// Inserted in reverse time order; two flows share a start.
		fs = append(fs, &evidence.Flow{Source: src, Host: hosts[i%len(hosts)],
			Start: base.Add(time.Duration(9-i/2*2) * time.Second), URL: fmt.Sprint(i)})
	}
	if err := s.AddFlows(fs); err != nil {
		t.Fatal(err)
	}
	all, err := s.Flows(FlowQuery{})
	if err != nil || len(all) != 10 {
		t.Fatalf("%d %v", len(all), err)
	}
	for i := 1; i < len(all); i++ {
		a, b := all[i-1], all[i]
		if a.Start.After(b.Start) || a.Start.Equal(b.Start) && a.ID > b.ID {
			t.Fatalf("order broken at %d: %v/%d then %v/%d", i, a.Start, a.ID, b.Start, b.ID)
		}
	}
	count := func(q FlowQuery) int {
		t.Helper()
		fs, err := s.Flows(q)
		if err != nil {
			t.Fatal(err)
		}
		return len(fs)
	}
	wantHost := 0
	for _, f := range fs {
		h := strings.ToLower(f.Host)
		if h == "example.com" || strings.HasSuffix(h, ".example.com") {
			wantHost++
		}
	}
	if n := count(FlowQuery{Host: "Example.COM"}); n != wantHost {
		t.Fatalf("host filter: %d, want %d", n, wantHost)
	}
	if n := count(FlowQuery{Host: "example.org"}); n != 2 {
		t.Fatalf("host example.org: %d", n)
	}
	if n := count(FlowQuery{Host: "%"}); n != 0 {
		t.Fatalf("host wildcard matched %d", n)
	}
	wantHAR := 0
	for _, f := range fs {
		if f.Source == evidence.SourceHAR {
			wantHAR++
		}
	}
	if n := count(FlowQuery{Source: evidence.SourceHAR}); n != wantHAR {
		t.Fatalf("source: %d want %d", n, wantHAR)
	}
	since, until := base.Add(3*time.Second), base.Add(7*time.Second)
	wantWin := 0
	for _, f := range fs {
		if !f.Start.Before(since) && f.Start.Before(until) {
			wantWin++
		}
	}
	if n := count(FlowQuery{Since: since, Until: until}); n != wantWin {
		t.Fatalf("window: %d want %d", n, wantWin)
	}
	if n := count(FlowQuery{Limit: 3}); n != 3 {
		t.Fatalf("limit: %d", n)
	}
}

func TestForEachFlowPages(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	base := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	var fs []*evidence.Flow
	for i := 0; i < 700; i++ {
		// Many equal starts, so paging must break ties by ID.
		fs = append(fs, &evidence.Flow{Source: evidence.SourceProxy, Start: base.Add(time.Duration(i%7) * time.Second),
			ReqBody: evidence.Body{Raw: []byte(fmt.Sprint("body ", i))}})
	}
	if err := s.AddFlows(fs); err != nil {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	var prev *evidence.Flow
	err := s.ForEachFlow(true, func(f *evidence.Flow) error {
		if seen[f.ID] {
			return fmt.Errorf("flow %d twice", f.ID)
		}
		seen[f.ID] = true
		if prev != nil && (prev.Start.After(f.Start) || prev.Start.Equal(f.Start) && prev.ID > f.ID) {
			return fmt.Errorf("order broken at %d", f.ID)
		}
		prev = f
		if want := fs[f.ID-fs[0].ID].ReqBody.Raw; !bytes.Equal(f.ReqBody.Raw, want) {
			return fmt.Errorf("flow %d body %q want %q", f.ID, f.ReqBody.Raw, want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 700 {
		t.Fatalf("visited %d", len(seen))
	}
	stop := fmt.Errorf("stop")
	n := 0
	if err := s.ForEachFlow(false, func(*evidence.Flow) error { n++; return stop }); err != stop || n != 1 {
		t.Fatalf("stop: %v after %d", err, n)
	}
}

func TestMarkersOrderedWithFlows(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	base := time.Date(2025, 5, 1, 10, 0, 0, 0, cst)
	// Markers and flows added out of order; one marker in UTC.
	marks := []evidence.Marker{
		{Time: base.Add(5 * time.Second), Kind: evidence.MarkConsent},
		{Time: base.UTC(), Kind: evidence.MarkAppStart},
		{Time: base.Add(2 * time.Second), Kind: evidence.MarkConsentShown},
		{Time: base.Add(9 * time.Second), Kind: evidence.MarkNote, Arg: "备注"},
	}
	for _, m := range marks {
		if _, err := s.AddMarker(m); err != nil {
			t.Fatal(err)
		}
	}
	for _, sec := range []int{7, 1, 3} {
		if _, err := s.AddFlow(&evidence.Flow{Source: evidence.SourceProxy, Start: base.Add(time.Duration(sec) * time.Second), URL: fmt.Sprint(sec)}); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := s.Markers()
	if err != nil {
		t.Fatal(err)
	}
	fs, err := s.Flows(FlowQuery{})
	if err != nil {
		t.Fatal(err)
	}
	type ev struct {
		t    time.Time
		what string
	}
	var tl []ev
	for _, m := range ms {
		tl = append(tl, ev{m.Time, string(m.Kind)})
	}
	for _, f := range fs {
		tl = append(tl, ev{f.Start, "flow " + f.URL})
	}
	// Merge the two ordered lists as a reader would.
	var merged []string
	i, j := 0, len(ms)
	for i < len(ms) || j < len(tl) {
		if j >= len(tl) || i < len(ms) && !tl[i].t.After(tl[j].t) {
			merged = append(merged, tl[i].what)
			i++
		} else {
			merged = append(merged, tl[j].what)
			j++
		}
	}
	got := strings.Join(merged, ",")
	want := "app-start,flow 1,consent-shown,flow 3,consent,flow 7,note"
	if got != want {
		t.Fatalf("timeline %s\nwant     %s", got, want)
	}
	if ms[3].Arg != "备注" || ms[0].ID == 0 {
		t.Fatalf("marker fields %+v", ms[3])
	}
	if _, err := s.AddMarker(evidence.Marker{Time: base}); err == nil {
		t.Fatal("marker without kind accepted")
	}
}

func TestConnsDNSAppFindingsDocs(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	t0 := time.Date(2025, 5, 1, 10, 0, 0, 0, time.UTC)
	cs := []evidence.Conn{
		{Source: evidence.SourcePcap, Proto: "tcp", SrcIP: "10.0.0.2", SrcPort: 40000, DstIP: "1.2.3.4", DstPort: 443, Start: t0.Add(time.Second), BytesUp: 10, BytesDown: 20, SNI: "x.cn", Host: "x.cn"},
		{Source: evidence.SourcePcap, Proto: "udp", SrcIP: "10.0.0.2", SrcPort: 5353, DstIP: "8.8.8.8", DstPort: 53, Start: t0},
	}
	if err := s.AddConns(cs); err != nil {
		t.Fatal(err)
	}
	if cs[0].ID == 0 || cs[1].ID == 0 {
		t.Fatal("conn IDs not set")
	}
	gotC, err := s.Conns()
	if err != nil || len(gotC) != 2 || gotC[0].Proto != "udp" || gotC[1].SNI != "x.cn" || gotC[1].ID != cs[0].ID {
		t.Fatalf("conns %+v %v", gotC, err)
	}
	ds := []evidence.DNSAnswer{{Time: t0, Name: "x.cn", Type: "A", Answers: []string{"1.2.3.4", "1.2.3.5"}}}
	if err := s.AddDNS(ds); err != nil {
		t.Fatal(err)
	}
	gotD, err := s.DNS()
	if err != nil || len(gotD) != 1 || gotD[0].Answers[1] != "1.2.3.5" || gotD[0].ID != ds[0].ID {
		t.Fatalf("dns %+v %v", gotD, err)
	}
	if a, err := s.App(); a != nil || err != nil {
		t.Fatalf("App before SetApp: %v %v", a, err)
	}
	yes := true
	app := &evidence.App{Package: "com.example", TargetSDK: 30, UsesCleartextTraffic: &yes,
		Permissions: []evidence.Permission{{Name: "android.permission.READ_CONTACTS", Sensitive: true}}}
	if err := s.SetApp(app); err != nil {
		t.Fatal(err)
	}
	app.TargetSDK = 33
	if err := s.SetApp(app); err != nil {
		t.Fatal(err)
	}
	gotA, err := s.App()
	if err != nil || gotA.TargetSDK != 33 || *gotA.UsesCleartextTraffic != true || gotA.Permissions[0].Name != "android.permission.READ_CONTACTS" {
		t.Fatalf("app %+v %v", gotA, err)
	}
	fs := []evidence.Finding{{FlowID: 3, PIType: "imei", Masked: "8612****9012"}, {FlowID: 4, PIType: "oaid"}}
	if err := s.ReplaceFindings(fs); err != nil {
		t.Fatal(err)
	}
	if err := s.ReplaceFindings(fs[1:]); err != nil {
		t.Fatal(err)
	}
	gotF, err := s.Findings()
	if err != nil || len(gotF) != 1 || gotF[0].PIType != "oaid" || gotF[0].ID == 0 {
		t.Fatalf("findings %+v %v", gotF, err)
	}
	type doc struct{ A int }
	if ok, err := s.GetJSON("missing", &doc{}); ok || err != nil {
		t.Fatalf("GetJSON(missing) %v %v", ok, err)
	}
	if err := s.PutJSON("k", doc{1}); err != nil {
		t.Fatal(err)
	}
	if err := s.PutJSON("k", doc{2}); err != nil {
		t.Fatal(err)
	}
	var d doc
	if ok, err := s.GetJSON("k", &d); !ok || err != nil || d.A != 2 {
		t.Fatalf("GetJSON %v %v %+v", ok, err, d)
	}
	if err := s.PutJSON("bad", func() {}); err == nil {
		t.Fatal("PutJSON(func) succeeded")
	}
}

func TestSessionCopiedElsewhere(t *testing.T) {
	src := filepath.Join(t.TempDir(), "orig")
	s, err := Create(src, Meta{App: "a"})
	if err != nil {
		t.Fatal(err)
	}
	f := fullFlow(1)
	if _, err := s.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	s.Close()
	dst := filepath.Join(t.TempDir(), "copy")
	if err := os.CopyFS(dst, os.DirFS(src)); err != nil {
		t.Fatal(err)
	}
	if err := os.RemoveAll(src); err != nil {
		t.Fatal(err)
	}
	s2, err := Open(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	got, err := s2.Flow(f.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	sameFlow(t, f, got, true)
}

func TestCorruptBlobDetected(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	f := fullFlow(2)
	if _, err := s.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	p := s.blobs.path(f.ReqBody.RawRef)
	if err := os.WriteFile(p, []byte("tampered"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Flow(f.ID, true); err == nil || !strings.Contains(err.Error(), "corrupt") {
		t.Fatalf("corrupt blob: %v", err)
	}
}

func TestClosedStoreRefusesWrites(t *testing.T) {
	s, err := Create(filepath.Join(t.TempDir(), "s"), Meta{App: "a"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if _, err := s.AddFlow(&evidence.Flow{}); err == nil {
		t.Fatal("AddFlow after Close succeeded")
	}
}
