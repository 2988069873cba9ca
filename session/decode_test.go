package session

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
	"github.com/ceping/ceping/evidence"
	"github.com/klauspost/compress/zstd"
)

// encode applies one coding with the real library.
func encode(t testing.TB, coding string, in []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var w interface {
		Write([]byte) (int, error)
		Close() error
	}
	switch coding {
	case "gzip":
		w = gzip.NewWriter(&buf)
	case "zlib":
		w = zlib.NewWriter(&buf)
	case "rawdeflate":
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		w = fw
	case "br":
		w = brotli.NewWriter(&buf)
	case "zstd":
		zw, err := zstd.NewWriter(&buf)
		if err != nil {
			t.Fatal(err)
		}
		w = zw
	default:
		t.Fatalf("no encoder %q", coding)
	}
	if _, err := w.Write(in); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func sample(n int) []byte {
	r := rand.New(rand.NewSource(int64(n)))
	var b strings.Builder
	for b.Len() < n {
		fmt.Fprintf(&b, `{"imei":"%015d","lat":%.6f,"名":"张三"},`, r.Int63n(1e15), r.Float64()*90)
	}
	return []byte(b.String()[:n])
}

func TestDecodeEachEncoding(t *testing.T) {
	plain := sample(50_000)
	cases := []struct {
		header string
		chain  []string // encoders, in the order applied
	}{
		{"gzip", []string{"gzip"}},
		{"x-gzip", []string{"gzip"}},
		{"deflate", []string{"zlib"}},
		{"deflate", []string{"rawdeflate"}},
		{"br", []string{"br"}},
		{"zstd", []string{"zstd"}},
		{"gzip, br", []string{"gzip", "br"}},
		{"deflate,zstd", []string{"zlib", "zstd"}},
		{"identity, GZIP", []string{"gzip"}},
		{"br, gzip, zstd", []string{"br", "gzip", "zstd"}},
	}
	for _, c := range cases {
		t.Run(strings.Join(c.chain, "+"), func(t *testing.T) {
			raw := plain
			for _, e := range c.chain {
				raw = encode(t, e, raw)
			}
			out, trunc, err := DecodeBody(raw, c.header, DefaultBodyCap)
			if err != nil || trunc {
				t.Fatalf("DecodeBody(%q): trunc=%v err=%v", c.header, trunc, err)
			}
			if !bytes.Equal(out, plain) {
				t.Fatalf("decoded %d bytes differ from the %d plain bytes", len(out), len(plain))
			}
			// Through the store: the encoding comes from the header.
			s := newStore(t, Meta{App: "a"})
			f := &evidence.Flow{Source: evidence.SourceProxy,
				RespHeaders: []evidence.Header{{Name: "Content-Encoding", Value: c.header}},
				RespBody:    evidence.Body{Raw: raw}}
			if _, err := s.AddFlow(f); err != nil {
				t.Fatal(err)
			}
			got, err := s.Flow(f.ID, true)
			if err != nil {
				t.Fatal(err)
			}
			b := got.RespBody
			if b.Encoding != c.header || b.DecodeError != "" || b.Truncated || b.Size != int64(len(raw)) {
				t.Fatalf("body meta %+v", b)
			}
			if !bytes.Equal(b.Raw, raw) || !bytes.Equal(b.Decoded, plain) || !bytes.Equal(b.Bytes(), plain) {
				t.Fatal("stored bodies differ")
			}
			if b.DecodedRef != RefOf(plain) || b.RawRef != RefOf(raw) {
				t.Fatal("refs are not the content addresses")
			}
		})
	}
}

func TestDecodeIdentity(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	f := &evidence.Flow{RespHeaders: []evidence.Header{{Name: "Content-Encoding", Value: "identity"}},
		RespBody: evidence.Body{Raw: []byte("plain")}}
	if _, err := s.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	if f.RespBody.Decoded != nil || f.RespBody.DecodedRef != "" || f.RespBody.DecodeError != "" {
		t.Fatalf("identity body got decoded: %+v", f.RespBody)
	}
}

func TestDecodeFailureKeepsRaw(t *testing.T) {
	s := newStore(t, Meta{App: "a"})
	for _, enc := range []string{"gzip", "br", "zstd", "deflate", "compress", "gzip, br"} {
		raw := []byte("this is not " + enc + " data at all")
		f := &evidence.Flow{RespBody: evidence.Body{Raw: raw, Encoding: enc}}
		if _, err := s.AddFlow(f); err != nil {
			t.Fatal(err)
		}
		got, err := s.Flow(f.ID, true)
		if err != nil {
			t.Fatal(err)
		}
		b := got.RespBody
		if b.DecodeError == "" || !bytes.Equal(b.Raw, raw) || b.Decoded != nil {
			t.Fatalf("%s: %+v decoded=%q", enc, b, b.Decoded)
		}
		if !bytes.Equal(b.Bytes(), raw) {
			t.Fatalf("%s: Bytes() is not the raw body", enc)
		}
	}
}

func TestBodyCapTruncates(t *testing.T) {
	const limit = 1000
	s := newStore(t, Meta{App: "a", BodyCap: limit})
	big := sample(5000)
	f := &evidence.Flow{ReqBody: evidence.Body{Raw: big}, RespBody: evidence.Body{Raw: big[:limit]}}
	if _, err := s.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	got, err := s.Flow(f.ID, true)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ReqBody.Truncated || got.ReqBody.Size != 5000 || !bytes.Equal(got.ReqBody.Raw, big[:limit]) {
		t.Fatalf("req body: truncated=%v size=%d len=%d", got.ReqBody.Truncated, got.ReqBody.Size, len(got.ReqBody.Raw))
	}
	if got.RespBody.Truncated || len(got.RespBody.Raw) != limit {
		t.Fatalf("a body at the cap was flagged: %+v", got.RespBody)
	}

	// A compressed body cut by the cap: what decodes before the cut is kept.
	gz := encode(t, "gzip", sample(100_000))
	if len(gz) <= limit {
		t.Fatalf("sample compresses to %d bytes, below the cap", len(gz))
	}
	f = &evidence.Flow{RespBody: evidence.Body{Raw: gz, Encoding: "gzip"}}
	if _, err := s.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	b := f.RespBody
	if !b.Truncated || b.DecodeError == "" || len(b.Raw) != limit || len(b.Decoded) == 0 || len(b.Decoded) > limit {
		t.Fatalf("cut gzip: truncated=%v err=%q raw=%d decoded=%d", b.Truncated, b.DecodeError, len(b.Raw), len(b.Decoded))
	}
	if !bytes.HasPrefix(sample(100_000), b.Decoded) {
		t.Fatal("partial decode is not the body's beginning")
	}

	// WebSocket data is capped too.
	f = &evidence.Flow{WebSocket: []evidence.WSMessage{{Opcode: 2, Data: big}}}
	if _, err := s.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Flow(f.ID, true)
	if m := got.WebSocket[0]; !m.Truncate || m.Size != 5000 || len(m.Data) != limit {
		t.Fatalf("ws message %+v len %d", m, len(m.Data))
	}
}

func TestDecompressionBombStopsAtCap(t *testing.T) {
	const limit = 1 << 20
	zeros := make([]byte, 64<<20) // 64 MiB of zeros compresses to a few KiB
	for _, c := range []struct{ header, enc string }{{"gzip", "gzip"}, {"br", "br"}, {"zstd", "zstd"}, {"deflate", "zlib"}} {
		bomb := encode(t, c.enc, zeros)
		if len(bomb) > 1<<20 {
			t.Fatalf("%s bomb is %d bytes", c.enc, len(bomb))
		}
		out, trunc, err := DecodeBody(bomb, c.header, limit)
		if !trunc || !errors.Is(err, ErrDecodeCap) || len(out) != limit {
			t.Fatalf("%s bomb: trunc=%v err=%v len=%d", c.enc, trunc, err, len(out))
		}
	}
	s := newStore(t, Meta{App: "a", BodyCap: limit})
	bomb := encode(t, "br", encode(t, "gzip", zeros))
	f := &evidence.Flow{RespBody: evidence.Body{Raw: bomb, Encoding: "gzip, br"}}
	if _, err := s.AddFlow(f); err != nil {
		t.Fatal(err)
	}
	if b := f.RespBody; !b.Truncated || !strings.Contains(b.DecodeError, "cap") || len(b.Decoded) != limit || !bytes.Equal(b.Raw, bomb) {
		t.Fatalf("stacked bomb: truncated=%v err=%q decoded=%d", b.Truncated, b.DecodeError, len(b.Decoded))
	}
}

func TestLooksZlib(t *testing.T) {
	if !looksZlib(encode(t, "zlib", []byte("x"))) {
		t.Fatal("zlib stream not recognised")
	}
	if looksZlib(encode(t, "rawdeflate", []byte("x"))) {
		t.Fatal("raw deflate taken for zlib")
	}
}

func FuzzDecodeBody(f *testing.F) {
	plain := sample(2000)
	for _, e := range []struct{ h, enc string }{{"gzip", "gzip"}, {"deflate", "zlib"}, {"deflate", "rawdeflate"}, {"br", "br"}, {"zstd", "zstd"}} {
		f.Add(encode(f, e.enc, plain), e.h)
	}
	f.Add([]byte("plain"), "")
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff}, "gzip, br")
	f.Add(encode(f, "br", encode(f, "gzip", plain)), "gzip, br")
	f.Fuzz(func(t *testing.T, raw []byte, enc string) {
		const limit = 1 << 16
		out, trunc, err := DecodeBody(raw, enc, limit)
		if len(Codings(enc)) > 0 && len(out) > limit {
			t.Fatalf("output %d bytes above the cap", len(out))
		}
		if trunc && !errors.Is(err, ErrDecodeCap) {
			t.Fatalf("truncated without ErrDecodeCap: %v", err)
		}
		if len(Codings(enc)) == 0 && (err != nil || !bytes.Equal(out, raw)) {
			t.Fatalf("identity changed the body: %v", err)
		}
	})
}
