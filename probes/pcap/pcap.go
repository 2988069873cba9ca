// Package pcap imports packet captures (pcap and pcapng, pure Go through
// gopacket/pcapgo) into ceping's evidence model: every TCP/UDP conversation
// with its bytes each way and the name it was for (TLS SNI, QUIC SNI, HTTP
// Host, DNS), every DNS response, and plain-HTTP exchanges reassembled from
// TCP streams into evidence.Flow records.
//
// Damaged input never panics: a file whose header is bad is an error naming
// the file; damage further in ends the import at that packet, and what was
// read before it is returned with a warning.
package pcap

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/ceping/ceping/evidence"
	"github.com/gopacket/gopacket"
	"github.com/gopacket/gopacket/layers"
	"github.com/gopacket/gopacket/pcapgo"
)

// Result is what a capture holds.
type Result struct {
	// Conns is every TCP and UDP conversation (Proto "quic" when a QUIC
	// Initial was seen), oriented client → server, in order of first packet.
	Conns []evidence.Conn
	// DNS is every DNS response, in capture order.
	DNS []evidence.DNSAnswer
	// Flows are the plain-HTTP/1.x exchanges (Source "pcap"), by start time.
	Flows []*evidence.Flow
	// Packets is the number of packets read.
	Packets int
	// Warnings says what could not be decoded (at most maxWarnings, then a
	// count), e.g. "packet 1234: truncated TCP header".
	Warnings []string
	// Partial is set when the file is damaged or cut and the result holds
	// only what came before the damage (a warning says where).
	Partial bool
}

// repanic lets tests see the stack of a recovered panic.
var repanic = false

// ReadFile imports the capture at path (pcap or pcapng, optionally gzipped).
func ReadFile(path string) (*Result, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("pcap: %w", err)
	}
	defer f.Close()
	return Read(f, filepath.Base(path))
}

// Read imports a capture from r, detecting pcap or pcapng (either byte order,
// optionally gzipped) by its magic number. name is used in errors and
// warnings.
func Read(r io.Reader, name string) (res *Result, err error) {
	in := newIngest(name)
	defer func() {
		// pcapgo has corner cases that panic on hostile files; a damaged
		// capture must be an error, never a crash.
		if p := recover(); p != nil {
			if repanic {
				panic(p)
			}
			res, err = nil, fmt.Errorf("pcap: %s: malformed capture at packet %d (reader panic: %v)", name, in.n+1, p)
		}
	}()
	src, err := open(r, name)
	if err != nil {
		return nil, err
	}
	for {
		data, ci, lt, rerr := src.next()
		if rerr != nil {
			if rerr == io.EOF {
				break
			}
			in.damaged(rerr)
			break
		}
		in.packet(data, ci, lt)
	}
	return in.finish(), nil
}

// source yields packets with their link type.
type source struct {
	g    *guard
	pcap *pcapgo.Reader
	ng   *pcapgo.NgReader
	name string
}

func (s *source) next() ([]byte, gopacket.CaptureInfo, layers.LinkType, error) {
	if s.pcap != nil {
		data, ci, err := s.pcap.ZeroCopyReadPacketData()
		return data, ci, s.pcap.LinkType(), err
	}
	data, ci, err := s.ng.ZeroCopyReadPacketData()
	var lt layers.LinkType
	if err == nil && len(ci.AncillaryData) > 0 {
		lt, _ = ci.AncillaryData[0].(layers.LinkType)
	}
	return data, ci, lt, err
}

// open sniffs the format and sets up the pcapgo reader behind a guard.
func open(r io.Reader, name string) (*source, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	magic, err := br.Peek(4)
	if len(magic) >= 2 && magic[0] == 0x1f && magic[1] == 0x8b {
		zr, zerr := gzip.NewReader(br)
		if zerr != nil {
			return nil, fmt.Errorf("pcap: %s: bad gzip stream: %v", name, zerr)
		}
		br = bufio.NewReaderSize(zr, 64<<10)
		magic, err = br.Peek(4)
	}
	if len(magic) < 4 {
		if len(magic) == 0 {
			return nil, fmt.Errorf("pcap: %s: empty file", name)
		}
		return nil, fmt.Errorf("pcap: %s: not a pcap or pcapng file (only %d bytes)", name, len(magic))
	}
	_ = err
	pre := bytes.Clone(magic)
	if _, err := br.Discard(4); err != nil {
		return nil, fmt.Errorf("pcap: %s: %v", name, err)
	}
	le := binary.LittleEndian.Uint32(pre)
	s := &source{name: name}
	switch le {
	case 0x0a0d0d0a:
		s.g = newGuard(br, pre, true)
		ng, err := pcapgo.NewNgReader(s.g, pcapgo.NgReaderOptions{WantMixedLinkType: true})
		if err != nil {
			return nil, headerError(name, "pcapng", err)
		}
		s.ng = ng
	case 0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1:
		s.g = newGuard(br, pre, false)
		pr, err := pcapgo.NewReader(s.g)
		if err != nil {
			return nil, headerError(name, "pcap", err)
		}
		// The guard already refuses absurd lengths; tools ignore a snap
		// length smaller than the packets actually written.
		pr.SetSnaplen(maxPacketLen)
		s.pcap = pr
	default:
		return nil, fmt.Errorf("pcap: %s: not a pcap or pcapng file (magic % x at offset 0)", name, pre)
	}
	return s, nil
}

func headerError(name, format string, err error) error {
	if fe := asFrameError(err); fe != nil {
		return fmt.Errorf("pcap: %s: bad %s header: %v", name, format, fe)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return fmt.Errorf("pcap: %s: file ends inside the %s header", name, format)
	}
	return fmt.Errorf("pcap: %s: bad %s header: %v", name, format, err)
}
