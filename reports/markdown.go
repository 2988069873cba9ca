package reports

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/ceping/ceping/units"
)

var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", `*`, `\*`, `_`, `\_`, `[`, `\[`, `]`, `\]`,
	`|`, `\|`, `~`, `\~`, `#`, `\#`, `!`, `\!`, `$`, `\$`,
	`<`, `&lt;`, `>`, `&gt;`, `&`, `&amp;`,
	"\n", "<br>",
)

// md makes input safe inline Markdown (also inside a table cell): it cleans
// control characters, backslash-escapes Markdown punctuation, writes <, >
// and & as entities, and turns newlines into <br>.
func md(s string) string {
	return mdEscaper.Replace(strings.TrimSpace(clean(s, true)))
}

// mdOr is md with "—" for empty input.
func mdOr(s string) string { return md(orDash(s)) }

func mdRef(kind, id, label string) string {
	text := kind + " " + id
	if label != "" {
		text += "：" + label
	}
	return "[" + md(text) + "](#" + anchor(kind, id) + ")"
}

func mdFlow(id int64) string { return mdRef("flow", strconv.FormatInt(id, 10), "") }

type mdWriter struct {
	w   io.Writer
	err error
}

func (m *mdWriter) p(format string, a ...any) {
	if m.err == nil {
		_, m.err = fmt.Fprintf(m.w, format, a...)
	}
}

func (m *mdWriter) row(cells ...string) {
	m.p("| %s |\n", strings.Join(cells, " | "))
}

func (m *mdWriter) head(cells ...string) {
	m.row(cells...)
	seps := make([]string, len(cells))
	for i := range seps {
		seps[i] = "---"
	}
	m.row(seps...)
}

func encodeMarkdown(w io.Writer, r *Report) error {
	v := newView(r)
	m := &mdWriter{w: w}
	meta := r.Meta
	s := r.Judgement.Summary
	sub := meta.Subject

	m.p("# App 个人信息安全测评报告\n\n")
	m.p("**被测对象**：%s　**结论**：%s\n\n", mdOr(strings.TrimSpace(sub.Name+" "+sub.Version)), md(appVerdictText(s.Verdict)))

	m.p("## 一、被测对象\n\n")
	m.head("项目", "内容")
	m.row("App 名称", mdOr(sub.Name))
	m.row("版本号", mdOr(sub.Version))
	m.row("操作系统平台", mdOr(sub.Platform))
	m.row("包名", mdOr(sub.Package))
	m.row("运营者", mdOr(sub.Operator))

	m.p("\n## 二、测评机构和测评人员\n\n")
	m.head("项目", "内容")
	m.row("测评机构", mdOr(meta.Org))
	m.row("测评人员", mdOr(strings.Join(meta.Testers, "、")))

	env := meta.Environment
	m.p("\n## 三、测评环境\n\n")
	m.head("项目", "内容")
	m.row("测评地点", mdOr(env.Place))
	m.row("测评时间", md(fmtTime(env.Start)+" 至 "+fmtTime(env.End)))
	m.row("设备型号", mdOr(env.Device))
	m.row("操作系统", mdOr(env.OS))
	m.row("测评工具", mdOr(toolList(env.Tools)))

	m.p("\n## 四、总体结论\n\n")
	m.head("项目", "内容")
	m.row("测评范围", mdOr(meta.Scope))
	m.row("测评项（应）", md(counts(s.Items)))
	m.row("测评单元（应）", md(counts(s.Units)))
	m.row("测评单元（宜，不计入）", md(counts(s.Advisory)))
	m.row("符合率", md(rateText(s)+"（"+strconv.Itoa(s.PassedItems)+"/"+strconv.Itoa(s.Applicable)+"）"))
	m.row("结论", "**"+md(appVerdictText(s.Verdict))+"**")

	m.p("\n## 五、测评项符合情况\n\n")
	m.head("测评项", "条款", "类别", "测评单元", "结论")
	for _, iv := range v.Mandatory {
		ids := make([]string, len(iv.Units))
		for i, u := range iv.Units {
			ids[i] = "[" + md(u.ID) + "](#" + anchor("unit", u.ID) + ")"
		}
		m.row(md(iv.Item.Number), mdOr(iv.Item.Clause), md(iv.Item.Category), strings.Join(ids, " "), md(verdictText(iv.Item.Verdict)))
	}
	m.p("\n")
	for _, iv := range v.Mandatory {
		mdItem(m, iv)
	}

	if len(v.Advisory) > 0 {
		m.p("## 六、宜达到的测评单元（不计入总体结论）\n\n")
		for _, iv := range v.Advisory {
			mdItem(m, iv)
		}
	}

	if e := r.Evidence; !e.empty() {
		m.p("## 七、证据\n\n")
		mdEvidence(m, e)
	}
	if len(v.Index) > 0 {
		m.p("## 证据索引\n\n")
		for _, e := range v.Index {
			m.p("- <a id=\"%s\"></a>%s", e.Anchor, md(e.Kind+" "+e.ID))
			if len(e.Labels) > 0 {
				m.p("：%s", md(strings.Join(e.Labels, "；")))
			}
			if len(e.CitedBy) > 0 {
				refs := make([]string, len(e.CitedBy))
				for i, id := range e.CitedBy {
					refs[i] = "[" + md(id) + "](#" + anchor("unit", id) + ")"
				}
				m.p("（引用：%s）", strings.Join(refs, " "))
			}
			m.p("\n")
		}
		m.p("\n")
	}
	if len(r.Judgement.Problems) > 0 {
		m.p("## 未采用的答案\n\n")
		for _, p := range r.Judgement.Problems {
			m.p("- %s\n", md(p))
		}
		m.p("\n")
	}
	m.p("---\n\nceping %s 生成于 %s\n", mdOr(meta.CepingVersion), md(fmtTime(meta.GeneratedAt)))
	return m.err
}

func mdItem(m *mdWriter, iv itemView) {
	it := iv.Item
	m.p("### 测评项 %s", md(it.Number))
	if it.Clause != "" {
		m.p("（GB/T 35273—2020 %s）", md(it.Clause))
	}
	m.p("：%s\n\n", md(verdictText(it.Verdict)))
	if it.SectionTitle != "" {
		m.p("%s\n\n", md(it.SectionTitle))
	}
	for _, u := range iv.Units {
		level := "应"
		if u.Advisory {
			level = "宜"
		}
		m.p("#### <a id=\"%s\"></a>测评单元 %s（%s）：%s\n\n", anchor("unit", u.ID), md(u.ID), level, md(string(u.Verdict)))
		m.p("**指标要求**：%s\n\n", mdOr(u.Requirement))
		m.head("步骤", "内容", "测评方式", "答案", "依据与证据")
		for _, st := range u.Steps {
			m.row(md(st.N), md(st.Text), md(methodList(st.Methods)), md(string(st.Answer)), mdAnswers(st))
		}
		m.p("\n**单元判定**：%s\n\n", mdOr(u.Rule))
		m.p("**理由**：%s\n\n", mdOr(u.Reason))
	}
}

// mdAnswers lists every answer of a step: method, value, whether it counted,
// who gave it, the note, and links to its evidence.
func mdAnswers(st units.StepResult) string {
	as := answers(st)
	if len(as) == 0 {
		return "未作答"
	}
	parts := make([]string, 0, len(as)+1)
	if st.Conflict {
		parts = append(parts, "**⚠ 答案冲突，按采信顺序取用**")
	}
	for _, a := range as {
		var b strings.Builder
		b.WriteString(md(orDash(string(a.Method))))
		b.WriteString("：")
		b.WriteString(md(string(a.Value)))
		if isCounted(st, a) {
			b.WriteString("（采信）")
		} else if len(as) > 1 {
			b.WriteString("（未采信）")
		}
		if a.By != "" {
			b.WriteString("，" + md(a.By))
		}
		if a.Source != "" {
			b.WriteString("，来源 " + md(a.Source))
		}
		if a.Note != "" {
			b.WriteString("：" + md(a.Note))
		}
		for _, ref := range a.Evidence {
			b.WriteString(" " + mdRef(string(ref.Kind), ref.ID, ref.Label))
		}
		parts = append(parts, b.String())
	}
	return strings.Join(parts, "<br>")
}

func mdEvidence(m *mdWriter, e *Evidence) {
	if len(e.PIBeforeConsent) > 0 {
		m.p("### 同意前收集的个人信息\n\n")
		m.head("时间", "个人信息类型", "值（已脱敏）", "主机", "流量", "编码", "位置")
		for _, f := range e.PIBeforeConsent {
			m.row(md(fmtTime(f.Time)), md(f.PIType), md(f.Masked), md(f.Host), mdFlow(f.FlowID), md(f.Encoding), mdOr(f.Where))
		}
		m.p("\n")
	}
	if len(e.CrossBorder) > 0 {
		m.p("### 个人信息出境\n\n")
		m.head("主机", "IP", "国家/地区", "个人信息类型", "流量", "字节数", "首次时间", "阶段")
		for _, c := range e.CrossBorder {
			flows := make([]string, len(c.Flows))
			for i, id := range c.Flows {
				flows[i] = mdFlow(id)
			}
			m.row(md(c.Host), md(strings.Join(c.IPs, ", ")), md(c.Country), md(strings.Join(c.PITypes, "、")), strings.Join(flows, " "), md(fmtBytes(c.Bytes)), md(fmtTime(c.First)), md(phaseText(c.Phase)))
		}
		m.p("\n")
		if e.GeoCredit != "" {
			m.p("%s\n\n", md(e.GeoCredit))
		}
	} else if e.GeoCredit != "" {
		m.p("%s\n\n", md(e.GeoCredit))
	}
	if len(e.ThirdPartySDKs) > 0 {
		m.p("### 第三方 SDK 基本情况（参照附录 A 表 A.4）\n\n")
		m.head("SDK 名称", "SDK 版本", "SDK 提供者名称", "SDK 使用目的", "SDK 收集的个人信息", "收集频率", "对应权限", "存在", "活跃")
		for _, s := range e.ThirdPartySDKs {
			m.row(md(s.Name), mdOr(s.Version), mdOr(s.Provider), mdOr(s.Purpose), mdOr(strings.Join(s.PICollected, "、")), mdOr(s.Frequency), mdOr(strings.Join(s.Permissions, "<br>")), yesNo(s.Present), yesNo(s.Active))
		}
		m.p("\n")
	}
	if len(e.Permissions) > 0 {
		m.p("### 权限\n\n")
		m.head("权限", "个人信息类型", "敏感", "保护级别")
		for _, p := range e.Permissions {
			m.row(md(p.Name), mdOr(strings.Join(p.PITypes, "、")), yesNo(p.Sensitive), mdOr(p.Protection))
		}
		m.p("\n")
	}
	if len(e.Frequency) > 0 {
		m.p("### 收集频率\n\n")
		m.head("个人信息类型", "主机", "阶段", "次数", "最短间隔", "参照", "超出")
		for _, f := range e.Frequency {
			m.row(md(f.PIType), md(f.Host), md(phaseText(f.Phase)), strconv.Itoa(f.Count), md(fmtInterval(f.IntervalSeconds)), mdOr(f.Reference), yesNo(f.Exceeded))
		}
		m.p("\n")
	}
	if len(e.Opaque) > 0 {
		m.p("### 无法检查内容的流量\n\n")
		m.head("流量", "主机", "位置", "大小", "熵", "原因")
		for _, o := range e.Opaque {
			m.row(mdFlow(o.FlowID), md(o.Host), md(o.Where), md(fmtBytes(o.Size)), strconv.FormatFloat(o.Entropy, 'f', 2, 64), mdOr(o.Reason))
		}
		m.p("\n")
	}
	if t := e.Timeline; t != nil {
		m.p("### 时间线\n\n")
		m.p("%s 至 %s：%d 个标记，%d 条流量（其中含个人信息 %d 条），%d 处个人信息。\n\n",
			md(fmtTime(t.Start)), md(fmtTime(t.End)), len(t.Markers), len(t.Flows), piFlows(t), len(t.Findings))
		if len(t.Markers) > 0 {
			m.head("时间", "标记", "说明")
			for _, mk := range t.Markers {
				m.row(md(fmtTime(mk.Time)), md(markerText(mk.Kind)), mdOr(mk.Arg))
			}
			m.p("\n")
		}
	}
}

func piFlows(t *Timeline) int {
	n := 0
	for _, f := range t.Flows {
		if f.PI {
			n++
		}
	}
	return n
}

// markerText names a marker kind in Chinese with its key.
func markerText(k string) string {
	names := map[string]string{
		"app-start": "启动", "consent-shown": "展示隐私政策", "consent": "同意", "refuse": "拒绝",
		"feature-start": "功能开始", "feature-stop": "功能结束", "background": "切到后台",
		"foreground": "回到前台", "withdraw": "撤回同意", "note": "备注",
	}
	if n, ok := names[k]; ok {
		return n + "（" + k + "）"
	}
	return clean(k, false)
}
