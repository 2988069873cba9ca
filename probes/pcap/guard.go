package pcap

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
)

// Limits on what a capture file may declare. Real captures stay far below
// them; a file that claims more is damaged (or hostile) and is cut there
// rather than allowed to make the reader allocate gigabytes.
const (
	maxPacketLen = 1 << 20  // one captured packet (pcap record / pcapng EPB data)
	maxBlockLen  = 16 << 20 // one pcapng block
)

// frameError is damage found in the file's framing (record or block headers).
type frameError struct {
	off int64
	msg string
}

func (e *frameError) Error() string { return fmt.Sprintf("offset %d: %s", e.off, e.msg) }

// guard sits between the file and pcapgo. It follows the record (pcap) or
// block (pcapng) framing as the bytes stream through, so it knows the offset
// of each record, tells a clean end of file from a file cut inside a record,
// and refuses absurd lengths before pcapgo would allocate for them.
type guard struct {
	r   io.Reader
	pre []byte // bytes already read from r (magic sniffing), delivered first
	ng  bool
	big bool // byte order of the current pcap file / pcapng section

	off      int64 // bytes consumed from the file
	blockOff int64 // offset where the current record/block starts
	out      []byte
	outBuf   [64]byte
	remain   int64 // body bytes of the current record still to pass through
	started  bool
	err      error
}

func newGuard(r io.Reader, pre []byte, ng bool) *guard {
	return &guard{r: r, pre: pre, ng: ng}
}

// readRaw fills p completely from pre then r. It returns the number of bytes
// read and io.EOF only when nothing at all could be read.
func (g *guard) readRaw(p []byte) (int, error) {
	n := copy(p, g.pre)
	g.pre = g.pre[n:]
	if n < len(p) {
		m, err := io.ReadFull(g.r, p[n:])
		n += m
		if err != nil {
			g.off += int64(n)
			if n == 0 {
				return 0, io.EOF
			}
			return n, io.ErrUnexpectedEOF
		}
	}
	g.off += int64(n)
	return n, nil
}

func (g *guard) Read(p []byte) (int, error) {
	if g.err != nil {
		return 0, g.err
	}
	if len(p) == 0 {
		return 0, nil
	}
	if len(g.out) == 0 && g.remain == 0 {
		if err := g.next(); err != nil {
			g.err = err
			return 0, err
		}
	}
	if len(g.out) > 0 {
		n := copy(p, g.out)
		g.out = g.out[n:]
		return n, nil
	}
	if int64(len(p)) > g.remain {
		p = p[:g.remain]
	}
	var n int
	var err error
	if len(g.pre) > 0 {
		n = copy(p, g.pre)
		g.pre = g.pre[n:]
	} else {
		n, err = g.r.Read(p)
	}
	g.off += int64(n)
	g.remain -= int64(n)
	if err == io.EOF {
		if g.remain > 0 {
			err = &frameError{g.blockOff, fmt.Sprintf("file ends inside a %s (%d bytes missing)", g.unit(), g.remain)}
		} else {
			err = nil
		}
	}
	if err != nil {
		g.err = err
		if n > 0 {
			return n, nil
		}
		return 0, err
	}
	return n, nil
}

func (g *guard) unit() string {
	if g.ng {
		return "pcapng block"
	}
	return "packet record"
}

func (g *guard) u32(b []byte) uint32 {
	if g.big {
		return binary.BigEndian.Uint32(b)
	}
	return binary.LittleEndian.Uint32(b)
}

// next reads and checks the header of the next record or block.
func (g *guard) next() error {
	g.blockOff = g.off
	if g.ng {
		return g.nextBlock()
	}
	return g.nextRecord()
}

func (g *guard) short(what string, n int) error {
	if n == 0 {
		return io.EOF
	}
	return &frameError{g.blockOff, fmt.Sprintf("file ends inside a %s header", what)}
}

func (g *guard) nextRecord() error {
	b := g.outBuf[:]
	if !g.started {
		g.started = true
		h := b[:24]
		if n, err := g.readRaw(h); err != nil {
			if n == 0 {
				return &frameError{0, "empty file"}
			}
			return &frameError{0, "file ends inside the pcap file header"}
		}
		switch binary.LittleEndian.Uint32(h) {
		case 0xa1b2c3d4, 0xa1b23c4d:
			g.big = false
		case 0xd4c3b2a1, 0x4d3cb2a1:
			g.big = true
		}
		g.out = h
		return nil
	}
	h := b[:16]
	if n, err := g.readRaw(h); err != nil {
		return g.short("packet record", n)
	}
	caplen, origlen := g.u32(h[8:12]), g.u32(h[12:16])
	if caplen > maxPacketLen {
		return &frameError{g.blockOff, fmt.Sprintf("absurd captured length %d (limit %d)", caplen, maxPacketLen)}
	}
	if caplen > origlen {
		// Some writers store a zero or short original length; pcapgo
		// refuses caplen > origlen, so present the record as untruncated.
		if g.big {
			binary.BigEndian.PutUint32(h[12:16], caplen)
		} else {
			binary.LittleEndian.PutUint32(h[12:16], caplen)
		}
	}
	g.out = h
	g.remain = int64(caplen)
	return nil
}

func (g *guard) nextBlock() error {
	b := g.outBuf[:]
	n, err := g.readRaw(b[:8])
	if err != nil {
		if !g.started && n == 0 {
			return &frameError{0, "empty file"}
		}
		return g.short("pcapng block", n)
	}
	g.started = true
	typ := binary.LittleEndian.Uint32(b[:4])
	hl := 8
	if typ == 0x0a0d0d0a {
		if m, err := g.readRaw(b[8:12]); err != nil {
			return g.short("pcapng section header", n+m)
		}
		switch {
		case binary.LittleEndian.Uint32(b[8:12]) == 0x1a2b3c4d:
			g.big = false
		case binary.BigEndian.Uint32(b[8:12]) == 0x1a2b3c4d:
			g.big = true
		default:
			return &frameError{g.blockOff, "pcapng section header has a bad byte-order magic"}
		}
		hl = 12
	} else if g.big {
		typ = binary.BigEndian.Uint32(b[:4])
	}
	length := g.u32(b[4:8])
	min := uint32(12)
	switch typ {
	case 0x0a0d0d0a:
		min = 28
	case 6, 2: // enhanced packet, packet
		min = 32
	case 3: // simple packet
		min = 16
	case 1: // interface description
		min = 20
	}
	switch {
	case length < min:
		return &frameError{g.blockOff, fmt.Sprintf("pcapng block type %d has length %d, less than its minimum %d", typ, length, min)}
	case length%4 != 0:
		return &frameError{g.blockOff, fmt.Sprintf("pcapng block length %d is not a multiple of 4", length)}
	case length > maxBlockLen:
		return &frameError{g.blockOff, fmt.Sprintf("absurd pcapng block length %d (limit %d)", length, maxBlockLen)}
	}
	switch typ {
	case 6, 2:
		if m, err := g.readRaw(b[8:28]); err != nil {
			return g.short("pcapng packet block", n+m)
		}
		hl = 28
		caplen := g.u32(b[20:24])
		if caplen > length-32 {
			return &frameError{g.blockOff, fmt.Sprintf("captured length %d does not fit in its pcapng block of %d bytes", caplen, length)}
		}
	case 3:
		if m, err := g.readRaw(b[8:12]); err != nil {
			return g.short("pcapng simple packet block", n+m)
		}
		hl = 12
		if orig := g.u32(b[8:12]); orig > length-16 {
			return &frameError{g.blockOff, fmt.Sprintf("simple packet length %d does not fit in its pcapng block of %d bytes", orig, length)}
		}
	}
	if typ != 6 && typ != 2 && typ != 3 {
		return g.metaBlock(typ, length, b[:hl])
	}
	g.out = b[:hl]
	g.remain = int64(length) - int64(hl)
	return nil
}

// maxMetaBlock caps the non-packet pcapng blocks (section headers,
// interface descriptions, name resolution, statistics, secrets).
const maxMetaBlock = 1 << 20

// metaBlock reads a whole non-packet block and makes it safe for pcapgo,
// whose option and record parsing trusts inner lengths: section headers and
// interface descriptions must have a sound option chain (and a sane snap
// length and timestamp resolution); name resolution, statistics and
// decryption-secrets blocks, which ceping does not use, are retyped so that
// pcapgo skips them whole.
func (g *guard) metaBlock(typ, length uint32, hdr []byte) error {
	if length > maxMetaBlock {
		return &frameError{g.blockOff, fmt.Sprintf("absurd pcapng block length %d for block type %d (limit %d)", length, typ, maxMetaBlock)}
	}
	blk := make([]byte, length)
	copy(blk, hdr)
	if m, err := g.readRaw(blk[len(hdr):]); err != nil {
		if m == 0 && err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return &frameError{g.blockOff, fmt.Sprintf("file ends inside a pcapng block (%d bytes missing)", int(length)-len(hdr)-m)}
	}
	put := func(off int, v uint32) {
		if g.big {
			binary.BigEndian.PutUint32(blk[off:], v)
		} else {
			binary.LittleEndian.PutUint32(blk[off:], v)
		}
	}
	switch typ {
	case 0x0a0d0d0a:
		if err := g.checkOptions(blk, 24, false); err != nil {
			return err
		}
	case 1:
		if snap := g.u32(blk[12:16]); snap > maxPacketLen {
			// pcapgo sizes its packet buffer by the snap length.
			put(12, maxPacketLen)
		}
		if err := g.checkOptions(blk, 16, true); err != nil {
			return err
		}
	default:
		put(0, 0x40000bad) // a local-use block type pcapgo skips by its length
	}
	g.out = blk
	g.remain = 0
	return nil
}

// checkOptions walks the option chain of a block from off to the trailing
// length field.
func (g *guard) checkOptions(blk []byte, off int, iface bool) error {
	end := len(blk) - 4
	u16 := func(b []byte) int {
		if g.big {
			return int(binary.BigEndian.Uint16(b))
		}
		return int(binary.LittleEndian.Uint16(b))
	}
	for off < end {
		if off+4 > end {
			return &frameError{g.blockOff, "pcapng option header runs past its block"}
		}
		code, n := u16(blk[off:]), u16(blk[off+2:])
		if code == 0 {
			return nil
		}
		padded := (n + 3) &^ 3
		if off+4+padded > end {
			return &frameError{g.blockOff, fmt.Sprintf("pcapng option %d of length %d runs past its block", code, n)}
		}
		if iface && code == 9 { // if_tsresol
			if n != 1 {
				// pcapgo would reuse a stale value for an empty option.
				return &frameError{g.blockOff, fmt.Sprintf("interface timestamp resolution option has length %d, not 1", n)}
			}
			v := blk[off+4]
			if (v&0x80 != 0 && v&0x7f > 62) || (v&0x80 == 0 && v > 18) {
				return &frameError{g.blockOff, fmt.Sprintf("impossible interface timestamp resolution 0x%02x", v)}
			}
		}
		off += 4 + padded
	}
	return nil
}

// asFrameError finds a frameError in err's chain.
func asFrameError(err error) *frameError {
	var fe *frameError
	if errors.As(err, &fe) {
		return fe
	}
	return nil
}
