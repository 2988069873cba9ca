package auto

import (
	"testing"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/units"
)

func TestSensitiveCollected(t *testing.T) {
	want(t, eval(t, "EPI-09", 1, &Facts{}), units.Unknown, "没有抓包")
	f := session()
	want(t, eval(t, "EPI-09", 1, f), units.Unknown, "未发现个人敏感信息")
	x := finding(2, 30, "id_card", PhaseAfterConsent)
	x.Sensitive = true
	f.Findings = []evidence.Finding{finding(1, 10, "oaid", PhaseBeforeConsent), x}
	o := eval(t, "EPI-09", 1, f)
	want(t, o, units.Yes, "id_card")
	if len(o.Evidence) != 1 || o.Evidence[0].ID != "2" {
		t.Fatalf("evidence %+v", o.Evidence)
	}
	// Static evidence alone: the app's own code reads contacts; an SDK's
	// call does not make the app collect it.
	g := &Facts{App: &evidence.App{SensitiveCalls: []evidence.SensitiveCall{
		{API: "content://com.android.contacts", PIType: "contacts", Caller: "com.umeng.x", SDK: "umeng-common"},
	}}}
	want(t, eval(t, "EPI-09", 1, g), units.Unknown, "")
	g.App.SensitiveCalls = append(g.App.SensitiveCalls, evidence.SensitiveCall{API: "LocationManager.getLastKnownLocation", PIType: "location", Caller: "cn.example.Locator"})
	want(t, eval(t, "EPI-09", 1, g), units.Yes, "location")
}

func TestThirdPartyAny(t *testing.T) {
	want(t, eval(t, "RPI-10", 1, &Facts{}), units.Unknown, "没有抓包")
	f := session()
	f.Findings = []evidence.Finding{finding(1, 10, "imei", PhaseAfterConsent)} // first party
	want(t, eval(t, "RPI-10", 1, f), units.Unknown, "未观察到")
	x := finding(2, 30, "oaid", PhaseAfterConsent)
	x.Party, x.Host = "third", "t.appsflyer.com"
	f.Findings = append(f.Findings, x)
	want(t, eval(t, "RPI-10", 1, f), units.Yes, "t.appsflyer.com")
}

func TestOutsideFeature(t *testing.T) {
	f := session()
	loc := finding(3, 90, "location", PhaseAfterConsent)
	f.Findings = []evidence.Finding{loc}
	// No feature markers: cannot say.
	want(t, eval(t, "PIC-12", 2, f), units.Unknown, "feature-start")
	f.Markers = append(f.Markers, marker(3, 100, evidence.MarkFeatureStart, "附近门店"), marker(4, 120, evidence.MarkFeatureStop, "附近门店"))
	want(t, eval(t, "PIC-12", 2, f), units.No, "location")
	// Inside the window (the analysis names the feature): nothing to fault.
	loc.Feature = "附近门店"
	f.Findings = []evidence.Finding{loc, finding(1, 10, "imei", PhaseAfterConsent)}
	want(t, eval(t, "PIC-12", 2, f), units.Unknown, "功能窗口之外未发现")
}
