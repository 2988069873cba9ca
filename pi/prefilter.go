package pi

import (
	"bytes"
	"math/bits"
)

// Cheap byte checks that keep the pattern regular expressions off values
// that cannot match them. Each one tests a condition every match of its
// expression has to meet, so it never drops a match; prefilter_test.go
// scans the fixture session, the detector samples and generated traffic
// with and without them and requires the same findings.

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// byte classes for the one pass over a value in patterns
const (
	clDigit = 1 << iota
	clAt
	clColon
	clDash
	clDot
	clAlnum
	clHex
	clB64 // a byte of the base64 alphabets (b64chars)
)

var byteClass = func() (t [256]uint8) {
	for c := 0; c < 256; c++ {
		switch {
		case c >= '0' && c <= '9':
			t[c] = clDigit | clAlnum
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
			t[c] = clAlnum
		case c == '@':
			t[c] = clAt
		case c == ':':
			t[c] = clColon
		case c == '-':
			t[c] = clDash
		case c == '.':
			t[c] = clDot
		}
		if isHex(byte(c)) {
			t[c] |= clHex
		}
		if b64chars[c] {
			t[c] |= clB64
		}
	}
	return
}()

// valueShape is what one pass over a value tells the pattern detectors.
type valueShape struct {
	digits int32 // ASCII digits
	b64Run int32 // see below
	flags  uint8 // union of the byte classes
	// digitTok: a token (maximal run of letters and digits) that digitRuns
	// can report: all digits and 11, 13 (starting 86) or 15–19 long, or
	// 17 digits and one more byte. Every run digitRuns classifies stands
	// alone (no letter or digit either side), so it is such a token.
	digitTok bool
	// meidTok: a token of exactly 14 hex characters (what meid reports).
	meidTok bool
	// sepPair: two bytes three apart that are both ':' or '-', as the
	// first two separators of every MAC address are.
	sepPair bool
	// b64Run (above) is the longest run of base64-alphabet bytes when
	// that run is at least 8 long (shorter runs may count less): an upper
	// bound of every run of 8 or more that base64Runs can return.
}

// shapeOf makes the one pass, eight bytes at a time: the byte classes of
// a word are gathered into one uint64, digits are a population count,
// and runs are followed only across words (a token or base64 run inside
// a word is shorter than 8, too short to matter). The last partial word
// is padded with class-0 bytes (read past the end within the slice's
// capacity and masked, or gathered byte by byte), which end a run as the
// end of the value does. The bytes of a token of 11 or more are looked at again, which is
// rare. It fills *v (a result returned by value cost more than the pass
// over a short JSON leaf).
func shapeOf(b []byte, v *valueShape) {
	*v = valueShape{}
	var fl, prevSep, sepPair uint64
	digits, tl, br, maxB := 0, 0, 0, 0
	for i := 0; i < len(b); i += 8 {
		var w uint64
		if i+8 <= cap(b) {
			// a JSON leaf is a slice of its document: the bytes after it
			// are readable up to the capacity, and masked off below
			c := b[i : i+8 : i+8]
			w = uint64(byteClass[c[0]]) | uint64(byteClass[c[1]])<<8 | uint64(byteClass[c[2]])<<16 | uint64(byteClass[c[3]])<<24 |
				uint64(byteClass[c[4]])<<32 | uint64(byteClass[c[5]])<<40 | uint64(byteClass[c[6]])<<48 | uint64(byteClass[c[7]])<<56
			if r := len(b) - i; r < 8 {
				w &= 1<<(8*r) - 1
			}
		} else {
			for j, c := range b[i:] {
				w |= uint64(byteClass[c]) << (8 * j)
			}
		}
		fl |= w
		digits += bits.OnesCount64(w & (swarOnes * clDigit))
		// high bit of each ':' or '-' (clColon is bit 2, clDash bit 3);
		// pairs inside the word and with the previous word's last three
		sep := (w<<5 | w<<4) & swarHigh
		sepPair |= sep&(sep>>24) | prevSep>>40&sep
		prevSep = sep
		// high bit of each byte that is not a letter or digit (clAlnum is bit 5)
		if n := ^(w << 2) & swarHigh; n == 0 {
			tl += 8
		} else {
			if f := bits.TrailingZeros64(n) >> 3; tl+f >= 11 {
				v.token(b, i+f, tl+f)
			}
			tl = bits.LeadingZeros64(n) >> 3
		}
		// high bit of each byte outside the base64 alphabets (clB64 is bit 7)
		if n := ^w & swarHigh; n == 0 {
			br += 8
		} else {
			maxB = max(maxB, br+bits.TrailingZeros64(n)>>3)
			br = bits.LeadingZeros64(n) >> 3
		}
	}
	if tl >= 11 {
		v.token(b, len(b), tl)
	}
	fl |= fl >> 32
	fl |= fl >> 16
	fl |= fl >> 8
	v.flags = uint8(fl)
	v.sepPair = sepPair != 0
	v.digits, v.b64Run = int32(digits), int32(max(maxB, br))
}

// token looks at the token of tl letters and digits that ends at end.
func (v *valueShape) token(b []byte, end, tl int) {
	td, th := 0, 0
	for _, c := range b[end-tl : end] {
		k := byteClass[c]
		td += int(k & clDigit)
		th += int(k>>6) & 1
	}
	if tl == 14 && th == 14 {
		v.meidTok = true
	}
	if td == tl && (tl == 11 || tl >= 15 && tl <= 19 || tl == 13 && b[end-13] == '8' && b[end-12] == '6') || tl == 18 && td == 17 {
		v.digitTok = true
	}
}

func isHex(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}

func isWordByte(c byte) bool { return isAlnum(c) || c == '_' }

// macShape reports whether b holds 17 bytes shaped like a MAC address
// (hex pairs separated by ':' or '-'), which every reMACFind match is.
func macShape(b []byte) bool {
	return macShapeAt(b, ':') || macShapeAt(b, '-')
}

// macShapeAt tries the places where the third byte is sep (found with
// bytes.IndexByte: separators are few).
func macShapeAt(b []byte, sep byte) bool {
	for off := 0; ; {
		p := bytes.IndexByte(b[off:], sep)
		if p < 0 {
			return false
		}
		p += off
		off = p + 1
		if p >= 2 && macShapeFrom(b, p-2) {
			return true
		}
	}
}

func macShapeFrom(b []byte, i int) bool {
	if i+17 > len(b) {
		return false
	}
	ok := true
	for j := 0; j < 17 && ok; j++ {
		c := b[i+j]
		if j%3 == 2 {
			ok = c == ':' || c == '-'
		} else {
			ok = isHex(c)
		}
	}
	return ok
}

// macShapeBytewise is macShape trying every offset (kept for the tests).
func macShapeBytewise(b []byte) bool {
	for i := 0; i+17 <= len(b); i++ {
		if b[i+2] != ':' && b[i+2] != '-' {
			continue
		}
		ok := true
		for j := 0; j < 17 && ok; j++ {
			c := b[i+j]
			if j%3 == 2 {
				ok = c == ':' || c == '-'
			} else {
				ok = isHex(c)
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// pairCandidate reports whether b has a digit, '.', four or more digits,
// optional white space and one of , ; | — the first half of every
// rePairFind match. It jumps from '.' to '.'.
func pairCandidate(b []byte) bool {
	for off := 0; ; {
		p := bytes.IndexByte(b[off:], '.')
		if p < 0 || off+p+5 >= len(b) {
			return false
		}
		i := off + p
		off = i + 1
		if pairAt(b, i) {
			return true
		}
	}
}

// pairAt reports whether the '.' at b[i] starts such a candidate.
func pairAt(b []byte, i int) bool {
	if i < 1 || !isDigit(b[i-1]) {
		return false
	}
	j := i + 1
	for j < len(b) && isDigit(b[j]) {
		j++
	}
	if j-i-1 < 4 {
		return false
	}
	for j < len(b) && (b[j] == ' ' || b[j] == '\t' || b[j] == '\n' || b[j] == '\r' || b[j] == '\f') {
		j++
	}
	return j < len(b) && (b[j] == ',' || b[j] == ';' || b[j] == '|')
}

// pkgTLDs are the first labels rePkgFind allows (pkgStarts switches on
// their last letters).
var pkgTLDs = []string{"com", "cn", "org", "net", "io", "me", "tv", "air", "top"}

// pkgStarts counts, up to max, the places where a rePkgFind match can
// start: a word boundary, one of its first labels, '.', a lower-case
// letter. Fewer than five starts cannot give five distinct packages. It
// looks at the dots only (bytes.IndexByte), which are few.
func pkgStarts(b []byte, max int) int {
	n := 0
	for off := 0; n < max; {
		i := bytes.IndexByte(b[off:], '.')
		if i < 0 {
			break
		}
		d := off + i
		off = d + 1
		if d+1 >= len(b) || b[d+1] < 'a' || b[d+1] > 'z' {
			continue
		}
		// the labels end in different letters: at most one can match
		var t string
		switch b[d-min(d, 1)] {
		case 'm':
			t = "com"
		case 'n':
			t = "cn"
		case 'g':
			t = "org"
		case 't':
			t = "net"
		case 'o':
			t = "io"
		case 'e':
			t = "me"
		case 'v':
			t = "tv"
		case 'r':
			t = "air"
		case 'p':
			t = "top"
		default:
			continue
		}
		if s := d - len(t); s >= 0 && string(b[s:d]) == t && (s == 0 || !isWordByte(b[s-1])) {
			n++
		}
	}
	return n
}

func isEmailLocal(c byte) bool {
	return isAlnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'
}

func isEmailDomain(c byte) bool { return isAlnum(c) || c == '-' || c == '.' }

// emailWindow bounds where reEmailFind can match: a match holds one '@',
// at most 64 bytes of local part before it and only domain bytes after
// it, so every match lies between 64 bytes before the first '@' and the
// end of the domain bytes after the last '@'.
func emailWindow(b []byte) (int, int) {
	first, last := -1, -1
	for i, c := range b {
		if c == '@' {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return 0, 0
	}
	lo := max(0, first-64)
	hi := last + 1
	for hi < len(b) && isEmailDomain(b[hi]) {
		hi++
	}
	return lo, hi
}
