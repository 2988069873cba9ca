package policy

import (
	"os"
	"reflect"
	"testing"

	"github.com/ceping/ceping/internal/testutil"
)

func parseFile(t testing.TB, parts ...string) *Policy {
	t.Helper()
	path := testutil.Path(parts...)
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Parse(data, path)
	if err != nil {
		t.Fatalf("Parse(%s): %v", path, err)
	}
	return p
}

func value(f *Fact) string {
	if f == nil {
		return ""
	}
	return f.Value
}

func values(fs []Fact) []string {
	var out []string
	for _, f := range fs {
		out = append(out, f.Value)
	}
	return out
}

func eq[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Errorf("%s = %#v, want %#v", what, got, want)
	}
}

// TestDemoPolicy parses the demo's policy (fixtures/demo/policy.html) and
// checks what its text declares.
func TestDemoPolicy(t *testing.T) {
	p := parseFile(t, "fixtures", "demo", "policy.html")
	eq(t, "format", p.Format, "html")
	eq(t, "charset", p.Charset, "utf-8")
	eq(t, "title", p.Title, "泄漏演示 App 隐私政策")
	eq(t, "operator", value(p.Operator), "泄漏演示科技有限公司")
	eq(t, "address", value(p.Contact.Address), "北京市海淀区演示路 1 号")
	eq(t, "emails", values(p.Contact.Emails), []string{"privacy@leaky-demo.cn"})
	eq(t, "phones", values(p.Contact.Phones), []string{"010-00000000"})
	eq(t, "updated", value(p.Updated), "2026-10-08")
	eq(t, "effective", value(p.Effective), "2026-10-15")
	if p.Updated != nil {
		eq(t, "updated line", p.Updated.Line, 9)
	}
	eq(t, "storage", value(p.Storage), "存储在中国境内")
	eq(t, "cross border", p.CrossBorder, CrossBorderNo)
	if p.Retention == nil || p.Retention.Quote != "存储期限为实现目的所必需的最短时间：账号注销后 30 日内删除。" {
		t.Errorf("retention = %+v", p.Retention)
	}
	eq(t, "reply workdays", p.ReplyWorkdays, 15)
	eq(t, "complaint", value(p.Complaint), "电子邮件、电话")
	if p.ExternalDispute == nil {
		t.Error("external dispute channel (网信、公安、市场监管) not found")
	}
	eq(t, "children", value(p.Children), "未成年人保护")
	if p.Sharing == nil || p.Sharing.Line != 34 {
		t.Errorf("sharing = %+v, want the statement on line 34", p.Sharing)
	}
	hows := map[string]string{}
	for _, r := range p.Rights {
		hows[r.Key] = r.How
		if r.Line != 43 || r.Section != "泄漏演示 App 隐私政策 > 您的权利" {
			t.Errorf("right %s located at %v", r.Key, r.Loc)
		}
	}
	eq(t, "rights", hows, map[string]string{
		RightAccess: "我的-设置-个人信息", RightCorrect: "我的-设置-个人信息", RightDelete: "设置-隐私-删除个人信息",
		RightClose: "设置-账号与安全-注销账号", RightWithdraw: "设置-隐私-撤回同意", RightCopy: "设置-隐私-导出",
	})

	funcs := map[string][]string{}
	for _, f := range p.Functions {
		funcs[f.Name] = f.PITypes
		if len(f.Purposes) == 0 {
			t.Errorf("function %s: no purpose", f.Name)
		}
	}
	eq(t, "functions", funcs, map[string][]string{
		"注册与登录":     {"phone_number"},
		"实名认证":      {"id_card", "name"},
		"附近门店":      {"location"},
		"安全保障与统计分析": {"android_id", "device_info", "imei", "oaid"},
		"好友推荐":      {"contacts"},
		"扫一扫":       {"camera"},
	})
	eq(t, "pi types", p.PITypes, []string{"android_id", "camera", "contacts", "device_info", "id_card", "imei", "location", "name", "oaid", "phone_number"})
	eq(t, "permissions", p.Permissions, []string{"android.permission.ACCESS_COARSE_LOCATION", "android.permission.ACCESS_FINE_LOCATION",
		"android.permission.CAMERA", "android.permission.READ_CONTACTS", "android.permission.READ_PHONE_STATE"})
	eq(t, "sensitive", p.Sensitive, []SensitiveMention{
		{PIType: "contacts", Highlighted: true, Loc: Loc{Line: 23, Offset: 1603, Section: "泄漏演示 App 隐私政策 > 我们如何收集和使用您的个人信息 > 好友推荐"}},
		{PIType: "id_card", Highlighted: true, Loc: Loc{Line: 17, Offset: 884, Section: "泄漏演示 App 隐私政策 > 我们如何收集和使用您的个人信息 > 实名认证"}},
		{PIType: "location", Highlighted: true, Loc: Loc{Line: 19, Offset: 1050, Section: "泄漏演示 App 隐私政策 > 我们如何收集和使用您的个人信息 > 附近门店"}},
	})
	if len(p.SDKs) != 1 {
		t.Fatalf("SDKs = %+v, want the one table row", p.SDKs)
	}
	s := p.SDKs[0]
	eq(t, "sdk", [4]string{s.Name, s.Company, s.Purpose, s.ID}, [4]string{"高德地图 SDK", "高德软件有限公司", "附近门店定位与地图展示", "amap-map"})
	eq(t, "sdk pi", s.PITypes, []string{"device_info", "location"})
	eq(t, "sdk line", s.Line, 30)
	// The demo app embeds an Umeng SDK and talks to AppsFlyer; the policy
	// names neither (PIC-28, EPI-08).
	if !p.DeclaresSDK("amap-map") || p.DeclaresSDK("umeng-common") || p.DeclaresSDK("umeng-analytics") || p.DeclaresSDK("appsflyer") ||
		p.NamesSDK("umeng-common", "友盟+ 基础组件", "友盟同欣（北京）科技有限公司") {
		t.Error("DeclaresSDK: want amap-map declared, umeng and appsflyer not")
	}

	// The demo policy's text is complete; what it gets wrong is what the
	// app does (traffic, package), which the evaluators compare with it.
	eq(t, "checks", checkResults(p), map[string][]string{
		Pass: {CheckOperator, CheckContact, CheckUpdated, CheckFunctions, CheckNotVague, CheckSensitive, CheckPurposes,
			CheckPermissions, CheckSDKList, CheckSharing, CheckStorage, CheckRetention, CheckCrossBorder, CheckSecurity,
			"right_access", "right_correct", "right_delete", "right_close_account", "right_withdraw", "right_copy",
			CheckReplyTime, CheckComplaint, CheckExternal, CheckChildren, CheckChinese},
	})
}

// checkResults groups check ids by result, in check order.
func checkResults(p *Policy) map[string][]string {
	out := map[string][]string{}
	for _, c := range p.Checks {
		out[c.Result] = append(out[c.Result], c.ID)
	}
	return out
}

// TestSDKTableDataRowNotHeader: a data row whose cells all look like header
// labels ("高德地图 SDK" | "…公司" | "…信息") is data, not a new header.
func TestSDKTableDataRowNotHeader(t *testing.T) {
	doc := `<h2>第三方 SDK</h2><table>
<tr><th>SDK 名称</th><th>提供方</th><th>使用目的</th><th>收集的个人信息</th></tr>
<tr><td>高德地图 SDK</td><td>高德软件有限公司</td><td>附近门店定位与地图展示</td><td>精确位置信息、设备型号</td></tr>
<tr><td>友盟统计 SDK</td><td>友盟同欣（北京）科技有限公司</td><td>统计分析</td><td>设备信息</td></tr>
</table>`
	p, err := Parse([]byte(doc), "t.html")
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range p.SDKs {
		ids = append(ids, s.ID)
	}
	eq(t, "sdk ids", ids, []string{"amap-map", "umeng-analytics"})
}
