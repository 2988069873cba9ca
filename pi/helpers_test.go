package pi

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// randomProfile makes a profile of random (valid-looking) values.
func randomProfile(t testing.TB) *Profile {
	r := rand.New(rand.NewPCG(7, 11))
	digits := func(n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = byte('0' + r.IntN(10))
		}
		return string(b)
	}
	hexs := func(n int) string {
		const h = "0123456789abcdef"
		b := make([]byte, n)
		for i := range b {
			b[i] = h[r.IntN(16)]
		}
		return string(b)
	}
	uuid := func() string { return hexs(8) + "-" + hexs(4) + "-4" + hexs(3) + "-a" + hexs(3) + "-" + hexs(12) }
	mac := func() string {
		h := hexs(12)
		return h[0:2] + ":" + h[2:4] + ":" + h[4:6] + ":" + h[6:8] + ":" + h[8:10] + ":" + h[10:12]
	}
	y := fmt.Sprintf(`imei: [%s, %s]
meid: A1%s
imsi: "460%s"
iccid: "8986%s"
phone_number: "13%s"
android_id: %s
oaid: %s
aaid: %s
idfa: %s
idfv: %s
serial: R%s
mac: "%s"
bluetooth_mac: "%s"
bssid: "%s"
ssid: Lab-%s
account: {name: 测试用户甲乙, email: u%s@example.org, id_card: %s}
contacts: [{name: 联系人丙丁, number: "139%s"}]
installed_apps: [com.example.alpha%s, com.example.beta%s, com.example.gamma%s]
sms: SMS-CANARY-%s
clipboard: CLIP-CANARY-%s
`, withLuhn("86"+digits(12)), withLuhn("35"+digits(12)), hexs(12), digits(12), digits(16), digits(9), hexs(16), uuid(), uuid(), uuid(), uuid(),
		digits(10), mac(), mac(), mac(), hexs(6), digits(6), withIDCheck("110105198"+digits(1)+"0"+fmt.Sprint(1+r.IntN(9))+"1"+fmt.Sprint(r.IntN(9))+digits(3)),
		digits(8), digits(3), digits(3), digits(3), hexs(8), hexs(8))
	p, _, err := ParseProfile("random", []byte(y))
	if err != nil {
		t.Fatalf("random profile: %v\n%s", err, y)
	}
	return p
}
