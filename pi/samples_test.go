package pi

import (
	"strings"
	"testing"

	"github.com/ceping/ceping/evidence"
)

// Each detector is data plus code: this table holds true- and
// false-positive samples for every pattern detector, all run together
// (gitleaks-style). A sample is a request body (JSON) or a query string.
var detectorSamples = []struct {
	detector string
	pi       string
	match    []string // each must produce the detection
	noMatch  []string // none may produce it
}{
	{"pattern:phone", "phone_number",
		[]string{`{"mobile":"13698765432"}`, `{"t":"+8615912345678"}`, `q=18600001234&x=1`, `{"tel":"8617712345678"}`},
		[]string{`{"n":"12345678901"}`, `{"ts":"1700000000000"}`, `{"id":"113698765432"}`, `{"v":"1.3698765432"}`, `{"k":"a13698765432"}`}},
	{"pattern:imei", "imei",
		[]string{`{"deviceId":"` + withLuhn("35209900176148") + `"}`, `{"x":"` + withLuhn("86754303123456") + `"}`},
		[]string{`{"deviceId":"` + notLuhn("35209900176148") + `"}`, `{"o":"` + withLuhn("12345678901234") + `"}`, `{"o":"9` + withLuhn("86754303123456") + `"}`}},
	{"pattern:meid", "meid",
		[]string{`{"meid":"A0000031A2B3C4"}`, `{"m":"a1000049e5c2d7"}`, `{"meid":"99000123456789"}`},
		[]string{`{"m":"10000049E5C2D7"}`, `{"m":"A0000031A2B3C4FF"}`, `{"hash":"0123456789abcd"}`}},
	{"pattern:id-card", "id_card",
		[]string{`{"idNo":"` + withIDCheck("44030619851203123") + `"}`, `{"c":"` + withIDCheck("11010519900307123") + `"}`},
		[]string{`{"idNo":"` + badIDCheck(withIDCheck("44030619851203123")) + `"}`, `{"c":"990305199003071231"}`, `{"c":"110105199013071231"}`}},
	{"pattern:bank-card", "bank_card",
		[]string{`{"card":"` + withLuhn("622202123456789012") + `"}`, `{"c":"` + withLuhn("411111222233334") + `"}`},
		[]string{`{"card":"` + notLuhn("622202123456789012") + `"}`, `{"c":"` + withLuhn("999999123456789") + `"}`, `{"c":"4444444444444448"}`}},
	{"pattern:email", "email",
		[]string{`{"contact":"someone@qq.com"}`, `mail=a.b%2Bc%40example.cn`},
		[]string{`{"icon":"icon@2x.png"}`, `{"v":"user at example dot com"}`, `{"s":"@handle"}`}},
	{"pattern:mac", "mac",
		[]string{`{"m":"3c:46:d8:aa:bb:01"}`, `{"w":"3C-46-D8-AA-BB-02"}`, `{"mac":"3c46d8aabb03"}`},
		[]string{`{"m":"02:00:00:00:00:00"}`, `{"m":"00:00:00:00:00:00"}`, `{"m":"ff:ff:ff:ff:ff:ff"}`, `{"t":"12:30:45"}`, `{"x":"3c46d8aabb03"}`}},
	{"pattern:ad-id", "aaid",
		[]string{`{"gaid":"9f8e7d6c-5b4a-4321-8fed-cba987654321"}`, `{"advertising_id":"9F8E7D6C-5B4A-4321-8FED-CBA987654321"}`},
		[]string{`{"requestId":"9f8e7d6c-5b4a-4321-8fed-cba987654321"}`, `{"gaid":"00000000-0000-0000-0000-000000000000"}`}},
	{"pattern:location", "location",
		[]string{`{"lat":39.9091,"lng":116.3969}`, `{"loc":"116.3971,39.9085"}`, `lat=39.9100&lon=116.3980`, `{"p":{"latitude":"39.91","longitude":"116.40"}}`},
		[]string{`{"lat":31.2304,"lng":121.4737}`, `{"v":"1.2345,6.7890"}`, `{"lat":39.9091}`, `{"ver":"116.3971.39"}`}},
	{"pattern:app-list", "installed_apps",
		[]string{`{"l":"com.android.chrome,com.baidu.searchbox,com.jingdong.app.mall,com.xunmeng.pinduoduo,com.netease.cloudmusic"}`},
		[]string{`{"h":"www.qq.com,img.alicdn.com,api.weibo.com,www.baidu.com,static.zhihu.com,m.jd.com"}`, `{"l":"com.android.chrome,com.baidu.searchbox,com.jingdong.app.mall,com.xunmeng.pinduoduo"}`}},
}

func sampleFlow(s string) *evidence.Flow {
	f := &evidence.Flow{ID: 1, Method: "POST", URL: "https://x.example.com/p", Host: "x.example.com"}
	if strings.HasPrefix(s, "{") {
		f.ReqBody.Raw = []byte(s)
		f.ReqHeaders = []evidence.Header{{Name: "Content-Type", Value: "application/json"}}
	} else {
		f.URL += "?" + s
	}
	return f
}

func TestDetectorSamples(t *testing.T) {
	prof := &Profile{Location: &Location{Lat: 39.9087, Lon: 116.3975, RadiusM: 2000}}
	sc := NewScanner(prof, ScanOptions{})
	for _, d := range detectorSamples {
		for _, s := range d.match {
			if !hasDetection(sc, s, d.detector, d.pi) {
				t.Errorf("%s: should detect %s in %s", d.detector, d.pi, s)
			}
		}
		for _, s := range d.noMatch {
			if hasDetection(sc, s, d.detector, "") {
				t.Errorf("%s: false positive in %s", d.detector, s)
			}
		}
	}
}

func hasDetection(sc *Scanner, s, detector, pi string) bool {
	dets, _ := sc.ScanFlow(sampleFlow(s))
	for _, d := range dets {
		if d.Detector == detector && (pi == "" || d.PIType == pi) {
			return true
		}
	}
	return false
}

// Known-value variants: every generated variant of every value is found
// when it stands alone in a JSON string, and no variant is found in a
// value one character away.
func TestProfileVariantsFound(t *testing.T) {
	prof, _, err := ParseProfile("test.yaml", []byte(testProfileYAML))
	if err != nil {
		t.Fatal(err)
	}
	sc := NewScanner(prof, ScanOptions{})
	m := sc.Matcher()
	if len(m.Variants) < 200 {
		t.Fatalf("only %d variants", len(m.Variants))
	}
	for _, v := range m.Variants {
		if v.PIType == "installed_apps" {
			continue // needs three packages in one flow
		}
		body := `{"k":"` + strings.ReplaceAll(v.Pattern, `"`, `\"`) + `"}`
		dets, _ := sc.ScanFlow(sampleFlow(body))
		ok := false
		for _, d := range dets {
			if d.PIType == v.PIType && d.Detector == "profile" {
				ok = true
			}
		}
		if !ok {
			t.Errorf("variant %s of %s (%s) not found", v.Encoding, v.PIType, Mask(v.Pattern))
		}
	}
}

const testProfileYAML = `
imei: ["867543031234561"]
phone_number: "+86 138 1234 5678"
android_id: 3F2A9C1BE07D4A56
oaid: 7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10
mac: A4-50-46-12-AB-CD
serial: R58M12ABCDE
account: {name: 李小明, email: Xiaoming.Li@example.org}
installed_apps: [com.tencent.mm, com.sina.weibo, com.taobao.taobao]
sms: CEPING-SMS-CANARY-7f3a
`
