package session

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/ceping/ceping/evidence"
)

// FlowQuery selects flows. Zero fields select everything.
type FlowQuery struct {
	// Since (inclusive) and Until (exclusive) bound Start.
	Since, Until time.Time
	// Host matches the flow's host or any subdomain of it, case-insensitive.
	Host string
	// Source keeps flows of one capture source.
	Source evidence.Source
	// Limit caps the number of flows returned (0: no cap).
	Limit int
}

const flowCols = `id, source, start, first_byte, end_time, client_addr, method, url, host,
	server_ip, server_port, scheme, sni, alpn, tls_version, not_intercepted, proto, status,
	req_headers, resp_headers, req_body, resp_body, bytes_up, bytes_down, websocket, error`

// nsOf maps t onto an int64 that orders like t (clamped outside 1678–2261).
func nsOf(t time.Time) int64 {
	switch y := t.Year(); {
	case y < 1678:
		return math.MinInt64
	case y > 2261:
		return math.MaxInt64
	}
	return t.UnixNano()
}

func fmtTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.RFC3339Nano)
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	return time.Parse(time.RFC3339Nano, s)
}

// AddFlow stores f durably and sets f.ID. Bodies are capped at the session's
// BodyCap, Content-Encoding is removed into Body.Decoded, and both forms go
// to the blob store (f's bodies get their refs and flags set).
func (s *Store) AddFlow(f *evidence.Flow) (int64, error) {
	if f == nil {
		return 0, errors.New("session: AddFlow(nil)")
	}
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	created, err := s.prepareFlow(f)
	if err != nil {
		return 0, err
	}
	if err := s.blobs.sync(created); err != nil {
		return 0, err
	}
	row, err := flowRow(f)
	if err != nil {
		return 0, err
	}
	err = s.w.do(func(tx *sql.Tx) error {
		id, err := insertFlow(tx, row)
		if err != nil {
			return err
		}
		f.ID = id
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("session: add flow: %w", err)
	}
	return f.ID, nil
}

// AddFlows stores fs in one transaction and sets their IDs.
func (s *Store) AddFlows(fs []*evidence.Flow) error {
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	rows := make([][]any, len(fs))
	var created []string
	for i, f := range fs {
		if f == nil {
			return fmt.Errorf("session: AddFlows: flow %d is nil", i)
		}
		c, err := s.prepareFlow(f)
		if err != nil {
			return err
		}
		created = append(created, c...)
		r, err := flowRow(f)
		if err != nil {
			return err
		}
		rows[i] = r
	}
	if err := s.blobs.sync(created); err != nil {
		return err
	}
	ids := make([]int64, len(fs))
	err := s.w.do(func(tx *sql.Tx) error {
		for i, r := range rows {
			id, err := insertFlow(tx, r)
			if err != nil {
				return fmt.Errorf("flow %d: %w", i, err)
			}
			ids[i] = id
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("session: add flows: %w", err)
	}
	for i, f := range fs {
		f.ID = ids[i]
	}
	return nil
}

func insertFlow(tx *sql.Tx, row []any) (int64, error) {
	res, err := tx.Exec(`INSERT INTO flows(source, start_ns, start, first_byte, end_time, client_addr,
		method, url, host, server_ip, server_port, scheme, sni, alpn, tls_version, not_intercepted,
		proto, status, req_headers, resp_headers, req_body, resp_body, bytes_up, bytes_down,
		websocket, error) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)`, row...)
	if err != nil {
		return 0, err
	}
	return res.LastInsertId()
}

func flowRow(f *evidence.Flow) ([]any, error) {
	js := func(v any) (string, error) {
		b, err := json.Marshal(v)
		return string(b), err
	}
	var parts [6]string
	var err error
	for i, v := range []any{f.ReqHeaders, f.RespHeaders, f.ReqBody, f.RespBody, f.WebSocket} {
		if parts[i], err = js(v); err != nil {
			return nil, fmt.Errorf("session: encode flow: %w", err)
		}
	}
	ni := 0
	if f.NotIntercepted {
		ni = 1
	}
	return []any{string(f.Source), nsOf(f.Start), fmtTime(f.Start), fmtTime(f.FirstByte), fmtTime(f.End),
		f.ClientAddr, f.Method, f.URL, f.Host, f.ServerIP, f.ServerPort, f.Scheme, f.SNI, f.ALPN,
		f.TLSVersion, ni, f.Proto, f.Status, parts[0], parts[1], parts[2], parts[3],
		f.BytesUp, f.BytesDown, parts[4], f.Error}, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanFlow(sc scanner) (*evidence.Flow, error) {
	var f evidence.Flow
	var src, start, fb, end, rqh, rsh, rqb, rsb, ws string
	var ni int
	if err := sc.Scan(&f.ID, &src, &start, &fb, &end, &f.ClientAddr, &f.Method, &f.URL, &f.Host,
		&f.ServerIP, &f.ServerPort, &f.Scheme, &f.SNI, &f.ALPN, &f.TLSVersion, &ni, &f.Proto, &f.Status,
		&rqh, &rsh, &rqb, &rsb, &f.BytesUp, &f.BytesDown, &ws, &f.Error); err != nil {
		return nil, err
	}
	f.Source = evidence.Source(src)
	f.NotIntercepted = ni != 0
	var err error
	if f.Start, err = parseTime(start); err != nil {
		return nil, fmt.Errorf("flow %d start: %w", f.ID, err)
	}
	if f.FirstByte, err = parseTime(fb); err != nil {
		return nil, fmt.Errorf("flow %d first_byte: %w", f.ID, err)
	}
	if f.End, err = parseTime(end); err != nil {
		return nil, fmt.Errorf("flow %d end: %w", f.ID, err)
	}
	for _, p := range []struct {
		name string
		txt  string
		v    any
	}{
		{"req_headers", rqh, &f.ReqHeaders}, {"resp_headers", rsh, &f.RespHeaders},
		{"req_body", rqb, &f.ReqBody}, {"resp_body", rsb, &f.RespBody}, {"websocket", ws, &f.WebSocket},
	} {
		if err := json.Unmarshal([]byte(p.txt), p.v); err != nil {
			return nil, fmt.Errorf("flow %d %s: %w", f.ID, p.name, err)
		}
	}
	return &f, nil
}

// Flows returns the flows q selects, ordered by Start then ID, without
// bodies (Raw, Decoded and WebSocket data are nil; the refs are set).
func (s *Store) Flows(q FlowQuery) ([]*evidence.Flow, error) {
	where, args := flowWhere(q)
	sqlText := `SELECT ` + flowCols + ` FROM flows` + where + ` ORDER BY start_ns, id`
	if q.Limit > 0 {
		sqlText += fmt.Sprintf(" LIMIT %d", q.Limit)
	}
	rows, err := s.rdb.Query(sqlText, args...)
	if err != nil {
		return nil, fmt.Errorf("session: flows: %w", err)
	}
	defer rows.Close()
	var out []*evidence.Flow
	for rows.Next() {
		f, err := scanFlow(rows)
		if err != nil {
			return nil, fmt.Errorf("session: flows: %w", err)
		}
		out = append(out, f)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("session: flows: %w", err)
	}
	return out, nil
}

func flowWhere(q FlowQuery) (string, []any) {
	var conds []string
	var args []any
	if !q.Since.IsZero() {
		conds = append(conds, "start_ns >= ?")
		args = append(args, nsOf(q.Since))
	}
	if !q.Until.IsZero() {
		conds = append(conds, "start_ns < ?")
		args = append(args, nsOf(q.Until))
	}
	if h := strings.ToLower(strings.TrimSuffix(strings.TrimSpace(q.Host), ".")); h != "" {
		esc := strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(h)
		conds = append(conds, `(lower(host) = ? OR lower(host) LIKE ? ESCAPE '\')`)
		args = append(args, h, "%."+esc)
	}
	if q.Source != "" {
		conds = append(conds, "source = ?")
		args = append(args, string(q.Source))
	}
	if len(conds) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args
}

// Flow returns one flow; with withBodies the bodies (and WebSocket data) are
// read from the blob store.
func (s *Store) Flow(id int64, withBodies bool) (*evidence.Flow, error) {
	f, err := scanFlow(s.rdb.QueryRow(`SELECT `+flowCols+` FROM flows WHERE id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("session: no flow %d", id)
	}
	if err != nil {
		return nil, fmt.Errorf("session: flow %d: %w", id, err)
	}
	if withBodies {
		if err := s.loadBodies(f); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// ForEachFlow calls fn for every flow in Start order, reading them in pages
// (no read transaction stays open while fn runs). An error from fn stops the
// walk and is returned.
func (s *Store) ForEachFlow(withBodies bool, fn func(*evidence.Flow) error) error {
	const page = 256
	lastNS, lastID := int64(math.MinInt64), int64(math.MinInt64)
	first := true
	for {
		var rows *sql.Rows
		var err error
		if first {
			rows, err = s.rdb.Query(`SELECT start_ns, `+flowCols+` FROM flows ORDER BY start_ns, id LIMIT ?`, page)
		} else {
			rows, err = s.rdb.Query(`SELECT start_ns, `+flowCols+` FROM flows
				WHERE start_ns > ? OR (start_ns = ? AND id > ?) ORDER BY start_ns, id LIMIT ?`,
				lastNS, lastNS, lastID, page)
		}
		if err != nil {
			return fmt.Errorf("session: flows: %w", err)
		}
		var batch []*evidence.Flow
		for rows.Next() {
			var ns int64
			f, err := scanFlow(prefixScanner{rows, &ns})
			if err != nil {
				rows.Close()
				return fmt.Errorf("session: flows: %w", err)
			}
			lastNS, lastID = ns, f.ID
			batch = append(batch, f)
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return fmt.Errorf("session: flows: %w", err)
		}
		first = false
		for _, f := range batch {
			if withBodies {
				if err := s.loadBodies(f); err != nil {
					return err
				}
			}
			if err := fn(f); err != nil {
				return err
			}
		}
		if len(batch) < page {
			return nil
		}
	}
}

type prefixScanner struct {
	rows *sql.Rows
	ns   *int64
}

func (p prefixScanner) Scan(dest ...any) error {
	return p.rows.Scan(append([]any{p.ns}, dest...)...)
}
