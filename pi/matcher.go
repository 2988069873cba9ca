package pi

import (
	"encoding/binary"
	"sort"
	"strings"
)

// The known-value search. Every variant is at least 6 bytes long, so a
// match starts with one of the variants' 4-byte prefixes. The scan reads
// the 4 bytes at each position, hashes them into a bit set of all prefixes
// (a few KiB, stays in the L1 cache) and only on a set bit looks the prefix
// up and compares the candidates. On ordinary traffic almost every
// position is rejected by one load, one multiply and one bit test, which
// is several times faster than walking an Aho-Corasick automaton byte by
// byte. The result is the same as a leftmost-longest Aho-Corasick search:
// at the first position where any variant matches, the longest variant
// there is taken and the scan continues after it (prefixindex_test.go
// checks this against github.com/petar-dambovaliev/aho-corasick).

const prefixLen = 4

type prefixIndex struct {
	shift uint32
	bloom []uint64
	// open addressing table: prefix → candidates (variant indexes, longest
	// first) in list[from:to]
	mask   uint32
	keys   []uint32
	from   []int32 // -1: empty slot
	to     []int32
	list   []int32
	pats   []string
	b64    []bool // base64 variant: + / _ - also continue a token
	minLen int
}

func prefixHash(x uint32) uint32 { return x * 0x9E3779B1 }

func buildPrefixIndex(vs []Variant) prefixIndex {
	ix := prefixIndex{pats: make([]string, len(vs)), b64: make([]bool, len(vs))}
	groups := map[uint32][]int32{}
	for i, v := range vs {
		ix.pats[i] = v.Pattern
		ix.b64[i] = strings.HasPrefix(v.Encoding, "base64")
		if len(v.Pattern) < prefixLen {
			continue // never built by NewMatcher (minimum 6 bytes)
		}
		if ix.minLen == 0 || len(v.Pattern) < ix.minLen {
			ix.minLen = len(v.Pattern)
		}
		k := binary.LittleEndian.Uint32([]byte(v.Pattern[:prefixLen]))
		groups[k] = append(groups[k], int32(i))
	}
	if len(groups) == 0 {
		return ix
	}
	// bit set: about 64 bits per distinct prefix, 2^12..2^20 bits
	bits := uint32(12)
	for (1<<bits) < 64*len(groups) && bits < 20 {
		bits++
	}
	ix.shift = 32 - bits
	ix.bloom = make([]uint64, (1<<bits)/64)
	size := uint32(1)
	for size < uint32(2*len(groups)) {
		size <<= 1
	}
	ix.mask = size - 1
	ix.keys = make([]uint32, size)
	ix.from = make([]int32, size)
	ix.to = make([]int32, size)
	for i := range ix.from {
		ix.from[i] = -1
	}
	prefixes := make([]uint32, 0, len(groups))
	for k := range groups {
		prefixes = append(prefixes, k)
	}
	sort.Slice(prefixes, func(i, j int) bool { return prefixes[i] < prefixes[j] })
	for _, k := range prefixes {
		g := groups[k]
		sort.SliceStable(g, func(a, b int) bool { return len(vs[g[a]].Pattern) > len(vs[g[b]].Pattern) })
		h := prefixHash(k) >> ix.shift
		ix.bloom[h>>6] |= 1 << (h & 63)
		slot := prefixHash(k) & ix.mask
		for ix.from[slot] >= 0 {
			slot = (slot + 1) & ix.mask
		}
		ix.keys[slot] = k
		ix.from[slot] = int32(len(ix.list))
		ix.list = append(ix.list, g...)
		ix.to[slot] = int32(len(ix.list))
	}
	return ix
}

// candidates returns the variants whose first 4 bytes are k, longest first.
func (ix *prefixIndex) candidates(k uint32) []int32 {
	slot := prefixHash(k) & ix.mask
	for ix.from[slot] >= 0 {
		if ix.keys[slot] == k {
			return ix.list[ix.from[slot]:ix.to[slot]]
		}
		slot = (slot + 1) & ix.mask
	}
	return nil
}

// appendHits appends each leftmost-longest, non-overlapping variant match
// that stands on token boundaries. A match that fails the boundary check
// still consumes its bytes, as in the automaton search.
func (ix *prefixIndex) appendHits(dst []Hit, vs []Variant, b []byte) []Hit {
	if ix.minLen == 0 || len(b) < ix.minLen {
		return dst
	}
	bloom, shift := ix.bloom, ix.shift
	last := len(b) - ix.minLen
	for i := 0; i <= last; i++ {
		k := binary.LittleEndian.Uint32(b[i : i+4])
		h := prefixHash(k) >> shift
		if bloom[h>>6]&(1<<(h&63)) == 0 {
			continue
		}
		rest := b[i:]
		for _, c := range ix.candidates(k) {
			p := ix.pats[c]
			if len(p) > len(rest) || string(rest[:len(p)]) != p {
				continue
			}
			e := i + len(p)
			if boundaryAt(b, i, e, p, ix.b64[c]) {
				dst = append(dst, Hit{Variant: &vs[c], Start: i, End: e})
			}
			i = e - 1
			break
		}
	}
	return dst
}

// Hit is one variant found in a piece of text.
type Hit struct {
	Variant *Variant
	Start   int
	End     int
}

// Find returns the variants found in b on token boundaries: the bytes
// before and after a match must not continue the token (letters, digits,
// and for base64 forms also + / _ -), so a profile value inside a longer
// token does not count.
func (m *Matcher) Find(b []byte) []Hit {
	if m == nil {
		return nil
	}
	return m.idx.appendHits(nil, m.Variants, b)
}

// appendFind is Find into a caller's buffer.
func (m *Matcher) appendFind(dst []Hit, b []byte) []Hit {
	if m == nil {
		return dst
	}
	return m.idx.appendHits(dst, m.Variants, b)
}

func isAlnum(c byte) bool { return byteClass[c]&clAlnum != 0 }

func boundary(b []byte, s, e int, v *Variant) bool {
	return boundaryAt(b, s, e, v.Pattern, strings.HasPrefix(v.Encoding, "base64"))
}

func boundaryAt(b []byte, s, e int, p string, b64 bool) bool {
	cont := func(c byte) bool {
		return isAlnum(c) || b64 && (c == '+' || c == '/' || c == '_' || c == '-')
	}
	if s > 0 && (isAlnum(p[0]) || b64) && cont(b[s-1]) {
		return false
	}
	if e < len(b) && (isAlnum(p[len(p)-1]) || b64) && cont(b[e]) {
		return false
	}
	return true
}
