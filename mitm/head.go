package mitm

import (
	"bufio"
	"bytes"
	"fmt"

	"github.com/ceping/ceping/evidence"
)

// peekHead returns (without consuming) the raw head of the next HTTP/1
// message in br, up to and including the blank line. ok is false when the
// head does not fit in br's buffer (the caller then falls back to sorted
// headers); err is a read error (EOF when the client closed).
func peekHead(br *bufio.Reader) (head []byte, ok bool, err error) {
	if _, err := br.Peek(1); err != nil {
		return nil, false, err
	}
	for {
		buf, _ := br.Peek(br.Buffered())
		if i := headEnd(buf); i >= 0 {
			return buf[:i], true, nil
		}
		if br.Buffered() >= br.Size() {
			return nil, false, nil
		}
		if _, err := br.Peek(br.Buffered() + 1); err != nil {
			return nil, false, err
		}
	}
}

// headEnd returns the length of the head (through CRLFCRLF or LFLF), or -1.
func headEnd(b []byte) int {
	i := bytes.Index(b, []byte("\r\n\r\n"))
	j := bytes.Index(b, []byte("\n\n"))
	switch {
	case i >= 0 && (j < 0 || i+4 <= j+2):
		return i + 4
	case j >= 0:
		return j + 2
	}
	return -1
}

// parseHeaderLines returns the header fields of a raw HTTP/1 head in wire
// order, duplicates kept (the first line, the request or status line, is
// skipped). Obsolete line folding joins the continuation to the previous
// value with a space.
func parseHeaderLines(head []byte) ([]evidence.Header, error) {
	lines := bytes.Split(head, []byte("\n"))
	var out []evidence.Header
	off := 0
	for i, ln := range lines {
		lineOff := off
		off += len(ln) + 1
		ln = bytes.TrimSuffix(ln, []byte("\r"))
		if i == 0 {
			continue
		}
		if len(ln) == 0 {
			break
		}
		if ln[0] == ' ' || ln[0] == '\t' {
			if len(out) == 0 {
				return nil, fmt.Errorf("header continuation line with no header at offset %d", lineOff)
			}
			out[len(out)-1].Value += " " + string(bytes.TrimSpace(ln))
			continue
		}
		c := bytes.IndexByte(ln, ':')
		if c <= 0 {
			return nil, fmt.Errorf("malformed header line at offset %d (no name: value)", lineOff)
		}
		name := ln[:c]
		if bytes.ContainsAny(name, " \t") {
			return nil, fmt.Errorf("malformed header name at offset %d (white space)", lineOff)
		}
		out = append(out, evidence.Header{Name: string(name), Value: string(bytes.Trim(ln[c+1:], " \t"))})
	}
	return out, nil
}
