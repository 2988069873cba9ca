package evidence

// App is what static analysis of an app package found (APK or IPA). The
// session stores it as the app's facts; evaluators read it (for example
// PIC-08 step 1: TargetSDK < 23). Owned by probes/apk and probes/ipa, which
// fill it; the JSON form is documented in docs/apk.md.
type App struct {
	File     string `json:"file"`
	SHA256   string `json:"sha256"`
	Platform string `json:"platform"` // android, ios

	Package     string `json:"package"`
	Label       string `json:"label,omitempty"`
	VersionCode int64  `json:"version_code"`
	VersionName string `json:"version_name"`
	MinSDK      int    `json:"min_sdk"`
	TargetSDK   int    `json:"target_sdk"`
	MaxSDK      int    `json:"max_sdk,omitempty"`
	MinOS       string `json:"min_os,omitempty"` // iOS MinimumOSVersion

	Permissions []Permission `json:"permissions"`
	Queries     []string     `json:"queries,omitempty"` // <queries> packages and intents
	Components  []Component  `json:"components"`
	SelfStart   []SelfStart  `json:"self_start"`

	UsesCleartextTraffic *bool          `json:"uses_cleartext_traffic,omitempty"` // nil: attribute absent
	CleartextAllowed     bool           `json:"cleartext_allowed"`                // effective default for the targetSdk and config
	NetworkSecurity      *NetworkConfig `json:"network_security,omitempty"`
	AllowBackup          bool           `json:"allow_backup"`
	Debuggable           bool           `json:"debuggable"`

	// iOS: NS*UsageDescription keys with the purpose text shown to the user.
	UsageDescriptions []UsageDescription `json:"usage_descriptions,omitempty"`
	ATSExceptions     []string           `json:"ats_exceptions,omitempty"`

	Dex            []DexFile       `json:"dex"`
	SDKs           []SDKHit        `json:"sdks"`
	SensitiveCalls []SensitiveCall `json:"sensitive_calls"`
	Endpoints      []Endpoint      `json:"endpoints"`
	Packer         *Packer         `json:"packer"`
	Signing        Signing         `json:"signing"`

	// Warnings are problems met while reading the package that did not stop
	// the analysis (a corrupt dex, a truncated resource table…).
	Warnings []string `json:"warnings,omitempty"`
}

// Permission is one uses-permission with its PI classification.
type Permission struct {
	Name       string   `json:"name"`
	MaxSDK     int      `json:"max_sdk,omitempty"`
	PITypes    []string `json:"pi_types,omitempty"` // GB/T 35273 appendix A/B terms
	Sensitive  bool     `json:"sensitive"`          // grants access to sensitive PI
	Protection string   `json:"protection,omitempty"`
}

// Component is an activity, service, receiver or provider.
type Component struct {
	Kind       string         `json:"kind"` // activity, service, receiver, provider
	Name       string         `json:"name"`
	Exported   bool           `json:"exported"`           // effective value
	Explicit   *bool          `json:"explicit,omitempty"` // android:exported as written, nil when absent
	Permission string         `json:"permission,omitempty"`
	Filters    []IntentFilter `json:"filters,omitempty"`
	Authority  string         `json:"authority,omitempty"` // providers
	Enabled    *bool          `json:"enabled,omitempty"`
}

// IntentFilter is one <intent-filter>.
type IntentFilter struct {
	Actions    []string `json:"actions,omitempty"`
	Categories []string `json:"categories,omitempty"`
	Data       []string `json:"data,omitempty"` // scheme://host:port/path as written
}

// SelfStart is a way the app can start itself without the user (PIC-13).
type SelfStart struct {
	Component string `json:"component"`
	Kind      string `json:"kind"`    // receiver, service, provider
	Trigger   string `json:"trigger"` // the action or mechanism, e.g. android.intent.action.BOOT_COMPLETED
}

// NetworkConfig is the app's network_security_config.
type NetworkConfig struct {
	File              string   `json:"file"`
	CleartextDefault  *bool    `json:"cleartext_default,omitempty"`
	CleartextDomains  []string `json:"cleartext_domains,omitempty"`
	TrustsUserCAs     bool     `json:"trusts_user_cas"`
	DebugTrustsUserCA bool     `json:"debug_trusts_user_cas,omitempty"`
	Pins              []string `json:"pins,omitempty"` // domains with pin-set
}

// UsageDescription is an iOS purpose string.
type UsageDescription struct {
	Key     string   `json:"key"`
	Text    string   `json:"text"`
	PITypes []string `json:"pi_types,omitempty"`
}

// DexFile summarises one classesN.dex.
type DexFile struct {
	Name       string `json:"name"`
	Classes    int    `json:"classes"`
	MethodRefs int    `json:"method_refs"`
	Strings    int    `json:"strings"`
}

// SDKHit is a third-party SDK found in the package.
type SDKHit struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Company  string   `json:"company"`
	Category string   `json:"category"`
	PITypes  []string `json:"pi_types,omitempty"` // what it typically collects
	Domains  []string `json:"domains,omitempty"`  // its known endpoints
	Matched  []string `json:"matched"`            // the signatures that matched (class prefix, lib, asset)
	// Active is true when code of the SDK calls a sensitive API; present is
	// not the same as active.
	Active bool `json:"active"`
}

// SensitiveCall is a call site of a privacy-sensitive API (or a sensitive
// content URI found as a string).
type SensitiveCall struct {
	API    string `json:"api"`     // e.g. android/telephony/TelephonyManager.getDeviceId
	PIType string `json:"pi_type"` // e.g. imei
	Caller string `json:"caller"`  // calling class (dotted), and method
	Method string `json:"method,omitempty"`
	SDK    string `json:"sdk,omitempty"` // SDK id when the caller belongs to one; "" for the app itself
	Dex    string `json:"dex,omitempty"`
	Kind   string `json:"kind,omitempty"` // invoke, field, string
}

// Endpoint is a URL or host name found in the package.
type Endpoint struct {
	Value string `json:"value"`
	Host  string `json:"host"`
	Where string `json:"where"` // classes.dex, res/…, assets/…
	SDK   string `json:"sdk,omitempty"`
}

// Packer is a hardening/packing product (加固) detected in the package.
type Packer struct {
	Name    string   `json:"name"`
	Matched []string `json:"matched"`
}

// Signing is what the package's signatures say.
type Signing struct {
	Schemes      []string      `json:"schemes"` // v1, v2, v3
	Certificates []Certificate `json:"certificates"`
}

// Certificate is one signer certificate.
type Certificate struct {
	Subject   string `json:"subject"`
	Issuer    string `json:"issuer"`
	Serial    string `json:"serial"`
	NotBefore string `json:"not_before"`
	NotAfter  string `json:"not_after"`
	SHA256    string `json:"sha256"`
}
