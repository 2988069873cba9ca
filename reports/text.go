package reports

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// clean makes a string from input safe to show as text: invalid UTF-8
// becomes U+FFFD, ANSI/VT escape sequences are removed, other control
// characters (NUL, C0, DEL, C1) are dropped, and bidirectional controls
// (e.g. U+202E RIGHT-TO-LEFT OVERRIDE), which can make text read differently
// from what it is, are shown as a visible "[U+202E]". Newlines and tabs
// become spaces unless keepNewlines is set (then "\n" is kept).
func clean(s string, keepNewlines bool) string {
	if isPlain(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b.WriteRune(utf8.RuneError)
		case r == 0x1b: // ESC: skip the whole escape sequence
			i += escapeLen(s[i:])
			continue
		case r == 0x9b: // C1 CSI
			i += size + csiLen(s[i+size:])
			continue
		case r == '\n' || r == '\r' || r == '\t' || r == '\v' || r == '\f' || r == 0x85 || r == 0x2028 || r == 0x2029:
			if keepNewlines && r == '\n' {
				b.WriteByte('\n')
			} else if r != '\r' || !keepNewlines {
				b.WriteByte(' ')
			}
		case isBidi(r):
			b.WriteString("[U+")
			b.WriteString(strings.ToUpper(hex4(r)))
			b.WriteString("]")
		case unicode.IsControl(r):
			// dropped
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// isPlain reports whether s needs no cleaning (the common, fast case).
func isPlain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c == 0x7f || c >= 0x80 {
			if c >= 0x80 {
				return isPlainUnicode(s[i:])
			}
			return false
		}
	}
	return true
}

func isPlainUnicode(s string) bool {
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		if (r == utf8.RuneError && size == 1) || r < 0x20 || unicode.IsControl(r) || isBidi(r) || r == 0x2028 || r == 0x2029 {
			return false
		}
		i += size
	}
	return true
}

// isBidi reports whether r is a bidirectional formatting character.
func isBidi(r rune) bool {
	switch {
	case r == 0x061c, r == 0x200e, r == 0x200f:
		return true
	case r >= 0x202a && r <= 0x202e:
		return true
	case r >= 0x2066 && r <= 0x2069:
		return true
	}
	return false
}

func hex4(r rune) string {
	const digits = "0123456789abcdef"
	var buf [8]byte
	n := len(buf)
	for v := uint32(r); v > 0 || n > len(buf)-4; v >>= 4 {
		n--
		buf[n] = digits[v&0xf]
	}
	return string(buf[n:])
}

// escapeLen returns the length of the escape sequence at the start of s
// (s[0] is ESC): CSI (ESC [ … final), OSC/DCS/APC/PM/SOS strings (ended by
// BEL or ESC \), or a two-byte escape.
func escapeLen(s string) int {
	if len(s) < 2 {
		return len(s)
	}
	switch s[1] {
	case '[':
		return 2 + csiLen(s[2:])
	case ']', 'P', '_', '^', 'X':
		for i := 2; i < len(s); i++ {
			if s[i] == 0x07 {
				return i + 1
			}
			if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '\\' {
				return i + 2
			}
		}
		return len(s)
	}
	_, size := utf8.DecodeRuneInString(s[1:])
	return 1 + size
}

// csiLen returns the length of a CSI sequence's parameters and final byte.
func csiLen(s string) int {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x40 && s[i] <= 0x7e {
			return i + 1
		}
		if s[i] < 0x20 || s[i] > 0x7e {
			return i // malformed: stop before the odd byte
		}
	}
	return len(s)
}

// clip shortens s to at most n runes, marking the cut with "…".
func clip(s string, n int) string {
	if n <= 0 || utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n-1]) + "…"
}
