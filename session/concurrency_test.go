package session

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

func TestConcurrentAddFlow(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	const workers, each = 500, 20
	var wg sync.WaitGroup
	ids := make([][]int64, workers)
	errs := make(chan error, workers)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < each; i++ {
				f := &evidence.Flow{Source: evidence.SourceProxy, Start: time.Now(),
					URL:     fmt.Sprintf("https://h/%d/%d", w, i),
					ReqBody: evidence.Body{Raw: []byte(fmt.Sprintf("w%d-i%d", w, i))}}
				id, err := s.AddFlow(f)
				if err != nil {
					errs <- err
					return
				}
				ids[w] = append(ids[w], id)
			}
		}(w)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	seen := map[int64]bool{}
	for _, l := range ids {
		for _, id := range l {
			if seen[id] {
				t.Fatalf("id %d returned twice", id)
			}
			seen[id] = true
		}
	}
	if len(seen) != workers*each {
		t.Fatalf("%d distinct ids", len(seen))
	}
	var n, distinct int
	if err := s.rdb.QueryRow(`SELECT count(*), count(DISTINCT url) FROM flows`).Scan(&n, &distinct); err != nil {
		t.Fatal(err)
	}
	if n != workers*each || distinct != workers*each {
		t.Fatalf("%d rows, %d distinct urls; want %d", n, distinct, workers*each)
	}
	// Every returned ID holds the flow its caller wrote.
	for w, l := range ids {
		for i, id := range l {
			if i%7 != 0 {
				continue
			}
			f, err := s.Flow(id, true)
			if err != nil {
				t.Fatal(err)
			}
			if want := fmt.Sprintf("https://h/%d/%d", w, i); f.URL != want || string(f.ReqBody.Raw) != fmt.Sprintf("w%d-i%d", w, i) {
				t.Fatalf("id %d holds %s", id, f.URL)
			}
		}
	}
}

func TestConcurrentReadersDuringWrites(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	done := make(chan struct{})
	var wg sync.WaitGroup
	readErr := make(chan error, 4)
	for r := 0; r < 4; r++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			last := 0
			for {
				select {
				case <-done:
					return
				default:
				}
				fs, err := s.Flows(FlowQuery{})
				if err != nil {
					readErr <- err
					return
				}
				if len(fs) < last {
					readErr <- fmt.Errorf("flow count went back from %d to %d", last, len(fs))
					return
				}
				last = len(fs)
			}
		}()
	}
	for i := 0; i < 300; i++ {
		if _, err := s.AddFlow(&evidence.Flow{Start: time.Now(), URL: fmt.Sprint(i)}); err != nil {
			t.Fatal(err)
		}
	}
	close(done)
	wg.Wait()
	close(readErr)
	for err := range readErr {
		t.Fatal(err)
	}
}

const childEnv = "CEPING_SESSION_KILL_CHILD"

// killChildBody is the body the child writes for sequence number n.
func killChildBody(n int) []byte {
	return bytes.Repeat([]byte(fmt.Sprintf("seq=%d;", n)), 50+n%200)
}

// TestKill9Child is the child side of TestKill9: it only runs when the
// parent re-executes the test binary with childEnv set to a session folder.
// It writes flows from 8 goroutines and prints "ACK id seq" after each
// AddFlow returned.
func TestKill9Child(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("child process of TestKill9 only")
	}
	s, err := Open(dir)
	if err != nil {
		fmt.Println("ERR", err)
		os.Exit(3)
	}
	var mu sync.Mutex
	seq := 0
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				n := seq
				seq++
				mu.Unlock()
				f := &evidence.Flow{Source: evidence.SourceProxy, Start: time.Now(),
					URL:         fmt.Sprintf("https://kill.test/%d", n),
					RespHeaders: []evidence.Header{{Name: "Content-Encoding", Value: "gzip"}},
					ReqBody:     evidence.Body{Raw: killChildBody(n)},
				}
				id, err := s.AddFlow(f)
				if err != nil {
					fmt.Println("ERR", err)
					os.Exit(3)
				}
				mu.Lock()
				os.Stdout.WriteString(fmt.Sprintf("ACK %d %d\n", id, n))
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
}

func TestKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("re-executes the test binary")
	}
	dir := filepath.Join(t.TempDir(), "sess")
	s, err := Create(dir, Meta{App: "kill"})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()

	acked := map[int64]int{}
	for round := 0; round < 3; round++ {
		cmd := exec.Command(os.Args[0], "-test.run=^TestKill9Child$", "-test.count=1")
		cmd.Env = append(os.Environ(), childEnv+"="+dir)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(out)
		killAt := 200 + round*150
		n := 0
		killed := false
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "ERR") {
				t.Fatalf("child: %s", line)
			}
			var id int64
			var seq int
			if _, err := fmt.Sscanf(line, "ACK %d %d", &id, &seq); err != nil {
				continue
			}
			if _, dup := acked[id]; dup {
				t.Fatalf("id %d acknowledged twice", id)
			}
			acked[id] = round*1_000_000 + seq
			n++
			if n == killAt && !killed {
				// Kill mid-load: the other goroutines are inside AddFlow.
				if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
					t.Fatal(err)
				}
				killed = true
			}
		}
		err = cmd.Wait()
		if !killed {
			t.Fatalf("child ended before the kill: %v\n%s", err, stderr.String())
		}
		if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Fatalf("child was not killed by SIGKILL: %v", cmd.ProcessState)
		}
		if n < killAt {
			t.Fatalf("only %d acknowledgements", n)
		}
	}

	s, err = Open(dir)
	if err != nil {
		t.Fatalf("reopen after kill -9: %v", err)
	}
	defer s.Close()
	var ic string
	if err := s.wdb.QueryRow(`PRAGMA integrity_check`).Scan(&ic); err != nil || ic != "ok" {
		t.Fatalf("integrity_check: %q %v", ic, err)
	}
	for id, v := range acked {
		seq := v % 1_000_000
		f, err := s.Flow(id, true)
		if err != nil {
			t.Fatalf("acknowledged flow %d (seq %d) missing: %v", id, seq, err)
		}
		if f.URL != "https://kill.test/"+strconv.Itoa(seq) || !bytes.Equal(f.ReqBody.Raw, killChildBody(seq)) {
			t.Fatalf("acknowledged flow %d is not intact: %s, %d body bytes", id, f.URL, len(f.ReqBody.Raw))
		}
	}
	fs, err := s.Flows(FlowQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if len(fs) < len(acked) {
		t.Fatalf("%d flows stored, %d acknowledged", len(fs), len(acked))
	}
	t.Logf("3 kills: %d acknowledged flows all present; %d stored", len(acked), len(fs))
	// The store still takes writes after the crash.
	if _, err := s.AddFlow(&evidence.Flow{URL: "after"}); err != nil {
		t.Fatal(err)
	}
}
