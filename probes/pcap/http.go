package pcap

import (
	"bytes"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"

	"github.com/ceping/ceping/evidence"
)

const maxHeaderBlock = 64 << 10

// httpMsg is one HTTP/1.x message found in a half-stream.
type httpMsg struct {
	start, end int // byte offsets in the half-stream
	bodyStart  int
	method     string
	target     string
	proto      string
	status     int
	headers    []evidence.Header
	body       []byte
	bodySize   int64
	encoding   string
	complete   bool
	err        string
}

func (m *httpMsg) header(name string) string {
	for _, h := range m.headers {
		if strings.EqualFold(h.Name, name) {
			return h.Value
		}
	}
	return ""
}

func (m *httpMsg) chunked() bool {
	for _, h := range m.headers {
		if strings.EqualFold(h.Name, "Transfer-Encoding") && strings.Contains(strings.ToLower(h.Value), "chunked") {
			return true
		}
	}
	return false
}

// parseHead parses a start line and header block at b[off:]. It returns
// ok=false when the block is not complete (or not HTTP).
func parseHead(b []byte, off int, request bool) (m httpMsg, ok bool) {
	m.start = off
	rest := b[off:]
	if len(rest) > maxHeaderBlock {
		rest = rest[:maxHeaderBlock]
	}
	end := bytes.Index(rest, []byte("\r\n\r\n"))
	sep := 4
	if e2 := bytes.Index(rest, []byte("\n\n")); e2 >= 0 && (end < 0 || e2 < end) {
		end, sep = e2, 2
	}
	if end < 0 {
		return m, false
	}
	lines := strings.Split(string(rest[:end]), "\n")
	first := strings.TrimRight(lines[0], "\r")
	parts := strings.SplitN(first, " ", 3)
	if request {
		if len(parts) != 3 || !strings.HasPrefix(parts[2], "HTTP/1.") || parts[0] == "" {
			return m, false
		}
		m.method, m.target, m.proto = parts[0], parts[1], parts[2]
	} else {
		if len(parts) < 2 || !strings.HasPrefix(parts[0], "HTTP/1.") {
			return m, false
		}
		st, err := strconv.Atoi(parts[1])
		if err != nil || st < 100 || st > 999 {
			return m, false
		}
		m.proto, m.status = parts[0], st
	}
	for _, l := range lines[1:] {
		l = strings.TrimRight(l, "\r")
		if l == "" {
			continue
		}
		if (l[0] == ' ' || l[0] == '\t') && len(m.headers) > 0 {
			h := &m.headers[len(m.headers)-1]
			h.Value += " " + strings.TrimSpace(l)
			continue
		}
		name, value, found := strings.Cut(l, ":")
		if !found {
			continue
		}
		m.headers = append(m.headers, evidence.Header{Name: strings.TrimSpace(name), Value: strings.TrimSpace(value)})
	}
	m.bodyStart = off + end + sep
	m.encoding = strings.ToLower(m.header("Content-Encoding"))
	if m.encoding == "identity" {
		m.encoding = ""
	}
	return m, true
}

// readBody reads the message body framed by length (-1: until the end of the
// stream) or chunked encoding, setting end, body and complete.
func (m *httpMsg) readBody(b []byte, length int64, chunked bool) {
	p := m.bodyStart
	switch {
	case chunked:
		var body []byte
		for {
			nl := bytes.IndexByte(b[p:], '\n')
			if nl < 0 {
				m.end, m.body, m.err = len(b), body, "chunked body cut short"
				return
			}
			line := strings.TrimSpace(string(b[p : p+nl]))
			line, _, _ = strings.Cut(line, ";")
			size, err := strconv.ParseInt(strings.TrimSpace(line), 16, 64)
			if err != nil || size < 0 {
				m.end, m.body, m.err = p, body, "bad chunk size"
				return
			}
			p += nl + 1
			if size == 0 {
				// Trailers until an empty line.
				for {
					nl := bytes.IndexByte(b[p:], '\n')
					if nl < 0 {
						p = len(b)
						break
					}
					l := strings.TrimSpace(string(b[p : p+nl]))
					p += nl + 1
					if l == "" {
						break
					}
				}
				m.end, m.body, m.complete = p, body, true
				m.bodySize = int64(len(body))
				return
			}
			if size > int64(len(b)-p) {
				body = append(body, b[p:]...)
				m.end, m.body, m.err = len(b), body, "chunked body cut short"
				m.bodySize = int64(len(body))
				return
			}
			body = append(body, b[p:p+int(size)]...)
			p += int(size)
			// CRLF after the chunk data.
			if p < len(b) && b[p] == '\r' {
				p++
			}
			if p < len(b) && b[p] == '\n' {
				p++
			}
			m.bodySize = int64(len(body))
		}
	case length < 0:
		m.body, m.end, m.complete = b[p:], len(b), true
		m.bodySize = int64(len(m.body))
	default:
		avail := int64(len(b) - p)
		if length > avail {
			m.body, m.end, m.err = b[p:], len(b), "body cut short"
			m.bodySize = length
			return
		}
		m.body, m.end, m.complete = b[p:p+int(length)], p+int(length), true
		m.bodySize = length
	}
}

func contentLength(m *httpMsg) (int64, bool) {
	v := m.header("Content-Length")
	if v == "" {
		return 0, false
	}
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 {
		return 0, false
	}
	return n, true
}

// parseRequests parses the requests of a client half-stream. After a
// CONNECT the rest is tunnelled and returned as tunnel.
func parseRequests(b []byte) (reqs []httpMsg, tunnel []byte, tunnelOff int) {
	off := 0
	for off < len(b) {
		m, ok := parseHead(b, off, true)
		if !ok {
			break
		}
		if m.chunked() {
			m.readBody(b, 0, true)
		} else {
			n, _ := contentLength(&m)
			m.readBody(b, n, false)
		}
		reqs = append(reqs, m)
		if strings.EqualFold(m.method, "CONNECT") {
			return reqs, b[m.end:], m.end
		}
		if !m.complete || m.end <= off {
			break
		}
		off = m.end
	}
	return reqs, nil, 0
}

// parseResponses parses the responses of a server half-stream, using the
// requests to know which responses have no body.
func parseResponses(b []byte, reqs []httpMsg) []httpMsg {
	var resps []httpMsg
	off := 0
	for off < len(b) {
		m, ok := parseHead(b, off, false)
		if !ok {
			break
		}
		var method string
		if len(resps) < len(reqs) {
			method = reqs[len(resps)].method
		}
		switch {
		case m.status >= 100 && m.status < 200 && m.status != 101:
			m.end, m.complete = m.bodyStart, true
			off = m.end
			continue // interim response: the final one follows
		case m.status == 101, m.status == 204, m.status == 304, strings.EqualFold(method, "HEAD"):
			m.end, m.complete = m.bodyStart, true
		case strings.EqualFold(method, "CONNECT") && m.status >= 200 && m.status < 300:
			m.end, m.complete = m.bodyStart, true
		case m.chunked():
			m.readBody(b, 0, true)
		default:
			n, ok := contentLength(&m)
			if !ok {
				n = -1 // until the connection closes
			}
			m.readBody(b, n, false)
		}
		resps = append(resps, m)
		if m.status == 101 || strings.EqualFold(method, "CONNECT") || !m.complete || m.end <= off {
			break
		}
		off = m.end
	}
	return resps
}

// httpFlows turns a finished stream's plain-HTTP halves into flows, and
// reads the ClientHello of a CONNECT tunnel.
func (in *ingest) httpFlows(s *stream) {
	var cli, srv *half
	switch {
	case s.a.mode == modeHTTPReq:
		cli, srv = &s.a, &s.b
	case s.b.mode == modeHTTPReq:
		cli, srv = &s.b, &s.a
	default:
		return
	}
	reqs, tunnel, toff := parseRequests(cli.buf)
	if len(reqs) == 0 {
		return
	}
	s.rec.setClient(cli.from)
	var resps []httpMsg
	if srv.mode == modeHTTPResp {
		resps = parseResponses(srv.buf, reqs)
	}
	if len(tunnel) > 0 && len(resps) > 0 && resps[0].status >= 200 && resps[0].status < 300 {
		if sni, alpn, st := parseTLSClientHello(tunnel); st == helloOK {
			s.rec.sni, s.rec.alpn = sni, alpn
		}
	}
	_ = toff
	for i := range reqs {
		q := &reqs[i]
		f := &evidence.Flow{
			Source:     evidence.SourcePcap,
			Start:      cli.tsAt(q.start),
			ClientAddr: cli.from.String(),
			Method:     q.method,
			ServerIP:   srv.from.Addr().String(),
			ServerPort: int(srv.from.Port()),
			Scheme:     "http",
			Proto:      q.proto,
			ReqHeaders: q.headers,
			ReqBody:    evidence.Body{Size: q.bodySize, Encoding: q.encoding, Raw: bytes.Clone(q.body)},
			BytesUp:    int64(q.end - q.start),
		}
		host := q.header("Host")
		f.Host = hostOnly(host)
		switch {
		case strings.HasPrefix(q.target, "http://") || strings.HasPrefix(q.target, "https://"):
			f.URL = q.target
			if u, err := url.Parse(q.target); err == nil && f.Host == "" {
				f.Host = hostOnly(u.Host)
			}
		case strings.EqualFold(q.method, "CONNECT"):
			f.URL = q.target
			f.Scheme = "https"
			if f.Host == "" {
				f.Host = hostOnly(q.target)
			}
		default:
			if host == "" {
				host = srv.from.Addr().String()
				if srv.from.Addr().Is6() {
					host = "[" + host + "]"
				}
				if srv.from.Port() != 80 {
					host += ":" + strconv.Itoa(int(srv.from.Port()))
				}
			}
			f.URL = "http://" + host + q.target
		}
		if s.rec.httpHost == "" && f.Host != "" {
			s.rec.httpHost = f.Host
		}
		if !q.complete {
			f.Error = "request " + q.err
		}
		if i < len(resps) {
			p := &resps[i]
			f.FirstByte = srv.tsAt(p.start)
			f.End = srv.tsAt(max(p.end-1, p.start))
			f.Status = p.status
			f.RespHeaders = p.headers
			f.RespBody = evidence.Body{Size: p.bodySize, Encoding: p.encoding, Raw: bytes.Clone(p.body)}
			f.BytesDown = int64(p.end - p.start)
			if !p.complete {
				f.Error = "response " + p.err
			}
			if p.end >= len(srv.buf) && srv.cut {
				f.RespBody.Truncated = true
			}
		} else if f.Error == "" {
			f.Error = "no response captured"
		}
		if q.end >= len(cli.buf) && cli.cut {
			f.ReqBody.Truncated = true
		}
		if f.Error != "" && (cli.gap || srv.gap) {
			f.Error += " (packets missing from the capture)"
		}
		in.res.Flows = append(in.res.Flows, f)
	}
}

// hostOnly strips the port from a Host value.
func hostOnly(h string) string {
	h = strings.TrimSpace(h)
	if h == "" {
		return ""
	}
	if ap, err := netip.ParseAddrPort(h); err == nil {
		return ap.Addr().String()
	}
	if host, _, err := net.SplitHostPort(h); err == nil {
		return host
	}
	return strings.Trim(h, "[]")
}
