package main

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"syscall"
	"time"
	"unicode/utf8"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/mitm"
	"github.com/ceping/ceping/session"
	"github.com/mdp/qrterminal/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

type captureOptions struct {
	session          string
	listen           string
	resolve          []string
	connectTo        []string
	noMITM           []string
	upstream         string
	caDir            string
	summaryEvery     time.Duration
	noPassthrough    bool
	insecureUpstream bool
	noKeys           bool
	iface            string

	// for tests
	upstreamRoots *x509.CertPool
	ready         func(proxyAddr string)
}

func init() {
	var o captureOptions
	cmd := &cobra.Command{
		Use:   "capture --session DIR [--listen ADDR] [--resolve HOST=IP]... [--connect-to HOST=ADDR]... [--no-mitm HOST]...",
		Short: "抓包：运行拦截代理，把 App 的流量记录到会话中",
		Long: `运行 HTTPS 拦截代理（中间人），把测试手机上 App 的每个请求记录到会话。
Run the intercepting proxy and record every exchange of the phone's apps into
the session. Set the phone's Wi-Fi proxy to one of the printed addresses and
install the CA from the printed URL (or scan the QR code); see docs/capture.md.

While it runs, single keys mark the timeline (when stdin is a terminal):
  s 启动 app-start   c 同意 consent   r 拒绝 refuse   b 后台 background
  f 前台 foreground  w 撤回 withdraw  n 备注 note     q 结束 quit
Other terminals can mark with 'ceping mark --session DIR EVENT'.
Stop with Ctrl-C (SIGINT) or SIGTERM: exchanges in progress are recorded and
the session is closed cleanly.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			return runCapture(ctx, o, cmd.OutOrStdout())
		},
	}
	f := cmd.Flags()
	f.StringVar(&o.session, "session", "", "session directory (created when it holds no session yet)")
	f.StringVar(&o.listen, "listen", "0.0.0.0:8080", "proxy address (the phone must reach it)")
	f.StringArrayVar(&o.resolve, "resolve", nil, "HOST=IP: connect to IP for HOST and record IP as the server (like curl --resolve); repeatable")
	f.StringArrayVar(&o.connectTo, "connect-to", nil, "HOST=ADDR: actually dial ADDR for HOST while recording HOST's resolved IP; repeatable")
	f.StringArrayVar(&o.noMITM, "no-mitm", nil, "HOST or glob (*.example.com) to tunnel untouched, recorded at connection level; repeatable")
	f.StringVar(&o.upstream, "upstream", "", "upstream HTTP proxy URL (http://host:port)")
	caDirFlag(cmd, &o.caDir)
	f.DurationVar(&o.summaryEvery, "summary-every", 30*time.Second, "interval of the summary line (0: none)")
	f.BoolVar(&o.noPassthrough, "no-passthrough", false, "keep intercepting hosts whose client rejected our certificate (default: tunnel them after the first failure, so the app keeps working)")
	f.BoolVar(&o.insecureUpstream, "insecure-upstream", false, "do not verify upstream servers' certificates")
	f.BoolVar(&o.noKeys, "no-keys", false, "no single-key shortcuts even when stdin is a terminal")
	f.StringVar(&o.iface, "iface", "", "also capture packets on this interface (Linux, root or CAP_NET_RAW): DNS, connections with SNI and plain HTTP that bypass the proxy")
	rootCmd.AddCommand(cmd)
}

// parsePairs parses HOST=VALUE flags.
func parsePairs(flag string, list []string) (map[string]string, error) {
	m := map[string]string{}
	for i, s := range list {
		k, v, ok := strings.Cut(s, "=")
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		if !ok || k == "" || v == "" {
			return nil, &exitError{code: 2, msg: fmt.Sprintf("--%s #%d %q: want HOST=VALUE", flag, i+1, s)}
		}
		m[strings.ToLower(k)] = v
	}
	return m, nil
}

// flowStats is the running summary.
type flowStats struct {
	mu          sync.Mutex
	flows       int
	notIntercep int
	errors      int
	recErrors   int
	bytes       int64
	hosts       map[string]int
	markers     int
}

func (s *flowStats) add(f *evidence.Flow, recErr error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.flows++
	if f.NotIntercepted {
		s.notIntercep++
	}
	if f.Error != "" {
		s.errors++
	}
	if recErr != nil {
		s.recErrors++
	}
	s.bytes += f.ReqBody.Size + f.RespBody.Size + f.BytesUp + f.BytesDown
	s.hosts[f.Host]++
}

func (s *flowStats) line() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	type hc struct {
		h string
		n int
	}
	var top []hc
	for h, n := range s.hosts {
		top = append(top, hc{h, n})
	}
	sort.Slice(top, func(i, j int) bool { return top[i].n > top[j].n || top[i].n == top[j].n && top[i].h < top[j].h })
	var names []string
	for i := 0; i < len(top) && i < 3; i++ {
		names = append(names, fmt.Sprintf("%s×%d", top[i].h, top[i].n))
	}
	l := fmt.Sprintf("— %s 流量 flows %d · 主机 hosts %d · 未解密 not intercepted %d · 错误 errors %d · 标记 markers %d · %s",
		time.Now().Format("15:04:05"), s.flows, len(s.hosts), s.notIntercep, s.errors, s.markers, humanBytes(s.bytes))
	if s.recErrors > 0 {
		l += fmt.Sprintf(" · 记录失败 NOT RECORDED %d", s.recErrors)
	}
	if len(names) > 0 {
		l += " · " + strings.Join(names, ", ")
	}
	return l
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

// flowLine is the live terminal line of one flow (no query strings, no
// bodies: never raw PI).
func flowLine(f *evidence.Flow, recErr error) string {
	t := f.Start.Format("15:04:05")
	host := f.Host
	if len(host) > 40 {
		host = "…" + host[len(host)-39:]
	}
	var l string
	if f.NotIntercepted {
		l = fmt.Sprintf("%s  %-7s %-40s %4s %9s  未解密 not intercepted", t, "TLS", host, "-", humanBytes(f.BytesUp+f.BytesDown))
		if strings.Contains(f.Error, "certificate") || strings.Contains(f.Error, "pinning") {
			l += " (证书固定? pinning?)"
		}
	} else {
		status := "-"
		if f.Status > 0 {
			status = fmt.Sprint(f.Status)
		}
		size := f.RespBody.Size
		if len(f.WebSocket) > 0 {
			size = f.BytesDown
		}
		l = fmt.Sprintf("%s  %-7s %-40s %4s %9s", t, f.Method, host, status, humanBytes(size))
		if f.Scheme == "ws" || f.Scheme == "wss" {
			l += fmt.Sprintf("  WebSocket %d msgs", len(f.WebSocket))
		}
		if f.Error != "" {
			l += "  ERR"
		}
	}
	if recErr != nil {
		l += "  记录失败 NOT RECORDED: " + recErr.Error()
	}
	return l
}

// printer writes whole lines, converting \n to \r\n while the terminal is raw.
type printer struct {
	mu  sync.Mutex
	w   io.Writer
	raw bool
}

func (p *printer) Println(s string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.raw {
		s = strings.ReplaceAll(s, "\n", "\r\n")
		io.WriteString(p.w, s+"\r\n")
		return
	}
	io.WriteString(p.w, s+"\n")
}

func (p *printer) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.raw {
		_, err := p.w.Write([]byte(strings.ReplaceAll(string(b), "\n", "\r\n")))
		return len(b), err
	}
	return p.w.Write(b)
}

func (p *printer) setRaw(raw bool) {
	p.mu.Lock()
	p.raw = raw
	p.mu.Unlock()
}

// lanAddrs lists the addresses a phone may use to reach a proxy listening on addr.
func lanAddrs(addr net.Addr) []string {
	ta, ok := addr.(*net.TCPAddr)
	if !ok {
		return []string{addr.String()}
	}
	port := fmt.Sprint(ta.Port)
	if !ta.IP.IsUnspecified() {
		return []string{net.JoinHostPort(ta.IP.String(), port)}
	}
	var out []string
	ifs, _ := net.InterfaceAddrs()
	for _, a := range ifs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.IsLinkLocalUnicast() || ipn.IP.To4() == nil {
			continue
		}
		out = append(out, net.JoinHostPort(ipn.IP.String(), port))
	}
	if len(out) == 0 {
		out = append(out, net.JoinHostPort("127.0.0.1", port))
	}
	return out
}

// captureRunning reports whether the control file names a live endpoint.
func captureRunning(cf string) (string, bool) {
	info, err := mitm.ReadControlFile(cf)
	if err != nil {
		return "", false
	}
	c, err := net.DialTimeout("tcp", info.Addr, time.Second)
	if err != nil {
		return "", false
	}
	c.Close()
	return info.Addr, true
}

func runCapture(ctx context.Context, o captureOptions, stdout io.Writer) error {
	if o.session == "" {
		return &exitError{code: 2, msg: "--session DIR is required"}
	}
	resolve, err := parsePairs("resolve", o.resolve)
	if err != nil {
		return err
	}
	for h, ip := range resolve {
		if net.ParseIP(ip) == nil {
			return &exitError{code: 2, msg: fmt.Sprintf("--resolve %s=%s: %q is not an IP address", h, ip, ip)}
		}
	}
	connectTo, err := parsePairs("connect-to", o.connectTo)
	if err != nil {
		return err
	}
	cf := filepath.Join(o.session, controlFileName)
	if addr, running := captureRunning(cf); running {
		return &exitError{code: 2, msg: fmt.Sprintf("a capture is already running in %s (control endpoint %s)", o.session, addr)}
	}

	var st *session.Store
	if _, serr := os.Stat(filepath.Join(o.session, session.DBName)); errors.Is(serr, os.ErrNotExist) {
		st, err = session.Create(o.session, session.Meta{Created: time.Now()})
		if err == nil {
			log.Infof("created session %s", o.session)
		}
	} else {
		st, err = session.Open(o.session)
	}
	if err != nil {
		return err
	}
	storeClosed := false
	defer func() {
		if !storeClosed {
			st.Close()
		}
	}()
	ca, err := mitm.LoadOrCreateCA(o.caDir)
	if err != nil {
		return err
	}

	out := &printer{w: stdout}
	stats := &flowStats{hosts: map[string]int{}}
	mark := func(m evidence.Marker) (int64, error) {
		id, err := st.AddMarker(m)
		if err == nil {
			stats.mu.Lock()
			stats.markers++
			stats.mu.Unlock()
			l := fmt.Sprintf("%s  ▶ 标记 marker #%d %s", m.Time.Format("15:04:05"), id, m.Kind)
			if m.Kind == evidence.MarkFeatureStart || m.Kind == evidence.MarkFeatureStop {
				l += " " + m.Arg // feature names are the tester's words, not app data
			}
			out.Println(l)
		}
		return id, err
	}

	l, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", o.listen, err)
	}
	addrs := lanAddrs(l.Addr())
	px, err := mitm.New(mitm.Config{
		CA: ca,
		Recorder: mitm.RecorderFunc(func(f *evidence.Flow) error {
			_, err := st.AddFlow(f)
			return err
		}),
		OnFlow: func(f *evidence.Flow, recErr error) {
			stats.add(f, recErr)
			out.Println(flowLine(f, recErr))
		},
		NoMITM:                  o.noMITM,
		Resolve:                 resolve,
		ConnectTo:               connectTo,
		Upstream:                o.upstream,
		UpstreamRootCAs:         o.upstreamRoots,
		InsecureUpstream:        o.insecureUpstream,
		PassthroughAfterFailure: !o.noPassthrough,
		Marker:                  mark,
		ControlFile:             cf,
		CAPageAddr:              addrs[0],
		Log:                     log,
	})
	if err != nil {
		l.Close()
		return err
	}
	serveErr := make(chan error, 1)
	go func() { serveErr <- px.Serve(l) }()

	caURL := "http://" + addrs[0] + "/ca"
	out.Println(fmt.Sprintf("ceping capture → 会话 session %s", o.session))
	out.Println("代理地址 proxy (手机 Wi-Fi 代理 / phone Wi-Fi proxy): " + strings.Join(addrs, "  "))
	out.Println(fmt.Sprintf("安装证书 install the CA: %s  (or http://%s/ through the proxy)", caURL, mitm.CAHost))
	out.Println(fmt.Sprintf("CA: %s  SHA-256 %s", ca.Name(), ca.Fingerprint()))
	if len(o.noMITM) > 0 {
		out.Println("不解密 not intercepted: " + strings.Join(o.noMITM, ", "))
	}
	qrterminal.GenerateHalfBlock(caURL, qrterminal.L, out)

	stdinFd := int(os.Stdin.Fd())
	keys := !o.noKeys && term.IsTerminal(stdinFd)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if keys {
		out.Println("按键 keys: s 启动 c 同意 r 拒绝 b 后台 f 前台 w 撤回 n 备注 q 结束 (Ctrl-C)")
		old, err := term.MakeRaw(stdinFd)
		if err == nil {
			out.setRaw(true)
			log.SetOutput(out)
			defer func() {
				term.Restore(stdinFd, old)
				out.setRaw(false)
				log.SetOutput(os.Stderr)
			}()
			go keyLoop(ctx, cancel, os.Stdin, out, mark)
		} else {
			log.WithError(err).Warn("no single-key shortcuts")
		}
	}
	var live *liveCapture
	if o.iface != "" {
		live = startLive(ctx, o.iface, st, l.Addr().String(), out)
		out.Println("抓包 packet capture on " + o.iface)
	}
	if o.ready != nil {
		o.ready(l.Addr().String())
	}

	var tick <-chan time.Time
	if o.summaryEvery > 0 {
		t := time.NewTicker(o.summaryEvery)
		defer t.Stop()
		tick = t.C
	}
	var runErr error
loop:
	for {
		select {
		case <-ctx.Done():
			break loop
		case err := <-serveErr:
			runErr = err
			break loop
		case <-tick:
			out.Println(stats.line())
		}
	}
	out.Println("停止中 stopping: recording the exchanges in progress…")
	if err := px.Close(); err != nil && runErr == nil {
		runErr = err
	}
	if live != nil {
		cancel()
		live.wait(3 * time.Second)
		out.Println(fmt.Sprintf("抓包 packets: %d DNS answers, %d connections, %d plain-HTTP flows", live.stats.dns, live.stats.conns, live.stats.flows))
	}
	storeClosed = true
	if err := st.Close(); err != nil && runErr == nil {
		runErr = fmt.Errorf("closing the session store: %w", err)
	}
	out.Println(stats.line())
	return runErr
}

// keyMarkers maps single keys to marker kinds.
var keyMarkers = map[byte]evidence.MarkerKind{
	's': evidence.MarkAppStart, 'c': evidence.MarkConsent, 'r': evidence.MarkRefuse,
	'b': evidence.MarkBackground, 'f': evidence.MarkForeground, 'w': evidence.MarkWithdraw,
}

// keyLoop reads single keys from a raw terminal.
func keyLoop(ctx context.Context, stop func(), in io.Reader, out *printer, mark func(evidence.Marker) (int64, error)) {
	buf := make([]byte, 1)
	for ctx.Err() == nil {
		n, err := in.Read(buf)
		if err != nil || n == 0 {
			return
		}
		k := buf[0]
		switch {
		case k == 3 || k == 'q' || k == 4: // Ctrl-C, q, Ctrl-D
			stop()
			return
		case k == 'n':
			out.Println("备注 note (Enter 结束, Esc 取消): ")
			text, ok := readLine(in, out)
			if ok && strings.TrimSpace(text) != "" {
				if _, err := mark(evidence.Marker{Time: time.Now(), Kind: evidence.MarkNote, Arg: text}); err != nil {
					out.Println("标记失败 marker failed: " + err.Error())
				}
			}
		default:
			if kind, ok := keyMarkers[k]; ok {
				if _, err := mark(evidence.Marker{Time: time.Now(), Kind: kind}); err != nil {
					out.Println("标记失败 marker failed: " + err.Error())
				}
			}
		}
	}
}

// readLine reads a line in raw mode with echo and backspace; ok is false on Esc.
func readLine(in io.Reader, out *printer) (string, bool) {
	var line []byte
	b := make([]byte, 1)
	for {
		if n, err := in.Read(b); err != nil || n == 0 {
			return string(line), false
		}
		switch c := b[0]; c {
		case '\r', '\n':
			out.Write([]byte("\n"))
			return string(line), true
		case 27, 3:
			out.Write([]byte("\n"))
			return "", false
		case 127, 8:
			if len(line) > 0 {
				_, size := utf8.DecodeLastRune(line)
				line = line[:len(line)-size]
				out.Write([]byte("\b \b"))
			}
		default:
			line = append(line, c)
			out.Write([]byte{c})
		}
	}
}
