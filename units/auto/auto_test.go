package auto

import (
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

var t0 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)

func at(sec int) time.Time { return t0.Add(time.Duration(sec) * time.Second) }

func marker(id int64, sec int, k evidence.MarkerKind, arg string) evidence.Marker {
	return evidence.Marker{ID: id, Time: at(sec), Kind: k, Arg: arg}
}

func flow(id int64, sec int) evidence.Flow {
	return evidence.Flow{ID: id, Start: at(sec), Host: "h", Scheme: "https"}
}

func finding(flowID int64, sec int, pi, phase string) evidence.Finding {
	return evidence.Finding{FlowID: flowID, Time: at(sec), PIType: pi, Phase: phase, Host: "api.example.cn", Party: "first", Country: "CN", Scheme: "https"}
}

// session is a small scripted timeline: app start at 0 s, consent at 60 s.
func session() *Facts {
	return &Facts{
		Capture:  true,
		Analysed: true,
		Markers:  []evidence.Marker{marker(1, 0, evidence.MarkAppStart, ""), marker(2, 60, evidence.MarkConsent, "")},
		Flows:    []evidence.Flow{flow(1, 10), flow(2, 30), flow(3, 90)},
	}
}

func eval(t *testing.T, unit string, step int, f *Facts) Outcome {
	t.Helper()
	for _, e := range Evaluators() {
		if e.Unit == unit && e.Step == step {
			return e.Eval(f)
		}
	}
	t.Fatalf("no evaluator for %s step %d", unit, step)
	return Outcome{}
}

func want(t *testing.T, o Outcome, v units.Answer, reasonHas string) {
	t.Helper()
	if o.Value != v {
		t.Fatalf("answer = %s (%s), want %s", o.Value, o.Reason, v)
	}
	if o.Reason == "" {
		t.Fatalf("answer %s without a reason", o.Value)
	}
	if reasonHas != "" && !strings.Contains(o.Reason, reasonHas) {
		t.Fatalf("reason %q does not mention %q", o.Reason, reasonHas)
	}
}

func TestTargetSDK(t *testing.T) {
	want(t, eval(t, "PIC-08", 1, &Facts{}), units.Unknown, "未分析安装包")
	o := eval(t, "PIC-08", 1, &Facts{App: &evidence.App{Platform: "android", Package: "p", TargetSDK: 22}})
	want(t, o, units.Yes, "22")
	if len(o.Evidence) != 1 || o.Evidence[0].Kind != evidence.RefManifest {
		t.Fatalf("evidence = %+v", o.Evidence)
	}
	want(t, eval(t, "PIC-08", 1, &Facts{App: &evidence.App{Platform: "android", TargetSDK: 23}}), units.No, "23")
	want(t, eval(t, "PIC-08", 1, &Facts{App: &evidence.App{Platform: "android", Packer: &evidence.Packer{Name: "x"}}}), units.Unknown, "加固")
}

func TestBeforeConsent(t *testing.T) {
	// No capture at all.
	want(t, eval(t, "PIC-12", 1, &Facts{}), units.Unknown, "没有抓包")
	// Captured but not analysed.
	want(t, eval(t, "PIC-12", 1, &Facts{Capture: true}), units.Unknown, "analyze")
	// No consent marker: never guess.
	f := session()
	f.Markers = f.Markers[:1]
	want(t, eval(t, "PIC-12", 1, f), units.Unknown, "同意")
	// Clean pre-consent window.
	f = session()
	want(t, eval(t, "PIC-12", 1, f), units.Yes, "2 个流量")
	want(t, eval(t, "PIC-20", 4, f), units.No, "")
	// A leak before consent.
	f.Findings = []evidence.Finding{finding(1, 10, "imei", PhaseBeforeConsent), finding(3, 90, "oaid", PhaseAfterConsent)}
	o := eval(t, "PIC-12", 1, f)
	want(t, o, units.No, "imei")
	if strings.Contains(o.Reason, "oaid") {
		t.Fatalf("after-consent finding reported as before consent: %s", o.Reason)
	}
	var flowRef bool
	for _, r := range o.Evidence {
		flowRef = flowRef || (r.Kind == evidence.RefFlow && r.ID == "1")
	}
	if !flowRef {
		t.Fatalf("evidence lacks flow 1: %+v", o.Evidence)
	}
	want(t, eval(t, "PIC-20", 4, f), units.Yes, "imei")
	// Pre-consent traffic that could not be inspected keeps it open.
	f = session()
	f.Flows[0].NotIntercepted = true
	want(t, eval(t, "PIC-12", 1, f), units.Unknown, "无法检查")
	// No app-start marker: the pre-consent window is not known to be covered.
	f = session()
	f.Markers = f.Markers[1:]
	want(t, eval(t, "PIC-12", 1, f), units.Unknown, "启动")
}

func TestAfterRefusal(t *testing.T) {
	f := session()
	want(t, eval(t, "PIC-20", 5, f), units.Unknown, "拒绝")
	f.Markers = append(f.Markers, marker(3, 80, evidence.MarkRefuse, ""))
	want(t, eval(t, "PIC-20", 5, f), units.No, "")
	f.Findings = []evidence.Finding{finding(3, 90, "android_id", PhaseAfterRefusal)}
	want(t, eval(t, "PIC-20", 5, f), units.Yes, "android_id")
}

func TestFrequency(t *testing.T) {
	f := session()
	want(t, eval(t, "PIC-06", 1, f), units.Unknown, "证明材料")
	f.Frequency = []Frequency{{PIType: "location", Host: "api.example.cn", Count: 60, Median: 2 * time.Second, Reference: "每 30 秒 1 次", Exceeded: true, FlowIDs: []int64{1, 2}}}
	o := eval(t, "PIC-06", 1, f)
	want(t, o, units.No, "location")
	if len(o.Evidence) != 2 {
		t.Fatalf("evidence = %+v", o.Evidence)
	}
	want(t, eval(t, "PIC-06", 1, &Facts{}), units.Unknown, "")
}

func TestSelfStart(t *testing.T) {
	want(t, eval(t, "PIC-13", 2, session()), units.Unknown, "安装包")
	f := session()
	f.App = &evidence.App{Platform: "android", Package: "p"}
	want(t, eval(t, "PIC-13", 2, f), units.No, "自启动入口")
	f.App.SelfStart = []evidence.SelfStart{{Component: "p.Boot", Kind: "receiver", Trigger: "android.intent.action.BOOT_COMPLETED"}}
	want(t, eval(t, "PIC-13", 2, f), units.Unknown, "复测")
	f.Markers[0].Time = at(20) // the user opened the app at 20 s; PI went out at 10 s
	f.Findings = []evidence.Finding{finding(1, 10, "imei", PhaseBeforeConsent)}
	want(t, eval(t, "PIC-13", 2, f), units.Yes, "imei")
}

func TestAfterFeatureStop(t *testing.T) {
	f := session()
	want(t, eval(t, "PIC-15", 1, f), units.Unknown, "feature")
	f.Markers = append(f.Markers, marker(3, 100, evidence.MarkFeatureStart, "map"), marker(4, 200, evidence.MarkFeatureStop, "map"))
	f.Findings = []evidence.Finding{finding(1, 30, "imei", PhaseBeforeConsent), finding(3, 150, "location", PhaseAfterConsent)}
	want(t, eval(t, "PIC-15", 1, f), units.Yes, "1 个功能窗口")
	// imei after the stop is not a type the feature collected; location is.
	f.Findings = append(f.Findings, finding(4, 230, "imei", PhaseAfterConsent))
	want(t, eval(t, "PIC-15", 1, f), units.Yes, "")
	f.Findings = append(f.Findings, finding(5, 260, "location", PhaseAfterConsent))
	want(t, eval(t, "PIC-15", 1, f), units.No, "location")
}

func TestPolicyComparisons(t *testing.T) {
	f := session()
	want(t, eval(t, "PIC-02", 1, f), units.Unknown, "隐私政策")
	want(t, eval(t, "PIC-28", 2, f), units.Unknown, "隐私政策")
	f.Policy = &Policy{PITypes: []string{"imei", "location"}, Permissions: []string{"android.permission.ACCESS_FINE_LOCATION"},
		DeclaresSDK: func(id, name, company string) bool { return id == "umeng" }}
	f.App = &evidence.App{Platform: "android", SDKs: []evidence.SDKHit{{ID: "umeng", Name: "友盟"}},
		Permissions: []evidence.Permission{{Name: "android.permission.ACCESS_FINE_LOCATION", PITypes: []string{"location"}, Sensitive: true}}}
	f.Findings = []evidence.Finding{finding(1, 90, "imei", PhaseAfterConsent)}
	want(t, eval(t, "PIC-02", 1, f), units.Unknown, "均已")
	want(t, eval(t, "PIC-28", 2, f), units.Yes, "")
	want(t, eval(t, "PIC-05", 2, f), units.Unknown, "")
	f.Findings = append(f.Findings, finding(2, 95, "installed_apps", PhaseAfterConsent))
	want(t, eval(t, "PIC-02", 1, f), units.Yes, "installed_apps")
	want(t, eval(t, "PIC-28", 2, f), units.No, "installed_apps")
	f.Findings = f.Findings[:1]
	f.App.SDKs = append(f.App.SDKs, evidence.SDKHit{ID: "jpush", Name: "极光推送"})
	want(t, eval(t, "PIC-28", 2, f), units.No, "极光推送")
	f.App.Permissions = append(f.App.Permissions, evidence.Permission{Name: "android.permission.READ_CONTACTS", PITypes: []string{"contacts"}, Sensitive: true})
	want(t, eval(t, "PIC-05", 2, f), units.No, "READ_CONTACTS")
}

func TestCleartextSensitive(t *testing.T) {
	f := session()
	want(t, eval(t, "PIS-04", 2, f), units.No, "3 个流量")
	x := finding(2, 30, "id_card", PhaseBeforeConsent)
	x.Sensitive, x.Scheme = true, "http"
	f.Findings = []evidence.Finding{x}
	want(t, eval(t, "PIS-04", 2, f), units.Yes, "id_card")
	f = session()
	f.Opaque = []evidence.Opaque{{FlowID: 2}}
	want(t, eval(t, "PIS-04", 2, f), units.Unknown, "1/3")
}

func TestThirdParties(t *testing.T) {
	f := session()
	want(t, eval(t, "EPI-08", 4, f), units.Unknown, "未观察到")
	want(t, eval(t, "EPI-09", 2, f), units.Unknown, "")
	x := finding(2, 30, "oaid", PhaseAfterConsent)
	x.Party, x.SDK, x.Company, x.Host = "third", "umeng", "友盟同欣", "ulogs.umeng.com"
	f.Findings = []evidence.Finding{x}
	want(t, eval(t, "EPI-08", 4, f), units.Unknown, "未分析隐私政策")
	f.Policy = &Policy{DeclaresSDK: func(id, name, company string) bool { return id == "umeng" }}
	want(t, eval(t, "EPI-08", 4, f), units.Yes, "ulogs.umeng.com")
	f.Policy.DeclaresSDK = func(string, string, string) bool { return false }
	want(t, eval(t, "EPI-08", 4, f), units.No, "ulogs.umeng.com")
	x.Sensitive = true
	f.Findings = []evidence.Finding{x}
	want(t, eval(t, "EPI-09", 2, f), units.Yes, "oaid")
}

func TestCrossBorder(t *testing.T) {
	f := session()
	want(t, eval(t, "EPI-38", 3, f), units.No, "境外")
	want(t, eval(t, "EPI-37", 1, f), units.No, "")
	x := finding(3, 90, "oaid", PhaseAfterConsent)
	x.Abroad, x.Country, x.Host = true, "HK", "sdk.example.hk"
	f.Findings = []evidence.Finding{x}
	want(t, eval(t, "EPI-38", 3, f), units.Yes, "HK")
	want(t, eval(t, "EPI-37", 1, f), units.Yes, "HK")
	want(t, eval(t, "EPI-38", 3, &Facts{}), units.Unknown, "")
}

func TestAfterWithdraw(t *testing.T) {
	f := session()
	want(t, eval(t, "RPI-08", 3, f), units.Unknown, "撤回")
	f.Markers = append(f.Markers, marker(3, 85, evidence.MarkWithdraw, ""))
	want(t, eval(t, "RPI-08", 3, f), units.No, "1 个流量")
	f.Findings = []evidence.Finding{finding(3, 90, "imei", PhaseAfterWithdraw)}
	want(t, eval(t, "RPI-08", 3, f), units.Yes, "imei")
}

func TestRunProducesAnswers(t *testing.T) {
	as := Run(&Facts{App: &evidence.App{Platform: "android", TargetSDK: 21}}, t0)
	if len(as) != len(Evaluators()) {
		t.Fatalf("%d answers for %d evaluators", len(as), len(Evaluators()))
	}
	for _, a := range as {
		wantMethod := units.TechnicalTest
		if strings.HasPrefix(a.Source, "auto:policy.") && a.Unit != "PIC-02" && a.Unit != "PIC-05" && a.Unit != "PIC-28" {
			wantMethod = units.DocumentReview // reading the policy text
		}
		if a.Method != wantMethod || !strings.HasPrefix(a.By, "ceping:") || a.Note == "" {
			t.Fatalf("answer lacks method, author or reason: %+v", a)
		}
		if a.Unit == "PIC-08" && (a.Step != "1" || a.Value != units.Yes) {
			t.Fatalf("PIC-08: %+v", a)
		}
		// Nothing passes without evidence: with no capture every traffic
		// evaluator is 未知.
		if a.Unit != "PIC-08" && a.Unit != "PIC-13" && a.Unit != "PIC-05" && a.Value != units.Unknown {
			t.Fatalf("%s step %s answered %s without a capture", a.Unit, a.Step, a.Value)
		}
	}
}

func TestSDKUndeclaredCollection(t *testing.T) {
	f := session()
	want(t, eval(t, "EPI-36", 3, f), units.Unknown, "未分析隐私政策")
	f.Policy = &Policy{DeclaresSDK: func(id, name, company string) bool { return id == "umeng" }}
	want(t, eval(t, "EPI-36", 3, f), units.Unknown, "未发现")
	// Declared SDK in traffic: still nothing to fault.
	x := finding(2, 30, "oaid", PhaseAfterConsent)
	x.Party, x.SDK, x.Company, x.Host = "third", "umeng", "友盟同欣", "ulogs.umeng.com"
	f.Findings = []evidence.Finding{x}
	want(t, eval(t, "EPI-36", 3, f), units.Unknown, "未发现")
	// Undeclared SDK seen sending PI.
	y := finding(3, 90, "oaid", PhaseAfterConsent)
	y.Party, y.SDK, y.Company, y.Host = "third", "appsflyer", "AppsFlyer", "t.appsflyer.com"
	f.Findings = append(f.Findings, y)
	o := eval(t, "EPI-36", 3, f)
	want(t, o, units.No, "appsflyer（oaid）")
	if len(o.Evidence) != 1 || o.Evidence[0].ID != "3" {
		t.Fatalf("evidence = %+v, want flow 3", o.Evidence)
	}
	// Static only: an undeclared SDK's code calls a sensitive API.
	g := &Facts{Policy: f.Policy, App: &evidence.App{
		Package:        "cn.example",
		SDKs:           []evidence.SDKHit{{ID: "getui", Name: "个推", Company: "每日互动"}, {ID: "umeng", Name: "友盟"}},
		SensitiveCalls: []evidence.SensitiveCall{{API: "TelephonyManager.getDeviceId", PIType: "imei", Caller: "com.igexin.a.b", SDK: "getui"}, {API: "WifiInfo.getMacAddress", PIType: "mac", Caller: "com.umeng.x", SDK: "umeng"}},
	}}
	o = eval(t, "EPI-36", 3, g)
	want(t, o, units.No, "个推（imei）")
	if strings.Contains(o.Reason, "友盟") {
		t.Fatalf("declared SDK blamed: %s", o.Reason)
	}
}
