package policy

import (
	"bytes"
	"fmt"
	"regexp"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/unicode"
)

var metaCharsetRE = regexp.MustCompile(`(?i)<meta[^>]+charset\s*=\s*["']?\s*([a-z0-9_-]+)`)

// decode returns the document as UTF-8 and the charset it was in. Invalid
// byte sequences become U+FFFD and are reported in warn; data that is no
// text at all is an error.
func decode(data []byte) (text []byte, charset, warn string, err error) {
	switch {
	case bytes.HasPrefix(data, []byte("\xef\xbb\xbf")):
		data = data[3:]
	case bytes.HasPrefix(data, []byte("\xff\xfe")), bytes.HasPrefix(data, []byte("\xfe\xff")):
		out, err := unicode.UTF16(unicode.BigEndian, unicode.UseBOM).NewDecoder().Bytes(data)
		if err != nil {
			return nil, "", "", fmt.Errorf("UTF-16 text: %v", err)
		}
		return out, "utf-16", "", nil
	}
	if n := bytes.Count(data[:min(len(data), 4096)], []byte{0}); n > 0 {
		return nil, "", "", fmt.Errorf("binary data, not a text or HTML document (NUL byte at offset %d)", bytes.IndexByte(data, 0))
	}
	declared := ""
	if m := metaCharsetRE.FindSubmatch(data[:min(len(data), 4096)]); m != nil {
		declared = strings.ToLower(string(m[1]))
	}
	gb := declared == "gbk" || declared == "gb2312" || declared == "gb18030" || declared == "x-gbk" || declared == "cp936"
	if utf8.Valid(data) {
		if gb && utf8.RuneCount(data) < len(data) {
			warn = "declares charset " + declared + " but is valid UTF-8; read as UTF-8"
		}
		return data, "utf-8", warn, nil
	}
	// Mostly UTF-8 with a few bad bytes, or another encoding? Text in
	// GB18030 has few valid multi-byte UTF-8 sequences.
	multi, bad8 := 0, 0
	for i := 0; i < len(data); {
		r, size := utf8.DecodeRune(data[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			bad8++
		case size > 1:
			multi++
		}
		i += size
	}
	if gb || multi <= bad8 {
		out, err := simplifiedchinese.GB18030.NewDecoder().Bytes(data)
		if err == nil {
			bad := bytes.Count(out, []byte("\uFFFD")) - bytes.Count(data, []byte("\uFFFD"))
			if gb || bad*100 <= utf8.RuneCount(out) {
				if bad > 0 {
					warn = fmt.Sprintf("%d byte sequences invalid in GB18030 replaced by U+FFFD", bad)
				}
				return out, "gb18030", warn, nil
			}
		}
	}
	return bytes.ToValidUTF8(data, []byte("\uFFFD")), "utf-8",
		fmt.Sprintf("invalid UTF-8: %d bad bytes (first at offset %d) replaced by U+FFFD", bad8, firstInvalidUTF8(data)), nil
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size == 1 {
			return i
		}
		i += size
	}
	return -1
}
