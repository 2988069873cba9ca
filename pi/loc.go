package pi

import "strings"

// loc is where a scanned value sits (header:x, body:a.b[0].c, …) and the
// key name it is stored under. For a JSON leaf both are built only when
// they are needed (a detection, a key-name hint, a nested layer): most
// leaves of a large document never need them, and building a path string
// for every leaf was the largest cost of the JSON walk.
type loc struct {
	base    string
	w       *jsonWalker // JSON leaf: the walker positioned on it
	key     string
	keyOK   bool
	where   string
	whereOK bool
	hint    string
	hintOK  bool
}

func plainLoc(where, key string) *loc {
	return &loc{base: where, key: key, keyOK: true}
}

// String is the location as reported in a detection.
func (l *loc) String() string {
	if !l.whereOK {
		l.where, l.whereOK = l.base, true
		if l.w != nil {
			if p := l.w.Path(); p != "" {
				if strings.Contains(l.base, ":") {
					l.where = l.base + "." + p
				} else {
					l.where = l.base + ":" + p
				}
			}
		}
	}
	return l.where
}

// Key is the key name the value is stored under ("" for none).
func (l *loc) Key() string {
	if !l.keyOK {
		l.key, l.keyOK = l.w.Key(), true
	}
	return l.key
}

// hintOf is the PI type the key name (else the location) suggests. For a
// JSON leaf the location's last segment is the key itself or the key with
// array indexes, which never suggests more than the key does, so only the
// key is looked at.
func (fs *flowScan) hintOf(l *loc) string {
	if l.hintOK {
		return l.hint
	}
	l.hintOK = true
	if l.w != nil {
		kb, esc := l.w.keyBytes()
		switch {
		case len(kb) == 0:
		case esc:
			l.hint = hintFor(l.Key())
		default:
			l.hint = fs.cachedHint(kb)
		}
		return l.hint
	}
	if l.hint = hintFor(l.key); l.hint == "" {
		l.hint = hintFor(l.base)
	}
	return l.hint
}

// cachedHint memoises hintFor per flow: a flow repeats the same few keys.
func (fs *flowScan) cachedHint(k []byte) string {
	if len(k) == 0 {
		return ""
	}
	if h, ok := fs.hints[string(k)]; ok {
		return h
	}
	if fs.hints == nil {
		fs.hints = map[string]string{}
	}
	s := string(k)
	h := hintFor(s)
	if len(fs.hints) < 1024 {
		fs.hints[s] = h
	}
	return h
}
