package mitm

import (
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/ceping/ceping/evidence"
)

// WebSocket opcodes (RFC 6455 5.2).
const (
	wsContinuation = 0
	wsText         = 1
	wsBinary       = 2
	wsClose        = 8
	wsPing         = 9
	wsPong         = 10
)

// wsRecorder collects the messages of one WebSocket connection, both ways.
type wsRecorder struct {
	mu   sync.Mutex
	msgs []evidence.WSMessage
	kept int64 // payload bytes kept so far
	cap  int64 // payload bytes kept at most (over all messages)
	up   *wsParser
	down *wsParser
}

func newWSRecorder(capBytes int64) *wsRecorder {
	r := &wsRecorder{cap: capBytes}
	r.up = &wsParser{fromApp: true, emit: r.add}
	r.down = &wsParser{fromApp: false, emit: r.add}
	return r
}

func (r *wsRecorder) add(m evidence.WSMessage) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if room := r.cap - r.kept; int64(len(m.Data)) > room {
		if room < 0 {
			room = 0
		}
		m.Data = m.Data[:room]
		m.Truncate = true
	}
	r.kept += int64(len(m.Data))
	r.msgs = append(r.msgs, m)
}

func (r *wsRecorder) messages() []evidence.WSMessage {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]evidence.WSMessage(nil), r.msgs...)
}

// wsParser reassembles WebSocket messages from a byte stream in one
// direction. It never fails: bytes it cannot parse end the parsing (the
// relay goes on).
type wsParser struct {
	fromApp bool
	emit    func(evidence.WSMessage)
	maxData int64 // payload bytes kept per message (0: 1 MiB)

	hdr    []byte // partial frame header
	need   int64  // payload bytes left in the current frame
	mask   [4]byte
	masked bool
	maskAt int64
	op     byte
	fin    bool

	msgOp    byte // opcode of the data message being reassembled (0: none)
	msgData  []byte
	msgSize  int64
	msgTrunc bool
	msgTime  time.Time

	ctlData  []byte // control frame payload
	ctlTrunc bool
	broken   bool
}

const wsMaxMessageKept = 1 << 20

// Write feeds bytes seen on the wire; it always reports len(p).
func (w *wsParser) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 && !w.broken {
		if w.need == 0 {
			p = w.readHeader(p)
			continue
		}
		k := int64(len(p))
		if k > w.need {
			k = w.need
		}
		w.payload(p[:k])
		p = p[k:]
		w.need -= k
		if w.need == 0 {
			w.endFrame()
		}
	}
	return n, nil
}

func (w *wsParser) readHeader(p []byte) []byte {
	for len(p) > 0 {
		w.hdr = append(w.hdr, p[0])
		p = p[1:]
		if size, ok := w.headerSize(); ok && len(w.hdr) == size {
			w.startFrame()
			if w.need == 0 {
				w.endFrame()
			}
			return p
		}
	}
	return p
}

// headerSize returns the full header length once it can be known.
func (w *wsParser) headerSize() (int, bool) {
	if len(w.hdr) < 2 {
		return 0, false
	}
	size := 2
	switch w.hdr[1] & 0x7f {
	case 126:
		size += 2
	case 127:
		size += 8
	}
	if w.hdr[1]&0x80 != 0 {
		size += 4
	}
	return size, true
}

func (w *wsParser) startFrame() {
	h := w.hdr
	w.hdr = w.hdr[:0]
	w.fin = h[0]&0x80 != 0
	w.op = h[0] & 0x0f
	w.masked = h[1]&0x80 != 0
	l := int64(h[1] & 0x7f)
	i := 2
	switch l {
	case 126:
		l = int64(binary.BigEndian.Uint16(h[2:4]))
		i = 4
	case 127:
		u := binary.BigEndian.Uint64(h[2:10])
		if u > 1<<62 {
			w.broken = true
			return
		}
		l = int64(u)
		i = 10
	}
	if w.masked {
		copy(w.mask[:], h[i:i+4])
	}
	w.maskAt = 0
	w.need = l
	if w.op >= 8 {
		w.ctlData, w.ctlTrunc = nil, false
		if l > 125 { // control frames are at most 125 bytes
			w.broken = true
		}
		return
	}
	if w.op != wsContinuation && w.msgOp == 0 {
		w.msgOp = w.op
		w.msgData, w.msgSize, w.msgTrunc = nil, 0, false
		w.msgTime = time.Now()
	} else if w.op != wsContinuation {
		// a new data frame while a message is open: emit what we have
		w.emitMessage()
		w.msgOp = w.op
		w.msgTime = time.Now()
	} else if w.msgOp == 0 {
		// continuation without a start: treat as binary
		w.msgOp = wsBinary
		w.msgTime = time.Now()
	}
}

func (w *wsParser) payload(p []byte) {
	if w.broken {
		return
	}
	max := w.maxData
	if max <= 0 {
		max = wsMaxMessageKept
	}
	if w.op >= 8 {
		w.ctlData = w.appendUnmasked(w.ctlData, p)
		return
	}
	w.msgSize += int64(len(p))
	room := max - int64(len(w.msgData))
	if room <= 0 {
		w.msgTrunc = true
		w.maskAt += int64(len(p))
		return
	}
	q := p
	if int64(len(q)) > room {
		q = q[:room]
		w.msgTrunc = true
	}
	w.msgData = w.appendUnmasked(w.msgData, q)
	w.maskAt += int64(len(p) - len(q))
}

func (w *wsParser) appendUnmasked(dst, p []byte) []byte {
	start := len(dst)
	dst = append(dst, p...)
	if w.masked {
		for i := start; i < len(dst); i++ {
			dst[i] ^= w.mask[w.maskAt&3]
			w.maskAt++
		}
	}
	return dst
}

func (w *wsParser) endFrame() {
	if w.broken {
		return
	}
	if w.op >= 8 {
		w.emit(evidence.WSMessage{Time: time.Now(), FromApp: w.fromApp, Opcode: int(w.op),
			Data: w.ctlData, Size: int64(len(w.ctlData))})
		w.ctlData = nil
		return
	}
	if w.fin {
		w.emitMessage()
	}
}

func (w *wsParser) emitMessage() {
	if w.msgOp == 0 {
		return
	}
	w.emit(evidence.WSMessage{Time: w.msgTime, FromApp: w.fromApp, Opcode: int(w.msgOp),
		Data: w.msgData, Size: w.msgSize, Truncate: w.msgTrunc})
	w.msgOp, w.msgData, w.msgSize, w.msgTrunc = 0, nil, 0, false
}

// wsBody wraps the upstream side of an upgraded connection: reads are
// server→app bytes, writes are app→server bytes; both are parsed into
// messages. Close records the exchange.
type wsBody struct {
	rwc io.ReadWriteCloser
	x   *exchange
}

func (b *wsBody) Read(p []byte) (int, error) {
	n, err := b.rwc.Read(p)
	b.x.ws.down.Write(p[:n])
	b.x.addBytes(0, int64(n))
	return n, err
}

func (b *wsBody) Write(p []byte) (int, error) {
	// parse before forwarding, so the message is listed before the reply
	b.x.ws.up.Write(p)
	n, err := b.rwc.Write(p)
	b.x.addBytes(int64(n), 0)
	return n, err
}

func (b *wsBody) Close() error {
	err := b.rwc.Close()
	b.x.finish()
	return err
}
