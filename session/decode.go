package session

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/andybalholm/brotli"
	"github.com/klauspost/compress/zstd"
)

// ErrDecodeCap is wrapped by DecodeBody's error when the decoded body grew
// past the cap (a decompression bomb, or simply a very large body).
var ErrDecodeCap = errors.New("decoded body exceeds the cap")

// Codings splits a Content-Encoding value into its codings in the order they
// were applied, lower-cased, without "identity" and empty parts.
func Codings(contentEncoding string) []string {
	var out []string
	for _, p := range strings.Split(contentEncoding, ",") {
		p = strings.ToLower(strings.TrimSpace(p))
		if p == "" || p == "identity" {
			continue
		}
		out = append(out, p)
	}
	return out
}

// DecodeBody removes the Content-Encoding codings (gzip, x-gzip, deflate as
// zlib or raw, br, zstd, stacked as "gzip, br") from raw, last applied first.
// The output never exceeds limit bytes: past it decoding stops, truncated is
// true and err wraps ErrDecodeCap. On another error the bytes decoded so far
// are returned with the error. An encoding with no coding returns raw as is.
func DecodeBody(raw []byte, contentEncoding string, limit int64) (out []byte, truncated bool, err error) {
	if limit <= 0 {
		limit = DefaultBodyCap
	}
	codings := Codings(contentEncoding)
	out = raw
	for i := len(codings) - 1; i >= 0; i-- {
		c := codings[i]
		var t bool
		out, t, err = decodeOne(out, c, limit)
		truncated = truncated || t
		if err != nil {
			return out, truncated, fmt.Errorf("%s: %w", c, err)
		}
	}
	return out, truncated, nil
}

func decodeOne(in []byte, coding string, limit int64) ([]byte, bool, error) {
	var r io.Reader
	switch coding {
	case "gzip", "x-gzip":
		zr, err := gzip.NewReader(bytes.NewReader(in))
		if err != nil {
			return nil, false, err
		}
		defer zr.Close()
		r = zr
	case "deflate":
		// RFC 9110 says zlib; some servers send raw DEFLATE.
		if looksZlib(in) {
			zr, err := zlib.NewReader(bytes.NewReader(in))
			if err != nil {
				return nil, false, err
			}
			defer zr.Close()
			r = zr
		} else {
			fr := flate.NewReader(bytes.NewReader(in))
			defer fr.Close()
			r = fr
		}
	case "br":
		r = brotli.NewReader(bytes.NewReader(in))
	case "zstd":
		win := uint64(limit)
		if win < 8<<20 {
			win = 8 << 20
		}
		if win > 1<<30 {
			win = 1 << 30
		}
		zr, err := zstd.NewReader(bytes.NewReader(in),
			zstd.WithDecoderConcurrency(1),
			zstd.WithDecoderLowmem(true),
			zstd.WithDecoderMaxWindow(win),
			zstd.WithDecoderMaxMemory(uint64(limit)+win))
		if err != nil {
			return nil, false, err
		}
		defer zr.Close()
		r = zr
	default:
		return nil, false, fmt.Errorf("unsupported content coding %q", coding)
	}
	out, err := io.ReadAll(io.LimitReader(r, limit+1))
	if int64(len(out)) > limit {
		return out[:limit], true, fmt.Errorf("%w (%d bytes)", ErrDecodeCap, limit)
	}
	if err != nil {
		return out, false, err
	}
	return out, false, nil
}

// looksZlib reports whether b starts with a valid zlib header (CM=8,
// FCHECK consistent).
func looksZlib(b []byte) bool {
	if len(b) < 2 {
		return false
	}
	return b[0]&0x0f == 8 && b[0]>>4 <= 7 && (uint16(b[0])<<8|uint16(b[1]))%31 == 0
}
