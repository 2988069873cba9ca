package policy

import "testing"

func TestFindPI(t *testing.T) {
	for _, tc := range []struct {
		text string
		want []string
	}{
		{"蓝牙 MAC 地址", []string{"bluetooth_mac"}},
		{"设备 MAC 地址和 WLAN 接入点（BSSID）", []string{"mac", "bssid"}},
		{"设备识别码（IMEI、Android ID）", []string{"imei", "android_id"}},
		{"AndroidID OAID IDFA", []string{"android_id", "oaid", "idfa"}},
		{"短信验证码", nil},
		{"Macbook 与 IMEISV", nil},
		{"您的短信内容、通话记录和通讯录", []string{"sms", "call_log", "contacts"}},
		{"身份证号码、银行卡号、人脸", []string{"id_card", "bank_card", "face"}},
		{"已安装应用列表", []string{"installed_apps"}},
	} {
		var got []string
		for _, m := range findPI(tc.text) {
			got = append(got, m.typ)
			if tc.text[m.start:m.end] == "" {
				t.Errorf("%q: empty match span", tc.text)
			}
		}
		eq(t, tc.text, got, tc.want)
	}
}

// TestNegation: a sentence that says the PI is not collected does not
// declare it; the next sentence does.
func TestNegation(t *testing.T) {
	p, err := Parse([]byte("一、我们如何收集和使用您的个人信息\n当您使用登录功能时，我们不会收集您的通讯录。我们会收集您的手机号码，用于登录。\n"), "neg.txt")
	if err != nil {
		t.Fatal(err)
	}
	eq(t, "pi", p.PITypes, []string{"phone_number"})
	eq(t, "functions", funcTypes(p), map[string][]string{"登录": {"phone_number"}})
}
