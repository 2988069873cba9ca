package auto

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

// Phase names as the PI analysis writes them in evidence.Finding.Phase.
const (
	PhaseBeforeConsent = "before-consent"
	PhaseAfterConsent  = "after-consent"
	PhaseAfterRefusal  = "after-refusal"
	PhaseBackground    = "background"
	PhaseAfterWithdraw = "after-withdrawal"
)

func init() {
	register(Evaluator{Key: "apk.target_sdk_lt_23", Unit: "PIC-08", Step: 1, Method: units.TechnicalTest, Coverage: "full",
		Doc: "targetSdkVersion < 23 in the manifest (Android grants all permissions at install below API 23).", Eval: targetSDK})
	register(Evaluator{Key: "pi.before_consent", Unit: "PIC-12", Step: 1, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI sent before the consent marker → 否定; a complete, inspectable capture of the pre-consent phase with no PI → 肯定.", Eval: collectsOnlyAfterConsent})
	register(Evaluator{Key: "pi.before_consent", Unit: "PIC-20", Step: 4, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "Step worded as a violation: PI sent before the consent marker → 肯定; a complete pre-consent capture with no PI → 否定.", Eval: invert(collectsOnlyAfterConsent)})
	register(Evaluator{Key: "pi.after_refusal", Unit: "PIC-20", Step: 5, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI sent after the refuse marker → 肯定; a refusal window captured with no PI → 否定.", Eval: collectsAfterRefusal})
	register(Evaluator{Key: "pi.frequency", Unit: "PIC-06", Step: 1, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "Collection above the appendix D reference rate or without a user trigger → 否定; otherwise left to the tester (the step also needs the provider's justification).", Eval: frequency})
	register(Evaluator{Key: "pi.collect_without_app_start", Unit: "PIC-13", Step: 2, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "No self-start entry points in the manifest → 否定; self-start receivers plus PI sent before any app-start marker → 肯定.", Eval: selfStart})
	register(Evaluator{Key: "pi.after_feature_stop", Unit: "PIC-15", Step: 1, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI of a feature's types sent after its feature-stop marker → 否定; feature windows captured with nothing after the stop → 肯定.", Eval: afterFeatureStop})
	register(Evaluator{Key: "policy.undeclared_pi", Unit: "PIC-02", Step: 1, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI types observed in traffic that the privacy policy does not declare → 肯定 (undeclared collection).", Eval: undeclaredPI})
	register(Evaluator{Key: "policy.undeclared_permission", Unit: "PIC-05", Step: 2, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI permissions requested in the manifest that the privacy policy does not declare → 否定.", Eval: undeclaredPermission})
	register(Evaluator{Key: "policy.undeclared_pi", Unit: "PIC-28", Step: 2, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI types observed in traffic, or SDKs found, that the policy does not declare → 否定.", Eval: policyMatches})
	register(Evaluator{Key: "pi.cleartext_sensitive", Unit: "PIS-04", Step: 2, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "Sensitive PI sent over cleartext HTTP → 肯定; all sensitive PI observed went over TLS and no cleartext PI flows → 否定 only when the capture was analysed.", Eval: cleartextSensitive})
	register(Evaluator{Key: "pi.third_party", Unit: "EPI-08", Step: 4, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI sent to third parties that the policy does not declare (by SDK) → 否定; all third-party recipients declared → 肯定.", Eval: thirdPartyDeclared})
	register(Evaluator{Key: "pi.third_party_sensitive", Unit: "EPI-09", Step: 2, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "Sensitive PI sent directly to a third party → 肯定.", Eval: thirdPartySensitive})
	register(Evaluator{Key: "sdk.undeclared_collection", Unit: "EPI-36", Step: 3, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "An embedded third-party SDK seen collecting PI (in traffic, or calling sensitive APIs in the package) that the privacy policy does not declare → 否定 (beyond-agreement collection was not cut off); otherwise 未知 (auditing is for the tester to verify).", Eval: sdkUndeclaredCollection})
	register(Evaluator{Key: "pi.cross_border", Unit: "EPI-37", Step: 1, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI sent to a destination outside mainland China (HK, MO and TW count) → 肯定.", Eval: crossBorder})
	register(Evaluator{Key: "pi.cross_border", Unit: "EPI-38", Step: 3, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI sent abroad (incl. HK/MO/TW) → 肯定 (private transfer abroad unless the provider proves otherwise).", Eval: crossBorder})
	register(Evaluator{Key: "pi.after_withdraw", Unit: "RPI-08", Step: 3, Method: units.TechnicalTest, Coverage: "partial",
		Doc: "PI sent after the withdraw marker → 肯定; a captured post-withdrawal window with no PI → 否定.", Eval: afterWithdraw})
}

func invert(fn func(*Facts) Outcome) func(*Facts) Outcome {
	return func(f *Facts) Outcome {
		o := fn(f)
		switch o.Value {
		case units.Yes:
			o.Value = units.No
		case units.No:
			o.Value = units.Yes
		}
		return o
	}
}

func appRef(f *Facts, label string) evidence.Ref {
	id := ""
	if f.App != nil {
		id = f.App.Package
	}
	return evidence.Ref{Kind: evidence.RefManifest, ID: id, Label: label}
}

func flowRefs(fs []evidence.Finding, max int) []evidence.Ref {
	seen := map[int64]bool{}
	var out []evidence.Ref
	for _, x := range fs {
		if seen[x.FlowID] {
			continue
		}
		seen[x.FlowID] = true
		if len(out) < max {
			out = append(out, evidence.Ref{Kind: evidence.RefFlow, ID: strconv.FormatInt(x.FlowID, 10),
				Label: fmt.Sprintf("%s → %s", x.PIType, x.Host)})
		}
	}
	return out
}

func markerRef(m evidence.Marker) evidence.Ref {
	return evidence.Ref{Kind: evidence.RefMarker, ID: strconv.FormatInt(m.ID, 10),
		Label: string(m.Kind) + " " + m.Time.Format("15:04:05")}
}

func firstMarker(f *Facts, k evidence.MarkerKind) (evidence.Marker, bool) {
	for _, m := range sortedMarkers(f) {
		if m.Kind == k {
			return m, true
		}
	}
	return evidence.Marker{}, false
}

func sortedMarkers(f *Facts) []evidence.Marker {
	ms := append([]evidence.Marker(nil), f.Markers...)
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Time.Before(ms[j].Time) })
	return ms
}

func piTypes(fs []evidence.Finding) string {
	set := map[string]bool{}
	for _, x := range fs {
		set[x.PIType] = true
	}
	var ks []string
	for k := range set {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	return strings.Join(ks, "、")
}

func hosts(fs []evidence.Finding) string {
	set := map[string]bool{}
	for _, x := range fs {
		set[x.Host] = true
	}
	var ks []string
	for k := range set {
		ks = append(ks, k)
	}
	sort.Strings(ks)
	if len(ks) > 4 {
		ks = append(ks[:4], fmt.Sprintf("等 %d 个", len(ks)))
	}
	return strings.Join(ks, "、")
}

// needAnalysis returns a reason when the PI evidence is missing.
func needAnalysis(f *Facts) string {
	if !f.Capture {
		return "会话中没有抓包数据"
	}
	if !f.Analysed {
		return "尚未对抓包数据进行个人信息分析（ceping analyze）"
	}
	return ""
}

func findingsIn(f *Facts, phase string) []evidence.Finding {
	var out []evidence.Finding
	for _, x := range f.Findings {
		if x.Phase == phase {
			out = append(out, x)
		}
	}
	return out
}

// flowsBetween counts flows in [from, to) (to zero: open) and whether any of
// them could not be inspected.
func flowsBetween(f *Facts, from, to time.Time) (n int, blind int) {
	opaque := map[int64]bool{}
	for _, o := range f.Opaque {
		opaque[o.FlowID] = true
	}
	for _, fl := range f.Flows {
		if fl.Start.Before(from) || (!to.IsZero() && !fl.Start.Before(to)) {
			continue
		}
		n++
		if fl.NotIntercepted || opaque[fl.ID] {
			blind++
		}
	}
	return
}

func targetSDK(f *Facts) Outcome {
	if f.App == nil {
		return unknown("未分析安装包（ceping apk），无法读取 targetSdkVersion")
	}
	if f.App.Platform == "ios" {
		return no("iOS App 没有 targetSdkVersion，不存在安装时一次性授权的机制", appRef(f, "Info.plist"))
	}
	if f.App.Packer != nil && f.App.TargetSDK == 0 {
		return unknown("安装包已加固，未能读取 targetSdkVersion")
	}
	ref := appRef(f, fmt.Sprintf("targetSdkVersion=%d", f.App.TargetSDK))
	if f.App.TargetSDK < 23 {
		return yes(fmt.Sprintf("AndroidManifest.xml 中 targetSdkVersion 为 %d，小于 23，安装时即授予全部权限", f.App.TargetSDK), ref)
	}
	return no(fmt.Sprintf("AndroidManifest.xml 中 targetSdkVersion 为 %d，不小于 23，运行时申请权限", f.App.TargetSDK), ref)
}

// collectsOnlyAfterConsent answers "App 是否在用户点击同意隐私政策后才开始收集个人信息".
func collectsOnlyAfterConsent(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	consent, ok := firstMarker(f, evidence.MarkConsent)
	if !ok {
		return unknown("时间线上没有“同意”标记（ceping mark consent），无法划分同意前后的阶段")
	}
	before := findingsIn(f, PhaseBeforeConsent)
	if len(before) > 0 {
		refs := append([]evidence.Ref{markerRef(consent)}, flowRefs(before, 8)...)
		return no(fmt.Sprintf("用户同意隐私政策前，App 已向 %s 发送个人信息（%s）", hosts(before), piTypes(before)), refs...)
	}
	start, ok := firstMarker(f, evidence.MarkAppStart)
	if !ok {
		return unknown("同意前未发现个人信息，但时间线上没有“App 启动”标记，无法确认已覆盖同意前的全部阶段", markerRef(consent))
	}
	n, blind := flowsBetween(f, start.Time, consent.Time)
	if blind > 0 {
		return unknown(fmt.Sprintf("同意前有 %d 个流量无法检查（未解密或内容不透明），不能排除同意前收集", blind), markerRef(start), markerRef(consent))
	}
	return yes(fmt.Sprintf("从 App 启动到用户同意期间共 %d 个流量，均未发现个人信息", n), markerRef(start), markerRef(consent))
}

func collectsAfterRefusal(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	refuse, ok := firstMarker(f, evidence.MarkRefuse)
	if !ok {
		return unknown("时间线上没有“拒绝”标记（ceping mark refuse），未测试用户拒绝后的行为")
	}
	after := findingsIn(f, PhaseAfterRefusal)
	if len(after) > 0 {
		refs := append([]evidence.Ref{markerRef(refuse)}, flowRefs(after, 8)...)
		return yes(fmt.Sprintf("用户拒绝后，App 仍向 %s 发送个人信息（%s）", hosts(after), piTypes(after)), refs...)
	}
	end := time.Time{}
	if c, ok := firstAfter(f, evidence.MarkConsent, refuse.Time); ok {
		end = c.Time
	}
	n, blind := flowsBetween(f, refuse.Time, end)
	if blind > 0 {
		return unknown(fmt.Sprintf("拒绝后有 %d 个流量无法检查，不能排除继续收集", blind), markerRef(refuse))
	}
	return no(fmt.Sprintf("用户拒绝后共 %d 个流量，均未发现个人信息", n), markerRef(refuse))
}

func firstAfter(f *Facts, k evidence.MarkerKind, t time.Time) (evidence.Marker, bool) {
	for _, m := range sortedMarkers(f) {
		if m.Kind == k && m.Time.After(t) {
			return m, true
		}
	}
	return evidence.Marker{}, false
}

func frequency(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	var bad []string
	var refs []evidence.Ref
	for _, r := range f.Frequency {
		if !r.Exceeded && !r.NoTrigger {
			continue
		}
		why := "超过附录 D 参考频率（" + r.Reference + "）"
		if r.NoTrigger {
			why = "无用户触发即读取（附录 D：" + r.Reference + "）"
		}
		bad = append(bad, fmt.Sprintf("%s→%s %d 次，中位间隔 %s，%s", r.PIType, r.Host, r.Count, r.Median.Round(time.Second), why))
		for i, id := range r.FlowIDs {
			if i >= 3 {
				break
			}
			refs = append(refs, evidence.Ref{Kind: evidence.RefFlow, ID: strconv.FormatInt(id, 10), Label: r.PIType + " → " + r.Host})
		}
	}
	if len(bad) > 0 {
		return no("自动收集频率高于业务必需："+strings.Join(bad, "；"), refs...)
	}
	return unknown("未发现超过附录 D 参考频率的收集；是否为业务必需的最低频率还需结合 App 提供者的证明材料判断")
}

func selfStartEntries(a *evidence.App) []evidence.SelfStart { return a.SelfStart }

// selfStart answers PIC-13 step 2 "是否存在自启动并在自启动后收集个人信息的行为".
func selfStart(f *Facts) Outcome {
	if f.App == nil {
		return unknown("未分析安装包，无法判断自启动入口")
	}
	entries := selfStartEntries(f.App)
	if len(entries) == 0 {
		if f.App.Packer != nil {
			return unknown("安装包已加固，清单之外的自启动入口无法静态确认")
		}
		return no("AndroidManifest.xml 中没有开机、解锁、安装广播等自启动入口", appRef(f, "无自启动入口"))
	}
	var refs []evidence.Ref
	for i, e := range entries {
		if i < 4 {
			refs = append(refs, appRef(f, e.Component+" ← "+shortAction(e.Trigger)))
		}
	}
	if r := needAnalysis(f); r != "" {
		return unknown(fmt.Sprintf("清单中有 %d 个自启动入口；%s，无法确认自启动后是否收集", len(entries), r), refs...)
	}
	start, hasStart := firstMarker(f, evidence.MarkAppStart)
	var early []evidence.Finding
	for _, x := range f.Findings {
		if !hasStart || x.Time.Before(start.Time) {
			early = append(early, x)
		}
	}
	if hasStart && len(early) > 0 {
		refs = append(refs, markerRef(start))
		refs = append(refs, flowRefs(early, 6)...)
		return yes(fmt.Sprintf("清单中有 %d 个自启动入口，且在用户启动 App 之前已向 %s 发送个人信息（%s）", len(entries), hosts(early), piTypes(early)), refs...)
	}
	if !hasStart {
		return unknown(fmt.Sprintf("清单中有 %d 个自启动入口；时间线上没有“App 启动”标记，无法区分自启动与用户启动", len(entries)), refs...)
	}
	return unknown(fmt.Sprintf("清单中有 %d 个自启动入口，但用户启动 App 前未观察到个人信息发送；需在设备重启等场景下复测", len(entries)), refs...)
}

func shortAction(a string) string {
	if i := strings.LastIndex(a, "."); i >= 0 {
		return a[i+1:]
	}
	return a
}

// afterFeatureStop answers PIC-15 "关闭或退出特定业务功能后，App 是否停止该业务功能的个人信息收集".
func afterFeatureStop(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	type window struct {
		name        string
		start, stop evidence.Marker
	}
	open := map[string]evidence.Marker{}
	var ws []window
	for _, m := range sortedMarkers(f) {
		switch m.Kind {
		case evidence.MarkFeatureStart:
			open[m.Arg] = m
		case evidence.MarkFeatureStop:
			if s, ok := open[m.Arg]; ok {
				ws = append(ws, window{m.Arg, s, m})
				delete(open, m.Arg)
			}
		}
	}
	if len(ws) == 0 {
		return unknown("时间线上没有成对的“功能开启/关闭”标记（ceping mark feature-start/feature-stop NAME）")
	}
	var bad []evidence.Finding
	var refs []evidence.Ref
	for _, w := range ws {
		types := map[string]bool{}
		for _, x := range f.Findings {
			if !x.Time.Before(w.start.Time) && x.Time.Before(w.stop.Time) {
				types[x.PIType] = true
			}
		}
		next, hasNext := firstAfter(f, evidence.MarkFeatureStart, w.stop.Time)
		for _, x := range f.Findings {
			if !types[x.PIType] || !x.Time.After(w.stop.Time) {
				continue
			}
			if hasNext && next.Arg == w.name && !x.Time.Before(next.Time) {
				continue
			}
			bad = append(bad, x)
		}
		if len(bad) > 0 && len(refs) == 0 {
			refs = append(refs, markerRef(w.stop))
		}
	}
	if len(bad) > 0 {
		refs = append(refs, flowRefs(bad, 8)...)
		return no(fmt.Sprintf("功能关闭后，App 仍继续向 %s 发送该功能收集的个人信息（%s）", hosts(bad), piTypes(bad)), refs...)
	}
	return yes(fmt.Sprintf("%d 个功能窗口关闭后，均未再观察到该功能收集的个人信息类型", len(ws)), markerRef(ws[0].stop))
}

func undeclaredObserved(f *Facts) []evidence.Finding {
	if f.Policy == nil {
		return nil
	}
	decl := map[string]bool{}
	for _, t := range f.Policy.PITypes {
		decl[t] = true
	}
	var out []evidence.Finding
	for _, x := range f.Findings {
		if !decl[x.PIType] {
			out = append(out, x)
		}
	}
	return out
}

// undeclaredPI answers PIC-02 "是否存在未说明的收集个人信息的业务功能".
func undeclaredPI(f *Facts) Outcome {
	if f.Policy == nil {
		return unknown("未分析隐私政策（ceping policy），无法比较声明与实际收集")
	}
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	un := undeclaredObserved(f)
	if len(un) > 0 {
		return yes(fmt.Sprintf("实际收集了隐私政策未说明的个人信息：%s（发往 %s）", piTypes(un), hosts(un)), flowRefs(un, 8)...)
	}
	return unknown("抓包中观察到的个人信息类型均已在隐私政策中说明；是否存在未说明的业务功能仍需功能验证")
}

// undeclaredPermission answers PIC-05 step 2 "申请的可收集个人信息的权限是否与业务功能有直接关联" in the fail direction.
func undeclaredPermission(f *Facts) Outcome {
	if f.App == nil {
		return unknown("未分析安装包，无法列出申请的权限")
	}
	if f.Policy == nil {
		return unknown("未分析隐私政策，无法比较申请的权限与声明的权限")
	}
	decl := map[string]bool{}
	for _, p := range f.Policy.Permissions {
		decl[p] = true
	}
	var un []string
	for _, p := range f.App.Permissions {
		if len(p.PITypes) > 0 && p.Sensitive && !decl[p.Name] {
			un = append(un, strings.TrimPrefix(p.Name, "android.permission."))
		}
	}
	if len(un) > 0 {
		return no("App 申请了隐私政策未说明用途的个人信息权限："+strings.Join(un, "、"), appRef(f, "uses-permission"))
	}
	return unknown("申请的个人信息权限均在隐私政策中说明；是否与业务功能直接关联仍需功能验证")
}

// policyMatches answers PIC-28 step 2 "各业务功能收集的个人信息类型是否与个人信息保护政策告知的信息相符".
func policyMatches(f *Facts) Outcome {
	if f.Policy == nil {
		return unknown("未分析隐私政策（ceping policy）")
	}
	var parts []string
	var refs []evidence.Ref
	if f.Analysed {
		if un := undeclaredObserved(f); len(un) > 0 {
			parts = append(parts, "实际收集但未告知的个人信息："+piTypes(un))
			refs = append(refs, flowRefs(un, 6)...)
		}
	}
	if f.App != nil && f.Policy.DeclaresSDK != nil {
		var sdks []string
		for _, s := range f.App.SDKs {
			if !f.Policy.DeclaresSDK(s.ID, s.Name, s.Company) {
				sdks = append(sdks, s.Name)
			}
		}
		if len(sdks) > 0 {
			parts = append(parts, "嵌入但未在隐私政策中列出的第三方 SDK："+strings.Join(sdks, "、"))
			refs = append(refs, appRef(f, "SDK"))
		}
	}
	if len(parts) > 0 {
		return no(strings.Join(parts, "；"), refs...)
	}
	if !f.Analysed {
		return unknown("未进行抓包个人信息分析，无法比较实际收集与隐私政策告知")
	}
	return yes("抓包中观察到的个人信息类型和安装包中的第三方 SDK 均与隐私政策告知相符")
}

// cleartextSensitive answers PIS-04 step 2 "是否以明文形式通过网络传输用户个人敏感信息".
func cleartextSensitive(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	var clear []evidence.Finding
	for _, x := range f.Findings {
		if x.Sensitive && x.Scheme == "http" {
			clear = append(clear, x)
		}
	}
	if len(clear) > 0 {
		return yes(fmt.Sprintf("个人敏感信息（%s）经明文 HTTP 发送至 %s", piTypes(clear), hosts(clear)), flowRefs(clear, 8)...)
	}
	n, blind := flowsBetween(f, time.Time{}, time.Time{})
	if blind > 0 {
		return unknown(fmt.Sprintf("未发现明文传输的个人敏感信息，但 %d/%d 个流量无法检查", blind, n))
	}
	return no(fmt.Sprintf("%d 个流量中未发现以明文 HTTP 传输的个人敏感信息", n))
}

func thirdParty(f *Facts, sensitiveOnly bool) []evidence.Finding {
	var out []evidence.Finding
	for _, x := range f.Findings {
		if x.Party == "third" && (!sensitiveOnly || x.Sensitive) {
			out = append(out, x)
		}
	}
	return out
}

// thirdPartyDeclared answers EPI-08 step 4 "共享给第三方的个人信息和第三方类型是否与隐私政策中说明的一致".
func thirdPartyDeclared(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	tp := thirdParty(f, false)
	if len(tp) == 0 {
		return unknown("抓包中未观察到向第三方发送个人信息")
	}
	if f.Policy == nil {
		return unknown(fmt.Sprintf("App 向第三方（%s）发送个人信息；未分析隐私政策，无法比较", hosts(tp)), flowRefs(tp, 6)...)
	}
	var un []evidence.Finding
	for _, x := range tp {
		declared := f.Policy.DeclaresSDK != nil && (x.SDK != "" || x.Company != "") && f.Policy.DeclaresSDK(x.SDK, x.SDK, x.Company)
		if !declared {
			un = append(un, x)
		}
	}
	if len(un) > 0 {
		return no(fmt.Sprintf("向隐私政策未说明的第三方（%s）共享个人信息（%s）", hosts(un), piTypes(un)), flowRefs(un, 8)...)
	}
	return yes(fmt.Sprintf("向第三方（%s）发送的个人信息均有隐私政策说明", hosts(tp)), flowRefs(tp, 6)...)
}

// thirdPartySensitive answers EPI-09 step 2 "技术检测 App 是否直接向第三方共享个人敏感信息".
func thirdPartySensitive(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	tp := thirdParty(f, true)
	if len(tp) > 0 {
		return yes(fmt.Sprintf("App 直接向第三方（%s）发送个人敏感信息（%s）", hosts(tp), piTypes(tp)), flowRefs(tp, 8)...)
	}
	return unknown("抓包中未观察到直接向第三方发送个人敏感信息；服务端共享需另行核查")
}

// crossBorder answers EPI-37 step 1 / EPI-38 step 3: PI sent abroad.
func crossBorder(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	var abroad []evidence.Finding
	for _, x := range f.Findings {
		if x.Abroad {
			abroad = append(abroad, x)
		}
	}
	if len(abroad) > 0 {
		cs := map[string]bool{}
		for _, x := range abroad {
			cs[x.Country] = true
		}
		var cl []string
		for c := range cs {
			cl = append(cl, c)
		}
		sort.Strings(cl)
		return yes(fmt.Sprintf("个人信息（%s）被发送至境外（%s）：%s", piTypes(abroad), strings.Join(cl, "、"), hosts(abroad)), flowRefs(abroad, 8)...)
	}
	n, blind := flowsBetween(f, time.Time{}, time.Time{})
	if blind > 0 {
		return unknown(fmt.Sprintf("未发现向境外发送个人信息，但 %d/%d 个流量无法检查，需 App 提供者提供澄清材料", blind, n))
	}
	return no(fmt.Sprintf("%d 个流量中未发现向境外（含港澳台）发送个人信息", n))
}

// afterWithdraw answers RPI-08 step 3 "撤回同意后，App 是否继续收集和使用已撤回授权同意的个人信息".
func afterWithdraw(f *Facts) Outcome {
	if r := needAnalysis(f); r != "" {
		return unknown(r)
	}
	w, ok := firstMarker(f, evidence.MarkWithdraw)
	if !ok {
		return unknown("时间线上没有“撤回同意”标记（ceping mark withdraw）")
	}
	after := findingsIn(f, PhaseAfterWithdraw)
	if len(after) > 0 {
		return yes(fmt.Sprintf("撤回同意后，App 仍向 %s 发送个人信息（%s）", hosts(after), piTypes(after)), append([]evidence.Ref{markerRef(w)}, flowRefs(after, 8)...)...)
	}
	n, blind := flowsBetween(f, w.Time, time.Time{})
	if blind > 0 {
		return unknown(fmt.Sprintf("撤回后有 %d 个流量无法检查", blind), markerRef(w))
	}
	if n == 0 {
		return unknown("撤回同意后没有捕获到流量，无法确认", markerRef(w))
	}
	return no(fmt.Sprintf("撤回同意后 %d 个流量中未发现个人信息", n), markerRef(w))
}

// sdkUndeclaredCollection answers EPI-36 step 3 "是否具备发现超出约定行为时
// 及时切断接入的机制": an embedded SDK collecting PI that the privacy policy
// does not declare is beyond-agreement collection still connected → 否定.
// Evidence cannot show that an audit mechanism exists, so never 肯定.
func sdkUndeclaredCollection(f *Facts) Outcome {
	if f.Policy == nil || f.Policy.DeclaresSDK == nil {
		return unknown("未分析隐私政策，无法判断第三方 SDK 的收集是否超出约定")
	}
	if f.App == nil && !f.Analysed {
		return unknown("没有安装包分析或抓包分析：未检测第三方 SDK 的收集行为")
	}
	type hit struct {
		name string
		refs []evidence.Ref
		pi   []string
	}
	var order []string
	hits := map[string]*hit{}
	add := func(id, name string, ref evidence.Ref, piType string) {
		h, ok := hits[id]
		if !ok {
			h = &hit{name: name}
			hits[id] = h
			order = append(order, id)
		}
		if len(h.refs) < 6 {
			h.refs = append(h.refs, ref)
		}
		for _, p := range h.pi {
			if p == piType {
				return
			}
		}
		h.pi = append(h.pi, piType)
	}
	for _, x := range f.Findings {
		if x.SDK == "" || f.Policy.DeclaresSDK(x.SDK, x.SDK, x.Company) {
			continue
		}
		add(x.SDK, x.SDK, evidence.Ref{Kind: evidence.RefFlow, ID: fmt.Sprint(x.FlowID), Label: x.Host}, x.PIType)
	}
	if f.App != nil {
		names := map[string]evidence.SDKHit{}
		for _, s := range f.App.SDKs {
			names[s.ID] = s
		}
		for _, c := range f.App.SensitiveCalls {
			s, ok := names[c.SDK]
			if c.SDK == "" || !ok || f.Policy.DeclaresSDK(s.ID, s.Name, s.Company) {
				continue
			}
			add(s.ID, s.Name, evidence.Ref{Kind: evidence.RefAPK, ID: c.Caller, Label: c.API}, c.PIType)
		}
	}
	if len(order) == 0 {
		return unknown("未发现隐私政策未说明的第三方 SDK 收集个人信息；审计与切断接入机制需测评人员核查")
	}
	var parts []string
	var refs []evidence.Ref
	for _, id := range order {
		h := hits[id]
		parts = append(parts, fmt.Sprintf("%s（%s）", h.name, strings.Join(h.pi, "、")))
		refs = append(refs, h.refs...)
	}
	return no("隐私政策未说明的第三方 SDK 仍在收集个人信息："+strings.Join(parts, "；")+"，超出约定的收集未被切断", refs...)
}
