// Package har imports HAR 1.2 files (HTTP Archive, as written by Chrome,
// Firefox, Charles, Fiddler, mitmproxy, WebPagetest…) into evidence flows
// (Source "har") and exports flows as HAR 1.2.
//
// Import is lenient about the quirks real exporters produce — `time: null`,
// no `pages`, numbers as strings, `-1` sizes, base64 bodies, `postData.params`
// without `text`, bracketed IPv6 server addresses, various date offsets — and
// strict about what it cannot read: an error names the file, the JSON path
// (entries[12].request.url) and the line:column.
//
// The package imports only evidence.
package har

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
)

// The HAR structures, only the fields ceping reads or writes.

type harFile struct {
	Log *harLog `json:"log"`
}

type harLog struct {
	Version string     `json:"version"`
	Creator harCreator `json:"creator"`
	Pages   []harPage  `json:"pages,omitempty"`
	Entries []harEntry `json:"entries"`
}

type harCreator struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

type harPage struct {
	StartedDateTime string         `json:"startedDateTime"`
	ID              string         `json:"id"`
	Title           string         `json:"title"`
	PageTimings     map[string]num `json:"pageTimings"`
}

type harEntry struct {
	Pageref         string      `json:"pageref,omitempty"`
	StartedDateTime string      `json:"startedDateTime"`
	Time            num         `json:"time"`
	Request         harRequest  `json:"request"`
	Response        harResponse `json:"response"`
	Cache           struct{}    `json:"cache"`
	Timings         harTimings  `json:"timings"`
	ServerIPAddress str         `json:"serverIPAddress,omitempty"`
	Connection      str         `json:"connection,omitempty"`
	Comment         str         `json:"comment,omitempty"`
	// WebPagetest writes the server address here.
	IPAddr str `json:"_ip_addr,omitempty"`
	// Chrome records WebSocket frames here.
	WebSocketMessages []harWSMessage `json:"_webSocketMessages,omitempty"`
}

type harRequest struct {
	Method      str          `json:"method"`
	URL         str          `json:"url"`
	HTTPVersion str          `json:"httpVersion"`
	Cookies     []harCookie  `json:"cookies"`
	Headers     []harNV      `json:"headers"`
	QueryString []harNV      `json:"queryString"`
	PostData    *harPostData `json:"postData,omitempty"`
	HeadersSize num          `json:"headersSize"`
	BodySize    num          `json:"bodySize"`
}

type harResponse struct {
	Status      num         `json:"status"`
	StatusText  str         `json:"statusText"`
	HTTPVersion str         `json:"httpVersion"`
	Cookies     []harCookie `json:"cookies"`
	Headers     []harNV     `json:"headers"`
	Content     harContent  `json:"content"`
	RedirectURL str         `json:"redirectURL"`
	HeadersSize num         `json:"headersSize"`
	BodySize    num         `json:"bodySize"`
	// Chrome and Firefox record a failure here.
	Error str `json:"_error,omitempty"`
}

type harNV struct {
	Name  str `json:"name"`
	Value str `json:"value"`
}

type harCookie struct {
	Name     str  `json:"name"`
	Value    str  `json:"value"`
	Path     str  `json:"path,omitempty"`
	Domain   str  `json:"domain,omitempty"`
	Expires  str  `json:"expires,omitempty"`
	HTTPOnly bool `json:"httpOnly,omitempty"`
	Secure   bool `json:"secure,omitempty"`
}

type harPostData struct {
	MimeType str        `json:"mimeType"`
	Params   []harParam `json:"params,omitempty"`
	Text     *str       `json:"text,omitempty"`
	// Not in HAR 1.2, but some tools base64 request bodies too.
	Encoding str `json:"encoding,omitempty"`
}

type harParam struct {
	Name        str  `json:"name"`
	Value       *str `json:"value,omitempty"`
	FileName    str  `json:"fileName,omitempty"`
	ContentType str  `json:"contentType,omitempty"`
}

type harContent struct {
	Size        num  `json:"size"`
	Compression *num `json:"compression,omitempty"`
	MimeType    str  `json:"mimeType"`
	Text        *str `json:"text,omitempty"`
	Encoding    str  `json:"encoding,omitempty"`
}

type harTimings struct {
	Blocked num `json:"blocked"`
	DNS     num `json:"dns"`
	Connect num `json:"connect"`
	Send    num `json:"send"`
	Wait    num `json:"wait"`
	Receive num `json:"receive"`
	SSL     num `json:"ssl"`
}

type harWSMessage struct {
	Type   str `json:"type"` // send, receive
	Time   num `json:"time"` // seconds since the epoch
	Opcode num `json:"opcode"`
	Data   str `json:"data"`
}

// num is a JSON number that also accepts null (absent), "" and numbers
// written as strings, as some exporters do.
type num struct {
	V  float64
	OK bool
}

func n(v float64) num { return num{V: v, OK: true} }

func (x *num) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*x = num{}
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		if s == "" {
			*x = num{}
			return nil
		}
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return &json.UnmarshalTypeError{Value: "string " + strconv.Quote(s), Type: reflect.TypeFor[float64]()}
		}
		*x = n(v)
		return nil
	}
	var v float64
	if err := json.Unmarshal(b, &v); err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[float64]()}
	}
	*x = n(v)
	return nil
}

func (x num) MarshalJSON() ([]byte, error) {
	if !x.OK {
		return []byte("-1"), nil
	}
	return strconv.AppendFloat(nil, x.V, 'f', -1, 64), nil
}

// valid reports a present, non-negative value (HAR uses -1 for unknown).
func (x num) valid() bool { return x.OK && x.V >= 0 }

// str is a JSON string that also accepts null, numbers and booleans.
type str string

func (s *str) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*s = ""
	case len(b) > 0 && b[0] == '"':
		var v string
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(v)
	case len(b) > 0 && (b[0] == '-' || b[0] >= '0' && b[0] <= '9' || b[0] == 't' || b[0] == 'f'):
		var v any
		if err := json.Unmarshal(b, &v); err != nil {
			return err
		}
		*s = str(fmt.Sprint(v))
	default:
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: reflect.TypeFor[string]()}
	}
	return nil
}

// jsonKind names the kind of a JSON value for an error message.
func jsonKind(b []byte) string {
	if len(b) == 0 {
		return "nothing"
	}
	switch b[0] {
	case '{':
		return "object"
	case '[':
		return "array"
	case '"':
		return "string"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}
