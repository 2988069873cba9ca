package pi

import (
	"encoding/json"
	"testing"

	"github.com/ceping/ceping/evidence"
)

var fuzzScanner *Scanner

func fuzzSc(t testing.TB) *Scanner {
	if fuzzScanner == nil {
		p, _, err := ParseProfile("fuzz", []byte(testProfileYAML+"location: {lat: 39.9087, lon: 116.3975}\n"))
		if err != nil {
			t.Fatal(err)
		}
		fuzzScanner = NewScanner(p, ScanOptions{Responses: true})
	}
	return fuzzScanner
}

// FuzzLayeredDecoder feeds arbitrary bodies, content types and URLs
// through the layered decoder (JSON, form, multipart, URL, base64, gzip)
// and the pattern detectors: no panic, bounded output.
func FuzzLayeredDecoder(f *testing.F) {
	f.Add([]byte(`{"a":"eyJpbWVpIjoiODY3NTQzMDMxMjM0NTYxIn0=","b":[1,2,{"c":"%7B%22x%22%3A1%7D"}]}`), "application/json", "https://a.example.com/p?x=1&y=%ZZ")
	f.Add([]byte("imei=867543031234561&lat=39.9&lng=116.39"), "application/x-www-form-urlencoded", "http://h/?a")
	f.Add([]byte("--XX\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\n13812345678\r\n--XX--\r\n"), "multipart/form-data; boundary=XX", "https://h/u")
	f.Add([]byte{0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3, 1, 2, 3, 4, 5, 6}, "", "")
	f.Add([]byte(`{"x":"{\"y\":\"{\\\"z\\\":\\\"13812345678\\\"}\"}"}`), "application/json", "ws://h")
	f.Add([]byte(`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[`), "", "")
	f.Fuzz(func(t *testing.T, body []byte, ctype, rawURL string) {
		sc := fuzzSc(t)
		fl := &evidence.Flow{ID: 1, URL: rawURL, ReqHeaders: []evidence.Header{{Name: "Content-Type", Value: ctype}, {Name: "Cookie", Value: string(body)}}}
		fl.ReqBody.Raw = body
		fl.RespBody.Raw = body
		fl.WebSocket = []evidence.WSMessage{{FromApp: true, Data: body}}
		dets, op := sc.ScanFlow(fl)
		for _, d := range dets {
			if d.PIType == "" || d.Where == "" || d.Encoding == "" {
				t.Fatalf("incomplete detection %+v", d)
			}
		}
		for _, o := range op {
			if o.Entropy < 0 || o.Entropy > 8 {
				t.Fatalf("entropy %v", o.Entropy)
			}
		}
	})
}

// FuzzWalkJSON: the walker agrees with encoding/json on validity for
// inputs it accepts and never panics.
func FuzzWalkJSON(f *testing.F) {
	for _, s := range []string{`{}`, `[]`, `{"a":[1,-2.5e3,"x\"y",true,null,{"b":"\u4e2d"}]}`, `{"a":}`, `"str"`, `[1,]`, `{"a":1}x`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		n := 0
		err := walkJSON(b, func(l leaf, w *jsonWalker) error {
			if l.start < 0 || l.end > len(b) || l.start > l.end {
				t.Fatalf("leaf out of bounds %+v", l)
			}
			_ = w.Path()
			n++
			return nil
		})
		if err == nil && !json.Valid(b) {
			// the walker is lenient on numbers (it does not validate
			// their grammar); anything else must be valid JSON
			var v any
			if json.Unmarshal(b, &v) == nil {
				t.Fatalf("walker accepted invalid JSON %q", b)
			}
		}
	})
}

// FuzzParseProfile: arbitrary YAML gives a profile or an error naming the
// file, never a panic.
func FuzzParseProfile(f *testing.F) {
	f.Add([]byte(Template))
	f.Add([]byte(testProfileYAML))
	f.Add([]byte("imei: [1, 2, 3]\n"))
	f.Add([]byte("location: {lat: x}\n"))
	f.Add([]byte("contacts: [{}]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, _, err := ParseProfile("f.yaml", b)
		if err == nil {
			NewMatcher(p)
		} else if len(err.Error()) < 6 || err.Error()[:6] != "f.yaml" {
			t.Fatalf("error does not name the file: %v", err)
		}
	})
}

// FuzzPatterns runs the pattern detectors on arbitrary text with arbitrary
// key names.
func FuzzPatterns(f *testing.F) {
	for _, s := range detectorSamples {
		for _, m := range append(append([]string(nil), s.match...), s.noMatch...) {
			f.Add(m, "k")
		}
	}
	f.Fuzz(func(t *testing.T, text, key string) {
		fs := &flowScan{s: fuzzSc(t), budget: 1 << 20, seen: map[string]bool{}}
		fs.patterns(plainLoc("body:"+key, key), []byte(text), nil)
		fs.finish()
	})
}
