package session

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

func gzipped(t testing.TB, b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func flowRefs(f *evidence.Flow) []string {
	var out []string
	for _, r := range []string{f.ReqBody.RawRef, f.ReqBody.DecodedRef, f.RespBody.RawRef, f.RespBody.DecodedRef} {
		if r != "" {
			out = append(out, r)
		}
	}
	for _, m := range f.WebSocket {
		if m.DataRef != "" {
			out = append(out, m.DataRef)
		}
	}
	return out
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func age(t testing.TB, p string, d time.Duration) {
	t.Helper()
	old := time.Now().Add(-d)
	if err := os.Chtimes(p, old, old); err != nil {
		t.Fatal(err)
	}
}

func TestGCRemovesUnreferencedAndTemp(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	f1 := fullFlow(1)
	plain := []byte("明文 response body, compressed on the wire")
	f2 := &evidence.Flow{Source: evidence.SourceProxy, Start: time.Now(), URL: "https://h/gz", Status: 200,
		RespHeaders: []evidence.Header{{Name: "Content-Encoding", Value: "gzip"}},
		RespBody:    evidence.Body{Raw: gzipped(t, plain)}}
	for _, f := range []*evidence.Flow{f1, f2} {
		if _, err := s.AddFlow(f); err != nil {
			t.Fatal(err)
		}
	}
	if f2.RespBody.DecodedRef == "" || f2.RespBody.RawRef == "" || len(f1.WebSocket) != 2 || f1.WebSocket[1].DataRef == "" {
		t.Fatal("flows stored without the refs this test relies on")
	}
	referenced := map[string]bool{}
	for _, f := range []*evidence.Flow{f1, f2} {
		for _, r := range flowRefs(f) {
			referenced[r] = true
		}
	}
	// two old orphans, one young orphan
	var orphans []string
	var orphanBytes int64
	for i, b := range [][]byte{[]byte("orphan one"), bytes.Repeat([]byte("orphan two "), 500), []byte("young orphan")} {
		ref, err := s.PutBlob(b)
		if err != nil {
			t.Fatal(err)
		}
		orphans = append(orphans, ref)
		if i < 2 {
			age(t, s.blobs.path(ref), 2*time.Minute)
			orphanBytes += int64(len(b))
		}
	}
	// temp files left by a crash: one old, one being written; a file that is not ours
	shard := filepath.Join(s.Dir(), BlobDir, "ab")
	os.MkdirAll(shard, 0o755)
	oldTmp, youngTmp := filepath.Join(shard, ".tmp-111"), filepath.Join(shard, ".tmp-222")
	foreign := filepath.Join(s.Dir(), BlobDir, "NOTES.txt")
	for _, p := range []string{oldTmp, youngTmp, foreign} {
		if err := os.WriteFile(p, []byte("partial blob"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	age(t, oldTmp, 90*time.Second)

	st, err := s.GC()
	if err != nil {
		t.Fatal(err)
	}
	var keptBytes int64
	for r := range referenced {
		fi, err := os.Stat(s.blobs.path(r))
		if err != nil {
			t.Fatal(err)
		}
		keptBytes += fi.Size()
	}
	want := GCStats{Referenced: len(referenced), Kept: len(referenced), KeptBytes: keptBytes,
		Removed: 2, RemovedBytes: orphanBytes, TempRemoved: 1, TempBytes: int64(len("partial blob")), Young: 2}
	if st != want {
		t.Fatalf("GC stats %+v, want %+v", st, want)
	}
	if exists(s.blobs.path(orphans[0])) || exists(s.blobs.path(orphans[1])) || exists(oldTmp) {
		t.Fatal("an old orphan or temp file survived GC")
	}
	if !exists(s.blobs.path(orphans[2])) || !exists(youngTmp) || !exists(foreign) {
		t.Fatal("GC removed a young file or a file that is not a blob")
	}
	// referenced blobs read back intact
	for _, want := range []*evidence.Flow{f1, f2} {
		got, err := s.Flow(want.ID, true)
		if err != nil {
			t.Fatalf("flow %d after GC: %v", want.ID, err)
		}
		sameFlow(t, want, got, true)
	}
	got, _ := s.Flow(f2.ID, true)
	if !bytes.Equal(got.RespBody.Decoded, plain) {
		t.Fatalf("decoded body after GC %q", got.RespBody.Decoded)
	}
	// a second run finds nothing more to free
	st2, err := s.GC()
	if err != nil {
		t.Fatal(err)
	}
	if st2.Removed != 0 || st2.TempRemoved != 0 || st2.Kept != st.Kept || st2.Missing != 0 {
		t.Fatalf("second GC %+v", st2)
	}
	// a missing referenced blob is reported
	os.Remove(s.blobs.path(f2.RespBody.DecodedRef))
	if st3, err := s.GC(); err != nil || st3.Missing != 1 {
		t.Fatalf("GC with a missing blob: %+v, %v", st3, err)
	}
}

// TestGCConcurrentAddFlow: GC running in a loop while flows are added loses
// nothing, even when the flows reuse old unreferenced blobs (identical
// bodies) that GC is about to remove. The grace period is off so only the
// lock protects them.
func TestGCConcurrentAddFlow(t *testing.T) {
	defer func(g time.Duration) { gcGrace = g }(gcGrace)
	gcGrace = 0
	s := newStore(t, Meta{App: "a"})
	const workers, each, orphans = 8, 40, 200
	body := func(i int) []byte { return []byte(fmt.Sprintf("shared body %d", i)) }
	for i := 0; i < orphans; i++ {
		if _, err := s.PutBlob(body(i)); err != nil {
			t.Fatal(err)
		}
	}
	var stop atomic.Bool
	var removed atomic.Int64
	gcDone := make(chan error, 1)
	go func() {
		var err error
		for !stop.Load() && err == nil {
			var st GCStats
			st, err = s.GC()
			removed.Add(int64(st.Removed))
		}
		gcDone <- err
	}()
	var wg sync.WaitGroup
	flows := make([][]*evidence.Flow, workers)
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				// half the bodies reuse an orphan (even ones), half are new
				f := &evidence.Flow{Source: evidence.SourceProxy, Start: time.Now(), URL: fmt.Sprintf("https://h/%d/%d", w, i),
					ReqBody:   evidence.Body{Raw: body((w*each + i) % orphans / 2 * 2)},
					RespBody:  evidence.Body{Raw: []byte(fmt.Sprintf("new %d %d", w, i))},
					WebSocket: []evidence.WSMessage{{Time: time.Now(), FromApp: true, Opcode: 1, Data: body((w + i) % orphans / 2 * 2)}}}
				if _, err := s.AddFlow(f); err != nil {
					errs <- err
					return
				}
				flows[w] = append(flows[w], f)
			}
		}(w)
	}
	wg.Wait()
	stop.Store(true)
	if err := <-gcDone; err != nil {
		t.Fatal(err)
	}
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	final, err := s.GC()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range flows {
		for _, want := range l {
			got, err := s.Flow(want.ID, true)
			if err != nil {
				t.Fatalf("flow %d after concurrent GC: %v", want.ID, err)
			}
			if !bytes.Equal(got.ReqBody.Raw, want.ReqBody.Raw) || !bytes.Equal(got.RespBody.Raw, want.RespBody.Raw) ||
				len(got.WebSocket) != 1 || !bytes.Equal(got.WebSocket[0].Data, want.WebSocket[0].Data) {
				t.Fatalf("flow %d bodies differ after GC", want.ID)
			}
			n++
		}
	}
	if n != workers*each || final.Missing != 0 {
		t.Fatalf("%d flows read back, %d refs missing", n, final.Missing)
	}
	// the odd orphans were never reused: GC removed them
	if got := removed.Load() + int64(final.Removed); got < orphans/2 {
		t.Fatalf("GC removed %d orphans, want at least %d", got, orphans/2)
	}
	for i := 1; i < orphans; i += 2 {
		if exists(s.blobs.path(RefOf(body(i)))) {
			t.Fatalf("unreferenced blob %d survived", i)
		}
	}
}
