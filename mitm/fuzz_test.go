package mitm

import (
	"bufio"
	"bytes"
	"crypto/tls"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
)

// realClientHello captures the ClientHello a Go client sends.
func realClientHello(t testing.TB, sni string, alpn []string) []byte {
	a, b := net.Pipe()
	go func() {
		c := tls.Client(a, &tls.Config{ServerName: sni, NextProtos: alpn})
		c.SetDeadline(time.Now().Add(2 * time.Second))
		c.Handshake()
		a.Close()
	}()
	br := bufio.NewReaderSize(b, clientBufSize)
	hdr, err := br.Peek(5)
	if err != nil {
		t.Fatal(err)
	}
	n := int(hdr[3])<<8 | int(hdr[4])
	rec, err := br.Peek(5 + n)
	if err != nil {
		t.Fatal(err)
	}
	out := append([]byte(nil), rec...)
	b.Close()
	return out
}

func TestPeekClientHello(t *testing.T) {
	rec := realClientHello(t, "api.example.com", []string{"h2", "http/1.1"})
	ch, err := peekClientHello(bufio.NewReaderSize(bytes.NewReader(rec), clientBufSize))
	if err != nil {
		t.Fatal(err)
	}
	if ch.SNI != "api.example.com" || strings.Join(ch.ALPN, ",") != "h2,http/1.1" {
		t.Fatalf("%+v", ch)
	}
	// split over two records
	body := rec[5:]
	half := len(body) / 2
	two := append([]byte{0x16, 3, 1, byte(half >> 8), byte(half)}, body[:half]...)
	two = append(two, 0x16, 3, 1, byte((len(body)-half)>>8), byte(len(body)-half))
	two = append(two, body[half:]...)
	ch2, err := peekClientHello(bufio.NewReaderSize(bytes.NewReader(two), clientBufSize))
	if err != nil || ch2.SNI != "api.example.com" {
		t.Fatalf("two records: %+v %v", ch2, err)
	}
	// truncated input: an error naming the offset, no panic
	_, err = parseClientHello(body[:60])
	if err == nil || !strings.Contains(err.Error(), "offset") {
		t.Fatalf("truncated: %v", err)
	}
}

func FuzzClientHello(f *testing.F) {
	rec := realClientHello(f, "fuzz.example.com", []string{"h2"})
	f.Add(rec)
	f.Add(rec[:40])
	f.Add([]byte{0x16, 3, 1, 0, 4, 1, 0, 0, 0})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		ch, err := peekClientHello(bufio.NewReaderSize(bytes.NewReader(data), clientBufSize))
		if err == nil && len(ch.SNI) > len(data) {
			t.Fatalf("SNI longer than the input")
		}
		if len(data) > 5 {
			parseClientHello(data[5:])
		}
	})
}

func TestParseHeaderLines(t *testing.T) {
	hs, err := parseHeaderLines([]byte("GET / HTTP/1.1\r\nB: 1\r\nA:2\r\nB:  3 \r\n\r\n"))
	if err != nil {
		t.Fatal(err)
	}
	if len(hs) != 3 || hs[0] != (evidence.Header{Name: "B", Value: "1"}) || hs[1].Value != "2" || hs[2].Value != "3" {
		t.Fatalf("%+v", hs)
	}
	for _, bad := range []string{"GET / HTTP/1.1\r\n folded-first\r\n\r\n", "GET / HTTP/1.1\r\nno colon\r\n\r\n", "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n"} {
		if _, err := parseHeaderLines([]byte(bad)); err == nil || !strings.Contains(err.Error(), "offset 16") {
			t.Fatalf("%q: %v", bad, err)
		}
	}
}

func FuzzHeaderLines(f *testing.F) {
	f.Add([]byte("GET / HTTP/1.1\r\nHost: a\r\nX: 1\r\n  2\r\n\r\n"))
	f.Add([]byte("HTTP/1.1 200 OK\nA:b\n\n"))
	f.Add([]byte("\r\n:\r\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		hs, err := parseHeaderLines(data)
		if err != nil {
			return
		}
		for _, h := range hs {
			if h.Name == "" || strings.ContainsAny(h.Name, " \t\n") {
				t.Fatalf("bad name %q", h.Name)
			}
		}
		end := headEnd(data)
		if end > len(data) {
			t.Fatal("head end past the data")
		}
	})
}

// wsFrame builds one frame (masked when key is given).
func wsFrame(fin bool, op byte, payload []byte, key []byte) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	out := []byte{b0}
	mask := byte(0)
	if key != nil {
		mask = 0x80
	}
	switch n := len(payload); {
	case n < 126:
		out = append(out, mask|byte(n))
	case n < 1<<16:
		out = append(out, mask|126, byte(n>>8), byte(n))
	default:
		out = append(out, mask|127, 0, 0, 0, 0, byte(n>>24), byte(n>>16), byte(n>>8), byte(n))
	}
	if key != nil {
		out = append(out, key...)
		for i, c := range payload {
			out = append(out, c^key[i%4])
		}
		return out
	}
	return append(out, payload...)
}

func TestWSParserFragmentsAndControl(t *testing.T) {
	var got []evidence.WSMessage
	p := &wsParser{fromApp: true, emit: func(m evidence.WSMessage) { got = append(got, m) }}
	key := []byte{1, 2, 3, 4}
	var stream []byte
	stream = append(stream, wsFrame(false, wsText, []byte("hel"), key)...)
	stream = append(stream, wsFrame(true, wsPing, []byte("p"), key)...)
	stream = append(stream, wsFrame(true, wsContinuation, []byte("lo"), key)...)
	stream = append(stream, wsFrame(true, wsBinary, bytes.Repeat([]byte{7}, 70000), key)...)
	stream = append(stream, wsFrame(true, wsClose, []byte{3, 232}, key)...)
	// feed byte by byte in odd chunks
	for i := 0; i < len(stream); i += 3 {
		p.Write(stream[i:min(i+3, len(stream))])
	}
	if len(got) != 4 {
		t.Fatalf("%d messages", len(got))
	}
	if got[0].Opcode != wsPing || string(got[0].Data) != "p" ||
		got[1].Opcode != wsText || string(got[1].Data) != "hello" || got[1].Size != 5 ||
		got[2].Opcode != wsBinary || got[2].Size != 70000 || !bytes.Equal(got[2].Data, bytes.Repeat([]byte{7}, 70000)) ||
		got[3].Opcode != wsClose || !got[3].FromApp {
		t.Fatalf("%+v", got[:2])
	}
	// per-message cap
	var capped []evidence.WSMessage
	q := &wsParser{maxData: 10, emit: func(m evidence.WSMessage) { capped = append(capped, m) }}
	q.Write(wsFrame(true, wsText, []byte("0123456789abcdef"), nil))
	if len(capped) != 1 || string(capped[0].Data) != "0123456789" || capped[0].Size != 16 || !capped[0].Truncate {
		t.Fatalf("capped %+v", capped)
	}
}

func FuzzWSParser(f *testing.F) {
	f.Add(wsFrame(true, wsText, []byte("hi"), []byte{9, 8, 7, 6}))
	f.Add(append(wsFrame(false, wsBinary, []byte("a"), nil), wsFrame(true, 0, []byte("b"), nil)...))
	f.Add([]byte{0x81, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff})
	f.Fuzz(func(t *testing.T, data []byte) {
		var total int64
		p := &wsParser{maxData: 1 << 10, emit: func(m evidence.WSMessage) {
			if int64(len(m.Data)) > m.Size {
				t.Fatalf("kept %d bytes of a %d-byte message", len(m.Data), m.Size)
			}
			total += m.Size
		}}
		if n, _ := p.Write(data); n != len(data) {
			t.Fatal("short write")
		}
		if total > int64(len(data)) {
			t.Fatalf("messages total %d bytes from %d bytes of input", total, len(data))
		}
	})
}
