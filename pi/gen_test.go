package pi

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"testing"

	"github.com/ceping/ceping/evidence"
)

// genFlows makes n flows of mixed traffic for differential tests: profile
// variants, phone numbers, IMEIs, ID and bank card numbers, coordinates,
// MACs, e-mail addresses, package lists, UUIDs and MEIDs under hinting and
// neutral keys, nested as JSON, JSON in strings, base64, URL encoding,
// gzip, JSON lines, forms, cookies, headers, WebSocket messages and
// responses, mixed with telemetry-like text and random bytes.
func genFlows(t *testing.T, prof *Profile, seed uint64, n int) []*evidence.Flow {
	r := rand.New(rand.NewPCG(seed, 99))
	m := NewMatcher(prof)
	keys := []string{"imei", "deviceId", "mobile", "tel", "lat", "lng", "latitude", "longitude", "mac", "bssid", "oaid", "gaid", "idfa", "android_id", "email", "apps", "idNo", "card", "meid", "x", "data", "payload", "ts", "v", "ua", "info"}
	gz := func(s string) string {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		zw.Write([]byte(s))
		zw.Close()
		return b.String()
	}
	var val func(d int) string
	val = func(d int) string {
		switch k := r.IntN(22); {
		case k < 5:
			return m.Variants[r.IntN(len(m.Variants))].Pattern
		case k == 5:
			return fmt.Sprintf("1%d%09d", 3+r.IntN(7), r.IntN(1e9))
		case k == 6:
			return withLuhn(fmt.Sprintf("%02d%012d", []int{35, 86, 12, 99}[r.IntN(4)], r.Int64N(1e12)))
		case k == 7:
			return fmt.Sprintf("%d.%04d,%d.%04d", 39, r.IntN(10000), 116, r.IntN(10000))
		case k == 8:
			return fmt.Sprintf("%d.%d", 30+r.IntN(20), r.IntN(1e6))
		case k == 9:
			return fmt.Sprintf("%02x:%02x:%02x:%02x:%02x:%02x", r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256), r.IntN(256))
		case k == 10:
			return fmt.Sprintf("user%d@example.com", r.IntN(100))
		case k == 11:
			return "com.a.b,com.c.d,cn.e.f,org.g.h,net.i.j,com.k.l"[:10+r.IntN(35)]
		case k == 12:
			return withIDCheck(fmt.Sprintf("1101051985%02d%02d%03d", 1+r.IntN(12), 1+r.IntN(28), r.IntN(1000)))
		case k == 13:
			return withLuhn(fmt.Sprintf("622202%011d", r.Int64N(1e11)))
		case k == 14 && d < 3:
			return base64.StdEncoding.EncodeToString([]byte(obj(r, keys, val, d+1)))
		case k == 15 && d < 3:
			return url.QueryEscape(obj(r, keys, val, d+1))
		case k == 16 && d < 3:
			return base64.RawURLEncoding.EncodeToString([]byte(gz(obj(r, keys, val, d+1))))
		case k == 17 && d < 3:
			return obj(r, keys, val, d+1)
		case k == 18:
			return fmt.Sprintf("%08x-%04x-4%03x-a%03x-%012x", r.Uint32(), r.IntN(65536), r.IntN(4096), r.IntN(4096), r.Int64N(1<<48))
		case k == 19:
			return fmt.Sprintf("A%013X", r.Int64N(1<<52))
		case k == 20:
			return string(realisticPayload(200 + r.IntN(300))[r.IntN(100):])
		}
		return fmt.Sprint(r.IntN(1e6))
	}
	var flows []*evidence.Flow
	for i := 0; i < n; i++ {
		f := &evidence.Flow{ID: int64(i + 1), Method: "POST", URL: "https://h.example.com/p?" + keys[r.IntN(len(keys))] + "=" + url.QueryEscape(val(2))}
		f.ReqHeaders = []evidence.Header{{Name: "X-" + keys[r.IntN(len(keys))], Value: val(3)}, {Name: "Cookie", Value: "a=" + val(3) + "; " + keys[r.IntN(len(keys))] + "=" + val(3)}}
		switch r.IntN(7) {
		case 0:
			f.ReqHeaders = append(f.ReqHeaders, evidence.Header{Name: "Content-Type", Value: "application/json"})
			f.ReqBody.Raw = []byte(obj(r, keys, val, 0))
		case 1:
			var lines []string
			for j := 0; j < 1+r.IntN(5); j++ {
				lines = append(lines, obj(r, keys, val, 1))
			}
			f.ReqBody.Raw = []byte(strings.Join(lines, "\n"))
		case 2:
			f.ReqHeaders = append(f.ReqHeaders, evidence.Header{Name: "Content-Type", Value: "application/x-www-form-urlencoded"})
			f.ReqBody.Raw = []byte(keys[r.IntN(len(keys))] + "=" + url.QueryEscape(val(1)) + "&" + keys[r.IntN(len(keys))] + "=" + url.QueryEscape(val(1)))
		case 3:
			f.ReqBody.Raw = []byte(gz(obj(r, keys, val, 1)))
		case 4:
			p := realisticPayload(4096)
			off := r.IntN(3000)
			f.ReqBody.Raw = append(append([]byte(nil), p[off:off+500]...), []byte(val(1))...)
			f.ReqBody.Raw = append(f.ReqBody.Raw, p[off+500:off+1000]...)
		case 5:
			f.ReqBody.Raw = pseudoRandom(200 + r.IntN(500))
		case 6:
			f.ReqBody.Raw = []byte(base64.StdEncoding.EncodeToString([]byte(obj(r, keys, val, 1))))
		}
		f.RespBody.Raw = []byte(obj(r, keys, val, 1))
		f.WebSocket = []evidence.WSMessage{{FromApp: true, Data: []byte(val(1))}, {Data: []byte(val(1))}}
		flows = append(flows, f)
	}
	return flows
}

func obj(r *rand.Rand, keys []string, val func(int) string, d int) string {
	var sb strings.Builder
	sb.WriteString("{")
	n := 1 + r.IntN(5)
	for i := 0; i < n; i++ {
		if i > 0 {
			sb.WriteString(",")
		}
		fmt.Fprintf(&sb, "%q:", keys[r.IntN(len(keys))])
		switch r.IntN(6) {
		case 0:
			fmt.Fprintf(&sb, "%d.%04d", 39+r.IntN(80), r.IntN(10000))
		case 1:
			sb.WriteString("[" + jsonS(val(d)) + "," + jsonS(val(d)) + "]")
		case 2:
			if d < 3 {
				sb.WriteString(obj(r, keys, val, d+1))
			} else {
				sb.WriteString("null")
			}
		default:
			sb.WriteString(jsonS(val(d)))
		}
	}
	sb.WriteString("}")
	return sb.String()
}
