package pi

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"

	"gopkg.in/yaml.v3"
)

// Profile is the test device's known personal information: the values the
// known-value detectors look for in the traffic. It is read from a YAML
// file (see Template and docs/pi.md).
type Profile struct {
	IMEI          StringList `yaml:"imei"` // one or two (dual SIM)
	MEID          string     `yaml:"meid"`
	IMSI          string     `yaml:"imsi"`
	ICCID         string     `yaml:"iccid"`
	PhoneNumber   string     `yaml:"phone_number"`
	AndroidID     string     `yaml:"android_id"`
	OAID          string     `yaml:"oaid"`
	AAID          string     `yaml:"aaid"`
	IDFA          string     `yaml:"idfa"`
	IDFV          string     `yaml:"idfv"`
	Serial        string     `yaml:"serial"`
	MAC           string     `yaml:"mac"`
	BluetoothMAC  string     `yaml:"bluetooth_mac"`
	BSSID         string     `yaml:"bssid"`
	SSID          string     `yaml:"ssid"`
	Location      *Location  `yaml:"location"`
	Account       Account    `yaml:"account"`
	Contacts      []Contact  `yaml:"contacts"`
	InstalledApps []string   `yaml:"installed_apps"`
	SMS           string     `yaml:"sms"`
	Clipboard     string     `yaml:"clipboard"`
}

// Location is where the device is during the test.
type Location struct {
	Lat     float64 `yaml:"lat"`
	Lon     float64 `yaml:"lon"`
	RadiusM float64 `yaml:"radius_m"`
}

// Account is the test account's identity.
type Account struct {
	Name   string `yaml:"name"`
	Email  string `yaml:"email"`
	IDCard string `yaml:"id_card"`
}

// Contact is one address-book entry on the device.
type Contact struct {
	Name   string `yaml:"name"`
	Number string `yaml:"number"`
}

// StringList accepts either one scalar or a sequence of scalars.
type StringList []string

// UnmarshalYAML implements yaml.Unmarshaler.
func (l *StringList) UnmarshalYAML(n *yaml.Node) error {
	switch n.Kind {
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			*l = nil
			return nil
		}
		*l = StringList{n.Value}
		return nil
	case yaml.SequenceNode:
		var out []string
		for _, c := range n.Content {
			if c.Kind != yaml.ScalarNode {
				return fmt.Errorf("line %d: expected a string in the list", c.Line)
			}
			out = append(out, c.Value)
		}
		*l = out
		return nil
	}
	return fmt.Errorf("line %d: expected a string or a list of strings", n.Line)
}

// ProfileWarning is a doubtful value that does not stop the analysis (an
// IMEI failing its Luhn check, for example).
type ProfileWarning struct {
	File  string
	Line  int
	Field string
	Msg   string
}

func (w ProfileWarning) String() string {
	return fmt.Sprintf("%s:%d: %s: %s", w.File, w.Line, w.Field, w.Msg)
}

// LoadProfile reads and validates a device profile file.
func LoadProfile(path string) (*Profile, []ProfileWarning, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, nil, fmt.Errorf("device profile: %w", err)
	}
	return ParseProfile(path, data)
}

// ParseProfile decodes a device profile strictly (unknown keys are errors)
// and validates it. Errors and warnings name the file and the line.
func ParseProfile(name string, data []byte) (*Profile, []ProfileWarning, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, nil, fmt.Errorf("%s: %s", name, yamlErr(err))
	}
	p := &Profile{}
	if len(bytes.TrimSpace(data)) == 0 || root.Kind == 0 {
		return nil, nil, fmt.Errorf("%s: empty device profile", name)
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(p); err != nil {
		return nil, nil, fmt.Errorf("%s: %s", name, yamlErr(err))
	}
	lines := keyLines(&root)
	line := func(field string) int { return lines[field] }
	errf := func(field, format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s: %s", name, line(field), field, fmt.Sprintf(format, a...))
	}
	var warns []ProfileWarning
	warn := func(field, format string, a ...any) {
		warns = append(warns, ProfileWarning{File: name, Line: line(field), Field: field, Msg: fmt.Sprintf(format, a...)})
	}

	if len(p.IMEI) > 2 {
		return nil, nil, errf("imei", "at most two IMEIs (dual SIM), got %d", len(p.IMEI))
	}
	for i, v := range p.IMEI {
		v = strings.TrimSpace(v)
		p.IMEI[i] = v
		if !reIMEI.MatchString(v) {
			return nil, nil, errf("imei", "%s is not 15 digits", Mask(v))
		}
		if !luhnValid(v) {
			warn("imei", "IMEI %s fails its Luhn check digit; a real device's IMEI passes", Mask(v))
		}
	}
	checks := []struct {
		field string
		v     *string
		re    *regexp.Regexp
		what  string
	}{
		{"meid", &p.MEID, reMEIDField, "14 hexadecimal characters (or 18 decimal digits)"},
		{"imsi", &p.IMSI, reIMSI, "14 or 15 digits"},
		{"iccid", &p.ICCID, reICCID, "19 or 20 digits (optionally ending in F)"},
		{"phone_number", &p.PhoneNumber, rePhoneField, "a mainland mobile number 1[3-9]xxxxxxxxx, optionally +86"},
		{"android_id", &p.AndroidID, reAndroidID, "16 hexadecimal characters"},
		{"oaid", &p.OAID, reOAID, "a UUID or 16–64 hexadecimal characters"},
		{"aaid", &p.AAID, reUUID, "a UUID"},
		{"idfa", &p.IDFA, reUUID, "a UUID"},
		{"idfv", &p.IDFV, reUUID, "a UUID"},
		{"serial", &p.Serial, reSerial, "6–32 letters and digits"},
		{"mac", &p.MAC, reMACField, "a MAC address aa:bb:cc:dd:ee:ff"},
		{"bluetooth_mac", &p.BluetoothMAC, reMACField, "a MAC address aa:bb:cc:dd:ee:ff"},
		{"bssid", &p.BSSID, reMACField, "a MAC address aa:bb:cc:dd:ee:ff"},
	}
	for _, c := range checks {
		*c.v = strings.TrimSpace(*c.v)
		if *c.v == "" {
			continue
		}
		if !c.re.MatchString(*c.v) {
			return nil, nil, errf(c.field, "%s is not %s", Mask(*c.v), c.what)
		}
	}
	if p.PhoneNumber != "" {
		p.PhoneNumber = canonicalPhone(p.PhoneNumber)
	}
	for _, f := range []struct {
		field string
		v     *string
	}{{"mac", &p.MAC}, {"bluetooth_mac", &p.BluetoothMAC}, {"bssid", &p.BSSID}} {
		if *f.v != "" {
			*f.v = canonicalMAC(*f.v)
			if !validMAC(*f.v) {
				warn(f.field, "%s is an all-zero, broadcast or placeholder address that apps cannot read; it will still be searched", *f.v)
			}
		}
	}
	if p.Location != nil {
		l := p.Location
		if l.Lat < -90 || l.Lat > 90 || l.Lon < -180 || l.Lon > 180 {
			return nil, nil, errf("location", "latitude %.6f / longitude %.6f out of range", l.Lat, l.Lon)
		}
		if l.Lat == 0 && l.Lon == 0 {
			return nil, nil, errf("location", "lat and lon are both 0; give the device's real test position")
		}
		if l.RadiusM == 0 {
			l.RadiusM = 1000
		}
		if l.RadiusM < 0 || l.RadiusM > 100000 {
			return nil, nil, errf("location", "radius_m %.0f must be between 1 and 100000", l.RadiusM)
		}
		if !inChina(l.Lat, l.Lon) {
			warn("location", "the position is outside mainland China's bounding box; check lat/lon order")
		}
	}
	p.Account.IDCard = strings.ToUpper(strings.TrimSpace(p.Account.IDCard))
	if p.Account.IDCard != "" && !validIDCard(p.Account.IDCard) {
		warn("account", "id_card %s fails the GB 11643 check (checksum, date or region); it will still be searched", Mask(p.Account.IDCard))
	}
	if e := strings.TrimSpace(p.Account.Email); e != "" && !reEmail.MatchString(e) {
		return nil, nil, errf("account", "email %s is not an e-mail address", Mask(e))
	}
	for i, c := range p.Contacts {
		if strings.TrimSpace(c.Number) == "" && strings.TrimSpace(c.Name) == "" {
			return nil, nil, errf("contacts", "contact %d has neither name nor number", i+1)
		}
	}
	for _, a := range p.InstalledApps {
		if !rePackage.MatchString(a) {
			return nil, nil, errf("installed_apps", "%q is not an Android package name", a)
		}
	}
	for _, f := range []struct {
		field, v string
	}{{"sms", p.SMS}, {"clipboard", p.Clipboard}, {"ssid", p.SSID}} {
		if f.v != "" && len(f.v) < 6 {
			warn(f.field, "canary text shorter than 6 bytes is not searched (too many false positives)")
		}
	}
	if len(p.Values()) == 0 {
		return nil, nil, fmt.Errorf("%s: the device profile has no values to search for", name)
	}
	return p, warns, nil
}

func yamlErr(err error) string {
	var te *yaml.TypeError
	if errors.As(err, &te) {
		return strings.Join(te.Errors, "; ")
	}
	return strings.TrimPrefix(err.Error(), "yaml: ")
}

// keyLines maps top-level keys to their line numbers.
func keyLines(root *yaml.Node) map[string]int {
	m := map[string]int{}
	n := root
	if n.Kind == yaml.DocumentNode && len(n.Content) > 0 {
		n = n.Content[0]
	}
	if n.Kind != yaml.MappingNode {
		return m
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		m[n.Content[i].Value] = n.Content[i].Line
	}
	return m
}

// Value is one known value of the profile with its PI type.
type Value struct {
	PIType string
	Value  string
}

// Values lists the profile's searchable values in a stable order.
func (p *Profile) Values() []Value {
	if p == nil {
		return nil
	}
	var out []Value
	add := func(t, v string) {
		v = strings.TrimSpace(v)
		if len(v) >= 6 {
			out = append(out, Value{t, v})
		}
	}
	for _, v := range p.IMEI {
		add("imei", v)
	}
	add("meid", p.MEID)
	add("imsi", p.IMSI)
	add("iccid", p.ICCID)
	add("phone_number", p.PhoneNumber)
	add("android_id", p.AndroidID)
	add("oaid", p.OAID)
	add("aaid", p.AAID)
	add("idfa", p.IDFA)
	add("idfv", p.IDFV)
	add("serial", p.Serial)
	add("mac", p.MAC)
	add("bluetooth_mac", p.BluetoothMAC)
	add("bssid", p.BSSID)
	add("ssid", p.SSID)
	add("name", p.Account.Name)
	add("email", p.Account.Email)
	add("id_card", p.Account.IDCard)
	for _, c := range p.Contacts {
		if c.Number != "" {
			add("contacts", canonicalPhone(c.Number))
		}
		add("contacts", c.Name)
	}
	apps := append([]string(nil), p.InstalledApps...)
	sort.Strings(apps)
	for _, a := range apps {
		add("installed_apps", a)
	}
	add("sms", p.SMS)
	add("clipboard", p.Clipboard)
	return out
}

var (
	reIMEI       = regexp.MustCompile(`^\d{15}$`)
	reMEIDField  = regexp.MustCompile(`^(?:[0-9A-Fa-f]{14}|\d{18})$`)
	reIMSI       = regexp.MustCompile(`^\d{14,15}$`)
	reICCID      = regexp.MustCompile(`^\d{18,19}[0-9Ff]?$`)
	rePhoneField = regexp.MustCompile(`^(?:\+?86[- ]?)?1[3-9]\d[- ]?\d{4}[- ]?\d{4}$`)
	reAndroidID  = regexp.MustCompile(`^[0-9A-Fa-f]{16}$`)
	reUUID       = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$`)
	reOAID       = regexp.MustCompile(`^(?:[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}|[0-9A-Fa-f]{16,64})$`)
	reSerial     = regexp.MustCompile(`^[0-9A-Za-z]{6,32}$`)
	reMACField   = regexp.MustCompile(`^[0-9A-Fa-f]{2}(?:[:-]?[0-9A-Fa-f]{2}){5}$`)
	reEmail      = regexp.MustCompile(`^[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$`)
	rePackage    = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_]+)+$`)
)

func canonicalPhone(s string) string {
	s = strings.NewReplacer(" ", "", "-", "").Replace(strings.TrimSpace(s))
	s = strings.TrimPrefix(s, "+")
	if len(s) == 13 && strings.HasPrefix(s, "86") {
		s = s[2:]
	}
	return s
}

func canonicalMAC(s string) string {
	h := strings.ToLower(strings.NewReplacer(":", "", "-", "").Replace(s))
	if len(h) != 12 {
		return s
	}
	var b strings.Builder
	for i := 0; i < 12; i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

func inChina(lat, lon float64) bool { return lat > 18 && lat < 54 && lon > 73 && lon < 136 }
