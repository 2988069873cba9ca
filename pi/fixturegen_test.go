package pi

import (
	"bytes"
	"compress/gzip"
	"crypto/md5"
	"crypto/sha1"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ceping/ceping/internal/testutil"
	"gopkg.in/yaml.v3"
)

// go test ./pi -run TestGenerateFixtures -update-fixtures rewrites
// fixtures/sessions/detectors. The labels are written from what each
// entry was built to contain, not from what the detectors find.
var updateFixtures = flag.Bool("update-fixtures", false, "rewrite fixtures/sessions/detectors")

type label struct {
	Flow     int    `yaml:"flow"`
	PIType   string `yaml:"pi_type"`
	Detector string `yaml:"detector"`
	Encoding string `yaml:"encoding"`
	Note     string `yaml:"note,omitempty"`
}

type labelFile struct {
	Session  string  `yaml:"session"`
	Profile  string  `yaml:"profile"`
	Findings []label `yaml:"findings"`
	Opaque   []int   `yaml:"opaque"`
	Decoys   []struct {
		Flow int    `yaml:"flow"`
		Note string `yaml:"note"`
	} `yaml:"decoys"`
}

func withLuhn(body string) string {
	for d := 0; d <= 9; d++ {
		s := body + string(rune('0'+d))
		if luhnValid(s) {
			return s
		}
	}
	panic("unreachable")
}

func withIDCheck(body17 string) string {
	for _, c := range "0123456789X" {
		if s := body17 + string(c); validIDCard(s) {
			return s
		}
	}
	panic("no check char")
}

func md5x(s string) string    { h := md5.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func sha1x(s string) string   { h := sha1.Sum([]byte(s)); return hex.EncodeToString(h[:]) }
func sha256x(s string) string { h := sha256.Sum256([]byte(s)); return hex.EncodeToString(h[:]) }

func gzb64(s string) string {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	zw.Write([]byte(s))
	zw.Close()
	return base64.StdEncoding.EncodeToString(b.Bytes())
}

func jsonS(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

type fxEntry struct {
	method, url, ctype, body string
	headers                  [][2]string
	labels                   []label
	opaque                   bool
	decoy                    string
}

var fxIMEI = withLuhn("86754303123456")

const fixtureProfileYAML = `# Fixture device profile for fixtures/sessions/detectors (values are made up)
imei: [%s, %s]
meid: A1000049E5C2D7
imsi: "460011234567890"
iccid: "89860117851012345678"
phone_number: "13812345678"
android_id: 3f2a9c1be07d4a56
oaid: 7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10
aaid: 0b6f2d9e-8c41-4a57-b3e2-9d5c1a7f6e48
idfa: 5E3B7C1A-9D2F-4E8B-A6C4-1F0D8E2B7A93
idfv: 2C8E4A6B-1D3F-4B5A-9E7C-0A2B4D6F8E1C
serial: R58M12ABCDE
mac: a4:50:46:12:ab:cd
bluetooth_mac: a4:50:46:12:ab:ce
bssid: 28:6c:07:9e:41:b2
ssid: CepingLab-5G
location: {lat: 39.9087, lon: 116.3975, radius_m: 2000}
account:
  name: 李小明
  email: xiaoming.li@example.org
  id_card: %s
contacts:
  - {name: 张伟国, number: "139 0000 1111"}
installed_apps: [com.tencent.mm, com.eg.android.AlipayGphone, com.sina.weibo, com.ss.android.ugc.aweme, com.taobao.taobao]
sms: CEPING-SMS-CANARY-7f3a
clipboard: CEPING-CLIP-CANARY-91bd
`

func fixtureEntries(imei2, idCard string) []fxEntry {
	L := func(pi, det, enc string) label { return label{PIType: pi, Detector: det, Encoding: enc} }
	P := func(pi, enc string) label { return L(pi, "profile", enc) }
	const api = "https://api.example-app.com"
	const sdk = "https://log.umeng.com"
	otherID := withIDCheck("44030619851203123")
	card := withLuhn("622202123456789012")
	unknownIMEI := withLuhn("35209900176148")
	apps := "com.tencent.mm,com.eg.android.AlipayGphone,com.sina.weibo,com.ss.android.ugc.aweme,com.taobao.taobao"
	return []fxEntry{
		{method: "GET", url: api + "/v1/init?imei=" + fxIMEI + "&androidId=3f2a9c1be07d4a56&v=3",
			labels: []label{P("imei", "plain"), P("android_id", "plain")}},
		{method: "POST", url: api + "/v1/reg", ctype: "application/x-www-form-urlencoded",
			body:   "device=" + md5x(fxIMEI) + "&oaid=" + strings.ToUpper("7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10") + "&ch=huawei",
			labels: []label{P("imei", "md5"), P("oaid", "upper")}},
		{method: "POST", url: sdk + "/app_logs", ctype: "application/json",
			body:   jsonS(map[string]any{"d": map[string]any{"mac": "A4:50:46:12:AB:CD", "h": strings.ToUpper(sha1x("A4504612ABCD")), "os": "android 13"}}),
			labels: []label{P("mac", "upper"), P("mac", "sha1-upper(upper-nosep)")}},
		{method: "POST", url: api + "/v1/collect", ctype: "application/json",
			body:   jsonS(map[string]any{"payload": gzb64(jsonS(map[string]any{"imsi": "460011234567890", "iccid": "89860117851012345678", "ts": 1700000000123}))}),
			labels: []label{P("imsi", "gzip+base64"), P("iccid", "gzip+base64")}},
		{method: "GET", url: api + "/v1/profile",
			headers: [][2]string{{"X-Device", base64.StdEncoding.EncodeToString([]byte(fxIMEI))}, {"Cookie", "sid=ab12cd34ef56; ph=" + url.QueryEscape("+8613812345678")}},
			labels:  []label{P("imei", "base64"), P("phone_number", "url(+86)")}},
		{method: "POST", url: api + "/v1/bind", ctype: "application/json",
			body:   jsonS(map[string]any{"p": strings.ToUpper(sha256x("13812345678")), "d2": hex.EncodeToString([]byte(imei2))}),
			labels: []label{P("phone_number", "sha256-upper"), P("imei", "hex")}},
		{method: "POST", url: api + "/v1/split?i=" + base64.RawURLEncoding.EncodeToString([]byte(fxIMEI)), ctype: "application/json",
			body:   jsonS(map[string]any{"oa": "7d1c8a4e52b34f0e9a612c9e5b7d3f10"}),
			labels: []label{P("imei", "base64"), P("oaid", "nosep")}}, // digits: URL-safe and standard base64 coincide
		{method: "POST", url: "https://lbs.amap.com/v3/geo?lat=39.9091&lng=116.3969&key=k1", ctype: "application/json",
			body:   jsonS(map[string]any{"loc": "116.3971,39.9085", "acc": 12}),
			labels: []label{L("location", "pattern:location", "plain")}},
		{method: "POST", url: api + "/v1/ext", ctype: "application/json",
			body:   jsonS(map[string]any{"ext": jsonS(map[string]any{"idfa": "5E3B7C1A-9D2F-4E8B-A6C4-1F0D8E2B7A93", "sn": "R58M12ABCDE"})}),
			labels: []label{P("idfa", "plain"), P("serial", "plain")}},
		{method: "POST", url: sdk + "/applist", ctype: "application/json",
			body:   jsonS(map[string]any{"apps": strings.Split(apps, ",")}),
			labels: []label{P("installed_apps", "plain")}},
		{method: "POST", url: sdk + "/applist2", ctype: "application/json",
			body:   jsonS(map[string]any{"l": "com.android.chrome,com.baidu.searchbox,com.jingdong.app.mall,com.xunmeng.pinduoduo,com.netease.cloudmusic,com.autonavi.minimap"}),
			labels: []label{L("installed_apps", "pattern:app-list", "plain")}},
		{method: "POST", url: api + "/v1/kyc", ctype: "application/json",
			body: jsonS(map[string]any{"mobile": "13698765432", "idNo": otherID, "card": card, "contact": "someone@qq.com"}),
			labels: []label{L("phone_number", "pattern:phone", "plain"), L("id_card", "pattern:id-card", "plain"),
				L("bank_card", "pattern:bank-card", "plain"), L("email", "pattern:email", "plain")}},
		{method: "POST", url: sdk + "/dev", ctype: "application/json",
			body:   jsonS(map[string]any{"deviceId": unknownIMEI, "meid": "A0000031A2B3C4", "bssid": "3c:46:d8:aa:bb:01"}),
			labels: []label{L("imei", "pattern:imei", "plain"), L("meid", "pattern:meid", "plain"), L("bssid", "pattern:mac", "plain")}},
		{method: "POST", url: sdk + "/ad", ctype: "application/json",
			body:   jsonS(map[string]any{"gaid": "9f8e7d6c-5b4a-4321-8fed-cba987654321", "w": 1080}),
			labels: []label{L("aaid", "pattern:ad-id", "plain")}},
		{method: "POST", url: api + "/v1/feedback", ctype: "text/plain",
			body:   "last sms: CEPING-SMS-CANARY-7f3a\nclip=" + base64.StdEncoding.EncodeToString([]byte("CEPING-CLIP-CANARY-91bd")) + "\n",
			labels: []label{P("sms", "plain"), P("clipboard", "base64")}},
		{method: "POST", url: api + "/v1/contacts/upload", ctype: "application/json",
			body:   jsonS(map[string]any{"contacts": []any{map[string]string{"n": "张伟国", "p": "139 0000 1111"}}}),
			labels: []label{P("contacts", "plain"), P("contacts", "spaced")}},
		{method: "GET", url: api + "/v1/user?nick=" + url.QueryEscape("李小明") + "&em=" + md5x("xiaoming.li@example.org"),
			labels: []label{P("name", "plain"), P("email", "md5")}},
		{method: "POST", url: api + "/v1/sec", ctype: "application/json",
			body:   jsonS(map[string]any{"data": base64.StdEncoding.EncodeToString(pseudoRandom(512)), "v": 2}),
			opaque: true},
		{method: "POST", url: api + "/v1/wifi", ctype: "application/json",
			body:   jsonS(map[string]any{"ssid": "CepingLab-5G", "bssid": "286C079E41B2", "bt": sha256x("a4:50:46:12:ab:ce")}),
			labels: []label{P("ssid", "plain"), P("bssid", "upper-nosep"), P("bluetooth_mac", "sha256")}},
		{method: "POST", url: api + "/v1/meid", ctype: "application/x-www-form-urlencoded",
			body:   "m=a1000049e5c2d7&s=" + sha1x("3f2a9c1be07d4a56") + "&ic=" + withIDCheck(idCard[:17]),
			labels: []label{P("meid", "lower"), P("android_id", "sha1"), P("id_card", "plain")}},
		// decoys: nothing here is the device's PI
		{method: "POST", url: api + "/v1/order", ctype: "application/json",
			body:  jsonS(map[string]any{"orderId": notLuhn("86754303123457"), "ts": "1700000000000", "n": "12345678901", "idLike": badIDCheck(otherID), "cardLike": notLuhn("622202123456789013")}),
			decoy: "numbers failing Luhn, timestamps, an 11-digit number starting 12, an 18-digit number with a wrong check character"},
		{method: "POST", url: api + "/v1/near", ctype: "application/json",
			body:  jsonS(map[string]any{"i": nearMiss(fxIMEI), "token": "3f2a9c1be07d4a57", "cid": "7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f11"}),
			decoy: "near misses: IMEI, Android ID and OAID with one character changed"},
		{method: "POST", url: api + "/v1/tok", ctype: "application/json",
			body:  jsonS(map[string]any{"tk": "a" + fxIMEI + "b", "n": "12345" + fxIMEI, "s": "R58M12ABCDEF", "h": "x" + md5x(fxIMEI)[:30]}),
			decoy: "profile values inside longer tokens"},
		{method: "POST", url: api + "/v1/misc", ctype: "application/json",
			body:  jsonS(map[string]any{"requestId": "4b1e9c2d-7a3f-4d6e-8b5c-1f2e3d4c5b6a", "mac": "02:00:00:00:00:00", "m2": "00:00:00:00:00:00", "lat": 31.2304, "lng": 121.4737, "icon": "icon@2x.png"}),
			decoy: "UUID without key hint, placeholder MACs, a position 1000 km away, image@2x name"},
		{method: "POST", url: api + "/v1/hosts", ctype: "application/json",
			body:  jsonS(map[string]any{"hosts": "www.qq.com,img.alicdn.com,api.weibo.com,www.baidu.com,static.zhihu.com,m.jd.com", "note": base64.StdEncoding.EncodeToString([]byte("hello world, nothing personal here"))}),
			decoy: "host name list (not an app list), base64 of harmless text"},
	}
}

func notLuhn(body string) string {
	for d := 0; d <= 9; d++ {
		s := body + string(rune('0'+d))
		if !luhnValid(s) {
			return s
		}
	}
	return body + "0"
}

func badIDCheck(id string) string {
	for _, c := range "0123456789X" {
		if s := id[:17] + string(c); !validIDCard(s) {
			return s
		}
	}
	return id
}

func nearMiss(s string) string {
	b := []byte(s)
	b[7] = '0' + (b[7]-'0'+1)%10
	return string(b)
}

func pseudoRandom(n int) []byte {
	out := make([]byte, 0, n)
	seed := sha256.Sum256([]byte("ceping fixture"))
	for len(out) < n {
		seed = sha256.Sum256(seed[:])
		out = append(out, seed[:]...)
	}
	return out[:n]
}

func TestGenerateFixtures(t *testing.T) {
	if !*updateFixtures {
		t.Skip("run with -update-fixtures to rewrite fixtures/sessions/detectors")
	}
	dir := testutil.Path("fixtures", "sessions", "detectors")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	imei2 := withLuhn("86754303765432")
	idCard := withIDCheck("11010519900307123")
	prof := fmt.Sprintf(fixtureProfileYAML, fxIMEI, imei2, idCard)
	entries := fixtureEntries(imei2, idCard)
	var h harFile
	lf := labelFile{Session: "session.har", Profile: "device.yaml"}
	t0 := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	var raw []map[string]any
	for i, e := range entries {
		u, _ := url.Parse(e.url)
		hs := []harNV{{"Host", u.Host}, {"User-Agent", "okhttp/4.9.3"}}
		for _, kv := range e.headers {
			hs = append(hs, harNV{kv[0], kv[1]})
		}
		req := map[string]any{"method": e.method, "url": e.url, "httpVersion": "HTTP/1.1", "headers": hs,
			"queryString": []harNV{}, "cookies": []harNV{}, "headersSize": -1, "bodySize": len(e.body)}
		if e.body != "" {
			hs = append(hs, harNV{"Content-Type", e.ctype})
			req["headers"] = hs
			req["postData"] = map[string]any{"mimeType": e.ctype, "text": e.body}
		}
		raw = append(raw, map[string]any{
			"startedDateTime": t0.Add(time.Duration(i) * 1500 * time.Millisecond).Format(time.RFC3339Nano),
			"time":            42, "serverIPAddress": "203.119.169.10",
			"request": req,
			"response": map[string]any{"status": 200, "statusText": "OK", "httpVersion": "HTTP/1.1",
				"headers": []harNV{{"Content-Type", "application/json"}}, "cookies": []harNV{},
				"content":     map[string]any{"size": 11, "mimeType": "application/json", "text": `{"code":0}`},
				"redirectURL": "", "headersSize": -1, "bodySize": 11},
			"cache": map[string]any{}, "timings": map[string]any{"send": 1, "wait": 40, "receive": 1},
		})
		for _, l := range e.labels {
			l.Flow = i
			lf.Findings = append(lf.Findings, l)
		}
		if e.opaque {
			lf.Opaque = append(lf.Opaque, i)
		}
		if e.decoy != "" {
			lf.Decoys = append(lf.Decoys, struct {
				Flow int    `yaml:"flow"`
				Note string `yaml:"note"`
			}{i, e.decoy})
		}
	}
	_ = h
	har := map[string]any{"log": map[string]any{"version": "1.2", "creator": map[string]any{"name": "ceping fixture generator", "version": "1"}, "entries": raw}}
	hb, _ := json.MarshalIndent(har, "", "  ")
	lb, _ := yaml.Marshal(lf)
	head := "# Expected findings of fixtures/sessions/detectors/session.har (flow = 0-based HAR entry).\n# Generated by TestGenerateFixtures from how each entry was built; see docs/pi.md.\n"
	for name, data := range map[string][]byte{"session.har": hb, "device.yaml": []byte(prof), "labels.yaml": append([]byte(head), lb...)} {
		if err := os.WriteFile(filepath.Join(dir, name), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
