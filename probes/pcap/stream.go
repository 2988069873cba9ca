package pcap

import (
	"net/netip"
	"sort"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/reassembly"
)

const (
	// maxHTTPBuffer caps what is kept of one direction of a plain-HTTP
	// connection; later bytes are counted but not kept.
	maxHTTPBuffer = 32 << 20
	// maxHelloBuffer caps the bytes gathered while waiting for a complete
	// TLS ClientHello.
	maxHelloBuffer = 64 << 10
	// idleFlush closes reassembly of connections silent this long.
	idleFlush = 2 * time.Minute
)

// Modes of one direction of a TCP stream.
const (
	modeUndecided = iota
	modeTLS
	modeHTTPReq
	modeHTTPResp
	modeOff
)

// actx carries a packet's capture info through the assembler.
type actx struct{ ci gopacket.CaptureInfo }

func (a *actx) GetCaptureInfo() gopacket.CaptureInfo { return a.ci }

// mark ties a byte offset of a half-stream to the time it was captured.
type mark struct {
	off int
	ts  time.Time
}

// half is one direction of a TCP stream.
type half struct {
	from  netip.AddrPort
	mode  int
	buf   []byte
	marks []mark
	gap   bool // bytes were lost: buf stops where they went missing
	cut   bool // buf was capped
	seen  bool
}

// tsAt returns the capture time of the byte at off.
func (h *half) tsAt(off int) time.Time {
	i := sort.Search(len(h.marks), func(i int) bool { return h.marks[i].off > off })
	if i == 0 {
		if len(h.marks) == 0 {
			return time.Time{}
		}
		return h.marks[0].ts
	}
	return h.marks[i-1].ts
}

// stream is one TCP connection as the assembler sees it.
type stream struct {
	t    *tcpState
	rec  *connRec
	a, b half // a: direction of the first packet seen
	done bool
}

// tcpState wraps the gopacket reassembly machinery.
type tcpState struct {
	in        *ingest
	asm       *reassembly.Assembler
	cur       *connRec
	curSrc    netip.AddrPort
	curDst    netip.AddrPort
	lastFlush time.Time
}

func newTCPState(in *ingest) *tcpState {
	t := &tcpState{in: in}
	pool := reassembly.NewStreamPool(t)
	t.asm = reassembly.NewAssembler(pool)
	t.asm.AssemblerOptions.MaxBufferedPagesPerConnection = 4096
	t.asm.AssemblerOptions.MaxBufferedPagesTotal = 65536
	return t
}

// New implements reassembly.StreamFactory.
func (t *tcpState) New(_, _ gopacket.Flow, _ *layers.TCP, _ reassembly.AssemblerContext) reassembly.Stream {
	s := &stream{t: t, rec: t.cur}
	s.a.from, s.b.from = t.curSrc, t.curDst
	return s
}

func (t *tcpState) packet(r *connRec, s, d netip.AddrPort, tcp *layers.TCP, ci gopacket.CaptureInfo) {
	t.cur, t.curSrc, t.curDst = r, s, d
	var nf gopacket.Flow
	if s.Addr().Is4() {
		a, b := s.Addr().As4(), d.Addr().As4()
		nf = gopacket.NewFlow(layers.EndpointIPv4, a[:], b[:])
	} else {
		a, b := s.Addr().As16(), d.Addr().As16()
		nf = gopacket.NewFlow(layers.EndpointIPv6, a[:], b[:])
	}
	t.asm.AssembleWithContext(nf, tcp, &actx{ci})
	if ts := ci.Timestamp; ts.Sub(t.lastFlush) > idleFlush/4 {
		if !t.lastFlush.IsZero() {
			t.asm.FlushCloseOlderThan(ts.Add(-idleFlush))
		}
		t.lastFlush = ts
	}
}

// finish flushes every connection still open.
func (t *tcpState) finish() { t.asm.FlushAll() }

// Accept implements reassembly.Stream: every segment is taken, and a stream
// whose SYN was not captured starts at the first segment seen.
func (s *stream) Accept(_ *layers.TCP, _ gopacket.CaptureInfo, _ reassembly.TCPFlowDirection, next reassembly.Sequence, start *bool, _ reassembly.AssemblerContext) bool {
	if next < 0 {
		*start = true
	}
	return true
}

// ReassembledSG implements reassembly.Stream.
func (s *stream) ReassembledSG(sg reassembly.ScatterGather, ac reassembly.AssemblerContext) {
	dir, _, _, skip := sg.Info()
	h := &s.a
	if dir == reassembly.TCPDirServerToClient {
		h = &s.b
	}
	n, _ := sg.Lengths()
	if skip != 0 && h.seen {
		h.gap = true
	}
	if n == 0 {
		return
	}
	h.seen = true
	if h.mode == modeOff || h.gap || h.cut {
		return
	}
	data := sg.Fetch(n)
	// The time of the packet being assembled, else of this half's last data.
	var fallback time.Time
	if ac != nil {
		fallback = ac.GetCaptureInfo().Timestamp
	} else if len(h.marks) > 0 {
		fallback = h.marks[len(h.marks)-1].ts
	}
	s.feed(h, data, sgTime(sg, 0, fallback), sgTime(sg, n-1, fallback))
}

// sgTime returns the capture time of the byte at off. gopacket's
// ScatterGather.CaptureInfo dereferences a nil context for the second and
// later pages of a large out-of-order segment; such bytes get fallback.
func sgTime(sg reassembly.ScatterGather, off int, fallback time.Time) (ts time.Time) {
	defer func() {
		if recover() != nil {
			ts = fallback
		}
	}()
	ts = sg.CaptureInfo(off).Timestamp
	if ts.IsZero() {
		ts = fallback
	}
	return ts
}

// feed adds in-order bytes to a half-stream and advances its sniffing.
func (s *stream) feed(h *half, data []byte, ts, lastTS time.Time) {
	room := maxHTTPBuffer
	if h.mode == modeTLS || h.mode == modeUndecided {
		room = maxHelloBuffer
	}
	if len(h.buf)+len(data) > room {
		data = data[:room-len(h.buf)]
		h.cut = true
	}
	h.marks = append(h.marks, mark{len(h.buf), ts})
	h.buf = append(h.buf, data...)
	if !lastTS.Equal(ts) {
		h.marks = append(h.marks, mark{len(h.buf) - 1, lastTS})
	}
	if h.mode == modeUndecided {
		h.mode = sniff(h.buf)
		if h.mode == modeOff {
			h.buf, h.marks = nil, nil
			return
		}
	}
	if h.mode == modeTLS {
		sni, alpn, st := parseTLSClientHello(h.buf)
		if st == helloNeedMore && !h.cut {
			return
		}
		if st == helloOK {
			s.rec.setClient(h.from)
			s.rec.sni, s.rec.alpn = sni, alpn
		}
		h.mode, h.buf, h.marks = modeOff, nil, nil
	}
}

// ReassemblyComplete implements reassembly.Stream.
func (s *stream) ReassemblyComplete(_ reassembly.AssemblerContext) bool {
	if !s.done {
		s.done = true
		s.t.in.httpFlows(s)
		s.a.buf, s.b.buf, s.a.marks, s.b.marks = nil, nil, nil, nil
	}
	return true
}

// sniff decides what a half-stream carries from its first bytes.
func sniff(b []byte) int {
	if len(b) == 0 {
		return modeUndecided
	}
	if b[0] == 0x16 {
		if len(b) < 2 || b[1] == 3 {
			return modeTLS
		}
		return modeOff
	}
	if isPrefixOrHas(b, "HTTP/1.") {
		if len(b) < 7 {
			return modeUndecided
		}
		return modeHTTPResp
	}
	for _, m := range httpMethods {
		if isPrefixOrHas(b, m) {
			if len(b) < len(m) {
				return modeUndecided
			}
			return modeHTTPReq
		}
	}
	return modeOff
}

var httpMethods = []string{"GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "}

// isPrefixOrHas reports whether b starts with p, or b is a prefix of p.
func isPrefixOrHas(b []byte, p string) bool {
	n := min(len(b), len(p))
	return string(b[:n]) == p[:n]
}

// flowsSorted orders flows by start time and numbers them.
func flowsSorted(fs []*evidence.Flow) {
	sort.SliceStable(fs, func(i, j int) bool { return fs[i].Start.Before(fs[j].Start) })
	for i, f := range fs {
		f.ID = int64(i + 1)
	}
}
