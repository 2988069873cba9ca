package main

import (
	"archive/zip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
	"github.com/ceping/ceping/probes/apk"
	"github.com/ceping/ceping/probes/ipa"
	"github.com/ceping/ceping/session"
)

var apkFlags struct {
	json    bool
	session string
	noCode  bool
}

var apkCmd = &cobra.Command{
	Use:   "apk FILE",
	Short: "Static analysis of an app package (APK, IPA) / 安装包静态分析",
	Long: `Analyse an APK (or a bare binary AndroidManifest.xml, or an iOS IPA) without running it:
package, versions, SDK levels, permissions (个人信息 / 敏感权限), components and
whether they are exported, self-start entries (自启动), network security,
DEX code calling privacy-sensitive APIs (attributed to the app or a
third-party SDK / 第三方 SDK), endpoints, packers (加固) and signatures.
For an IPA: bundle id, versions, MinimumOSVersion, the NS…UsageDescription
purpose strings (→ PI types), App Transport Security exceptions and embedded
frameworks (→ SDKs).
Nothing is extracted to disk. The JSON form is documented in docs/apk.md.`,
	Args: cobra.ExactArgs(1),
	RunE: func(cmd *cobra.Command, args []string) error {
		start := time.Now()
		app, err := analyzePackage(args[0])
		if err != nil {
			return err
		}
		log.WithField("took", time.Since(start).Round(time.Millisecond)).
			WithField("sensitive_calls", len(app.SensitiveCalls)).Debug("apk analysed")
		if apkFlags.session != "" {
			if err := storeApp(apkFlags.session, args[0], app); err != nil {
				return err
			}
			log.WithField("session", apkFlags.session).Info("app facts stored in the session")
		}
		if apkFlags.json {
			enc := json.NewEncoder(cmd.OutOrStdout())
			enc.SetIndent("", "  ")
			enc.SetEscapeHTML(false)
			return enc.Encode(app)
		}
		return writeAppTables(cmd.OutOrStdout(), app)
	},
}

func init() {
	apkCmd.Flags().BoolVar(&apkFlags.json, "json", false, "print JSON (schema in docs/apk.md) instead of tables")
	apkCmd.Flags().StringVar(&apkFlags.session, "session", "", "store the facts in this session folder (created when absent)")
	apkCmd.Flags().BoolVar(&apkFlags.noCode, "no-code", false, "skip DEX code (no sensitive calls; faster)")
	rootCmd.AddCommand(apkCmd)
}

func storeApp(dir, file string, app *evidence.App) error {
	var st *session.Store
	var err error
	if _, serr := os.Stat(dir); errors.Is(serr, fs.ErrNotExist) {
		st, err = session.Create(dir, session.Meta{App: app.Package, APK: file, Created: time.Now()})
	} else {
		st, err = session.Open(dir)
	}
	if err != nil {
		return fmt.Errorf("session %s: %w", dir, err)
	}
	if err := st.SetApp(app); err != nil {
		st.Close()
		return fmt.Errorf("session %s: %w", dir, err)
	}
	return st.Close()
}

func apkYesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func writeAppTables(w io.Writer, app *evidence.App) error {
	fmt.Fprintf(w, "安装包 %s\n", app.File)
	t := newTable(w)
	t.Header("项目", "值")
	rows := [][2]string{
		{"应用包名 package", app.Package},
		{"名称 label", app.Label},
		{"版本 version", fmt.Sprintf("%s (%d)", app.VersionName, app.VersionCode)},
		{"SDK min/target/max", fmt.Sprintf("%d / %d / %s", app.MinSDK, app.TargetSDK, apkMaxSDK(app.MaxSDK))},
		{"SHA-256", app.SHA256},
		{"允许明文 cleartext", apkYesNo(app.CleartextAllowed)},
		{"allowBackup", apkYesNo(app.AllowBackup)},
		{"debuggable", apkYesNo(app.Debuggable)},
	}
	if nc := app.NetworkSecurity; nc != nil {
		rows = append(rows, [2]string{"network_security_config", fmt.Sprintf("%s; 信任用户 CA %s; 明文域名 %s; pin %s",
			nc.File, apkYesNo(nc.TrustsUserCAs), strings.Join(nc.CleartextDomains, " "), strings.Join(nc.Pins, " "))})
	}
	if app.Packer != nil {
		rows = append(rows, [2]string{"加固 packer", app.Packer.Name + " (" + strings.Join(app.Packer.Matched, " ") + ")"})
	}
	rows = append(rows, [2]string{"签名 signing", strings.Join(app.Signing.Schemes, ", ")})
	for _, c := range app.Signing.Certificates {
		rows = append(rows, [2]string{"证书 certificate", c.Subject + "  SHA-256 " + c.SHA256})
	}
	for _, r := range rows {
		t.Append(r[0], r[1])
	}
	if err := t.Render(); err != nil {
		return err
	}

	apkSection(w, "权限 permissions", len(app.Permissions))
	if len(app.Permissions) > 0 {
		t = newTable(w)
		t.Header("权限", "敏感", "保护级别", "个人信息")
		for _, p := range app.Permissions {
			t.Append(p.Name, apkYesNo(p.Sensitive), p.Protection, clipRunes(apkPINames(p.PITypes), 50))
		}
		t.Render()
	}

	apkSection(w, "组件 components", len(app.Components))
	if len(app.Components) > 0 {
		t = newTable(w)
		t.Header("类型", "名称", "导出 exported", "权限", "intent-filter")
		for _, c := range app.Components {
			exp := apkYesNo(c.Exported)
			if c.Explicit == nil {
				exp += "（默认）"
			}
			var acts []string
			for _, f := range c.Filters {
				acts = append(acts, f.Actions...)
			}
			t.Append(c.Kind, c.Name, exp, c.Permission, clipRunes(strings.Join(acts, " "), 60))
		}
		t.Render()
	}

	apkSection(w, "自启动 self-start", len(app.SelfStart))
	if len(app.SelfStart) > 0 {
		t = newTable(w)
		t.Header("组件", "类型", "触发")
		for _, s := range app.SelfStart {
			t.Append(s.Component, s.Kind, s.Trigger)
		}
		t.Render()
	}

	apkSection(w, "DEX", len(app.Dex))
	if len(app.Dex) > 0 {
		t = newTable(w)
		t.Header("文件", "类 classes", "方法引用 method refs", "字符串 strings")
		for _, d := range app.Dex {
			t.Append(d.Name, strconv.Itoa(d.Classes), strconv.Itoa(d.MethodRefs), strconv.Itoa(d.Strings))
		}
		t.Render()
	}

	apkSection(w, "第三方 SDK", len(app.SDKs))
	if len(app.SDKs) > 0 {
		t = newTable(w)
		t.Header("SDK", "公司", "类别", "调用敏感接口", "特征")
		for _, s := range app.SDKs {
			t.Append(s.Name+" ("+s.ID+")", s.Company, kb.Categories[s.Category], apkYesNo(s.Active), clipRunes(strings.Join(s.Matched, " "), 60))
		}
		t.Render()
	}

	apkSection(w, "敏感接口调用 sensitive calls", len(app.SensitiveCalls))
	if len(app.SensitiveCalls) > 0 {
		t = newTable(w)
		t.Header("接口", "个人信息", "调用方", "SDK", "DEX")
		for _, c := range app.SensitiveCalls {
			sdk := c.SDK
			if sdk == "" {
				sdk = "（应用自身）"
			}
			t.Append(c.API, apkPINames([]string{c.PIType}), c.Caller+"."+c.Method, sdk, c.Dex)
		}
		t.Render()
	}

	apkSection(w, "地址 endpoints", len(app.Endpoints))
	if len(app.Endpoints) > 0 {
		t = newTable(w)
		t.Header("地址", "位置", "SDK")
		for _, e := range app.Endpoints {
			t.Append(clipRunes(e.Value, 80), e.Where, e.SDK)
		}
		t.Render()
	}
	for _, m := range app.Warnings {
		fmt.Fprintln(w, "注意 warning:", m)
	}
	return nil
}

func apkMaxSDK(n int) string {
	if n == 0 {
		return "-"
	}
	return strconv.Itoa(n)
}

func apkSection(w io.Writer, title string, n int) {
	fmt.Fprintf(w, "\n%s（%d）\n", title, n)
}

func apkPINames(types []string) string {
	var out []string
	for _, t := range types {
		if n, ok := kb.PITypeNames[t]; ok {
			out = append(out, n)
		} else if t != "" {
			out = append(out, t)
		}
	}
	return strings.Join(out, "、")
}

// analyzePackage analyses an APK, a bare manifest or an IPA, by content: an
// IPA is a zip whose app lives under Payload/.
func analyzePackage(path string) (*evidence.App, error) {
	if isIPA(path) {
		return ipa.Analyze(path, ipa.Options{})
	}
	return apk.Analyze(path, apk.Options{NoCode: apkFlags.noCode})
}

func isIPA(path string) bool {
	zr, err := zip.OpenReader(path)
	if err != nil {
		return false
	}
	defer zr.Close()
	for i, f := range zr.File {
		if i > 64 {
			break
		}
		if strings.HasPrefix(f.Name, "Payload/") && strings.Contains(f.Name, ".app/") {
			return true
		}
	}
	return false
}
