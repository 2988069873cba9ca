package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/pi"
	"github.com/ceping/ceping/session"
)

var analyzeOpt struct {
	session string
	device  string
	geoip   string
	json    bool
	reveal  bool
	first   []string
}

var analyzeCmd = &cobra.Command{
	Use:   "analyze --session DIR [--device PROFILE] [--json]",
	Short: "个人信息检测 — find PI in a session's traffic: phases, frequency, cross-border, third parties",
	Long: `检测会话流量中的个人信息：在哪个阶段（同意前、拒绝后、后台、撤回后…）、多频繁、发往谁（第一方或哪家 SDK）、哪个国家或地区。
Finds personal information in a session's flows (proxy, pcap or HAR) with
the device profile's known values and validated patterns, places each finding
in the phase the markers define, counts frequency against appendix D, names
the receiving party and country (HK, MO and TW count as cross-border), and
stores the findings in the session. Values are masked unless --reveal.`,
	Args: cobra.NoArgs,
	RunE: func(cmd *cobra.Command, args []string) error {
		if analyzeOpt.session == "" {
			return fmt.Errorf("analyze: --session DIR is required")
		}
		st, err := session.Open(analyzeOpt.session)
		if err != nil {
			return err
		}
		defer st.Close()
		ev, err := loadSessionEvidence(st)
		if err != nil {
			return err
		}
		device := analyzeOpt.device
		if device == "" {
			if p := filepath.Join(analyzeOpt.session, "device.yaml"); fileExists(p) {
				device = p
			}
		}
		in := pi.Input{Flows: ev.Flows, Markers: ev.Markers, DNS: ev.DNS, Conns: ev.Conns, App: ev.App, Reveal: analyzeOpt.reveal, FirstParty: analyzeOpt.first}
		if device != "" {
			prof, warns, err := pi.LoadProfile(device)
			if err != nil {
				return err
			}
			for _, w := range warns {
				log.Warn(w.String())
			}
			in.Profile = prof
		} else {
			log.Warn("no device profile (--device): only pattern detectors run; write one with `ceping device init`")
		}
		if analyzeOpt.geoip != "" {
			g, err := pi.NewGeo(analyzeOpt.geoip)
			if err != nil {
				return err
			}
			defer g.Close()
			in.Geo = g
		}
		r, err := pi.Analyze(in)
		if err != nil {
			return err
		}
		if err := st.ReplaceFindings(r.Findings); err != nil {
			return err
		}
		if err := st.PutJSON("pi", r); err != nil {
			return err
		}
		if analyzeOpt.json {
			return writeJSON(cmd.OutOrStdout(), r)
		}
		return writeAnalyzeText(cmd.OutOrStdout(), r)
	},
}

func init() {
	f := analyzeCmd.Flags()
	f.StringVar(&analyzeOpt.session, "session", "", "session folder")
	f.StringVar(&analyzeOpt.device, "device", "", "test device profile (YAML); default DIR/device.yaml when present")
	f.StringVar(&analyzeOpt.geoip, "geoip", "", "MaxMind-format country database instead of the embedded data")
	f.BoolVar(&analyzeOpt.json, "json", false, "print the analysis as JSON")
	f.BoolVar(&analyzeOpt.reveal, "reveal", false, "show raw values (lab-internal use only)")
	f.StringArrayVar(&analyzeOpt.first, "first-party", nil, "the app's own domain (repeatable; added to those derived from the package name and its endpoints)")
	rootCmd.AddCommand(analyzeCmd)
}

func writeAnalyzeText(w io.Writer, r *pi.Result) error {
	fmt.Fprintf(w, "扫描 %d 个请求（%d 字节），%.2f s；%s\n", r.Stats.Flows, r.Stats.Bytes, r.Stats.Seconds, r.Geo)
	for _, n := range r.Notes {
		fmt.Fprintf(w, "注意：%s\n", n)
	}
	if len(r.Observations) == 0 {
		fmt.Fprintln(w, "未发现个人信息。")
	} else {
		t := newTable(w)
		t.Header("请求", "时间", "阶段", "个人信息", "值", "编码", "位置", "目的地", "国家/地区", "接收方")
		for _, o := range r.Observations {
			party := o.Party
			if o.SDKName != "" {
				party += "（" + o.SDKName + "）"
			}
			t.Append(strconv.FormatInt(o.FlowID, 10), o.Time.Format("15:04:05.000"), o.Phase, o.PIType, o.Masked, o.Encoding, clipRunes(o.Where, 30), o.Host, o.Country, party)
		}
		t.Render()
	}
	if len(r.CrossBorder) > 0 {
		fmt.Fprintln(w, "\n出境（含港澳台）：")
		t := newTable(w)
		t.Header("主机", "IP", "国家/地区", "个人信息", "请求数", "字节", "首次", "阶段")
		for _, c := range r.CrossBorder {
			t.Append(c.Host, strings.Join(c.IPs, " "), c.Country, strings.Join(c.PITypes, "、"), strconv.Itoa(c.Flows), strconv.FormatInt(c.Bytes, 10), c.First.Format("15:04:05"), strings.Join(c.Phases, "、"))
		}
		t.Render()
	}
	if len(r.Frequency) > 0 {
		fmt.Fprintln(w, "\n频率（附录 D）：")
		t := newTable(w)
		t.Header("个人信息", "目的地", "阶段", "次数", "最短间隔 s", "中位间隔 s", "参考", "超出")
		for _, f := range r.Frequency {
			flag := ""
			if f.Flag {
				flag = "是：" + f.FlagReason
			}
			t.Append(f.PIType, f.Host, f.Phase, strconv.Itoa(f.Count), fmt.Sprintf("%.1f", f.MinInterval), fmt.Sprintf("%.1f", f.MedInterval), f.Reference, flag)
		}
		t.Render()
	}
	if len(r.ThirdParties) > 0 {
		fmt.Fprintln(w, "\n第三方：")
		t := newTable(w)
		t.Header("SDK / 第三方", "公司", "类别", "主机", "个人信息", "请求数", "境外")
		for _, p := range r.ThirdParties {
			ab := ""
			if p.Abroad {
				ab = "是"
			}
			t.Append(p.Name, p.Company, p.Category, strings.Join(p.Hosts, " "), strings.Join(p.PITypes, "、"), strconv.Itoa(p.Flows), ab)
		}
		t.Render()
	}
	if len(r.Opaque) > 0 {
		fmt.Fprintf(w, "\n%d 处内容无法检查（加密或未知压缩）：测评人员需知晓工具未能看到的部分。\n", len(r.Opaque))
	}
	return nil
}
