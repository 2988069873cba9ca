package pi

import (
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
)

// Variant is one searchable form of a profile value.
type Variant struct {
	Pattern  string
	PIType   string
	Encoding string // plain, upper, lower, nosep, md5, md5-upper, base64, url, hex…
	Value    int    // index into Matcher.Values
}

// Matcher finds every variant of every profile value at once (see
// matcher.go for the search).
type Matcher struct {
	Values   []Value
	Variants []Variant
	idx      prefixIndex
}

// form is a base spelling of a value before a transform is applied.
type form struct {
	s    string
	name string // "" for the canonical spelling
}

func forms(v Value) []form {
	c := v.Value
	out := []form{{c, ""}}
	add := func(s, name string) {
		for _, f := range out {
			if f.s == s {
				return
			}
		}
		out = append(out, form{s, name})
	}
	switch v.PIType {
	case "mac", "bluetooth_mac", "bssid":
		h := strings.ReplaceAll(c, ":", "")
		add(strings.ToUpper(c), "upper")
		add(strings.ReplaceAll(c, ":", "-"), "dash")
		add(strings.ToUpper(strings.ReplaceAll(c, ":", "-")), "upper-dash")
		add(h, "nosep")
		add(strings.ToUpper(h), "upper-nosep")
	case "imei":
		if len(c) == 15 {
			add(c[:2]+" "+c[2:8]+" "+c[8:14]+" "+c[14:], "spaced")
			add(c[:2]+"-"+c[2:8]+"-"+c[8:14]+"-"+c[14:], "dashed")
			add(c[:14], "no-check-digit")
		}
	case "phone_number", "contacts":
		if len(c) == 11 && c[0] == '1' && isDigits(c) {
			add("+86"+c, "+86")
			add("86"+c, "86")
			add(c[:3]+" "+c[3:7]+" "+c[7:], "spaced")
			add(c[:3]+"-"+c[3:7]+"-"+c[7:], "dashed")
		}
	case "email", "name", "ssid", "sms", "clipboard", "installed_apps":
		// case matters for these; lower-case e-mail is the common spelling
		if v.PIType == "email" {
			add(strings.ToLower(c), "lower")
		}
	default:
		add(strings.ToUpper(c), "upper")
		add(strings.ToLower(c), "lower")
		if strings.Count(c, "-") == 4 { // UUID
			add(strings.ReplaceAll(strings.ToLower(c), "-", ""), "nosep")
			add(strings.ReplaceAll(strings.ToUpper(c), "-", ""), "upper-nosep")
		}
	}
	return out
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

func encName(form, transform string) string {
	switch {
	case form == "" && transform == "":
		return "plain"
	case form == "":
		return transform
	case transform == "":
		return form
	}
	return transform + "(" + form + ")"
}

// NewMatcher builds the variants of every profile value and the automaton.
func NewMatcher(p *Profile) *Matcher {
	m := &Matcher{Values: p.Values()}
	seen := map[string]bool{}
	add := func(pat string, vi int, enc string) {
		if len(pat) < 6 || seen[pat] {
			return
		}
		seen[pat] = true
		m.Variants = append(m.Variants, Variant{Pattern: pat, PIType: m.Values[vi].PIType, Encoding: enc, Value: vi})
	}
	for vi, v := range m.Values {
		for _, f := range forms(v) {
			add(f.s, vi, encName(f.name, ""))
		}
	}
	// Transforms come after all plain forms so a plain spelling always wins
	// the deduplication.
	for vi, v := range m.Values {
		for _, f := range forms(v) {
			b := []byte(f.s)
			if q := url.QueryEscape(f.s); q != f.s {
				add(q, vi, encName(f.name, "url"))
			}
			if q := url.PathEscape(f.s); q != f.s {
				add(q, vi, encName(f.name, "url"))
			}
			add(base64.StdEncoding.EncodeToString(b), vi, encName(f.name, "base64"))
			add(base64.RawStdEncoding.EncodeToString(b), vi, encName(f.name, "base64"))
			add(base64.URLEncoding.EncodeToString(b), vi, encName(f.name, "base64url"))
			add(base64.RawURLEncoding.EncodeToString(b), vi, encName(f.name, "base64url"))
			hx := hex.EncodeToString(b)
			add(hx, vi, encName(f.name, "hex"))
			add(strings.ToUpper(hx), vi, encName(f.name, "hex-upper"))
			s5 := md5.Sum(b)
			s1 := sha1.Sum(b)
			s2 := sha256.Sum256(b)
			for _, h := range []struct {
				name string
				sum  []byte
			}{{"md5", s5[:]}, {"sha1", s1[:]}, {"sha256", s2[:]}} {
				x := hex.EncodeToString(h.sum)
				add(x, vi, encName(f.name, h.name))
				add(strings.ToUpper(x), vi, encName(f.name, h.name+"-upper"))
			}
		}
	}
	m.idx = buildPrefixIndex(m.Variants)
	return m
}
