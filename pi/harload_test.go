package pi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
)

// A tiny HAR reader for the tests only (probes/har owns the real import):
// enough of HAR 1.2 to turn the fixtures into flows.
type harFile struct {
	Log struct {
		Entries []harEntry `json:"entries"`
	} `json:"log"`
}

type harNV struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

type harEntry struct {
	Started  string `json:"startedDateTime"`
	ServerIP string `json:"serverIPAddress,omitempty"`
	Request  struct {
		Method      string  `json:"method"`
		URL         string  `json:"url"`
		HTTPVersion string  `json:"httpVersion"`
		Headers     []harNV `json:"headers"`
		QueryString []harNV `json:"queryString"`
		Cookies     []harNV `json:"cookies"`
		HeadersSize int     `json:"headersSize"`
		BodySize    int     `json:"bodySize"`
		PostData    *struct {
			MimeType string `json:"mimeType"`
			Text     string `json:"text"`
		} `json:"postData,omitempty"`
	} `json:"request"`
	Response struct {
		Status      int     `json:"status"`
		StatusText  string  `json:"statusText"`
		HTTPVersion string  `json:"httpVersion"`
		Headers     []harNV `json:"headers"`
		Cookies     []harNV `json:"cookies"`
		Content     struct {
			Size     int    `json:"size"`
			MimeType string `json:"mimeType"`
			Text     string `json:"text,omitempty"`
			Encoding string `json:"encoding,omitempty"`
		} `json:"content"`
		RedirectURL string `json:"redirectURL"`
		HeadersSize int    `json:"headersSize"`
		BodySize    int    `json:"bodySize"`
	} `json:"response"`
	Cache   struct{}           `json:"cache"`
	Timings map[string]float64 `json:"timings"`
	Time    float64            `json:"time"`
}

func loadHAR(path string) ([]*evidence.Flow, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var h harFile
	if err := json.Unmarshal(data, &h); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	var out []*evidence.Flow
	for i, e := range h.Log.Entries {
		t, _ := time.Parse(time.RFC3339Nano, e.Started)
		u, _ := url.Parse(e.Request.URL)
		f := &evidence.Flow{ID: int64(i + 1), Source: evidence.SourceHAR, Start: t, Method: e.Request.Method,
			URL: e.Request.URL, ServerIP: e.ServerIP, Status: e.Response.Status}
		if u != nil {
			f.Host = u.Hostname()
			f.Scheme = u.Scheme
		}
		for _, hd := range e.Request.Headers {
			f.ReqHeaders = append(f.ReqHeaders, evidence.Header{Name: hd.Name, Value: hd.Value})
		}
		for _, hd := range e.Response.Headers {
			f.RespHeaders = append(f.RespHeaders, evidence.Header{Name: hd.Name, Value: hd.Value})
		}
		if e.Request.PostData != nil {
			f.ReqBody.Raw = []byte(e.Request.PostData.Text)
			f.ReqBody.Size = int64(len(f.ReqBody.Raw))
			if !hasHeader(f.ReqHeaders, "content-type") && e.Request.PostData.MimeType != "" {
				f.ReqHeaders = append(f.ReqHeaders, evidence.Header{Name: "Content-Type", Value: e.Request.PostData.MimeType})
			}
		}
		if e.Response.Content.Encoding == "" {
			f.RespBody.Raw = []byte(e.Response.Content.Text)
		}
		out = append(out, f)
	}
	return out, nil
}

func hasHeader(hs []evidence.Header, name string) bool {
	for _, h := range hs {
		if strings.EqualFold(h.Name, name) {
			return true
		}
	}
	return false
}
