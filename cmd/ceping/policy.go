package main

import (
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/kb"
	"github.com/ceping/ceping/probes/policy"
	"github.com/ceping/ceping/session"
)

var (
	policyJSON        bool
	policySession     string
	policyURLContains string
)

var policyCmd = &cobra.Command{
	Use:   "policy [FILE]",
	Short: "隐私政策分析 — analyse a privacy policy (HTML or text, UTF-8 or GB18030)",
	Long: `ceping policy 读取 App 的隐私政策（HTML 或文本，UTF-8 或 GB18030/GBK），
提取运营者与联系方式、更新日期、各业务功能收集的个人信息类型与目的、系统权限、
第三方 SDK 清单、存储地域与期限、出境情况、用户权利及其实现方式、投诉渠道，
并按 GB/T 35273—2020 5.5 a)、附录 D 和自评估指南检查必备内容。
分析是启发式的文本分析：每项结论都给出原文与行号，由测评人员确认。

Analyse a privacy policy file and print tables (or --json). With --session
the policy is taken from a captured flow (a response whose URL contains
--url-contains) unless FILE is given, and the result is stored in the session.`,
	Args: cobra.MaximumNArgs(1),
	RunE: runPolicy,
}

func init() {
	policyCmd.Flags().BoolVar(&policyJSON, "json", false, "print the analysis as JSON")
	policyCmd.Flags().StringVar(&policySession, "session", "", "session directory: take the policy from its captured flows and store the analysis there")
	policyCmd.Flags().StringVar(&policyURLContains, "url-contains", "privacy", "with --session: pick the response whose URL contains this text")
	rootCmd.AddCommand(policyCmd)
}

func runPolicy(cmd *cobra.Command, args []string) error {
	var p *policy.Policy
	switch {
	case len(args) == 1:
		data, err := os.ReadFile(args[0])
		if err != nil {
			return err
		}
		p, err = policy.Parse(data, args[0])
		if err != nil {
			return err
		}
	case policySession != "":
		var err error
		p, err = policyFromSession(policySession, policyURLContains)
		if err != nil {
			return err
		}
	default:
		return &exitError{code: 2, msg: "policy: give a FILE or --session DIR"}
	}
	for _, w := range p.Warnings {
		log.Warnf("%s: %s", p.Source, w)
	}
	if policySession != "" {
		if err := storePolicy(policySession, p); err != nil {
			return err
		}
		log.Infof("stored the policy analysis in %s", policySession)
	}
	out := cmd.OutOrStdout()
	if policyJSON {
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		return enc.Encode(p)
	}
	return writePolicyTables(out, p)
}

var resultNames = map[string]string{policy.Pass: "符合", policy.Fail: "不符合", policy.Unknown: "待确认"}

func piNames(types []string) string {
	var out []string
	for _, t := range types {
		if n, ok := kb.PITypeNames[t]; ok {
			out = append(out, n+" "+t)
		} else {
			out = append(out, t)
		}
	}
	return strings.Join(out, "\n")
}

func factText(f *policy.Fact) string {
	if f == nil {
		return "（未找到）"
	}
	return fmt.Sprintf("%s（第 %d 行）", f.Value, f.Line)
}

func writePolicyTables(w io.Writer, p *policy.Policy) error {
	fmt.Fprintf(w, "隐私政策：%s（%s，%s，%d 字）\n", p.Source, p.Format, p.Charset, p.Chars)
	if p.Title != "" {
		fmt.Fprintf(w, "标题：%s\n", p.Title)
	}
	fmt.Fprintf(w, "运营者：%s\n", factText(p.Operator))
	if p.Contact.Address != nil {
		fmt.Fprintf(w, "地址：%s\n", factText(p.Contact.Address))
	}
	var contact []string
	for _, e := range p.Contact.Emails {
		contact = append(contact, e.Value)
	}
	for _, e := range p.Contact.Phones {
		contact = append(contact, e.Value)
	}
	if len(contact) > 0 {
		fmt.Fprintf(w, "联系方式：%s\n", strings.Join(contact, "、"))
	}
	fmt.Fprintf(w, "更新日期：%s  生效日期：%s\n", factText(p.Updated), factText(p.Effective))
	cross := map[string]string{policy.CrossBorderNo: "声明不出境", policy.CrossBorderTransfer: "声明出境", policy.CrossBorderNotStated: "未说明"}[p.CrossBorder]
	fmt.Fprintf(w, "存储地域：%s  出境：%s\n\n", factText(p.Storage), cross)

	fmt.Fprintln(w, "业务功能 × 个人信息类型")
	t := newTable(w)
	t.Header("业务功能", "类别", "个人信息类型", "目的", "行")
	for _, f := range p.Functions {
		kind := map[string]string{"basic": "基本", "extended": "扩展"}[f.Kind]
		vague := ""
		if f.Vague {
			vague = "\n（含“等/例如”）"
		}
		if err := t.Append(f.Name, kind, piNames(f.PITypes)+vague, strings.Join(f.Purposes, "\n"), fmt.Sprint(f.Line)); err != nil {
			return err
		}
	}
	if len(p.Unattributed) > 0 {
		if err := t.Append("（未对应业务功能）", "", piNames(p.Unattributed), "", ""); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	if len(p.Permissions) > 0 {
		var short []string
		for _, x := range p.Permissions {
			short = append(short, strings.TrimPrefix(x, "android.permission."))
		}
		fmt.Fprintf(w, "系统权限：%s\n", strings.Join(short, "、"))
	}

	fmt.Fprintln(w, "\n第三方 SDK")
	t = newTable(w)
	t.Header("名称", "提供方", "kb", "目的", "个人信息类型", "行")
	for _, s := range p.SDKs {
		if err := t.Append(s.Name, s.Company, s.ID, s.Purpose, piNames(s.PITypes), fmt.Sprint(s.Line)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n用户权利")
	t = newTable(w)
	t.Header("权利", "途径", "行")
	for _, rn := range policy.RightNames {
		r := p.Right(rn.Key)
		switch {
		case r == nil:
			if err := t.Append(rn.Name, "（未说明）", ""); err != nil {
				return err
			}
		default:
			how := r.How
			if how == "" {
				how = "（未说明方法）"
			}
			if err := t.Append(rn.Name, how, fmt.Sprint(r.Line)); err != nil {
				return err
			}
		}
	}
	if err := t.Render(); err != nil {
		return err
	}

	fmt.Fprintln(w, "\n必备内容检查（启发式，需测评人员确认）")
	t = newTable(w)
	t.Header("检查项", "结果", "说明", "依据", "行")
	counts := map[string]int{}
	for _, c := range p.Checks {
		counts[c.Result]++
		line := ""
		if c.Quote != nil {
			line = fmt.Sprint(c.Quote.Line)
		}
		if err := t.Append(c.Title, resultNames[c.Result], wrapWidth(c.Detail, 56), wrapWidth(c.Basis, 40), line); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}
	fmt.Fprintf(w, "符合 %d，不符合 %d，待确认 %d\n", counts[policy.Pass], counts[policy.Fail], counts[policy.Unknown])
	return nil
}

// wrapWidth breaks s into lines of at most n terminal columns (CJK
// characters take two), after each "；".
func wrapWidth(s string, n int) string {
	var lines []string
	for _, part := range strings.Split(s, "；") {
		line, w := []rune{}, 0
		for _, r := range part {
			rw := 1
			if r >= 0x1100 && (r <= 0x115f || (r >= 0x2e80 && r <= 0xa4cf) || (r >= 0xac00 && r <= 0xd7a3) || (r >= 0xf900 && r <= 0xfaff) || (r >= 0xfe30 && r <= 0xfe4f) || (r >= 0xff00 && r <= 0xff60) || (r >= 0xffe0 && r <= 0xffe6) || r >= 0x20000) {
				rw = 2
			}
			if w+rw > n {
				lines = append(lines, string(line))
				line, w = nil, 0
			}
			line, w = append(line, r), w+rw
		}
		lines = append(lines, string(line))
	}
	return strings.Join(lines, "\n")
}

// policyFromSession picks the privacy policy among a session's captured
// responses: a successful text response whose URL contains urlContains; of
// several, the largest that parses.
func policyFromSession(dir, urlContains string) (*policy.Policy, error) {
	st, err := session.Open(dir)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	type cand struct {
		name string
		body []byte
	}
	var cands []cand
	flows := 0
	needle := strings.ToLower(urlContains)
	err = st.ForEachFlow(true, func(f *evidence.Flow) error {
		flows++
		if f.Status < 200 || f.Status >= 300 || !strings.Contains(strings.ToLower(f.URL), needle) {
			return nil
		}
		body := f.RespBody.Bytes()
		if len(body) == 0 {
			return nil
		}
		ct := ""
		for _, h := range f.RespHeaders {
			if strings.EqualFold(h.Name, "Content-Type") {
				ct = strings.ToLower(h.Value)
			}
		}
		if ct != "" && !strings.Contains(ct, "html") && !strings.Contains(ct, "text") {
			return nil
		}
		cands = append(cands, cand{fmt.Sprintf("%s flow %d %s", dir, f.ID, urlWithoutQuery(f.URL)), body})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(cands) == 0 {
		return nil, fmt.Errorf("policy --session %s: none of the %d captured flows is a successful text/HTML response whose URL contains %q; use --url-contains or pass the policy as FILE", dir, flows, urlContains)
	}
	sort.SliceStable(cands, func(i, j int) bool { return len(cands[i].body) > len(cands[j].body) })
	var firstErr error
	for _, c := range cands {
		p, err := policy.Parse(c.body, c.name)
		if err == nil {
			log.Infof("policy from %s (%d candidate responses)", c.name, len(cands))
			return p, nil
		}
		if firstErr == nil {
			firstErr = err
		}
	}
	return nil, firstErr
}

// urlWithoutQuery drops the query and fragment, which may carry PI.
func urlWithoutQuery(u string) string {
	if i := strings.IndexAny(u, "?#"); i >= 0 {
		return u[:i]
	}
	return u
}

// storePolicy keeps the analysis in the session under "policy".
func storePolicy(dir string, p *policy.Policy) error {
	st, err := session.Open(dir)
	if err != nil {
		return err
	}
	if err := st.PutJSON("policy", p); err != nil {
		st.Close()
		return err
	}
	return st.Close()
}
