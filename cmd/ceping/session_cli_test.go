package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/probes/har"
	"github.com/ceping/ceping/session"
)

// runInProcess runs rootCmd with args in this process (nothing is built)
// and returns stdout, stderr and the error. Flags of the invoked command
// are reset to their defaults first, as cobra keeps values between runs.
func runInProcess(t *testing.T, args ...string) (string, string, error) {
	t.Helper()
	if c, _, err := rootCmd.Find(args); err == nil {
		for ; c != nil; c = c.Parent() {
			resetFlags(c)
		}
	}
	var out, errb bytes.Buffer
	rootCmd.SetOut(&out)
	rootCmd.SetErr(&errb)
	rootCmd.SetArgs(args)
	defer func() {
		rootCmd.SetOut(nil)
		rootCmd.SetErr(nil)
		rootCmd.SetArgs(nil)
	}()
	_, err := rootCmd.ExecuteC()
	return out.String(), errb.String(), err
}

func resetFlags(c *cobra.Command) {
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Value.Type() == "bool" || f.Value.Type() == "string" || f.Value.Type() == "int" || f.Value.Type() == "int64" {
			f.Value.Set(f.DefValue)
			f.Changed = false
		}
	})
}

func TestCLISessionImportFlowsExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sess")
	apk := filepath.Join(t.TempDir(), "app.apk")
	os.WriteFile(apk, []byte("PK\x03\x04"), 0o644)

	out, _, err := runInProcess(t, "session", "new", "--app", "com.example.shop", "--apk", apk, dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"created session " + dir, session.DBName, "blobs", "app: com.example.shop", "apk: " + apk} {
		if !strings.Contains(out, want) {
			t.Fatalf("session new output lacks %q:\n%s", want, out)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, session.DBName)); err != nil {
		t.Fatal(err)
	}
	if _, _, err := runInProcess(t, "session", "new", "--app", "x", dir); err == nil || !strings.Contains(err.Error(), "already") {
		t.Fatalf("second session new: %v", err)
	}
	if _, _, err := runInProcess(t, "session", "new", filepath.Join(t.TempDir(), "s2")); err == nil || !strings.Contains(err.Error(), "--app") {
		t.Fatalf("session new without --app: %v", err)
	}

	// Import every HAR fixture; the counts printed are the entries.
	fixtures, _ := filepath.Glob(testutil.Path("fixtures", "har", "*.har"))
	if len(fixtures) < 4 {
		t.Fatalf("fixtures: %v", fixtures)
	}
	want := 0
	for _, p := range fixtures {
		fs, err := har.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		want += len(fs)
	}
	out, _, err = runInProcess(t, append([]string{"import", "--session", dir}, fixtures...)...)
	if err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(out, ": HAR, "); n != len(fixtures) {
		t.Fatalf("import output:\n%s", out)
	}

	// flows --json: one object per flow with the documented keys.
	out, _, err = runInProcess(t, "flows", "--session", dir, "--json")
	if err != nil {
		t.Fatal(err)
	}
	var rows []map[string]any
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("flows --json: %v\n%s", err, out)
	}
	if len(rows) != want {
		t.Fatalf("%d flows listed, %d imported", len(rows), want)
	}
	for _, k := range []string{"id", "time", "method", "url", "host", "ip", "port", "sni", "status", "source"} {
		if _, ok := rows[0][k]; !ok {
			t.Fatalf("flow object lacks %q: %v", k, rows[0])
		}
	}
	var v6 map[string]any
	for _, r := range rows {
		if r["source"] != "har" {
			t.Fatalf("source %v", r["source"])
		}
		if strings.Contains(r["url"].(string), "/v1/config") {
			v6 = r
		}
	}
	if v6 == nil || v6["ip"] != "2001:db8::10" || v6["port"] != float64(8443) || v6["status"] != float64(200) || v6["method"] != "GET" {
		t.Fatalf("mitmproxy flow row %v", v6)
	}

	// --host and --limit, table form.
	out, _, err = runInProcess(t, "flows", "--session", dir, "--host", "example.com")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "log.example.com") || !strings.Contains(out, "chat.example.com") || strings.Contains(out, "api.example.cn") {
		t.Fatalf("host filter table:\n%s", out)
	}
	out, _, err = runInProcess(t, "flows", "--session", dir, "--limit", "2")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "\n2 flows\n") {
		t.Fatalf("limit table:\n%s", out)
	}

	// export --har, then read it back.
	harPath := filepath.Join(t.TempDir(), "out.har")
	out, _, err = runInProcess(t, "export", "--session", dir, "--har", harPath)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "entries written") {
		t.Fatalf("export output %q", out)
	}
	back, err := har.ReadFile(harPath)
	if err != nil {
		t.Fatal(err)
	}
	if len(back) != want {
		t.Fatalf("exported %d entries, want %d", len(back), want)
	}
	found := false
	for _, f := range back {
		if strings.Contains(f.URL, "/v2/device/report") {
			found = bytes.Equal(f.ReqBody.Bytes(), []byte{0, 1, 2, 3, 0xff}) && string(f.RespBody.Bytes()) == `{"ok":true,"id":"中文"}`
		}
	}
	if !found {
		t.Fatal("the Charles flow's bodies did not survive import → store → export → import")
	}
}

func TestCLIImportErrors(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sess")
	if _, _, err := runInProcess(t, "session", "new", "--app", "a", dir); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	unknown := filepath.Join(tmp, "notes.txt")
	os.WriteFile(unknown, []byte("hello world"), 0o644)
	if _, _, err := runInProcess(t, "import", "--session", dir, unknown); err == nil || !strings.Contains(err.Error(), "unknown format") || !strings.Contains(err.Error(), unknown) {
		t.Fatalf("unknown file: %v", err)
	}
	bad := filepath.Join(tmp, "bad.har")
	os.WriteFile(bad, []byte(`{"log":{"entries":[{"startedDateTime":"2024-01-01T00:00:00Z","request":{"method":"GET","url":"/rel"},"response":{}}]}}`), 0o644)
	_, _, err := runInProcess(t, "import", "--session", dir, bad)
	if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), "entries[0].request.url") {
		t.Fatalf("bad HAR: %v", err)
	}
	if _, _, err := runInProcess(t, "import", "--session", dir, filepath.Join(tmp, "missing.har")); err == nil {
		t.Fatal("missing file imported")
	}
	// Nothing was stored by the failed imports.
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	fs, err := st.Flows(session.FlowQuery{})
	st.Close()
	if err != nil || len(fs) != 0 {
		t.Fatalf("%d flows after failed imports (%v)", len(fs), err)
	}
	if _, _, err := runInProcess(t, "flows", "--session", tmp); err == nil || !strings.Contains(err.Error(), "not a ceping session") {
		t.Fatalf("flows on a plain folder: %v", err)
	}
	if _, _, err := runInProcess(t, "flows"); err == nil || !strings.Contains(err.Error(), "--session") {
		t.Fatalf("flows without --session: %v", err)
	}
}

func TestCLIImportPcap(t *testing.T) {
	corpus := testutil.SharedDir(t, "corpus", "pcap")
	var capFile string
	filepath.WalkDir(corpus, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && capFile == "" && (strings.HasSuffix(p, ".pcap") || strings.HasSuffix(p, ".pcapng")) {
			capFile = p
		}
		return nil
	})
	if capFile == "" {
		t.Skip("no pcap in the shared corpus")
	}
	dir := filepath.Join(t.TempDir(), "sess")
	if _, _, err := runInProcess(t, "session", "new", "--app", "a", dir); err != nil {
		t.Fatal(err)
	}
	out, _, err := runInProcess(t, "import", "--session", dir, capFile)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "connections") {
		t.Fatalf("pcap import output %q", out)
	}
	st, err := session.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	cs, err := st.Conns()
	if err != nil || len(cs) == 0 {
		t.Fatalf("%d connections stored (%v)", len(cs), err)
	}
	if cs[0].Source != evidence.SourcePcap {
		t.Fatalf("connection source %q", cs[0].Source)
	}
}
