package pi

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math/bits"
	"strconv"
	"strings"
)

// leaf is a JSON scalar (string or number) with its position in the text.
type leaf struct {
	start, end int // raw bytes of the value (strings without the quotes)
	escaped    bool
	isString   bool
}

// jsonWalker walks a JSON text without building values: it reports each
// scalar leaf and keeps the key path so a path string is only built when a
// leaf is reported with a finding.
type jsonWalker struct {
	b    []byte
	i    int
	path []pathElem
	fn   func(l leaf, w *jsonWalker) error
	// maxDepth bounds nesting.
	maxDepth int
}

type pathElem struct {
	ks, ke int  // object member: the key's raw bytes (without quotes)
	esc    bool // the key has escapes
	index  int  // -1 for object members
}

func (w *jsonWalker) keyString(p pathElem) string {
	if p.esc {
		return unescapeJSON(w.b[p.ks-1 : p.ke+1])
	}
	return string(w.b[p.ks:p.ke])
}

var errNotJSON = errors.New("not JSON")

// validJSON reports whether walkJSON accepts b (one JSON value, nesting at
// most 64 deep), without reporting leaves.
func validJSON(b []byte) bool {
	return walkJSON(b, nil) == nil
}

// walkJSON calls fn for each scalar leaf (fn may be nil). It returns
// errNotJSON when b is not one well-formed JSON value.
func walkJSON(b []byte, fn func(l leaf, w *jsonWalker) error) error {
	w := &jsonWalker{b: b, fn: fn, maxDepth: 64}
	w.ws()
	if err := w.value(0); err != nil {
		return err
	}
	w.ws()
	if w.i != len(w.b) {
		return errNotJSON
	}
	return nil
}

// Path renders the current key path as a.b[0].c.
func (w *jsonWalker) Path() string {
	var sb strings.Builder
	for _, p := range w.path {
		if p.index >= 0 {
			sb.WriteByte('[')
			sb.WriteString(strconv.Itoa(p.index))
			sb.WriteByte(']')
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('.')
		}
		if p.esc {
			sb.WriteString(w.keyString(p))
		} else {
			sb.Write(w.b[p.ks:p.ke])
		}
	}
	return sb.String()
}

// Key is the innermost object key on the path ("" for none).
func (w *jsonWalker) Key() string {
	for i := len(w.path) - 1; i >= 0; i-- {
		if w.path[i].index < 0 {
			return w.keyString(w.path[i])
		}
	}
	return ""
}

// keyBytes is the innermost object key's raw bytes and whether it has
// escapes (nil for none).
func (w *jsonWalker) keyBytes() ([]byte, bool) {
	for i := len(w.path) - 1; i >= 0; i-- {
		if p := w.path[i]; p.index < 0 {
			return w.b[p.ks:p.ke], p.esc
		}
	}
	return nil, false
}

func (w *jsonWalker) ws() {
	for w.i < len(w.b) {
		switch w.b[w.i] {
		case ' ', '\t', '\n', '\r':
			w.i++
		default:
			return
		}
	}
}

func (w *jsonWalker) value(depth int) error {
	if depth > w.maxDepth || w.i >= len(w.b) {
		return errNotJSON
	}
	switch c := w.b[w.i]; {
	case c == '{':
		w.i++
		w.ws()
		if w.i < len(w.b) && w.b[w.i] == '}' {
			w.i++
			return nil
		}
		for {
			w.ws()
			if w.i >= len(w.b) || w.b[w.i] != '"' {
				return errNotJSON
			}
			s, e, esc, err := w.str()
			if err != nil {
				return err
			}
			w.ws()
			if w.i >= len(w.b) || w.b[w.i] != ':' {
				return errNotJSON
			}
			w.i++
			w.ws()
			if w.fn == nil {
				if err := w.value(depth + 1); err != nil {
					return err
				}
			} else {
				w.path = append(w.path, pathElem{ks: s, ke: e, esc: esc, index: -1})
				if err := w.value(depth + 1); err != nil {
					return err
				}
				w.path = w.path[:len(w.path)-1]
			}
			w.ws()
			if w.i >= len(w.b) {
				return errNotJSON
			}
			if w.b[w.i] == ',' {
				w.i++
				continue
			}
			if w.b[w.i] == '}' {
				w.i++
				return nil
			}
			return errNotJSON
		}
	case c == '[':
		w.i++
		w.ws()
		if w.i < len(w.b) && w.b[w.i] == ']' {
			w.i++
			return nil
		}
		for n := 0; ; n++ {
			w.ws()
			if w.fn == nil {
				if err := w.value(depth + 1); err != nil {
					return err
				}
			} else {
				w.path = append(w.path, pathElem{index: n})
				if err := w.value(depth + 1); err != nil {
					return err
				}
				w.path = w.path[:len(w.path)-1]
			}
			w.ws()
			if w.i >= len(w.b) {
				return errNotJSON
			}
			if w.b[w.i] == ',' {
				w.i++
				continue
			}
			if w.b[w.i] == ']' {
				w.i++
				return nil
			}
			return errNotJSON
		}
	case c == '"':
		s, e, esc, err := w.str()
		if err != nil {
			return err
		}
		if w.fn == nil {
			return nil
		}
		return w.fn(leaf{start: s, end: e, escaped: esc, isString: true}, w)
	case c == '-' || c >= '0' && c <= '9':
		s := w.i
		for w.i < len(w.b) {
			c := w.b[w.i]
			if c >= '0' && c <= '9' || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				w.i++
				continue
			}
			break
		}
		if w.fn == nil {
			return nil
		}
		return w.fn(leaf{start: s, end: w.i}, w)
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(w.b[w.i:], []byte(lit)) {
				w.i += len(lit)
				return nil
			}
		}
		return errNotJSON
	}
}

// str reads a string starting at the opening quote and returns the bounds
// of its content.
func (w *jsonWalker) str() (int, int, bool, error) {
	w.i++
	s := w.i
	esc := false
	for w.i < len(w.b) {
		// eight bytes at a time up to the first byte that is not plain
		for w.i+8 <= len(w.b) {
			x := binary.LittleEndian.Uint64(w.b[w.i:])
			if m := specialBytes(x); m != 0 {
				w.i += bits.TrailingZeros64(m) >> 3
				break
			}
			w.i += 8
		}
		if w.i >= len(w.b) {
			break
		}
		if strPlain[w.b[w.i]] {
			w.i++
			continue
		}
		switch c := w.b[w.i]; {
		case c == '\\':
			esc = true
			w.i += 2
		case c == '"':
			e := w.i
			w.i++
			return s, e, esc, nil
		case c < 0x20:
			return 0, 0, false, errNotJSON
		default:
			w.i++
		}
	}
	return 0, 0, false, errNotJSON
}

const (
	swarOnes = 0x0101010101010101
	swarHigh = 0x8080808080808080
)

// specialBytes marks (high bit of the byte) the bytes of x, read little
// endian, that a JSON string does not hold as they are: '"', '\\' and
// control bytes below 0x20. Marks above the lowest one can be spurious
// (borrows), the lowest one is exact: callers use only the lowest.
func specialBytes(x uint64) uint64 {
	q := x ^ (swarOnes * '"')
	bs := x ^ (swarOnes * '\\')
	return ((q-swarOnes)&^q | (bs-swarOnes)&^bs | (x-swarOnes*0x20)&^x) & swarHigh
}

// strPlain marks the bytes that a JSON string holds as they are.
var strPlain = func() (t [256]bool) {
	for c := 0x20; c < 256; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return
}()

// unescapeJSON decodes a quoted JSON string; on error it returns the text
// between the quotes unchanged.
func unescapeJSON(quoted []byte) string {
	var s string
	if err := json.Unmarshal(quoted, &s); err != nil {
		if len(quoted) >= 2 {
			return string(quoted[1 : len(quoted)-1])
		}
		return string(quoted)
	}
	return s
}
