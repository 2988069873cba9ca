package auto

// Evaluators that establish facts a unit's applicability or judgement rests
// on: that sensitive PI is collected, that PI goes to third parties, that
// feature-bound PI is read outside the feature the user started.

import (
	"fmt"
	"strings"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

func init() {
	register(Evaluator{Key: "pi.sensitive_collected", Unit: "EPI-09", Step: 1, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "Sensitive PI seen in the traffic, or read by the package's code (sensitive API calls) → 肯定; otherwise 未知 (absence cannot be proven).", Eval: sensitiveCollected})
	register(Evaluator{Key: "pi.third_party_any", Unit: "RPI-10", Step: 1, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI sent to a third party (an SDK's or another company's host) → 肯定 (the app shares PI); otherwise 未知.", Eval: thirdPartyAny})
	register(Evaluator{Key: "pi.outside_feature", Unit: "PIC-12", Step: 2, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "With feature markers in the session: feature-bound PI (location, contacts, app list, SMS, call log, camera, microphone, photos) sent after consent outside every feature window → 否定; otherwise 未知.", Eval: outsideFeature})
}

// sensitiveCollected answers EPI-09 step 1 "App 是否收集个人敏感信息".
func sensitiveCollected(f *Facts) Outcome {
	var seen []evidence.Finding
	sensitive := map[string]bool{}
	for _, x := range f.Findings {
		if x.Sensitive {
			seen = append(seen, x)
			sensitive[x.PIType] = true
		}
	}
	if len(seen) > 0 {
		return yes(fmt.Sprintf("抓包中发现个人敏感信息（%s），发往 %s", piTypes(seen), hosts(seen)), flowRefs(seen, 6)...)
	}
	if f.App != nil {
		var calls []string
		var refs []evidence.Ref
		for _, c := range f.App.SensitiveCalls {
			if c.SDK == "" && sensitivePIType[c.PIType] {
				calls = append(calls, c.PIType)
				if len(refs) < 6 {
					refs = append(refs, evidence.Ref{Kind: evidence.RefAPK, ID: c.Caller, Label: c.API})
				}
			}
		}
		if len(calls) > 0 {
			return yes("App 自身代码调用读取个人敏感信息的接口（"+strings.Join(uniq(calls), "、")+"）", refs...)
		}
	}
	if r := needAnalysis(f); r != "" {
		return unknown(r + "；安装包中也未见 App 自身读取个人敏感信息的调用")
	}
	return unknown("抓包中未发现个人敏感信息；是否收集需结合功能验证判断")
}

// sensitivePIType: the PI types GB/T 35273—2020 appendix B counts as
// sensitive, by ceping's type keys (for static calls, which carry no flag).
var sensitivePIType = map[string]bool{
	"id_card": true, "bank_card": true, "location": true, "contacts": true, "call_log": true, "sms": true,
	"face": true, "fingerprint": true, "biometric": true, "health": true, "account_password": true,
}

func thirdPartyAny(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	tp := thirdParty(f, false)
	if len(tp) == 0 {
		return unknown("抓包中未观察到向第三方发送个人信息；服务端共享需另行核查")
	}
	return yes(fmt.Sprintf("App 向第三方（%s）发送个人信息（%s）", hosts(tp), piTypes(tp)), flowRefs(tp, 6)...)
}

// featureBound are PI types a user reads only within a feature (appendix D:
// collected when the user triggers it).
var featureBound = map[string]bool{
	"location": true, "contacts": true, "installed_apps": true, "sms": true, "call_log": true,
	"camera": true, "microphone": true, "photos": true,
}

func outsideFeature(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	features := 0
	for _, m := range f.Markers {
		if m.Kind == evidence.MarkFeatureStart {
			features++
		}
	}
	if features == 0 {
		return unknown("会话中没有功能开始/结束标记（feature-start/feature-stop），无法判断是否在用户开启功能后才收集")
	}
	var out []evidence.Finding
	for _, x := range f.Findings {
		if x.Phase == PhaseAfterConsent && x.Feature == "" && featureBound[x.PIType] {
			out = append(out, x)
		}
	}
	if len(out) > 0 {
		return no(fmt.Sprintf("未开启相应业务功能时，App 即向 %s 发送 %s", hosts(out), piTypes(out)), flowRefs(out, 6)...)
	}
	return unknown("功能窗口之外未发现与功能相关的个人信息；其他个人信息与权限需结合功能验证判断")
}

func uniq(s []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, x := range s {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
