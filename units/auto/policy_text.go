package auto

// Evaluators of the steps that read the privacy policy's text. They answer
// by 文档审查 (document review): a tester's 功能验证 answer to the same step
// is trusted more and overrides them. They say 肯定 only when the text
// states what the step asks, with the quote as evidence.

import (
	"fmt"
	"strings"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

func init() {
	register(Evaluator{Key: "policy.content_5_5a", Unit: "PIC-27", Step: 1, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy text has every content element of GB/T 35273—2020 5.5 a) (operator and contact, functions and PI types, storage and retention, sharing and SDKs, rights, security measures, complaint channel) → 肯定; any element missing → 否定, naming it.", Eval: policyContent})
	register(Evaluator{Key: "policy.simplified_chinese", Unit: "PIC-29", Step: 1, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy text is Chinese → 肯定; not Chinese → 否定 (simplified vs traditional script is confirmed by the tester).", Eval: policyCheckStep("simplified_chinese", "个人信息保护政策为中文文本")})
	register(Evaluator{Key: "policy.right_access", Unit: "RPI-01", Step: 1, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy gives a concrete way to query one's PI → 肯定; it does not mention the right → 否定; mentioned without a way → 未知.", Eval: policyRight("access", true)})
	register(Evaluator{Key: "policy.sharing_rules", Unit: "RPI-03", Step: 1, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy states sharing/transfer/disclosure rules and lists the third parties (SDK list) → 肯定; no sharing rules → 否定.", Eval: policySharing})
	register(Evaluator{Key: "policy.right_correct", Unit: "RPI-04", Step: 1, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy gives a concrete way to correct one's PI → 肯定; otherwise 未知 (the step also accepts the app's UI).", Eval: policyRight("correct", false)})
	register(Evaluator{Key: "policy.right_delete", Unit: "RPI-05", Step: 2, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy does not mention deleting one's PI → 否定; otherwise 未知 (the prompt-response commitment is checked by the tester).", Eval: policyRightAbsent("delete")})
	register(Evaluator{Key: "policy.right_withdraw", Unit: "RPI-08", Step: 1, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy tells how to withdraw consent → 肯定; otherwise 未知 (the step also accepts the app's UI).", Eval: policyRight("withdraw", false)})
	register(Evaluator{Key: "policy.right_close_account", Unit: "RPI-11", Step: 1, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy tells how to close the account (注销) → 肯定; otherwise 未知 (the step also accepts the app's UI).", Eval: policyRight("close_account", false)})
	register(Evaluator{Key: "policy.complaint_channel", Unit: "RPI-23", Step: 3, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy gives a complaint channel → 肯定; none → 否定.", Eval: policyCheckStep("complaint_channel", "个人信息保护政策提供了投诉途径")})
	register(Evaluator{Key: "policy.complaint_channel", Unit: "RPI-24", Step: 3, Method: units.DocumentReview, Coverage: "partial",
		Doc: "The policy gives a complaint channel → 肯定; otherwise 未知 (the step also accepts the app's UI).", Eval: policyCheckPositive("complaint_channel", "个人信息保护政策提供了投诉渠道")})
}

func noPolicy() Outcome {
	return unknown("未分析隐私政策（ceping policy 或 ceping run --policy）")
}

func policyRef(p *Policy, where, label string) evidence.Ref {
	id := p.Source
	if where != "" {
		id += " " + where
	}
	return evidence.Ref{Kind: evidence.RefPolicy, ID: id, Label: clipQuote(label)}
}

func clipQuote(s string) string {
	r := []rune(strings.TrimSpace(s))
	if len(r) > 80 {
		return string(r[:79]) + "…"
	}
	return string(r)
}

// the 5.5 a) elements and the checks that carry them.
var content55a = []struct{ id, name string }{
	{"operator", "运营者基本情况"}, {"contact", "联系方式"}, {"functions", "业务功能及收集的个人信息类型"},
	{"storage_location", "存储地点"}, {"retention", "存储期限"}, {"cross_border", "出境情况"},
	{"sharing", "对外共享、转让、公开披露规则"}, {"right_access", "查询/访问"}, {"right_correct", "更正"},
	{"right_delete", "删除"}, {"right_close_account", "注销账户"}, {"right_withdraw", "撤回同意"},
	{"security_measures", "安全保护措施"}, {"complaint_channel", "投诉渠道"},
}

func policyContent(f *Facts) Outcome {
	p := f.Policy
	if p == nil || len(p.Checks) == 0 {
		return noPolicy()
	}
	var missing, unsure []string
	var refs []evidence.Ref
	for _, c := range content55a {
		ch := p.check(c.id)
		switch {
		case ch == nil || ch.Result == "unknown":
			unsure = append(unsure, c.name)
		case ch.Result == "fail":
			missing = append(missing, c.name)
			refs = append(refs, policyRef(p, ch.Where, ch.Detail))
		}
	}
	if len(missing) > 0 {
		return no("个人信息保护政策缺少 GB/T 35273—2020 5.5 a) 要求的内容："+strings.Join(missing, "、"), refs...)
	}
	if len(unsure) > 0 {
		return unknown("以下内容未能从文本判断，需测评人员查看：" + strings.Join(unsure, "、"))
	}
	return yes(fmt.Sprintf("个人信息保护政策包含 5.5 a) 要求的 %d 项内容（文本分析，测评人员可复核）", len(content55a)), policyRef(p, "", p.Source))
}

func policyCheckStep(id, okText string) func(*Facts) Outcome {
	return func(f *Facts) Outcome {
		p := f.Policy
		if p == nil || len(p.Checks) == 0 {
			return noPolicy()
		}
		ch := p.check(id)
		if ch == nil || ch.Result == "unknown" {
			return unknown("未能从隐私政策文本判断：" + id)
		}
		ref := policyRef(p, ch.Where, firstNonEmpty(ch.Quote, ch.Detail))
		if ch.Result == "pass" {
			return yes(okText+"："+ch.Detail, ref)
		}
		return no(ch.Title+"："+ch.Detail, ref)
	}
}

func policyCheckPositive(id, okText string) func(*Facts) Outcome {
	inner := policyCheckStep(id, okText)
	return func(f *Facts) Outcome {
		o := inner(f)
		if o.Value == units.No {
			o.Value = units.Unknown
			o.Reason += "（本步骤亦可由功能界面满足，需测评人员查看）"
		}
		return o
	}
}

func policyRight(key string, absentFails bool) func(*Facts) Outcome {
	return func(f *Facts) Outcome {
		p := f.Policy
		if p == nil || len(p.Checks) == 0 {
			return noPolicy()
		}
		r := p.right(key)
		switch {
		case r != nil && r.How != "":
			return yes(fmt.Sprintf("隐私政策说明了%s的途径：%s", r.Name, r.How), policyRef(p, r.Where, r.Quote))
		case r != nil:
			return unknown(fmt.Sprintf("隐私政策提到%s，但未给出具体途径", r.Name), policyRef(p, r.Where, r.Quote))
		case absentFails:
			return no("隐私政策未说明该项权利及其行使方式（"+rightName(key)+"）", policyRef(p, "", p.Source))
		default:
			return unknown("隐私政策未说明" + rightName(key) + "的途径；需在功能界面中查看")
		}
	}
}

func policyRightAbsent(key string) func(*Facts) Outcome {
	return func(f *Facts) Outcome {
		p := f.Policy
		if p == nil || len(p.Checks) == 0 {
			return noPolicy()
		}
		if r := p.right(key); r != nil {
			return unknown(fmt.Sprintf("隐私政策说明了%s途径（%s）；其余要求需测评人员查看", r.Name, firstNonEmpty(r.How, "未给出具体途径")), policyRef(p, r.Where, r.Quote))
		}
		return no("隐私政策未提供"+rightName(key)+"个人信息的途径", policyRef(p, "", p.Source))
	}
}

func policySharing(f *Facts) Outcome {
	p := f.Policy
	if p == nil || len(p.Checks) == 0 {
		return noPolicy()
	}
	sh := p.check("sharing")
	if sh == nil || sh.Result == "unknown" {
		return unknown("未能从隐私政策文本判断对外共享规则")
	}
	if sh.Result == "fail" {
		return no("隐私政策未明示对外共享、转让、公开披露的规则："+sh.Detail, policyRef(p, sh.Where, sh.Detail))
	}
	if sdk := p.check("sdk_list"); sdk != nil && sdk.Result == "pass" {
		return yes("隐私政策明示了共享规则，并列出第三方："+sdk.Detail, policyRef(p, sh.Where, firstNonEmpty(sh.Quote, sh.Detail)))
	}
	return unknown("隐私政策有共享规则，但未列出可能获得个人信息的第三方身份或类型", policyRef(p, sh.Where, firstNonEmpty(sh.Quote, sh.Detail)))
}

var rightNames = map[string]string{"access": "查询", "correct": "更正", "delete": "删除", "close_account": "注销账户", "withdraw": "撤回同意", "copy": "获取副本"}

func rightName(k string) string {
	if n, ok := rightNames[k]; ok {
		return n
	}
	return k
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
