package pcap

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
	"github.com/gopacket/gopacket/layers"
)

// FuzzRead feeds arbitrary bytes to Read: it must return a result or an
// error naming the input, never panic (not even one recovered from pcapgo),
// and a result must be self-consistent.
func FuzzRead(f *testing.F) {
	// Seeds: the shared corpus when present, and tiny hand-made files.
	dir := filepath.Join(testutil.RepoRoot(), "..", "shared", "corpus", "pcap")
	for _, pat := range []string{"*/*.pcap", "*/*.pcapng"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat))
		for _, file := range m {
			if b, err := os.ReadFile(file); err == nil && len(b) < 8<<10 {
				f.Add(b)
			}
		}
	}
	frames := smallCapture(f)
	f.Add(pcapFile(f, layers.LinkTypeEthernet, frames, false))
	f.Add(pcapFile(f, layers.LinkTypeLinuxSLL2, frames[:4], false))
	f.Add(pcapFile(f, layers.LinkTypeEthernet, frames[3:5], true))
	f.Add(ngFile(f, frames))
	f.Add(pcapFile(f, layers.LinkTypeRaw, helloFrames(f)[:6], false))
	f.Add([]byte{})
	f.Add([]byte{0x0a, 0x0d, 0x0d, 0x0a, 28, 0, 0, 0, 0x4d, 0x3c, 0x2b, 0x1a, 1, 0, 0, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 28, 0, 0, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Read(bytes.NewReader(data), "fuzz.pcap")
		if err != nil {
			if res != nil {
				t.Fatal("both a result and an error")
			}
			if !strings.HasPrefix(err.Error(), "pcap: fuzz.pcap: ") {
				t.Fatalf("error does not name the input: %v", err)
			}
			if strings.Contains(err.Error(), "reader panic") {
				t.Fatalf("panic: %v", err)
			}
			return
		}
		for _, c := range res.Conns {
			if c.BytesUp < 0 || c.BytesDown < 0 || c.End.Before(c.Start) {
				t.Fatalf("inconsistent conversation %+v", c)
			}
		}
		for _, fl := range res.Flows {
			if fl.Method == "" || fl.URL == "" {
				t.Fatalf("flow without method: %+v", fl)
			}
		}
		if len(res.Warnings) > maxWarnings+1 {
			t.Fatalf("%d warnings", len(res.Warnings))
		}
	})
}
