package pi

import (
	"math/rand/v2"
	"strings"
	"testing"

	ahocorasick "github.com/petar-dambovaliev/aho-corasick"
)

// newACRef is the reference search: a leftmost-longest Aho-Corasick
// automaton over all variants, with the same token-boundary filter.
func newACRef(m *Matcher) func([]byte) []Hit {
	pats := make([]string, len(m.Variants))
	for i, v := range m.Variants {
		pats[i] = v.Pattern
	}
	bld := ahocorasick.NewAhoCorasickBuilder(ahocorasick.Opts{MatchKind: ahocorasick.LeftMostLongestMatch, DFA: true})
	ac := bld.Build(pats)
	return func(b []byte) []Hit {
		var out []Hit
		end := 0
		it := ac.IterByte(b)
		for x := it.Next(); x != nil; x = it.Next() {
			v := &m.Variants[x.Pattern()]
			if x.Start() < end {
				// the library sometimes also reports a shorter match
				// ending at the same place (+8613… then 8613…); a
				// leftmost-longest search does not overlap
				continue
			}
			end = x.End()
			if boundary(b, x.Start(), x.End(), v) {
				out = append(out, Hit{Variant: v, Start: x.Start(), End: x.End()})
			}
		}
		return out
	}
}

func sameHits(a, b []Hit) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Variant != b[i].Variant || a[i].Start != b[i].Start || a[i].End != b[i].End {
			return false
		}
	}
	return true
}

// The prefix-filtered search finds exactly what the Aho-Corasick reference
// finds: variants alone, glued to each other, inside tokens, overlapping
// (a variant that is a prefix of another), truncated, and in random text.
func TestMatcherAgreesWithAhoCorasick(t *testing.T) {
	for _, prof := range []*Profile{randomProfile(t), mustProfile(t, testProfileYAML), mustProfile(t, Template)} {
		m := NewMatcher(prof)
		ref := newACRef(m)
		r := rand.New(rand.NewPCG(5, 6))
		seps := []string{"", " ", "\"", ",", "a", "9", "+", "/", "=", "-", "_", "%", ":", "\n", "\x00"}
		for round := 0; round < 3000; round++ {
			var sb strings.Builder
			for j := 0; j < 1+r.IntN(6); j++ {
				sb.WriteString(seps[r.IntN(len(seps))])
				p := m.Variants[r.IntN(len(m.Variants))].Pattern
				switch r.IntN(4) {
				case 0:
					p = p[:1+r.IntN(len(p))] // truncated
				case 1:
					p = p[r.IntN(len(p)):]
				}
				sb.WriteString(p)
				if r.IntN(3) == 0 {
					sb.Write(pseudoRandom(r.IntN(20)))
				}
			}
			sb.WriteString(seps[r.IntN(len(seps))])
			b := []byte(sb.String())
			if got, want := m.Find(b), ref(b); !sameHits(got, want) {
				t.Fatalf("round %d: %q\n got %v\nwant %v", round, b, got, want)
			}
		}
		data := realisticPayload(256 << 10)
		if got, want := m.Find(data), ref(data); !sameHits(got, want) {
			t.Fatalf("realistic payload: got %d hits, want %d", len(got), len(want))
		}
	}
}

func mustProfile(t *testing.T, y string) *Profile {
	p, _, err := ParseProfile("t.yaml", []byte(y))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// FuzzMatcher: the fast search and the Aho-Corasick reference agree on
// arbitrary text.
func FuzzMatcher(f *testing.F) {
	m := NewMatcher(mustProfileF(f, testProfileYAML))
	ref := newACRef(m)
	for _, v := range m.Variants[:20] {
		f.Add([]byte("x" + v.Pattern + "," + v.Pattern[:5]))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := m.Find(b), ref(b); !sameHits(got, want) {
			t.Fatalf("%q: got %v want %v", b, got, want)
		}
	})
}

func mustProfileF(f *testing.F, y string) *Profile {
	p, _, err := ParseProfile("t.yaml", []byte(y))
	if err != nil {
		f.Fatal(err)
	}
	return p
}
