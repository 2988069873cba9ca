package kb

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
)

// refByHost is the naive definition ByHost must agree with: the SDK owning
// the longest domain d such that host == d or host ends in "." + d.
func refByHost(sdks []SDK, host string) string {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	best, bestLen := "", -1
	for _, s := range sdks {
		for _, d := range s.Domains {
			d = strings.ToLower(d)
			if (host == d || strings.HasSuffix(host, "."+d)) && len(d) > bestLen {
				best, bestLen = s.ID, len(d)
			}
		}
	}
	return best
}

// refByClass: the SDK owning the longest prefix p (without its trailing
// dot) such that name == p or name continues p with "." or "$".
func refByClass(sdks []SDK, name string) string {
	best, bestLen := "", -1
	for _, s := range sdks {
		for _, c := range s.ClassPrefixes {
			p := strings.TrimSuffix(c, ".")
			if name == p || strings.HasPrefix(name, p+".") || strings.HasPrefix(name, p+"$") {
				if len(p) > bestLen {
					best, bestLen = s.ID, len(p)
				}
			}
		}
	}
	return best
}

func idOf(s *SDK) string {
	if s == nil {
		return ""
	}
	return s.ID
}

// harHosts returns the request hosts of every HAR file in the shared corpus.
func harHosts(t *testing.T) []string {
	dir := testutil.SharedDir(t, "corpus", "har")
	files, err := filepath.Glob(filepath.Join(dir, "*", "*.har"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no HAR files under %s: %v", dir, err)
	}
	var hosts []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var har struct {
			Log struct {
				Entries []struct {
					Request struct {
						URL string `json:"url"`
					} `json:"request"`
				} `json:"entries"`
			} `json:"log"`
		}
		if err := json.Unmarshal(data, &har); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, e := range har.Log.Entries {
			if u, err := url.Parse(e.Request.URL); err == nil && u.Hostname() != "" {
				hosts = append(hosts, u.Hostname())
			}
		}
	}
	return hosts
}

// TestByHostRealCaptures resolves every host requested in the real HAR
// captures and compares with the naive reference.
func TestByHostRealCaptures(t *testing.T) {
	x := Index()
	hosts := harHosts(t)
	matched := map[string]string{}
	for _, h := range hosts {
		got, want := idOf(x.ByHost(h)), refByHost(x.SDKs(), h)
		if got != want {
			t.Errorf("ByHost(%q) = %q, reference says %q", h, got, want)
		}
		if got != "" {
			matched[h] = got
		}
	}
	t.Logf("%d requests; third-party SDK hosts: %v", len(hosts), matched)
}

// TestIndexAgainstReference compares ByHost and ByClass with the naive
// definitions over every signature, its near misses and a synthetic corpus.
func TestIndexAgainstReference(t *testing.T) {
	x := Index()
	sdks := x.SDKs()
	var hosts []string
	for _, s := range sdks {
		for _, d := range s.Domains {
			hosts = append(hosts, d, "a."+d, "x"+d, d+".evil.net", strings.ToUpper(d), d+".")
		}
	}
	for _, h := range hosts {
		if got, want := idOf(x.ByHost(h)), refByHost(sdks, h); got != want {
			t.Errorf("ByHost(%q) = %q, reference says %q", h, got, want)
		}
	}
	names := classCorpus(20000)
	for _, s := range sdks {
		for _, c := range s.ClassPrefixes {
			p := strings.TrimSuffix(c, ".")
			names = append(names, p, p+"x", p+".A", p+"$1", p+"x.A")
		}
	}
	for _, n := range names {
		want := refByClass(sdks, n)
		if got := idOf(x.ByClass(n)); got != want {
			t.Errorf("ByClass(%q) = %q, reference says %q", n, got, want)
		}
		desc := "L" + strings.ReplaceAll(n, ".", "/") + ";"
		if got := idOf(x.ByClass(desc)); got != want {
			t.Errorf("ByClass(%q) = %q, reference says %q", desc, got, want)
		}
	}
}
