package evidence

import "time"

// Finding is one observation of personal information in captured traffic:
// which PI type, how it was encoded, where in which flow, in which phase and
// to whom. Owned by package pi, which produces it; the session stores it.
type Finding struct {
	ID       int64     `json:"id"`
	FlowID   int64     `json:"flow_id"`
	Time     time.Time `json:"time"`
	PIType   string    `json:"pi_type"`  // imei, oaid, location, phone_number…
	Detector string    `json:"detector"` // profile, pattern:<name>
	Encoding string    `json:"encoding"` // plain, md5, sha1, sha256, base64, url, hex…
	Where    string    `json:"where"`    // url, query:<key>, header:<name>, cookie, body, body:<path>
	// Masked is the value with its middle masked (8612****5678); the raw
	// value is never stored in a finding.
	Masked     string  `json:"masked"`
	Confidence float64 `json:"confidence"`
	Sensitive  bool    `json:"sensitive"` // 个人敏感信息

	Phase   string `json:"phase"` // before-consent, after-consent, after-refusal, background, after-withdrawal, unknown
	Feature string `json:"feature,omitempty"`
	Host    string `json:"host"`
	IP      string `json:"ip,omitempty"`
	Country string `json:"country,omitempty"` // ISO 3166 code; CN is mainland China
	Abroad  bool   `json:"abroad"`            // HK, MO and TW count as cross-border
	Party   string `json:"party"`             // first, third
	SDK     string `json:"sdk,omitempty"`     // SDK id when the host belongs to one
	Company string `json:"company,omitempty"`
	Scheme  string `json:"scheme,omitempty"` // http (cleartext) or https
}

// Opaque records a flow whose body could not be inspected (encrypted or
// compressed in an unknown way), so the tester knows what was not seen.
type Opaque struct {
	FlowID  int64   `json:"flow_id"`
	Where   string  `json:"where"`
	Entropy float64 `json:"entropy"`
	Size    int64   `json:"size"`
	Reason  string  `json:"reason"`
}
