package auto

import (
	"testing"

	"github.com/ceping/ceping/units"
)

// demoPolicy is a policy as probes/policy reports it: every 5.5 a) element
// present, all rights with a way to exercise them.
func demoPolicy() *Policy {
	p := &Policy{Source: "policy.html"}
	for _, c := range content55a {
		p.Checks = append(p.Checks, PolicyCheck{ID: c.id, Title: c.name, Result: "pass", Detail: c.name + "：有", Where: "line 3"})
	}
	p.Checks = append(p.Checks, PolicyCheck{ID: "simplified_chinese", Title: "简体中文", Result: "pass", Detail: "正文为中文"},
		PolicyCheck{ID: "sdk_list", Title: "SDK 清单", Result: "pass", Detail: "1 个：友盟统计 SDK"})
	for k, n := range rightNames {
		p.Rights = append(p.Rights, PolicyRight{Key: k, Name: n, How: "设置-隐私", Quote: "您可以在设置-隐私中" + n, Where: "line 9"})
	}
	return p
}

func setCheck(p *Policy, id, result string) {
	for i := range p.Checks {
		if p.Checks[i].ID == id {
			p.Checks[i].Result = result
			p.Checks[i].Detail = "未找到"
		}
	}
}

func dropRight(p *Policy, key string) {
	var keep []PolicyRight
	for _, r := range p.Rights {
		if r.Key != key {
			keep = append(keep, r)
		}
	}
	p.Rights = keep
}

func TestPolicyTextEvaluators(t *testing.T) {
	// No policy: every text evaluator is 未知.
	for _, k := range []struct {
		u string
		s int
	}{{"PIC-27", 1}, {"PIC-29", 1}, {"RPI-01", 1}, {"RPI-03", 1}, {"RPI-04", 1}, {"RPI-05", 2}, {"RPI-08", 1}, {"RPI-11", 1}, {"RPI-23", 3}, {"RPI-24", 3}} {
		want(t, eval(t, k.u, k.s, &Facts{}), units.Unknown, "未分析隐私政策")
	}
	f := &Facts{Policy: demoPolicy()}
	want(t, eval(t, "PIC-27", 1, f), units.Yes, "14 项")
	want(t, eval(t, "PIC-29", 1, f), units.Yes, "中文")
	want(t, eval(t, "RPI-01", 1, f), units.Yes, "设置-隐私")
	want(t, eval(t, "RPI-03", 1, f), units.Yes, "友盟")
	want(t, eval(t, "RPI-04", 1, f), units.Yes, "更正")
	want(t, eval(t, "RPI-05", 2, f), units.Unknown, "删除")
	want(t, eval(t, "RPI-08", 1, f), units.Yes, "撤回同意")
	want(t, eval(t, "RPI-11", 1, f), units.Yes, "注销账户")
	want(t, eval(t, "RPI-23", 3, f), units.Yes, "投诉")
	want(t, eval(t, "RPI-24", 3, f), units.Yes, "投诉")
	if o := eval(t, "RPI-01", 1, f); len(o.Evidence) != 1 || o.Evidence[0].Kind != "policy" || o.Evidence[0].ID != "policy.html line 9" {
		t.Fatalf("evidence %+v", o.Evidence)
	}

	// Missing content.
	f = &Facts{Policy: demoPolicy()}
	setCheck(f.Policy, "sharing", "fail")
	setCheck(f.Policy, "security_measures", "fail")
	setCheck(f.Policy, "complaint_channel", "fail")
	setCheck(f.Policy, "simplified_chinese", "fail")
	want(t, eval(t, "PIC-27", 1, f), units.No, "对外共享、转让、公开披露规则、安全保护措施、投诉渠道")
	want(t, eval(t, "PIC-29", 1, f), units.No, "")
	want(t, eval(t, "RPI-03", 1, f), units.No, "共享")
	want(t, eval(t, "RPI-23", 3, f), units.No, "")
	want(t, eval(t, "RPI-24", 3, f), units.Unknown, "功能界面") // the UI may still offer it
	for _, k := range []string{"access", "correct", "delete", "withdraw", "close_account"} {
		dropRight(f.Policy, k)
	}
	want(t, eval(t, "RPI-01", 1, f), units.No, "查询")
	want(t, eval(t, "RPI-04", 1, f), units.Unknown, "功能界面")
	want(t, eval(t, "RPI-05", 2, f), units.No, "删除")
	want(t, eval(t, "RPI-08", 1, f), units.Unknown, "撤回同意")
	want(t, eval(t, "RPI-11", 1, f), units.Unknown, "注销账户")

	// Undecidable content stays 未知, never 肯定.
	f = &Facts{Policy: demoPolicy()}
	setCheck(f.Policy, "retention", "unknown")
	want(t, eval(t, "PIC-27", 1, f), units.Unknown, "存储期限")
	setCheck(f.Policy, "sdk_list", "fail")
	want(t, eval(t, "RPI-03", 1, f), units.Unknown, "第三方")
	// A right named without a way: 未知.
	f = &Facts{Policy: demoPolicy()}
	for i := range f.Policy.Rights {
		f.Policy.Rights[i].How = ""
	}
	want(t, eval(t, "RPI-01", 1, f), units.Unknown, "未给出具体途径")
}
