package main

import (
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/ceping/ceping/internal/testutil"
	"github.com/ceping/ceping/units"
)

// TestPolicyFactsFeedEvaluators runs the pipeline on the demo's real policy
// file (no traffic): the policy-text evaluators answer from it, and the
// undeclared-permission check compares it with a package's permissions.
func TestPolicyFactsFeedEvaluators(t *testing.T) {
	p, err := parsePolicyFile(testutil.Path("fixtures", "demo", "policy.html"))
	if err != nil {
		t.Fatal(err)
	}
	app := &evidence.App{Platform: "android", Package: "cn.ceping.fixture.leaky", TargetSDK: 22, Permissions: []evidence.Permission{
		{Name: "android.permission.ACCESS_FINE_LOCATION", PITypes: []string{"location"}, Sensitive: true},
		{Name: "android.permission.READ_SMS", PITypes: []string{"sms"}, Sensitive: true},
	}}
	res, err := runPipeline(&evidenceSet{App: app, Policy: policyFacts(p)}, pipelineOptions{Now: time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]units.StepAnswer{}
	for _, a := range res.Auto {
		got[a.Unit+"."+a.Step] = a
	}
	check := func(key string, v units.Answer, has string) {
		t.Helper()
		a, ok := got[key]
		if !ok {
			t.Fatalf("%s: no automatic answer", key)
		}
		if a.Value != v || !strings.Contains(a.Note, has) {
			t.Errorf("%s = %s (%s), want %s mentioning %q", key, a.Value, a.Note, v, has)
		}
	}
	check("PIC-08.1", units.Yes, "22")
	check("RPI-01.1", units.Yes, "我的-设置-个人信息")
	check("RPI-23.3", units.Yes, "")
	check("PIC-05.2", units.No, "READ_SMS")
	// With no capture, traffic evaluators stay 未知: nothing passes unseen.
	check("PIC-12.1", units.Unknown, "")
	check("EPI-38.3", units.Unknown, "")
	// The judgement covers all units, and the report carries the permissions.
	if len(res.Judgement.Units) != 157 {
		t.Fatalf("%d units judged", len(res.Judgement.Units))
	}
	if res.Report.Evidence == nil || len(res.Report.Evidence.Permissions) != 2 {
		t.Fatalf("report evidence permissions: %+v", res.Report.Evidence)
	}
	if res.Report.Meta.Subject.Package != "cn.ceping.fixture.leaky" {
		t.Fatalf("subject not filled from the package: %+v", res.Report.Meta.Subject)
	}
}
