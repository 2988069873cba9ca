package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/mattn/go-runewidth"
	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"

	"github.com/ceping/ceping/units"
)

// termWidth is the widest line the terminal format writes (in columns).
const termWidth = 100

// cell cleans input for a terminal cell and clips it to w columns.
func cell(s string, w int) string {
	s = strings.TrimSpace(clean(s, false))
	if runewidth.StringWidth(s) > w {
		s = runewidth.Truncate(s, w, "…")
	}
	return s
}

// termMaxLines caps how many terminal lines one wrapped value may take.
const termMaxLines = 6

// line writes label and value, cleaned and wrapped at the terminal width;
// continuation lines are indented, and a value longer than termMaxLines
// lines is cut with "…".
func line(w io.Writer, label, value string) {
	text := label + strings.TrimSpace(clean(value, false))
	for n := 0; ; n++ {
		if runewidth.StringWidth(text) <= termWidth {
			fmt.Fprintln(w, text)
			return
		}
		if n == termMaxLines-1 {
			fmt.Fprintln(w, runewidth.Truncate(text, termWidth, "…"))
			return
		}
		head := runewidth.Truncate(text, termWidth, "")
		if i := strings.LastIndexByte(head, ' '); i > len(head)/2 {
			head = head[:i+1] // break at a space when one is near the end
		}
		fmt.Fprintln(w, strings.TrimRight(head, " "))
		text = "    " + text[len(head):]
	}
}

func termTable(w io.Writer) *tablewriter.Table {
	return tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithTrimSpace(tw.Off),
	)
}

func encodeTerminal(w io.Writer, r *Report) error {
	v := newView(r)
	m := r.Meta
	s := r.Judgement.Summary
	fmt.Fprintln(w, "App 个人信息安全测评报告")
	fmt.Fprintln(w, strings.Repeat("=", 24))
	sub := m.Subject
	line(w, "被测对象：", strings.TrimSpace(orDash(sub.Name)+" "+sub.Version))
	line(w, "  平台/包名：", orDash(sub.Platform)+" / "+orDash(sub.Package))
	line(w, "  运营者：", orDash(sub.Operator))
	line(w, "测评机构：", orDash(m.Org))
	line(w, "测评人员：", orDash(strings.Join(m.Testers, "、")))
	env := m.Environment
	fmt.Fprintln(w, "测评环境：")
	line(w, "  测评地点：", orDash(env.Place))
	line(w, "  测评时间：", fmtTime(env.Start)+" 至 "+fmtTime(env.End))
	line(w, "  设备/系统：", orDash(env.Device)+" / "+orDash(env.OS))
	line(w, "  测评工具：", orDash(toolList(env.Tools)))
	line(w, "测评范围：", orDash(m.Scope))
	fmt.Fprintln(w)
	fmt.Fprintln(w, "总体结论")
	fmt.Fprintln(w, strings.Repeat("-", 8))
	line(w, "  测评项（应）：", counts(s.Items))
	line(w, "  测评单元（应）：", counts(s.Units))
	line(w, "  测评单元（宜，不计入）：", counts(s.Advisory))
	line(w, "  符合率：", rateText(s)+"（"+strconv.Itoa(s.PassedItems)+"/"+strconv.Itoa(s.Applicable)+"）")
	line(w, "  结论：", appVerdictText(s.Verdict))
	fmt.Fprintln(w)

	fmt.Fprintln(w, "测评项符合情况")
	t := termTable(w)
	t.Header("测评项", "条款", "测评单元", "结论")
	for _, iv := range v.Mandatory {
		ids := make([]string, len(iv.Units))
		for i, u := range iv.Units {
			ids[i] = u.ID
		}
		if err := t.Append(cell(iv.Item.Number, 12), cell(iv.Item.Clause, 14), cell(strings.Join(ids, " "), 40), cell(verdictText(iv.Item.Verdict), 8)); err != nil {
			return err
		}
	}
	if err := t.Render(); err != nil {
		return err
	}

	if len(v.Open) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "不符合与待定的测评单元")
		t = termTable(w)
		t.Header("测评单元", "测评项", "结论", "理由")
		for _, u := range v.Open {
			if err := t.Append(cell(u.ID, 10), cell(u.Item, 12), cell(string(u.Verdict), 8), cell(u.Reason, 56)); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}

	var adv []*units.UnitResult
	for _, iv := range v.Advisory {
		for _, u := range iv.Units {
			if u.Verdict == units.Fail || u.Verdict == units.Pending {
				adv = append(adv, u)
			}
		}
	}
	if len(adv) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "宜达到的测评单元（不计入总体结论）中不符合或待定的")
		t = termTable(w)
		t.Header("测评单元", "测评项", "结论", "理由")
		for _, u := range adv {
			if err := t.Append(cell(u.ID, 10), cell(u.Item, 12), cell(string(u.Verdict), 8), cell(u.Reason, 56)); err != nil {
				return err
			}
		}
		if err := t.Render(); err != nil {
			return err
		}
	}

	if e := r.Evidence; !e.empty() {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "证据摘要")
		if n := len(e.PIBeforeConsent); n > 0 {
			line(w, "  同意前收集的个人信息：", strconv.Itoa(n)+" 处")
		}
		if n := len(e.CrossBorder); n > 0 {
			hosts := make([]string, 0, n)
			for _, c := range e.CrossBorder {
				hosts = append(hosts, c.Host+"("+c.Country+")")
			}
			line(w, "  出境：", strings.Join(hosts, "，"))
		}
		if n := len(e.ThirdPartySDKs); n > 0 {
			active := 0
			for _, sdk := range e.ThirdPartySDKs {
				if sdk.Active {
					active++
				}
			}
			line(w, "  第三方 SDK：", fmt.Sprintf("%d 个（活跃 %d 个）", n, active))
		}
		if n := len(e.Permissions); n > 0 {
			sens := 0
			for _, p := range e.Permissions {
				if p.Sensitive {
					sens++
				}
			}
			line(w, "  权限：", fmt.Sprintf("%d 项（敏感 %d 项）", n, sens))
		}
		if n := len(e.Frequency); n > 0 {
			over := 0
			for _, f := range e.Frequency {
				if f.Exceeded {
					over++
				}
			}
			line(w, "  收集频率：", fmt.Sprintf("%d 项（超出 %d 项）", n, over))
		}
		if n := len(e.Opaque); n > 0 {
			line(w, "  无法检查内容的流量：", strconv.Itoa(n)+" 条")
		}
		if t := e.Timeline; t != nil {
			line(w, "  时间线：", fmt.Sprintf("%d 个标记，%d 条流量，%d 处个人信息", len(t.Markers), len(t.Flows), len(t.Findings)))
		}
		if e.GeoCredit != "" {
			line(w, "  ", e.GeoCredit)
		}
	}
	if len(r.Judgement.Problems) > 0 {
		fmt.Fprintln(w)
		fmt.Fprintln(w, "未采用的答案")
		for _, p := range r.Judgement.Problems {
			line(w, "  - ", p)
		}
	}
	fmt.Fprintln(w)
	line(w, "", "ceping "+orDash(m.CepingVersion)+" 生成于 "+fmtTime(m.GeneratedAt))
	return nil
}
