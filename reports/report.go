// Package reports renders a judged test (测评报告) in several formats: a
// terminal summary, JSON (schema ceping.report/v1), Markdown and a
// self-contained HTML page. Each format is an encoder over the same plain
// Report value, which the composition root (cmd/ceping) fills.
//
// The report follows 5.2.4 of the testing method: a) 被测对象, b) 测评机构
// and 测评人员, c) 测评环境, d) 总体结论, e) each 测评项 with its units, steps,
// answers, methods, evidence references, conflicts and reasons. Advisory (宜)
// units have their own section and are not counted.
//
// Everything that comes from input is treated as hostile: the HTML encoder
// uses html/template, the Markdown encoder escapes inline syntax, and the
// text formats drop control characters, ANSI escapes and bidirectional
// overrides.
package reports

import (
	"time"

	"github.com/ceping/ceping/units"
)

// Schema is the JSON schema name and version of a report (docs/schema-report.md, kept true by a test on the demo report).
const Schema = "ceping.report/v1"

// Report is everything a report shows. It is plain data: the composition
// root fills it, the encoders only read it.
type Report struct {
	// Schema is set to the Schema constant by the JSON encoder; callers may
	// leave it empty.
	Schema    string           `json:"schema"`
	Meta      Meta             `json:"meta"`
	Judgement *units.Judgement `json:"judgement"`
	// Evidence holds the optional evidence sections; nil or empty sections
	// are left out of every format.
	Evidence *Evidence `json:"evidence,omitempty"`
}

// Meta is the report's header: 5.2.4 a), b) and c), plus the scope.
type Meta struct {
	Subject     Subject     `json:"subject"`     // 被测对象
	Org         string      `json:"org"`         // 测评机构
	Testers     []string    `json:"testers"`     // 测评人员
	Environment Environment `json:"environment"` // 测评环境
	// Scope is the 测评范围 as the testers state it (e.g. which features
	// and units were tested).
	Scope         string    `json:"scope"`
	GeneratedAt   time.Time `json:"generated_at"`
	CepingVersion string    `json:"ceping_version"`
}

// Subject is the tested App (被测对象).
type Subject struct {
	Name     string `json:"name"`     // App 名称
	Version  string `json:"version"`  // 版本号
	Platform string `json:"platform"` // 操作系统平台: android, ios
	Package  string `json:"package"`  // package name or bundle id
	Operator string `json:"operator"` // 运营者
}

// Environment is the 测评环境.
type Environment struct {
	Place  string    `json:"place"`
	Start  time.Time `json:"start,omitzero"`
	End    time.Time `json:"end,omitzero"`
	Tools  []Tool    `json:"tools"`
	Device string    `json:"device"` // device model
	OS     string    `json:"os"`     // device OS and version
}

// Tool is one 测评工具 with its version.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// Evidence holds the report's evidence sections. Every section is optional.
type Evidence struct {
	PIBeforeConsent []FindingRow     `json:"pi_before_consent,omitempty"`
	CrossBorder     []CrossBorderRow `json:"cross_border,omitempty"`
	ThirdPartySDKs  []SDKRow         `json:"third_party_sdks,omitempty"`
	Permissions     []PermissionRow  `json:"permissions,omitempty"`
	Frequency       []FrequencyRow   `json:"frequency,omitempty"`
	Opaque          []OpaqueRow      `json:"opaque,omitempty"`
	// Flows describes the flows the report cites (request line without the
	// query, which may carry PI; server address; status), so each flow
	// reference in the evidence index says what was sent where.
	Flows    []FlowRow `json:"flows,omitempty"`
	Timeline *Timeline `json:"timeline,omitempty"`
	// GeoCredit is the attribution the IP geolocation data requires (e.g.
	// IP2Location LITE); shown under the cross-border section.
	GeoCredit string `json:"geo_credit,omitempty"`
}

// FindingRow is PI seen in traffic (here: before consent).
type FindingRow struct {
	Time     time.Time `json:"time"`
	PIType   string    `json:"pi_type"`
	Masked   string    `json:"masked"` // the value with its middle masked; never raw PI
	Host     string    `json:"host"`
	FlowID   int64     `json:"flow_id"`
	Encoding string    `json:"encoding"`
	Where    string    `json:"where,omitempty"`
}

// CrossBorderRow is one foreign destination that received data.
type CrossBorderRow struct {
	Host    string    `json:"host"`
	IPs     []string  `json:"ips"`
	Country string    `json:"country"` // ISO 3166 code
	PITypes []string  `json:"pi_types"`
	Flows   []int64   `json:"flows"`
	Bytes   int64     `json:"bytes"`
	First   time.Time `json:"first"`
	Phase   string    `json:"phase"`
}

// SDKRow is one third-party SDK, with the columns of table A.4 of the
// method's appendix A (第三方 SDK 基本情况表) that ceping can fill.
type SDKRow struct {
	Name        string   `json:"name"`
	Version     string   `json:"version,omitempty"`
	Provider    string   `json:"provider"`
	Purpose     string   `json:"purpose,omitempty"`
	PICollected []string `json:"pi_collected"`
	Frequency   string   `json:"frequency,omitempty"`
	Permissions []string `json:"permissions"`
	Present     bool     `json:"present"` // found in the package
	Active      bool     `json:"active"`  // its code calls a sensitive API, or it was seen sending
}

// PermissionRow is one permission the App declares.
type PermissionRow struct {
	Name       string   `json:"name"`
	PITypes    []string `json:"pi_types"`
	Sensitive  bool     `json:"sensitive"`
	Protection string   `json:"protection"`
}

// FrequencyRow is how often one PI type went to one host in one phase.
type FrequencyRow struct {
	PIType string `json:"pi_type"`
	Host   string `json:"host"`
	Phase  string `json:"phase"`
	Count  int    `json:"count"`
	// IntervalSeconds is the shortest interval between two sends.
	IntervalSeconds float64 `json:"interval_s"`
	// Reference is what the count is compared with (e.g. the frequency the
	// privacy policy declares).
	Reference string `json:"reference"`
	Exceeded  bool   `json:"exceeded"`
}

// FlowRow is one recorded exchange the report cites.
type FlowRow struct {
	ID     int64     `json:"id"`
	Time   time.Time `json:"time"`
	Method string    `json:"method,omitempty"`
	// URL is scheme://host/path: the query and fragment are left out.
	URL     string `json:"url"`
	IP      string `json:"ip,omitempty"`
	Country string `json:"country,omitempty"`
	Status  int    `json:"status,omitempty"`
	Source  string `json:"source,omitempty"` // proxy, pcap, har
}

// OpaqueRow is a flow whose body could not be inspected.
type OpaqueRow struct {
	FlowID  int64   `json:"flow_id"`
	Host    string  `json:"host"`
	Where   string  `json:"where"`
	Size    int64   `json:"size"`
	Entropy float64 `json:"entropy"`
	Reason  string  `json:"reason"`
}

// Timeline is the session's events on one time axis.
type Timeline struct {
	Start    time.Time         `json:"start"`
	End      time.Time         `json:"end"`
	Markers  []TimelineMarker  `json:"markers,omitempty"`
	Flows    []TimelineFlow    `json:"flows,omitempty"`
	Findings []TimelineFinding `json:"findings,omitempty"`
}

// TimelineMarker is a tester's marker (app-start, consent, …).
type TimelineMarker struct {
	Time time.Time `json:"time"`
	Kind string    `json:"kind"`
	Arg  string    `json:"arg,omitempty"`
}

// TimelineFlow is one flow; PI is true when PI was found in it.
type TimelineFlow struct {
	ID   int64     `json:"id"`
	Time time.Time `json:"time"`
	Host string    `json:"host"`
	PI   bool      `json:"pi"`
}

// TimelineFinding is one PI finding on the time axis.
type TimelineFinding struct {
	Time   time.Time `json:"time"`
	PIType string    `json:"pi_type"`
	FlowID int64     `json:"flow_id"`
}

// empty reports whether no evidence section has content.
func (e *Evidence) empty() bool {
	return e == nil || (len(e.PIBeforeConsent) == 0 && len(e.CrossBorder) == 0 &&
		len(e.ThirdPartySDKs) == 0 && len(e.Permissions) == 0 && len(e.Frequency) == 0 &&
		len(e.Opaque) == 0 && len(e.Flows) == 0 && e.Timeline == nil)
}
