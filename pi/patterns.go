package pi

import (
	"math"
	"regexp"
	"strconv"
	"strings"
)

// Pattern detectors find PI that is not in the device profile by its shape
// and a validation (check digits, dates, ranges). Key-name hints raise the
// confidence but never alone make a detection.

// keyHint maps normalised key-name fragments to PI types.
var keyHints = []struct {
	frag, pi string
}{
	{"imei", "imei"}, {"meid", "meid"}, {"deviceid", "imei"}, {"imsi", "imsi"}, {"iccid", "iccid"},
	{"androidid", "android_id"}, {"oaid", "oaid"}, {"aaid", "aaid"}, {"gaid", "aaid"}, {"adid", "aaid"},
	{"advertisingid", "aaid"}, {"idfa", "idfa"}, {"idfv", "idfv"},
	{"bssid", "bssid"}, {"btmac", "bluetooth_mac"}, {"bluetooth", "bluetooth_mac"}, {"mac", "mac"},
	{"phone", "phone_number"}, {"mobile", "phone_number"}, {"tel", "phone_number"}, {"msisdn", "phone_number"},
	{"idcard", "id_card"}, {"idno", "id_card"}, {"certno", "id_card"}, {"sfz", "id_card"},
	{"bankcard", "bank_card"}, {"cardno", "bank_card"}, {"email", "email"}, {"mail", "email"},
	{"latitude", "lat"}, {"longitude", "lon"}, {"lat", "lat"}, {"lng", "lon"}, {"lon", "lon"},
	{"applist", "installed_apps"}, {"apps", "installed_apps"}, {"pkgs", "installed_apps"}, {"packages", "installed_apps"},
}

// normKey lower-cases the last segment of a key or location (after the
// last '.' or ':') and drops _ - [ ].
func normKey(k string) string {
	for i := 0; i < len(k); i++ {
		if k[i] >= 0x80 {
			k = strings.ToLower(k)
			break
		}
	}
	if i := strings.LastIndexAny(k, ".:"); i >= 0 {
		k = k[i+1:]
	}
	var buf [64]byte
	out := buf[:0]
	for i := 0; i < len(k); i++ {
		c := k[i]
		switch {
		case c == '_' || c == '-' || c == '[' || c == ']':
			continue
		case c >= 'A' && c <= 'Z':
			c += 'a' - 'A'
		}
		out = append(out, c)
	}
	return string(out)
}

// hintFor returns the PI type a key name suggests, or "".
func hintFor(key string) string {
	k := normKey(key)
	if k == "" {
		return ""
	}
	for _, h := range keyHints {
		if strings.Contains(k, h.frag) {
			// "lat"/"lon"/"tel"/"mac"/"mail" are short: require the key to
			// be (nearly) just that word
			if len(h.frag) <= 4 && len(k) > len(h.frag)+3 && !strings.HasSuffix(k, h.frag) && !strings.HasPrefix(k, h.frag) {
				continue
			}
			return h.pi
		}
	}
	return ""
}

var (
	reEmailFind = regexp.MustCompile(`[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,12}`)
	reMACFind   = regexp.MustCompile(`(?i)\b[0-9a-f]{2}([:-])[0-9a-f]{2}(?:[:-][0-9a-f]{2}){4}\b`)
	reUUIDFind  = regexp.MustCompile(`(?i)\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b`)
	rePairFind  = regexp.MustCompile(`(-?\d{1,3}\.\d{4,})\s*[,;|]\s*(-?\d{1,3}\.\d{4,})`)
	rePkgFind   = regexp.MustCompile(`\b(?:com|cn|org|net|io|me|tv|air|top)\.[a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+\b`)
	reNumber    = regexp.MustCompile(`^-?\d{1,3}\.\d+$`)
)

// IMEI reporting-body identifiers (first two digits of the TAC).
var imeiRBI = map[string]bool{"01": true, "10": true, "30": true, "33": true, "35": true, "44": true,
	"45": true, "49": true, "50": true, "51": true, "52": true, "53": true, "54": true, "86": true,
	"91": true, "98": true, "99": true}

func (fs *flowScan) pat(name, pi string, where *loc, v string, conf float64, layers []string) {
	fs.add(Detection{PIType: pi, Detector: "pattern:" + name, Encoding: composeEnc("plain", layers), Where: where.String(), Value: v, Confidence: math.Min(conf, 0.99)})
}

// patterns runs the pattern detectors over one value. Prefilters (digit
// runs, '@', ':') keep the regular expressions off values that cannot match.
func (fs *flowScan) patterns(where *loc, b []byte, layers []string) {
	var sh valueShape
	fs.patternsShape(where, b, layers, &sh)
}

// patternsShape is patterns filling *sh with the shape of the value (the
// leaf's nesting uses b64Run).
func (fs *flowScan) patternsShape(where *loc, b []byte, layers []string, sh *valueShape) {
	shapeOf(b, sh)
	digits, flags := int(sh.digits), sh.flags
	at, colon, dash, dot := flags&clAt != 0, flags&clColon != 0, flags&clDash != 0, flags&clDot != 0
	pf := !fs.s.noPrefilter
	if digits >= 11 && (!pf || sh.digitTok) {
		fs.digitRuns(where, b, layers)
	}
	if len(b) >= 14 && digits >= 6 && (!pf || sh.meidTok) {
		fs.meid(where, b, layers)
	}
	if at {
		eb := b
		if pf {
			lo, hi := emailWindow(b)
			eb = b[lo:hi]
		}
		for _, m := range reEmailFind.FindAll(eb, 20) {
			e := strings.ToLower(string(m))
			if strings.HasSuffix(e, ".png") || strings.HasSuffix(e, ".jpg") || strings.HasSuffix(e, ".js") || strings.HasSuffix(e, ".css") {
				continue // image@2x.png and the like
			}
			c := 0.8
			if fs.hintOf(where) == "email" {
				c = 0.95
			}
			fs.pat("email", "email", where, e, c, layers)
		}
	}
	if (colon || dash) && len(b) >= 17 && (!pf || sh.sepPair && macShape(b)) {
		for _, m := range reMACFind.FindAll(b, 20) {
			c := canonicalMAC(string(m))
			if !validMAC(c) {
				continue
			}
			pi := "mac"
			if hint := fs.hintOf(where); hint == "bssid" || hint == "bluetooth_mac" {
				pi = hint
			}
			fs.pat("mac", pi, where, c, 0.8, layers)
		}
	}
	hint := ""
	if dash && len(b) >= 32 || !dash && (len(b) == 16 || len(b) == 12) || dot {
		hint = fs.hintOf(where)
	}
	if dash && len(b) >= 32 && (hint == "oaid" || hint == "aaid" || hint == "idfa" || hint == "idfv") {
		for _, m := range reUUIDFind.FindAll(b, 5) {
			u := strings.ToLower(string(m))
			if u == "00000000-0000-0000-0000-000000000000" {
				continue // limit ad tracking: no identifier
			}
			fs.pat("ad-id", hint, where, u, 0.85, layers)
		}
	}
	if !dash && hint == "android_id" && len(b) == 16 && isHexString(b) {
		fs.pat("android-id", "android_id", where, strings.ToLower(string(b)), 0.85, layers)
	}
	if !colon && !dash && (hint == "mac" || hint == "bssid") && len(b) == 12 && isHexString(b) {
		if c := canonicalMAC(string(b)); validMAC(c) {
			fs.pat("mac", hint, where, c, 0.75, layers)
		}
	}
	if dot {
		if hint == "lat" || hint == "lon" {
			if reNumber.Match(b) {
				fs.coord(where.String(), hint, string(b))
			}
		}
		if digits >= 8 && (!pf || pairCandidate(b)) {
			for _, m := range rePairFind.FindAllSubmatch(b, 5) {
				a, _ := strconv.ParseFloat(string(m[1]), 64)
				c, _ := strconv.ParseFloat(string(m[2]), 64)
				if lat, lon, ok := fs.locate(a, c, hint != ""); ok {
					fs.pat("location", "location", where, formatCoord(lat, lon), 0.85, layers)
				}
			}
		}
		if len(b) >= 60 && (!pf || pkgStarts(b, 5) >= 5) {
			pk := map[string]bool{}
			for _, m := range rePkgFind.FindAll(b, 2000) {
				pk[string(m)] = true
			}
			if len(pk) >= 5 {
				c := 0.8
				if hint == "installed_apps" {
					c = 0.95
				}
				fs.pat("app-list", "installed_apps", where, strconv.Itoa(len(pk))+" packages", c, layers)
			}
		}
	}
}

// digitRuns finds phone numbers, IMEIs, resident ID numbers and bank cards
// in runs of digits that stand alone (not part of a longer token).
func (fs *flowScan) digitRuns(where *loc, b []byte, layers []string) {
	for i := 0; i < len(b); {
		if b[i] < '0' || b[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(b) && b[j] >= '0' && b[j] <= '9' {
			j++
		}
		xSuffix := j < len(b) && (b[j] == 'X' || b[j] == 'x') && j-i == 17
		end := j
		if xSuffix {
			end = j + 1
		}
		before := i == 0 || !isAlnum(b[i-1]) && b[i-1] != '.'
		after := end >= len(b) || !isAlnum(b[end]) && !(b[end] == '.' && end+1 < len(b) && b[end+1] >= '0' && b[end+1] <= '9')
		plus86 := i >= 3 && string(b[i-3:i]) == "+86"
		if before || plus86 {
			if n := j - i; after && (xSuffix || n == 11 || n == 13 && b[i] == '8' && b[i+1] == '6' || n >= 15 && n <= 19) {
				fs.classifyDigits(where, string(b[i:j]), xSuffix, layers)
			}
		}
		i = end
		if i == j && i < len(b) {
			i++
		}
	}
}

func (fs *flowScan) classifyDigits(where *loc, run string, x bool, layers []string) {
	n := len(run)
	hint := fs.hintOf(where)
	switch {
	case x:
		if v := run + "X"; validIDCard(v) {
			fs.pat("id-card", "id_card", where, v, 0.95, layers)
		}
	case n == 11 || n == 13 && strings.HasPrefix(run, "86"):
		p := run
		if n == 13 {
			p = run[2:]
		}
		if p[0] == '1' && p[1] >= '3' && p[1] <= '9' {
			c := 0.7
			if hint == "phone_number" {
				c = 0.95
			}
			if hint != "" && hint != "phone_number" {
				c = 0.5
			}
			fs.pat("phone", "phone_number", where, p, c, layers)
		}
	case n == 15:
		if luhnValid(run) && (imeiRBI[run[:2]] || hint == "imei") {
			c := 0.7
			if hint == "imei" {
				c = 0.95
			}
			fs.pat("imei", "imei", where, run, c, layers)
		}
	case n == 18 && validIDCard(run):
		fs.pat("id-card", "id_card", where, run, 0.95, layers)
	case n >= 16 && n <= 19:
		if luhnValid(run) && bankBIN(run) && !repetitive(run) {
			c := 0.75
			if hint == "bank_card" {
				c = 0.95
			}
			fs.pat("bank-card", "bank_card", where, run, c, layers)
		}
	}
}

// repetitive rejects numbers such as 4111111111111111 patterns of one digit
// and timestamps-like runs are excluded by the BIN check.
func repetitive(s string) bool {
	n := map[byte]int{}
	for i := 0; i < len(s); i++ {
		n[s[i]]++
	}
	return len(n) <= 2
}

// meid finds 14-hex-character MEIDs standing alone; the first two
// characters must be A0–FF (hexadecimal MEIDs) unless a key hint says meid.
func (fs *flowScan) meid(where *loc, b []byte, layers []string) {
	for i := 0; i < len(b); {
		if !isAlnum(b[i]) {
			i++
			continue
		}
		j := i
		for j < len(b) && isAlnum(b[j]) {
			j++
		}
		if j-i == 14 && isHexString(b[i:j]) {
			v := strings.ToUpper(string(b[i:j]))
			if v[0] >= 'A' || fs.hintOf(where) == "meid" {
				fs.pat("meid", "meid", where, v, 0.8, layers)
			}
		}
		i = j
	}
}

func formatCoord(lat, lon float64) string {
	return strconv.FormatFloat(lat, 'f', 4, 64) + "," + strconv.FormatFloat(lon, 'f', 4, 64)
}

// locate checks a number pair as (lat, lon) or (lon, lat): within the
// profile's radius when the profile has a location, else a plausible
// precise pair when a key hint supports it.
func (fs *flowScan) locate(a, b float64, hinted bool) (float64, float64, bool) {
	prof := fs.s.prof
	for _, p := range [][2]float64{{a, b}, {b, a}} {
		lat, lon := p[0], p[1]
		if lat < -90 || lat > 90 || lon < -180 || lon > 180 {
			continue
		}
		if prof != nil && prof.Location != nil {
			if haversine(lat, lon, prof.Location.Lat, prof.Location.Lon) <= prof.Location.RadiusM {
				return lat, lon, true
			}
			continue
		}
		if hinted && inChina(lat, lon) {
			return lat, lon, true
		}
	}
	return 0, 0, false
}

// coord collects a latitude or longitude under its parent path for pairing.
func (fs *flowScan) coord(where, which, v string) {
	parent := where
	if i := strings.LastIndexAny(where, ".:"); i >= 0 {
		parent = where[:i]
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		return
	}
	if fs.coords == nil {
		fs.coords = map[string]*coordPair{}
	}
	cp := fs.coords[parent]
	if fs.spec > 0 {
		u := coordUndo{parent: parent, existed: cp != nil}
		if cp != nil {
			u.old = *cp
		}
		j := fs.jrnl()
		j.coords = append(j.coords, u)
	}
	if cp == nil {
		cp = &coordPair{where: parent}
		fs.coords[parent] = cp
	}
	if which == "lat" {
		cp.lat, cp.hasLat = f, true
	} else {
		cp.lon, cp.hasLon = f, true
	}
}

func (fs *flowScan) pairCoords() {
	for _, cp := range fs.coords {
		if !cp.hasLat || !cp.hasLon {
			continue
		}
		if lat, lon, ok := fs.locate(cp.lat, cp.lon, true); ok && lat == cp.lat {
			w := cp.where + ".{lat,lon}"
			if !strings.Contains(cp.where, ":") {
				w = cp.where + ":{lat,lon}"
			}
			fs.pat("location", "location", plainLoc(w, ""), formatCoord(lat, lon), 0.9, nil)
		}
	}
}

func haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const r = 6371000.0
	rad := math.Pi / 180
	dlat := (lat2 - lat1) * rad
	dlon := (lon2 - lon1) * rad
	a := math.Sin(dlat/2)*math.Sin(dlat/2) + math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dlon/2)*math.Sin(dlon/2)
	return 2 * r * math.Asin(math.Sqrt(a))
}
