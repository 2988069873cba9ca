package mitm

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
	"github.com/sirupsen/logrus"
)

// ControlInfo is what the control file holds: where the running capture's
// control endpoint listens and its bearer token.
type ControlInfo struct {
	Addr  string `json:"addr"`
	Token string `json:"token"`
	PID   int    `json:"pid"`
}

// MarkRequest is the body of POST /mark.
type MarkRequest struct {
	Kind evidence.MarkerKind `json:"kind"`
	Arg  string              `json:"arg,omitempty"`
}

// MarkResponse is the reply to POST /mark.
type MarkResponse struct {
	ID int64 `json:"id"`
}

type control struct {
	addr, token, file string
	srv               *http.Server
	done              chan struct{}
}

// ValidMarker checks a marker's kind and argument.
func ValidMarker(kind evidence.MarkerKind, arg string) error {
	for _, k := range evidence.MarkerKinds {
		if k == kind {
			switch kind {
			case evidence.MarkFeatureStart, evidence.MarkFeatureStop, evidence.MarkNote:
				if strings.TrimSpace(arg) == "" {
					return fmt.Errorf("marker %s needs an argument", kind)
				}
			}
			return nil
		}
	}
	names := make([]string, len(evidence.MarkerKinds))
	for i, k := range evidence.MarkerKinds {
		names[i] = string(k)
	}
	return fmt.Errorf("unknown marker kind %q (want one of %s)", kind, strings.Join(names, ", "))
}

func startControl(mark func(evidence.Marker) (int64, error), file string, log *logrus.Logger) (*control, error) {
	var tok [32]byte
	if _, err := rand.Read(tok[:]); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("control endpoint: %w", err)
	}
	c := &control{addr: l.Addr().String(), token: hex.EncodeToString(tok[:]), file: file, done: make(chan struct{})}
	mux := http.NewServeMux()
	mux.HandleFunc("/mark", func(w http.ResponseWriter, r *http.Request) {
		if !isLoopback(r.RemoteAddr) {
			http.Error(w, "forbidden", http.StatusForbidden)
			return
		}
		if !c.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ceping"`)
			http.Error(w, "missing or wrong token", http.StatusUnauthorized)
			return
		}
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", "POST")
			http.Error(w, "POST only", http.StatusMethodNotAllowed)
			return
		}
		var m MarkRequest
		dec := json.NewDecoder(io.LimitReader(r.Body, 64<<10))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&m); err != nil {
			http.Error(w, "bad JSON body: "+err.Error(), http.StatusBadRequest)
			return
		}
		if err := ValidMarker(m.Kind, m.Arg); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		id, err := mark(evidence.Marker{Time: time.Now(), Kind: m.Kind, Arg: m.Arg})
		if err != nil {
			log.WithError(err).Warn("recording a marker failed")
			http.Error(w, "recording the marker failed: "+err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(MarkResponse{ID: id})
	})
	c.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	if file != "" {
		if err := writeControlFile(file, ControlInfo{Addr: c.addr, Token: c.token, PID: os.Getpid()}); err != nil {
			l.Close()
			return nil, err
		}
	}
	go func() {
		defer close(c.done)
		if err := c.srv.Serve(l); err != nil && !errors.Is(err, http.ErrServerClosed) {
			log.WithError(err).Warn("control endpoint stopped")
		}
	}()
	return c, nil
}

func (c *control) authorized(r *http.Request) bool {
	h := r.Header.Get("Authorization")
	const pfx = "Bearer "
	if len(h) <= len(pfx) || !strings.EqualFold(h[:len(pfx)], pfx) {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(pfx):]), []byte(c.token)) == 1
}

func (c *control) close() error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.srv.Shutdown(ctx)
	<-c.done
	if c.file != "" {
		if rerr := os.Remove(c.file); rerr != nil && !errors.Is(rerr, os.ErrNotExist) && err == nil {
			err = rerr
		}
	}
	return err
}

func isLoopback(addr string) bool {
	h, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

func writeControlFile(path string, info ControlInfo) error {
	data, err := json.Marshal(info)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".control-*.json")
	if err != nil {
		return fmt.Errorf("control file %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("control file %s: %w", path, err)
	}
	return nil
}

// ReadControlFile reads a control file written by a running capture.
func ReadControlFile(path string) (ControlInfo, error) {
	var info ControlInfo
	data, err := os.ReadFile(path)
	if err != nil {
		return info, err
	}
	if err := json.Unmarshal(data, &info); err != nil {
		return info, fmt.Errorf("control file %s: %w", path, err)
	}
	if info.Addr == "" || info.Token == "" {
		return info, fmt.Errorf("control file %s: no address or token", path)
	}
	return info, nil
}

// PostMark sends a marker to a running capture's control endpoint.
func PostMark(ctx context.Context, info ControlInfo, kind evidence.MarkerKind, arg string) (int64, error) {
	body, _ := json.Marshal(MarkRequest{Kind: kind, Arg: arg})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://"+info.Addr+"/mark", strings.NewReader(string(body)))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Authorization", "Bearer "+info.Token)
	req.Header.Set("Content-Type", "application/json")
	cl := &http.Client{Transport: &http.Transport{Proxy: nil}, Timeout: 10 * time.Second}
	resp, err := cl.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("control endpoint %s: %s: %s", info.Addr, resp.Status, strings.TrimSpace(string(b)))
	}
	var mr MarkResponse
	if err := json.Unmarshal(b, &mr); err != nil {
		return 0, fmt.Errorf("control endpoint %s: bad reply: %w", info.Addr, err)
	}
	return mr.ID, nil
}
