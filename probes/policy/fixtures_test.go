package policy

import (
	"testing"
)

func funcTypes(p *Policy) map[string][]string {
	out := map[string][]string{}
	for _, f := range p.Functions {
		out[f.Name] = f.PITypes
	}
	return out
}

func sdkRows(p *Policy) [][3]string {
	var out [][3]string
	for _, s := range p.SDKs {
		out = append(out, [3]string{s.Name, s.Company, s.ID})
	}
	return out
}

func rightHows(p *Policy) map[string]string {
	out := map[string]string{}
	for _, r := range p.Rights {
		out[r.Key] = r.How
	}
	return out
}

func sensitive(p *Policy) map[string]bool {
	out := map[string]bool{}
	for _, s := range p.Sensitive {
		out[s.PIType] = s.Highlighted
	}
	return out
}

// TestGoodShop: an HTML policy with every part 5.5 a) asks for; the
// <script> in its head writes PI words that must not be read.
func TestGoodShop(t *testing.T) {
	p := parseFile(t, "fixtures", "policies", "good-shop.html")
	eq(t, "title", p.Title, "好物优选隐私政策")
	eq(t, "operator", value(p.Operator), "杭州好物优选网络科技有限公司")
	eq(t, "address", value(p.Contact.Address), "浙江省杭州市余杭区文一西路 998 号 5 幢 301 室")
	eq(t, "emails", values(p.Contact.Emails), []string{"privacy@haowu.example"})
	eq(t, "phones", values(p.Contact.Phones), []string{"400-820-1234"})
	eq(t, "dates", [2]string{value(p.Updated), value(p.Effective)}, [2]string{"2025-03-18", "2025-03-25"})
	eq(t, "functions", funcTypes(p), map[string][]string{
		"账号注册与登录": {"phone_number"},
		"商品下单与支付": {"name", "phone_number"},
		"实名认证":    {"id_card", "name"},
		"附近自提点":   {"location"},
		"扫码购物":    {"camera"},
		"客服与售后":   {"photos"},
		"安全风控":    {"android_id", "device_info", "network_info", "oaid"},
	})
	kinds := map[string]string{}
	for _, f := range p.Functions {
		kinds[f.Name] = f.Kind
	}
	eq(t, "kinds", kinds, map[string]string{"账号注册与登录": "basic", "商品下单与支付": "basic", "实名认证": "basic",
		"附近自提点": "extended", "扫码购物": "extended", "客服与售后": "extended", "安全风控": "extended"})
	if f := p.Function("实名认证"); f == nil || len(f.Purposes) != 1 || f.Purposes[0] != "办理跨境商品清关" {
		t.Errorf("实名认证 = %+v", f)
	}
	eq(t, "pi types", p.PITypes, []string{"android_id", "bssid", "camera", "device_info", "id_card", "location", "name", "network_info", "oaid", "phone_number", "photos"})
	eq(t, "unattributed", p.Unattributed, []string{})
	eq(t, "permissions", p.Permissions, []string{"android.permission.ACCESS_COARSE_LOCATION", "android.permission.ACCESS_FINE_LOCATION", "android.permission.CAMERA"})
	eq(t, "sdks", sdkRows(p), [][3]string{
		{"极光推送 SDK", "深圳市和讯华谷信息技术有限公司", "jpush"},
		{"高德定位 SDK", "高德软件有限公司", "amap-location"},
		{"支付宝支付 SDK", "支付宝（中国）网络技术有限公司", "alipay"},
		{"腾讯 Bugly", "深圳市腾讯计算机系统有限公司", "tencent-bugly"},
	})
	eq(t, "jpush pi (cell with two <p>)", p.SDKs[0].PITypes, []string{"android_id", "device_info", "network_info", "oaid"})
	eq(t, "amap pi", p.SDKs[1].PITypes, []string{"bssid", "location"})
	for _, id := range []string{"jpush", "amap-location", "alipay", "tencent-bugly"} {
		if !p.DeclaresSDK(id) {
			t.Errorf("DeclaresSDK(%s) = false", id)
		}
	}
	for _, id := range []string{"umeng-analytics", "pangle", "getui-push"} {
		if p.DeclaresSDK(id) {
			t.Errorf("DeclaresSDK(%s) = true", id)
		}
	}
	eq(t, "sensitive", sensitive(p), map[string]bool{"id_card": true, "location": true})
	eq(t, "cross border", p.CrossBorder, CrossBorderTransfer)
	eq(t, "rights", rightHows(p), map[string]string{
		RightAccess: "我的—个人资料", RightCorrect: "我的—个人资料", RightDelete: "我的—设置—隐私—删除个人信息",
		RightClose: "我的—设置—账号与安全—注销账户", RightWithdraw: "我的—设置—隐私—授权管理", RightCopy: "privacy@haowu.example",
	})
	eq(t, "reply", p.ReplyWorkdays, 15)
	eq(t, "complaint", value(p.Complaint), "电子邮件、电话、在线客服")
	eq(t, "checks", checkResults(p)[Fail], []string(nil))
	eq(t, "unknown checks", checkResults(p)[Unknown], []string(nil))
}

// TestBadVague: a plain-text policy that lists PI with 等 and 包括但不限于,
// names no operator, dates, SDKs or storage, and answers in 30 days.
func TestBadVague(t *testing.T) {
	p := parseFile(t, "fixtures", "policies", "bad-vague.txt")
	eq(t, "format", p.Format, "text")
	eq(t, "operator", p.Operator, (*Fact)(nil))
	eq(t, "dates", [2]*Fact{p.Updated, p.Effective}, [2]*Fact{})
	eq(t, "functions", funcTypes(p), map[string][]string{"借款": {"face"}})
	eq(t, "unattributed", p.Unattributed, []string{"bank_card", "contacts", "device_info", "id_card", "installed_apps", "location", "name", "phone_number", "sms"})
	eq(t, "vague lines", []int{p.Vague[0].Line, p.Vague[1].Line}, []int{6, 7})
	eq(t, "sensitive", sensitive(p), map[string]bool{"bank_card": false, "contacts": false, "face": false, "id_card": false, "location": false, "sms": false})
	eq(t, "sdks", len(p.SDKs), 0)
	eq(t, "cross border", p.CrossBorder, CrossBorderNotStated)
	eq(t, "rights", rightHows(p), map[string]string{RightDelete: ""})
	eq(t, "reply", p.ReplyWorkdays, 30)
	eq(t, "checks", checkResults(p), map[string][]string{
		Fail: {CheckOperator, CheckContact, CheckUpdated, CheckFunctions, CheckNotVague, CheckSDKList, CheckStorage, CheckRetention,
			CheckCrossBorder, CheckSecurity, "right_access", "right_correct", "right_delete", "right_close_account", "right_withdraw",
			"right_copy", CheckReplyTime, CheckComplaint, CheckExternal},
		// Plain text cannot show bold: the tester looks at the App.
		Unknown: {CheckSensitive, CheckPermissions, CheckChildren},
		Pass:    {CheckPurposes, CheckSharing, CheckChinese},
	})
}

// TestGB18030: a GB18030-encoded Markdown-like policy with **bold**
// sensitive PI and a labelled SDK list.
func TestGB18030(t *testing.T) {
	p := parseFile(t, "fixtures", "policies", "gb18030-news.txt")
	eq(t, "charset", p.Charset, "gb18030")
	eq(t, "warnings", p.Warnings, []string(nil))
	eq(t, "title", p.Title, "掌上新闻个人信息保护政策")
	eq(t, "operator", value(p.Operator), "北京掌上新闻信息技术有限公司")
	eq(t, "dates", [2]string{value(p.Updated), value(p.Effective)}, [2]string{"2024-06-01", "2024-06-08"})
	eq(t, "functions", funcTypes(p), map[string][]string{
		"新闻浏览与推荐": {"device_info", "network_info", "oaid"},
		"本地新闻":    {"location"},
		"评论与发布":   {"phone_number", "photos"},
	})
	eq(t, "sdks", sdkRows(p), [][3]string{
		{"个推推送 SDK", "每日互动股份有限公司", "getui-push"},
		{"穿山甲广告 SDK", "北京巨量引擎网络技术有限公司", "pangle"},
	})
	eq(t, "pangle pi", p.SDKs[1].PITypes, []string{"device_info", "installed_apps", "network_info", "oaid"})
	eq(t, "permissions", p.Permissions, []string{"android.permission.ACCESS_COARSE_LOCATION", "android.permission.ACCESS_FINE_LOCATION",
		"android.permission.READ_EXTERNAL_STORAGE", "android.permission.READ_MEDIA_IMAGES"})
	eq(t, "sensitive", sensitive(p), map[string]bool{"location": true})
	eq(t, "cross border", p.CrossBorder, CrossBorderNo)
	eq(t, "rights", rightHows(p), map[string]string{
		RightAccess: "我的—编辑资料", RightCorrect: "我的—编辑资料", RightDelete: "设置—隐私—清除数据",
		RightClose: "设置—账号—注销账号", RightWithdraw: "设置—隐私—权限管理",
	})
	eq(t, "reply", p.ReplyWorkdays, 7)
	eq(t, "failed checks", checkResults(p)[Fail], []string{"right_copy"})
	// Locations are lines of the GB18030 file (newlines survive decoding).
	eq(t, "pangle line", p.SDKs[1].Line, 26)
}

// TestBadUnmarked: HTML whose sensitive PI is not highlighted, that sends
// data to Singapore without saying so prominently, and names SDKs only in
// prose.
func TestBadUnmarked(t *testing.T) {
	p := parseFile(t, "fixtures", "policies", "bad-unmarked.html")
	eq(t, "operator", value(p.Operator), "上海闪电出行科技有限公司")
	eq(t, "updated", value(p.Updated), "2023-12-01")
	eq(t, "functions", funcTypes(p), map[string][]string{
		"叫车服务": {"location", "phone_number"},
		"实名认证": {"face", "id_card", "photos"},
		"行程安全": {"microphone"},
		"支付":   {"bank_card"},
	})
	eq(t, "sensitive", sensitive(p), map[string]bool{"bank_card": false, "face": false, "id_card": false, "location": false})
	eq(t, "sdks", sdkRows(p), [][3]string{{"高德地图 SDK", "", "amap-map"}, {"微信支付 SDK", "", ""}})
	if !p.DeclaresSDK("amap-map") || !p.NamesSDK("", "微信支付", "") {
		t.Error("SDKs named in prose should count as declared")
	}
	eq(t, "cross border", p.CrossBorder, CrossBorderTransfer)
	eq(t, "rights", rightHows(p), map[string]string{RightAccess: "客服电话", RightCorrect: "客服电话", RightDelete: "客服电话", RightClose: "客服电话"})
	eq(t, "reply", p.ReplyWorkdays, 30)
	eq(t, "checks", checkResults(p), map[string][]string{
		Pass: {CheckOperator, CheckContact, CheckUpdated, CheckFunctions, CheckNotVague, CheckPurposes, CheckRetention,
			"right_access", "right_correct", "right_delete", "right_close_account", CheckChinese},
		Fail: {CheckSensitive, CheckSDKList, CheckSharing, CheckStorage, CheckCrossBorder, CheckSecurity,
			"right_withdraw", "right_copy", CheckReplyTime, CheckComplaint, CheckExternal},
		Unknown: {CheckPermissions, CheckChildren},
	})
	if c := p.Check(CheckSensitive); c == nil || c.Quote == nil || c.Quote.Line != 12 {
		t.Errorf("sensitive check quote = %+v, want line 12 (银行卡号, first by type)", c)
	}
}
