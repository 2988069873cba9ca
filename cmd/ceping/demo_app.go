package main

// The demo's simulated app: a scripted client that behaves like the leaky
// fixture app on a phone, sending real HTTP(S) requests through ceping's
// proxy while the "tester" marks what happens. Every planted problem is
// here, on purpose, with the unit it should fail:
//
//	PIC-12, PIC-20  IMEI and Android ID sent at start-up, before consent
//	EPI-38          MD5(OAID) sent to an attribution SDK in the US, while
//	                the privacy policy says data stays in China
//	PIS-04          ID card and phone number over cleartext HTTP
//	PIC-06          location polled every second with no feature started
//
// After the withdraw marker the app sends nothing personal (RPI-08 holds).

import (
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
)

// demoHost is one server the simulated app talks to, with the public IP the
// proxy records for it (--resolve) and whether it is reached over HTTPS.
type demoHost struct {
	Name  string
	IP    string
	HTTPS bool
}

// demoHosts are the simulated app's destinations. The IPs are real public
// addresses in the countries the report should show; no packet goes there:
// the proxy connects to the demo's local server instead (--connect-to).
var demoHosts = []demoHost{
	{"api.leaky.example.cn", "106.11.248.1", true},    // first party, CN
	{"log.leaky.example.cn", "140.205.60.46", false},  // first party, CN, cleartext
	{"t.appsflyer.com", "52.0.0.10", true},            // AppsFlyer (attribution), US
	{"ulogs.umeng.com", "223.5.5.5", true},            // Umeng (embedded SDK), CN
	{"static.leaky-cdn.com.hk", "203.198.7.66", true}, // CDN, HK: no PI
}

// demoDevice holds the identifiers the simulated app leaks; they match
// fixtures/demo/device.yaml so the known-value detectors find them.
var demoDevice = struct {
	IMEI, AndroidID, OAID, Phone, IDCard, Name string
	Lat, Lon                                   float64
}{
	IMEI: "867543031234561", AndroidID: "3f2a9c1be07d4a56",
	OAID: "7d1c8a4e-52b3-4f0e-9a61-2c9e5b7d3f10", Phone: "13812345678",
	IDCard: "110105199003071239", Name: "李小明", Lat: 39.9087, Lon: 116.3975,
}

// demoScript drives the simulated app. mark records a timeline marker; pace
// is the delay between steps (the location poll runs at 1 s regardless, as
// that is the planted frequency problem).
type demoScript struct {
	Client *http.Client
	Mark   func(kind evidence.MarkerKind, arg string) error
	Pace   time.Duration
	Polls  int // location polls (≥ 3 for a frequency finding)
	Log    func(format string, args ...any)
}

func (d *demoScript) url(host, path string) string {
	for _, h := range demoHosts {
		if h.Name == host {
			scheme := "http"
			if h.HTTPS {
				scheme = "https"
			}
			return scheme + "://" + host + path
		}
	}
	panic("demo: unknown host " + host)
}

func (d *demoScript) do(ctx context.Context, method, u, contentType string, body string) error {
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, r)
	if err != nil {
		return err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", "LeakyFixture/1.0 (Linux; Android 12; Pixel 6)")
	resp, err := d.Client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	defer resp.Body.Close()
	if _, err := io.Copy(io.Discard, resp.Body); err != nil {
		return fmt.Errorf("%s %s: %w", method, u, err)
	}
	if d.Log != nil {
		d.Log("  %s %s → %d", method, u, resp.StatusCode)
	}
	if resp.StatusCode >= 400 {
		return fmt.Errorf("%s %s: status %d", method, u, resp.StatusCode)
	}
	return nil
}

func jsonBody(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func (d *demoScript) sleep(ctx context.Context, t time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(t):
		return nil
	}
}

// Run plays the script.
func (d *demoScript) Run(ctx context.Context) error {
	if d.Polls < 3 {
		d.Polls = 3
	}
	steps := []func() error{
		func() error { return d.Mark(evidence.MarkAppStart, "") },
		// Start-up: device identifiers before the privacy notice is even shown.
		func() error {
			return d.do(ctx, "POST", d.url("api.leaky.example.cn", "/v1/device/register"), "application/json",
				jsonBody(map[string]any{"imei": demoDevice.IMEI, "androidId": demoDevice.AndroidID, "model": "Pixel 6", "os": "12"}))
		},
		func() error { return d.do(ctx, "GET", d.url("static.leaky-cdn.com.hk", "/img/splash.webp"), "", "") },
		func() error { return d.Mark(evidence.MarkConsentShown, "") },
		func() error { return d.Mark(evidence.MarkConsent, "") },
		// Attribution SDK abroad, with a hashed OAID.
		func() error {
			sum := md5.Sum([]byte(demoDevice.OAID))
			return d.do(ctx, "POST", d.url("t.appsflyer.com", "/api/v6.9/androidevent?app_id=cn.ceping.fixture.leaky"), "application/json",
				jsonBody(map[string]any{"af_events_api": "6", "oaid_md5": hex.EncodeToString(sum[:]), "eventName": "af_launch"}))
		},
		// Analytics SDK in China, declared in the policy.
		func() error {
			return d.do(ctx, "POST", d.url("ulogs.umeng.com", "/unify_logs"), "application/x-www-form-urlencoded",
				url.Values{"oaid": {demoDevice.OAID}, "appkey": {"5f1e0demo"}, "ev": {"launch"}}.Encode())
		},
		// Real-name verification over cleartext HTTP.
		func() error {
			return d.do(ctx, "POST", d.url("log.leaky.example.cn", "/realname/verify"), "application/x-www-form-urlencoded",
				url.Values{"name": {demoDevice.Name}, "idNo": {demoDevice.IDCard}, "mobile": {demoDevice.Phone}}.Encode())
		},
		// Location polled every second, no feature started by the user.
		func() error {
			for i := 0; i < d.Polls; i++ {
				lat := demoDevice.Lat + float64(i)*0.0001
				lon := demoDevice.Lon + float64(i)*0.0001
				u := d.url("api.leaky.example.cn", fmt.Sprintf("/v1/nearby?lat=%.6f&lng=%.6f", lat, lon))
				if err := d.do(ctx, "GET", u, "", ""); err != nil {
					return err
				}
				if i+1 < d.Polls {
					if err := d.sleep(ctx, time.Second); err != nil {
						return err
					}
				}
			}
			return nil
		},
		func() error { return d.Mark(evidence.MarkBackground, "") },
		func() error { return d.Mark(evidence.MarkForeground, "") },
		func() error { return d.Mark(evidence.MarkWithdraw, "") },
		// After withdrawal: only content, no personal information.
		func() error { return d.do(ctx, "GET", d.url("api.leaky.example.cn", "/v1/feed?page=1"), "", "") },
	}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
		if err := d.sleep(ctx, d.Pace); err != nil {
			return err
		}
	}
	return nil
}

func md5hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}
