package mitm

import (
	"bytes"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestCACreateAndReload(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "ca")
	ca, err := LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(dir)
	if err != nil || st.Mode().Perm() != 0o700 {
		t.Fatalf("CA dir mode %v, err %v; want 0700", st.Mode().Perm(), err)
	}
	ks, err := os.Stat(filepath.Join(dir, CAKeyFile))
	if err != nil || ks.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v, err %v; want 0600", ks.Mode().Perm(), err)
	}
	cert := ca.Certificate()
	if !cert.IsCA || !strings.HasPrefix(cert.Subject.CommonName, "ceping CA ") {
		t.Fatalf("bad CA cert: IsCA %v CN %q", cert.IsCA, cert.Subject.CommonName)
	}
	if life := cert.NotAfter.Sub(cert.NotBefore); life < 9*365*24*time.Hour {
		t.Fatalf("CA validity %v, want about ten years", life)
	}
	blk, _ := pem.Decode(ca.PEM())
	if blk == nil || !bytes.Equal(blk.Bytes, ca.DER()) {
		t.Fatal("PEM and DER disagree")
	}
	ca2, err := LoadOrCreateCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ca.DER(), ca2.DER()) {
		t.Fatal("reloading created a new CA")
	}
	// two installations get different names
	ca3, err := LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if ca3.Name() == ca.Name() {
		t.Fatalf("two CAs share the name %q", ca.Name())
	}
}

func TestCALeafVerifies(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	for _, host := range []string{"api.example.com", "203.0.113.9", "2001:db8::1"} {
		c, err := ca.Leaf(host)
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.Leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: ca.CertPool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
		if err != nil {
			t.Fatalf("%s: %v", host, err)
		}
		if d := c.Leaf.NotAfter.Sub(c.Leaf.NotBefore); d > 30*24*time.Hour {
			t.Fatalf("%s: leaf valid for %v, want short", host, d)
		}
	}
	a, _ := ca.Leaf("cache.example.com")
	b, _ := ca.Leaf("CACHE.example.com.")
	if a != b {
		t.Fatal("leaf not cached per host")
	}
}

func TestCALeafConcurrentAndLRU(t *testing.T) {
	ca, err := LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	ca.max = 3
	var wg sync.WaitGroup
	certs := make(chan any, 50)
	for i := 0; i < 50; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, err := ca.Leaf("same.example.com")
			if err != nil {
				t.Error(err)
			}
			certs <- c
		}()
	}
	wg.Wait()
	close(certs)
	var first any
	for c := range certs {
		if first == nil {
			first = c
		} else if c != first {
			t.Fatal("concurrent callers got different leaves for one host")
		}
	}
	for _, h := range []string{"a.test", "b.test", "c.test", "d.test"} {
		if _, err := ca.Leaf(h); err != nil {
			t.Fatal(err)
		}
	}
	if n := ca.lru.Len(); n != 3 {
		t.Fatalf("LRU holds %d leaves, want 3", n)
	}
	if _, ok := ca.leaves["same.example.com"]; ok {
		t.Fatal("least recently used leaf not evicted")
	}
}

func TestCABrokenDir(t *testing.T) {
	dir := t.TempDir()
	if _, err := LoadOrCreateCA(dir); err != nil {
		t.Fatal(err)
	}
	os.Remove(filepath.Join(dir, CAKeyFile))
	if _, err := LoadOrCreateCA(dir); err == nil || !strings.Contains(err.Error(), "only one of") {
		t.Fatalf("missing key: err %v", err)
	}
	os.WriteFile(filepath.Join(dir, CAKeyFile), []byte("not pem"), 0o600)
	if _, err := LoadOrCreateCA(dir); err == nil || !strings.Contains(err.Error(), CAKeyFile) {
		t.Fatalf("garbage key: err %v", err)
	}
}
