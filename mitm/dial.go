package mitm

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/base64"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// dialedConn is an upstream connection with the server address to record:
// the resolved IP (from Resolve or DNS) even when ConnectTo sent the bytes
// elsewhere.
type dialedConn struct {
	net.Conn
	ip   string
	port int
}

// lookupMap finds HOST:PORT or HOST in m (case-insensitive host).
func lookupMap(m map[string]string, host, port string) (string, bool) {
	if len(m) == 0 {
		return "", false
	}
	h := strings.ToLower(strings.TrimSuffix(host, "."))
	if v, ok := m[net.JoinHostPort(h, port)]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, h) || strings.EqualFold(k, net.JoinHostPort(h, port)) {
			return v, true
		}
	}
	return "", false
}

// dialContext dials addr applying Resolve and ConnectTo.
func (p *Proxy) dialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	recIP, resolved := lookupMap(p.cfg.Resolve, host, port)
	target := addr
	to, redirected := lookupMap(p.cfg.ConnectTo, host, port)
	switch {
	case redirected:
		if _, _, err := net.SplitHostPort(to); err != nil {
			to = net.JoinHostPort(to, port)
		}
		target = to
	case resolved:
		target = net.JoinHostPort(recIP, port)
	}
	c, err := p.dialer.DialContext(ctx, "tcp", target)
	if err != nil {
		return nil, err
	}
	pn, _ := strconv.Atoi(port)
	dc := &dialedConn{Conn: c, ip: recIP, port: pn}
	if !resolved {
		if ip := net.ParseIP(host); ip != nil {
			dc.ip = ip.String()
		} else if redirected {
			// the public address the name resolves to, not the local stand-in
			lctx, cancel := context.WithTimeout(ctx, 2*time.Second)
			ips, lerr := net.DefaultResolver.LookupIPAddr(lctx, host)
			cancel()
			if lerr == nil && len(ips) > 0 {
				dc.ip = ips[0].IP.String()
			}
		}
		if dc.ip == "" {
			if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
				dc.ip = ta.IP.String()
				if !redirected {
					dc.port = ta.Port
				}
			}
		}
	}
	return dc, nil
}

// dialTunnel opens a raw TCP stream to addr for a pass-through tunnel,
// through the upstream proxy when one is set.
func (p *Proxy) dialTunnel(ctx context.Context, addr string) (net.Conn, error) {
	if p.upURL == nil {
		return p.dialContext(ctx, "tcp", addr)
	}
	pa := p.upURL.Host
	if _, _, err := net.SplitHostPort(pa); err != nil {
		if p.upURL.Scheme == "https" {
			pa = net.JoinHostPort(pa, "443")
		} else {
			pa = net.JoinHostPort(pa, "80")
		}
	}
	c, err := p.dialContext(ctx, "tcp", pa)
	if err != nil {
		return nil, err
	}
	if p.upURL.Scheme == "https" {
		tc := tls.Client(c, &tls.Config{ServerName: hostOnly(pa), RootCAs: p.cfg.UpstreamRootCAs, InsecureSkipVerify: p.cfg.InsecureUpstream})
		if err := tc.HandshakeContext(ctx); err != nil {
			c.Close()
			return nil, err
		}
		c = tc
	}
	req := "CONNECT " + addr + " HTTP/1.1\r\nHost: " + addr + "\r\n"
	if u := p.upURL.User; u != nil {
		pw, _ := u.Password()
		req += "Proxy-Authorization: Basic " + base64.StdEncoding.EncodeToString([]byte(u.Username()+":"+pw)) + "\r\n"
	}
	req += "\r\n"
	if dl, ok := ctx.Deadline(); ok {
		c.SetDeadline(dl)
	}
	if _, err := c.Write([]byte(req)); err != nil {
		c.Close()
		return nil, err
	}
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		c.Close()
		return nil, fmt.Errorf("upstream proxy CONNECT %s: %w", addr, err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		c.Close()
		return nil, fmt.Errorf("upstream proxy refused CONNECT %s: %s", addr, resp.Status)
	}
	c.SetDeadline(time.Time{})
	host, port, _ := net.SplitHostPort(addr)
	pn, _ := strconv.Atoi(port)
	ip := host
	if v, ok := lookupMap(p.cfg.Resolve, host, port); ok {
		ip = v
	}
	return &dialedConn{Conn: &bufferedConn{Conn: c, r: br}, ip: ip, port: pn}, nil
}

// bufferedConn reads through r (which may hold bytes already read from Conn).
type bufferedConn struct {
	net.Conn
	r *bufio.Reader
}

func (b *bufferedConn) Read(p []byte) (int, error) { return b.r.Read(p) }

// serverAddrOf finds the recorded server address under a connection the
// transport used.
func serverAddrOf(c net.Conn) (string, int) {
	for i := 0; i < 8 && c != nil; i++ {
		switch v := c.(type) {
		case *dialedConn:
			return v.ip, v.port
		case *tls.Conn:
			c = v.NetConn()
		case interface{ NetConn() net.Conn }:
			c = v.NetConn()
		default:
			if ta, ok := c.RemoteAddr().(*net.TCPAddr); ok {
				return ta.IP.String(), ta.Port
			}
			return "", 0
		}
	}
	return "", 0
}
