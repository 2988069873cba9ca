// Package evidence is ceping's shared, dependency-free evidence model: what
// the probes record (flows, connections, DNS answers, timeline markers, the
// app package's facts, PI findings) and how a verdict points at it (Ref).
//
// It imports only the standard library and nothing of ceping, so every other
// package may import it.
package evidence

import "time"

// Ref points at one piece of evidence from a step answer or a report.
type Ref struct {
	// Kind is one of the RefKind constants.
	Kind RefKind `json:"kind" yaml:"kind"`
	// ID identifies the item within its kind (a flow id, a marker id, a
	// manifest path such as "uses-permission/android.permission.READ_CONTACTS").
	ID string `json:"id" yaml:"id"`
	// Label is a short human-readable description (never raw PI).
	Label string `json:"label,omitempty" yaml:"label,omitempty"`
}

// RefKind names the kind of evidence a Ref points at.
type RefKind string

// The kinds of evidence.
const (
	RefFlow     RefKind = "flow"
	RefConn     RefKind = "conn"
	RefDNS      RefKind = "dns"
	RefMarker   RefKind = "marker"
	RefFinding  RefKind = "finding"
	RefManifest RefKind = "manifest"
	RefAPK      RefKind = "apk"
	RefPolicy   RefKind = "policy"
	RefFile     RefKind = "file"
)

// Source says how a flow or connection was captured.
type Source string

// Capture sources.
const (
	SourceProxy Source = "proxy"
	SourcePcap  Source = "pcap"
	SourceHAR   Source = "har"
)

// Header is one HTTP header line; order and duplicates are kept.
type Header struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Body is an HTTP message body as recorded.
type Body struct {
	// Size is the number of bytes on the wire (before decoding).
	Size int64 `json:"size"`
	// Encoding is the Content-Encoding that was applied ("" for identity).
	Encoding string `json:"encoding,omitempty"`
	// Raw is the body as received, up to the store's cap.
	Raw []byte `json:"-"`
	// Decoded is the body after removing Content-Encoding; nil when
	// identical to Raw or not decodable.
	Decoded []byte `json:"-"`
	// RawRef and DecodedRef are content addresses (hex SHA-256) of the
	// bodies in the session's blob store.
	RawRef     string `json:"raw_ref,omitempty"`
	DecodedRef string `json:"decoded_ref,omitempty"`
	// Truncated is set when the body exceeded the cap and was cut.
	Truncated bool `json:"truncated,omitempty"`
	// DecodeError says why Content-Encoding could not be removed.
	DecodeError string `json:"decode_error,omitempty"`
}

// Bytes returns the decoded body when there is one, else the raw body.
func (b Body) Bytes() []byte {
	if b.Decoded != nil {
		return b.Decoded
	}
	return b.Raw
}

// Flow is one HTTP exchange (or a connection-level record when TLS was not
// intercepted), whatever captured it.
type Flow struct {
	ID         int64     `json:"id"`
	Source     Source    `json:"source"`
	Start      time.Time `json:"start"`
	FirstByte  time.Time `json:"first_byte,omitzero"`
	End        time.Time `json:"end,omitzero"`
	ClientAddr string    `json:"client_addr,omitempty"`

	Method string `json:"method,omitempty"`
	URL    string `json:"url,omitempty"`
	Host   string `json:"host,omitempty"`
	// ServerIP and ServerPort are the address actually connected to.
	ServerIP   string `json:"ip,omitempty"`
	ServerPort int    `json:"port,omitempty"`

	// Scheme is "http", "https", "ws" or "wss".
	Scheme     string `json:"scheme,omitempty"`
	SNI        string `json:"sni,omitempty"`
	ALPN       string `json:"alpn,omitempty"`
	TLSVersion string `json:"tls_version,omitempty"`
	// NotIntercepted marks a TLS connection whose content could not be read
	// (the client rejected our certificate, or the host was passed through).
	NotIntercepted bool   `json:"not_intercepted,omitempty"`
	Proto          string `json:"proto,omitempty"` // HTTP/1.1, HTTP/2.0

	Status      int      `json:"status,omitempty"`
	ReqHeaders  []Header `json:"req_headers,omitempty"`
	RespHeaders []Header `json:"resp_headers,omitempty"`
	ReqBody     Body     `json:"req_body"`
	RespBody    Body     `json:"resp_body"`

	// BytesUp and BytesDown count bytes each way at the connection level
	// when known (pass-through and pcap connections).
	BytesUp   int64 `json:"bytes_up,omitempty"`
	BytesDown int64 `json:"bytes_down,omitempty"`

	// WebSocket messages, when the flow upgraded.
	WebSocket []WSMessage `json:"websocket,omitempty"`

	// Error says what went wrong (upstream failure, malformed input) when
	// the record is partial.
	Error string `json:"error,omitempty"`
}

// WSMessage is one WebSocket message.
type WSMessage struct {
	Time     time.Time `json:"time"`
	FromApp  bool      `json:"from_app"`
	Opcode   int       `json:"opcode"`
	Data     []byte    `json:"-"`
	Size     int64     `json:"size"`
	DataRef  string    `json:"data_ref,omitempty"`
	Truncate bool      `json:"truncated,omitempty"`
}

// Conn is a transport connection seen in a packet capture or at the proxy.
type Conn struct {
	ID        int64     `json:"id"`
	Source    Source    `json:"source"`
	Proto     string    `json:"proto"` // tcp, udp, quic
	SrcIP     string    `json:"src_ip"`
	SrcPort   int       `json:"src_port"`
	DstIP     string    `json:"dst_ip"`
	DstPort   int       `json:"dst_port"`
	Start     time.Time `json:"start"`
	End       time.Time `json:"end,omitzero"`
	BytesUp   int64     `json:"bytes_up"`
	BytesDown int64     `json:"bytes_down"`
	SNI       string    `json:"sni,omitempty"`
	ALPN      string    `json:"alpn,omitempty"`
	// Host is the best name for DstIP: SNI, else an HTTP Host, else DNS.
	Host string `json:"host,omitempty"`
}

// DNSAnswer is one DNS response seen: a question name and what it resolved to.
type DNSAnswer struct {
	ID      int64     `json:"id"`
	Time    time.Time `json:"time"`
	Name    string    `json:"name"`
	Type    string    `json:"type"` // A, AAAA, CNAME…
	Answers []string  `json:"answers"`
}

// MarkerKind is a timeline event the tester marks during a session.
type MarkerKind string

// The marker kinds.
const (
	MarkAppStart     MarkerKind = "app-start"
	MarkConsentShown MarkerKind = "consent-shown"
	MarkConsent      MarkerKind = "consent"
	MarkRefuse       MarkerKind = "refuse"
	MarkFeatureStart MarkerKind = "feature-start"
	MarkFeatureStop  MarkerKind = "feature-stop"
	MarkBackground   MarkerKind = "background"
	MarkForeground   MarkerKind = "foreground"
	MarkWithdraw     MarkerKind = "withdraw"
	MarkNote         MarkerKind = "note"
)

// MarkerKinds lists every marker kind in a stable order.
var MarkerKinds = []MarkerKind{
	MarkAppStart, MarkConsentShown, MarkConsent, MarkRefuse,
	MarkFeatureStart, MarkFeatureStop, MarkBackground, MarkForeground,
	MarkWithdraw, MarkNote,
}

// Marker is one timeline event. Arg is the feature name for feature-start
// and feature-stop, and the text for note.
type Marker struct {
	ID   int64      `json:"id"`
	Time time.Time  `json:"time"`
	Kind MarkerKind `json:"kind"`
	Arg  string     `json:"arg,omitempty"`
}
