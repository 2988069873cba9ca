package mitm

import (
	"bufio"
	"encoding/binary"
	"errors"
	"fmt"
)

// clientHello is what the proxy needs from a TLS ClientHello.
type clientHello struct {
	SNI  string
	ALPN []string
}

// maxHelloRecords bounds how many TLS records a ClientHello may span when
// peeked (post-quantum key shares make it longer than one packet, rarely
// longer than one record).
const maxHelloRecords = 4

// peekClientHello reads (without consuming) the TLS records holding the
// ClientHello at the head of br and parses it.
func peekClientHello(br *bufio.Reader) (clientHello, error) {
	var msg []byte
	off := 0
	for rec := 0; rec < maxHelloRecords; rec++ {
		h, err := br.Peek(off + 5)
		if err != nil {
			return clientHello{}, fmt.Errorf("TLS record header at offset %d: %w", off, err)
		}
		h = h[off:]
		if h[0] != 0x16 {
			return clientHello{}, fmt.Errorf("TLS record at offset %d: content type %d, want handshake (22)", off, h[0])
		}
		n := int(binary.BigEndian.Uint16(h[3:5]))
		if n == 0 || n > 1<<14+2048 {
			return clientHello{}, fmt.Errorf("TLS record at offset %d: bad length %d", off, n)
		}
		if off+5+n > br.Size() {
			return clientHello{}, fmt.Errorf("TLS ClientHello longer than %d bytes", br.Size())
		}
		b, err := br.Peek(off + 5 + n)
		if err != nil {
			return clientHello{}, fmt.Errorf("TLS record at offset %d: %w", off, err)
		}
		msg = append(msg, b[off+5:]...)
		off += 5 + n
		if len(msg) >= 4 {
			want := 4 + (int(msg[1])<<16 | int(msg[2])<<8 | int(msg[3]))
			if len(msg) >= want {
				return parseClientHello(msg[:want])
			}
		}
	}
	return clientHello{}, errors.New("TLS ClientHello spans too many records")
}

// parseClientHello parses a handshake message (type, 3-byte length, body)
// that should be a ClientHello.
func parseClientHello(msg []byte) (clientHello, error) {
	var ch clientHello
	r := reader{b: msg}
	typ := r.u8()
	n := r.u24()
	if r.err != nil {
		return ch, r.fail("handshake header")
	}
	if typ != 1 {
		return ch, fmt.Errorf("handshake type %d at offset 0, want ClientHello (1)", typ)
	}
	if n != len(msg)-4 {
		return ch, fmt.Errorf("ClientHello length %d at offset 1, have %d bytes", n, len(msg)-4)
	}
	r.skip(2)            // legacy_version
	r.skip(32)           // random
	r.skip(int(r.u8()))  // session id
	r.skip(int(r.u16())) // cipher suites
	r.skip(int(r.u8()))  // compression methods
	if r.err != nil {
		return ch, r.fail("ClientHello fields")
	}
	if r.off == len(r.b) {
		return ch, nil // no extensions
	}
	extLen := r.u16()
	end := r.off + extLen
	if r.err != nil || end > len(r.b) {
		return ch, fmt.Errorf("ClientHello extensions at offset %d: length %d past the end", r.off-2, extLen)
	}
	for r.off < end && r.err == nil {
		typ := r.u16()
		l := r.u16()
		start := r.off
		if r.err != nil || start+l > end {
			return ch, fmt.Errorf("ClientHello extension at offset %d: length %d past the end", start-4, l)
		}
		e := reader{b: r.b[start : start+l], base: start}
		switch typ {
		case 0: // server_name
			listEnd := e.u16()
			_ = listEnd
			for e.off < len(e.b) && e.err == nil {
				nt := e.u8()
				nl := e.u16()
				name := e.bytes(nl)
				if e.err == nil && nt == 0 && ch.SNI == "" {
					ch.SNI = string(name)
				}
			}
		case 16: // application_layer_protocol_negotiation
			e.u16()
			for e.off < len(e.b) && e.err == nil {
				pl := e.u8()
				p := e.bytes(pl)
				if e.err == nil {
					ch.ALPN = append(ch.ALPN, string(p))
				}
			}
		}
		if e.err != nil {
			return ch, e.fail(fmt.Sprintf("ClientHello extension %d", typ))
		}
		r.off = start + l
	}
	return ch, nil
}

// reader reads big-endian fields, remembering the first overrun.
type reader struct {
	b    []byte
	off  int
	base int
	err  error
}

func (r *reader) need(n int) bool {
	if r.err != nil {
		return false
	}
	if n < 0 || r.off+n > len(r.b) {
		r.err = fmt.Errorf("truncated at offset %d (need %d bytes)", r.base+r.off, n)
		return false
	}
	return true
}

func (r *reader) u8() int {
	if !r.need(1) {
		return 0
	}
	v := r.b[r.off]
	r.off++
	return int(v)
}

func (r *reader) u16() int {
	if !r.need(2) {
		return 0
	}
	v := binary.BigEndian.Uint16(r.b[r.off:])
	r.off += 2
	return int(v)
}

func (r *reader) u24() int {
	if !r.need(3) {
		return 0
	}
	v := int(r.b[r.off])<<16 | int(r.b[r.off+1])<<8 | int(r.b[r.off+2])
	r.off += 3
	return v
}

func (r *reader) skip(n int) {
	if r.need(n) {
		r.off += n
	}
}

func (r *reader) bytes(n int) []byte {
	if !r.need(n) {
		return nil
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v
}

func (r *reader) fail(what string) error {
	return fmt.Errorf("%s: %w", what, r.err)
}
