package main

// ceping demo: the main job end to end on the bundled example, no phone.
// The fixture APK is analysed; a simulated app drives real HTTPS through
// the real proxy on loopback (hosts resolved to real public IPs, dialled to
// a local server); the tester's markers go through the capture's control
// endpoint; then the privacy policy, the answers file and every evaluator
// meet in the judgement and the report.

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/mitm"
	"github.com/ceping/ceping/probes/apk"
	"github.com/ceping/ceping/session"
)

var demoOpt struct {
	out      string
	fixtures string
	polls    int
	quiet    bool
}

var demoCmd = &cobra.Command{
	Use:   "demo [--out DIR]",
	Short: "演示 — the main job on the bundled example app, no phone needed",
	Long: `在本机回环网络上完整演示一次测评：分析示例安装包，模拟 App 经 ceping 代理发送真实 HTTPS 流量，
测评员标记时间点，结合隐私政策与答卷判定全部测评单元并输出报告。
Runs a whole test on the bundled leaky example app in about 10 s: static
analysis of fixtures/apps/leaky.apk, a simulated app client sending real
HTTPS through the real proxy on loopback (hosts mapped to real public IPs in
mainland China, the US and HK), markers through the capture's control
endpoint, the bundled privacy policy and answers file, and the report in
every format under --out.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		res, files, err := runDemo(cmd.Context(), demoOpt.out, demoOpt.fixtures, demoOpt.polls, cmd.ErrOrStderr())
		if err != nil {
			return err
		}
		w := cmd.OutOrStdout()
		printRunSummary(w, res, files)
		fmt.Fprintf(w, "\n演示完成。打开报告：%s\n", files["html"])
		return nil
	},
}

func init() {
	f := demoCmd.Flags()
	f.StringVar(&demoOpt.out, "out", "demo-out", "output folder (session, CA, report); replaced on each run")
	f.StringVar(&demoOpt.fixtures, "fixtures", "fixtures", "the repository's fixtures folder")
	f.IntVar(&demoOpt.polls, "polls", 4, "location polls, one per second (the planted frequency problem)")
	rootCmd.AddCommand(demoCmd)
}

// runDemo runs the whole demo and returns the judged result.
func runDemo(ctx context.Context, out, fixtures string, polls int, logw io.Writer) (*pipelineResult, map[string]string, error) {
	if ctx == nil {
		ctx = context.Background()
	}
	logf := func(format string, args ...any) { fmt.Fprintf(logw, format+"\n", args...) }
	in := func(parts ...string) string { return filepath.Join(append([]string{fixtures}, parts...)...) }
	apkPath := in("apps", "leaky.apk")
	for _, p := range []string{apkPath, in("demo", "policy.html"), in("demo", "answers.yaml"), in("demo", "meta.yaml"), in("demo", "device.yaml")} {
		if _, err := os.Stat(p); err != nil {
			return nil, nil, fmt.Errorf("demo: %v (run from the repository root, or pass --fixtures)", err)
		}
	}
	dir := filepath.Join(out, "session")
	if err := os.RemoveAll(dir); err != nil {
		return nil, nil, err
	}
	st, err := session.Create(dir, session.Meta{App: "泄露演示", APK: apkPath, Notes: "ceping demo"})
	if err != nil {
		return nil, nil, err
	}
	closed := false
	defer func() {
		if !closed {
			st.Close()
		}
	}()

	// 1. The package.
	logf("1/4 分析安装包 %s", apkPath)
	app, err := apk.Analyze(apkPath, apk.Options{})
	if err != nil {
		return nil, nil, err
	}
	if err := st.SetApp(app); err != nil {
		return nil, nil, err
	}
	logf("    %s %s，targetSdkVersion %d，%d 项权限，%d 个第三方 SDK，%d 处敏感 API 调用",
		app.Package, app.VersionName, app.TargetSDK, len(app.Permissions), len(app.SDKs), len(app.SensitiveCalls))
	dev, err := os.ReadFile(in("demo", "device.yaml"))
	if err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "device.yaml"), dev, 0o644); err != nil {
		return nil, nil, err
	}

	// 2. The local internet and the proxy.
	srv, err := startDemoServer()
	if err != nil {
		return nil, nil, err
	}
	defer srv.Close()
	ca, err := mitm.LoadOrCreateCA(filepath.Join(out, "ca"))
	if err != nil {
		return nil, nil, err
	}
	controlFile := filepath.Join(dir, "control.json")
	px, err := mitm.New(mitm.Config{
		CA: ca,
		Recorder: mitm.RecorderFunc(func(f *evidence.Flow) error {
			_, err := st.AddFlow(f)
			return err
		}),
		OnFlow: func(f *evidence.Flow, err error) {
			if err != nil {
				logf("    记录失败：%v", err)
			}
		},
		Resolve:         demoResolve(),
		ConnectTo:       srv.ConnectTo(),
		UpstreamRootCAs: srv.Roots,
		Marker:          st.AddMarker,
		ControlFile:     controlFile,
	})
	if err != nil {
		return nil, nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, err
	}
	go px.Serve(l)
	proxyClosed := false
	defer func() {
		if !proxyClosed {
			px.Close()
		}
	}()
	logf("2/4 代理 %s（CA：%s）", l.Addr(), ca.Name())

	// 3. The simulated app, with the tester's markers through the control
	// endpoint, as `ceping mark` sends them.
	info, err := mitm.ReadControlFile(controlFile)
	if err != nil {
		return nil, nil, err
	}
	proxyURL := &url.URL{Scheme: "http", Host: l.Addr().String()}
	client := &http.Client{
		Timeout: 20 * time.Second,
		Transport: &http.Transport{
			Proxy:             http.ProxyURL(proxyURL),
			TLSClientConfig:   &tls.Config{RootCAs: ca.CertPool()},
			ForceAttemptHTTP2: true,
		},
	}
	defer client.CloseIdleConnections()
	requests := 0
	script := &demoScript{
		Client: client,
		Polls:  polls,
		Pace:   150 * time.Millisecond,
		Mark: func(k evidence.MarkerKind, arg string) error {
			logf("    标记 %s", k)
			_, err := mitm.PostMark(ctx, info, k, arg)
			return err
		},
		Log: func(format string, args ...any) { requests++; logf(format, args...) },
	}
	logf("3/4 模拟 App 运行（约 %d 秒）", polls+3)
	if err := script.Run(ctx); err != nil {
		return nil, nil, fmt.Errorf("demo app: %w", err)
	}
	if err := waitFlows(st, requests, 5*time.Second); err != nil {
		return nil, nil, err
	}
	proxyClosed = true
	px.Close()
	if err := st.Close(); err != nil {
		return nil, nil, err
	}
	closed = true

	// 4. Judge and report.
	logf("4/4 判定 157 个测评单元并输出报告")
	return runSession(dir, runOptions{
		policy:  in("demo", "policy.html"),
		answers: []string{in("demo", "answers.yaml")},
		meta:    in("demo", "meta.yaml"),
		out:     filepath.Join(out, "report"),
	})
}

// waitFlows waits until the store holds n flows: the proxy records an
// exchange just after the client has read the response.
func waitFlows(st *session.Store, n int, max time.Duration) error {
	deadline := time.Now().Add(max)
	for {
		fs, err := st.Flows(session.FlowQuery{})
		if err != nil {
			return err
		}
		if len(fs) >= n {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("demo: %d of %d requests recorded after %s", len(fs), n, max)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
