package pcap

import (
	"encoding/binary"
	"strings"
)

// Outcomes of parsing a TLS ClientHello.
const (
	helloNeedMore = iota
	helloOK
	helloNot
)

const maxHelloLen = 1 << 16

// parseTLSClientHello reads TLS records from the start of a client's byte
// stream and, once the first handshake message is complete, returns the
// ClientHello's server name and offered ALPN protocols (comma-separated).
// The message may span several records and segments.
func parseTLSClientHello(b []byte) (sni, alpn string, st int) {
	var hs []byte
	for len(b) > 0 {
		if len(b) < 5 {
			return "", "", helloNeedMore
		}
		if b[0] != 0x16 || b[1] != 3 {
			return "", "", helloNot
		}
		n := int(binary.BigEndian.Uint16(b[3:5]))
		if n == 0 || n > 16384+2048 {
			return "", "", helloNot
		}
		if len(b) < 5+n {
			// Use what has arrived of this record: the handshake header
			// may already show this is not a ClientHello.
			hs = append(hs, b[5:]...)
			if len(hs) >= 1 && hs[0] != 1 {
				return "", "", helloNot
			}
			return "", "", helloNeedMore
		}
		hs = append(hs, b[5:5+n]...)
		b = b[5+n:]
		if len(hs) >= 4 {
			if hs[0] != 1 {
				return "", "", helloNot
			}
			mlen := int(hs[1])<<16 | int(hs[2])<<8 | int(hs[3])
			if mlen > maxHelloLen {
				return "", "", helloNot
			}
			if len(hs) >= 4+mlen {
				sni, alpn, ok := clientHello(hs[4 : 4+mlen])
				if !ok {
					return "", "", helloNot
				}
				return sni, alpn, helloOK
			}
		}
	}
	return "", "", helloNeedMore
}

// reader is a bounds-checked cursor over a byte slice.
type reader struct {
	b   []byte
	bad bool
}

func (r *reader) take(n int) []byte {
	if r.bad || n < 0 || n > len(r.b) {
		r.bad = true
		return nil
	}
	v := r.b[:n]
	r.b = r.b[n:]
	return v
}

func (r *reader) u8() int {
	v := r.take(1)
	if v == nil {
		return 0
	}
	return int(v[0])
}

func (r *reader) u16() int {
	v := r.take(2)
	if v == nil {
		return 0
	}
	return int(binary.BigEndian.Uint16(v))
}

func (r *reader) vec8() []byte  { return r.take(r.u8()) }
func (r *reader) vec16() []byte { return r.take(r.u16()) }

// clientHello parses a ClientHello body (after the 4-byte handshake header).
func clientHello(body []byte) (sni, alpn string, ok bool) {
	r := &reader{b: body}
	r.take(2)  // legacy_version
	r.take(32) // random
	r.vec8()   // legacy_session_id
	r.vec16()  // cipher_suites
	r.vec8()   // legacy_compression_methods
	if r.bad {
		return "", "", false
	}
	if len(r.b) == 0 {
		return "", "", true // no extensions (SSLv3-style hello)
	}
	exts := &reader{b: r.vec16()}
	if r.bad {
		return "", "", false
	}
	var protos []string
	for len(exts.b) > 0 && !exts.bad {
		typ := exts.u16()
		data := &reader{b: exts.vec16()}
		switch typ {
		case 0: // server_name
			list := &reader{b: data.vec16()}
			for len(list.b) > 0 && !list.bad {
				kind := list.u8()
				name := list.vec16()
				if kind == 0 && sni == "" && !list.bad {
					sni = string(name)
				}
			}
		case 16: // application_layer_protocol_negotiation
			list := &reader{b: data.vec16()}
			for len(list.b) > 0 && !list.bad {
				p := list.vec8()
				if !list.bad {
					protos = append(protos, string(p))
				}
			}
		}
	}
	if exts.bad {
		return "", "", false
	}
	return sni, strings.Join(protos, ","), true
}
