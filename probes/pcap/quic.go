package pcap

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/binary"
	"net/netip"
)

// quicV1Salt is the QUIC version 1 initial salt (RFC 9001, 5.2).
var quicV1Salt = []byte{0x38, 0x76, 0x2c, 0xf7, 0xf5, 0x59, 0x34, 0xb3, 0x4d, 0x17, 0x9a, 0xe6, 0xa4, 0xc8, 0x0c, 0xad, 0xcc, 0xbb, 0x7f, 0x0a}

// quicState gathers the CRYPTO stream of a client's Initial packets.
type quicState struct {
	frags map[uint64][]byte
	size  int
	done  bool
}

// hkdfLabel is TLS 1.3's HKDF-Expand-Label with an empty context.
func hkdfLabel(secret []byte, label string, n int) []byte {
	full := "tls13 " + label
	info := make([]byte, 0, 4+len(full))
	info = append(info, byte(n>>8), byte(n), byte(len(full)))
	info = append(info, full...)
	info = append(info, 0)
	out, err := hkdf.Expand(sha256.New, secret, string(info), n)
	if err != nil {
		return nil
	}
	return out
}

// varint reads a QUIC variable-length integer.
func varint(b []byte) (uint64, int) {
	if len(b) == 0 {
		return 0, 0
	}
	n := 1 << (b[0] >> 6)
	if len(b) < n {
		return 0, 0
	}
	v := uint64(b[0] & 0x3f)
	for i := 1; i < n; i++ {
		v = v<<8 | uint64(b[i])
	}
	return v, n
}

// quicPacket looks for a client's QUIC version 1 Initial in a UDP payload,
// removes header protection, decrypts it with the initial keys derived from
// the destination connection ID, and reads the ClientHello's SNI and ALPN
// from its CRYPTO frames (which may span several Initial packets).
func (in *ingest) quicPacket(r *connRec, src netip.AddrPort, p []byte) {
	if len(p) < 7 || p[0]&0xc0 != 0xc0 || binary.BigEndian.Uint32(p[1:5]) != 1 || (p[0]>>4)&3 != 0 {
		return // not a version-1 Initial
	}
	if r.qs != nil && r.qs.done {
		return
	}
	off := 5
	dcl := int(p[off])
	off++
	if dcl > 20 || off+dcl >= len(p) {
		return
	}
	dcid := p[off : off+dcl]
	off += dcl
	scl := int(p[off])
	off++
	if scl > 20 || off+scl > len(p) {
		return
	}
	off += scl
	tl, n := varint(p[off:])
	if n == 0 || tl > uint64(len(p)) {
		return
	}
	off += n + int(tl)
	length, n := varint(p[off:])
	if n == 0 {
		return
	}
	off += n
	pnOff := off
	if length < 20 || uint64(pnOff)+length > uint64(len(p)) {
		return
	}
	end := pnOff + int(length)

	initial, err := hkdf.Extract(sha256.New, dcid, quicV1Salt)
	if err != nil {
		return
	}
	client := hkdfLabel(initial, "client in", 32)
	key, iv, hp := hkdfLabel(client, "quic key", 16), hkdfLabel(client, "quic iv", 12), hkdfLabel(client, "quic hp", 16)
	if key == nil || iv == nil || hp == nil {
		return
	}
	hpBlock, err := aes.NewCipher(hp)
	if err != nil {
		return
	}
	var mask [16]byte
	hpBlock.Encrypt(mask[:], p[pnOff+4:pnOff+20])
	hdr := make([]byte, pnOff+4)
	copy(hdr, p[:pnOff+4])
	hdr[0] ^= mask[0] & 0x0f
	pnLen := int(hdr[0]&3) + 1
	var pn uint64
	for i := 0; i < pnLen; i++ {
		hdr[pnOff+i] ^= mask[1+i]
		pn = pn<<8 | uint64(hdr[pnOff+i])
	}
	hdr = hdr[:pnOff+pnLen]
	block, err := aes.NewCipher(key)
	if err != nil {
		return
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return
	}
	nonce := make([]byte, 12)
	copy(nonce, iv)
	for i := 0; i < 8; i++ {
		nonce[11-i] ^= byte(pn >> (8 * i))
	}
	plain, err := aead.Open(nil, nonce, p[pnOff+pnLen:end], hdr)
	if err != nil {
		return // a server's Initial, another version's, or damaged
	}
	r.quic = true
	r.setClient(src)
	if r.qs == nil {
		r.qs = &quicState{frags: map[uint64][]byte{}}
	}
	in.quicFrames(r, plain)
}

// quicFrames collects CRYPTO frames and parses the ClientHello once the
// stream from offset 0 holds a whole handshake message.
func (in *ingest) quicFrames(r *connRec, b []byte) {
	qs := r.qs
	for len(b) > 0 {
		switch t := b[0]; {
		case t == 0x00 || t == 0x01: // PADDING, PING
			b = b[1:]
		case t == 0x02 || t == 0x03: // ACK: not sent in a first Initial; stop
			b = nil
		case t == 0x06: // CRYPTO
			o, n1 := varint(b[1:])
			if n1 == 0 {
				return
			}
			l, n2 := varint(b[1+n1:])
			start := 1 + n1 + n2
			if n2 == 0 || l > uint64(len(b)-start) || o > maxHelloLen {
				return
			}
			if qs.size < maxHelloLen {
				qs.frags[o] = append([]byte(nil), b[start:start+int(l)]...)
				qs.size += int(l)
			}
			b = b[start+int(l):]
		default:
			b = nil
		}
	}
	// Join the fragments contiguous from offset 0.
	var stream []byte
	for {
		f, ok := qs.frags[uint64(len(stream))]
		if !ok || len(f) == 0 {
			break
		}
		stream = append(stream, f...)
	}
	if len(stream) < 4 || stream[0] != 1 {
		return
	}
	mlen := int(stream[1])<<16 | int(stream[2])<<8 | int(stream[3])
	if len(stream) < 4+mlen {
		return
	}
	if sni, alpn, ok := clientHello(stream[4 : 4+mlen]); ok {
		r.sni, r.alpn = sni, alpn
	}
	qs.done, qs.frags = true, nil
}
