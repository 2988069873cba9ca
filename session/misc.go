package session

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ceping/ceping/evidence"
)

// AddMarker stores a timeline marker durably and returns its ID.
func (s *Store) AddMarker(m evidence.Marker) (int64, error) {
	if m.Kind == "" {
		return 0, errors.New("session: marker without a kind")
	}
	var id int64
	err := s.w.do(func(tx *sql.Tx) error {
		res, err := tx.Exec(`INSERT INTO markers(time_ns, time, kind, arg) VALUES(?,?,?,?)`,
			nsOf(m.Time), fmtTime(m.Time), string(m.Kind), m.Arg)
		if err != nil {
			return err
		}
		id, err = res.LastInsertId()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("session: add marker: %w", err)
	}
	return id, nil
}

// Markers returns every marker ordered by time, then ID.
func (s *Store) Markers() ([]evidence.Marker, error) {
	rows, err := s.rdb.Query(`SELECT id, time, kind, arg FROM markers ORDER BY time_ns, id`)
	if err != nil {
		return nil, fmt.Errorf("session: markers: %w", err)
	}
	defer rows.Close()
	var out []evidence.Marker
	for rows.Next() {
		var m evidence.Marker
		var t, k string
		if err := rows.Scan(&m.ID, &t, &k, &m.Arg); err != nil {
			return nil, fmt.Errorf("session: markers: %w", err)
		}
		if m.Time, err = parseTime(t); err != nil {
			return nil, fmt.Errorf("session: marker %d: %w", m.ID, err)
		}
		m.Kind = evidence.MarkerKind(k)
		out = append(out, m)
	}
	return out, rows.Err()
}

// AddConns stores connections in one transaction and sets their IDs in cs.
func (s *Store) AddConns(cs []evidence.Conn) error {
	err := s.w.do(func(tx *sql.Tx) error {
		for i := range cs {
			c := cs[i]
			c.ID = 0
			doc, err := json.Marshal(c)
			if err != nil {
				return err
			}
			res, err := tx.Exec(`INSERT INTO conns(start_ns, doc) VALUES(?, ?)`, nsOf(c.Start), string(doc))
			if err != nil {
				return err
			}
			if cs[i].ID, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("session: add connections: %w", err)
	}
	return nil
}

// Conns returns every connection ordered by start, then ID.
func (s *Store) Conns() ([]evidence.Conn, error) {
	var out []evidence.Conn
	err := s.docs(`SELECT id, doc FROM conns ORDER BY start_ns, id`, func(id int64, doc []byte) error {
		var c evidence.Conn
		if err := json.Unmarshal(doc, &c); err != nil {
			return err
		}
		c.ID = id
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("session: connections: %w", err)
	}
	return out, nil
}

// AddDNS stores DNS answers in one transaction and sets their IDs in ds.
func (s *Store) AddDNS(ds []evidence.DNSAnswer) error {
	err := s.w.do(func(tx *sql.Tx) error {
		for i := range ds {
			d := ds[i]
			d.ID = 0
			doc, err := json.Marshal(d)
			if err != nil {
				return err
			}
			res, err := tx.Exec(`INSERT INTO dns(time_ns, doc) VALUES(?, ?)`, nsOf(d.Time), string(doc))
			if err != nil {
				return err
			}
			if ds[i].ID, err = res.LastInsertId(); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("session: add DNS answers: %w", err)
	}
	return nil
}

// DNS returns every DNS answer ordered by time, then ID.
func (s *Store) DNS() ([]evidence.DNSAnswer, error) {
	var out []evidence.DNSAnswer
	err := s.docs(`SELECT id, doc FROM dns ORDER BY time_ns, id`, func(id int64, doc []byte) error {
		var d evidence.DNSAnswer
		if err := json.Unmarshal(doc, &d); err != nil {
			return err
		}
		d.ID = id
		out = append(out, d)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("session: DNS answers: %w", err)
	}
	return out, nil
}

// SetApp stores the app's static facts, replacing earlier ones.
func (s *Store) SetApp(a *evidence.App) error {
	if a == nil {
		return s.w.do(func(tx *sql.Tx) error {
			_, err := tx.Exec(`DELETE FROM app`)
			return err
		})
	}
	doc, err := json.Marshal(a)
	if err != nil {
		return fmt.Errorf("session: encode app: %w", err)
	}
	err = s.w.do(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO app(id, doc) VALUES(1, ?) ON CONFLICT(id) DO UPDATE SET doc = excluded.doc`, string(doc))
		return err
	})
	if err != nil {
		return fmt.Errorf("session: set app: %w", err)
	}
	return nil
}

// App returns the app's facts, or nil, nil when none were stored.
func (s *Store) App() (*evidence.App, error) {
	var doc string
	err := s.rdb.QueryRow(`SELECT doc FROM app WHERE id = 1`).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("session: app: %w", err)
	}
	var a evidence.App
	if err := json.Unmarshal([]byte(doc), &a); err != nil {
		return nil, fmt.Errorf("session: app: %w", err)
	}
	return &a, nil
}

// ReplaceFindings replaces every stored finding with fs (one transaction).
// A finding keeps its ID when it has one; the others are numbered by SQLite.
func (s *Store) ReplaceFindings(fs []evidence.Finding) error {
	err := s.w.do(func(tx *sql.Tx) error {
		if _, err := tx.Exec(`DELETE FROM findings`); err != nil {
			return err
		}
		for i, f := range fs {
			var id any // nil: SQLite numbers it
			if f.ID != 0 {
				id = f.ID
			}
			doc, err := json.Marshal(f)
			if err != nil {
				return err
			}
			if _, err := tx.Exec(`INSERT INTO findings(id, flow_id, doc) VALUES(?,?,?)`, id, f.FlowID, string(doc)); err != nil {
				return fmt.Errorf("finding %d: %w", i, err)
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("session: replace findings: %w", err)
	}
	return nil
}

// Findings returns the stored findings in ID order.
func (s *Store) Findings() ([]evidence.Finding, error) {
	var out []evidence.Finding
	err := s.docs(`SELECT id, doc FROM findings ORDER BY id`, func(id int64, doc []byte) error {
		var f evidence.Finding
		if err := json.Unmarshal(doc, &f); err != nil {
			return err
		}
		f.ID = id
		out = append(out, f)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("session: findings: %w", err)
	}
	return out, nil
}

func (s *Store) docs(q string, fn func(id int64, doc []byte) error) error {
	rows, err := s.rdb.Query(q)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var doc []byte
		if err := rows.Scan(&id, &doc); err != nil {
			return err
		}
		if err := fn(id, doc); err != nil {
			return fmt.Errorf("row %d: %w", id, err)
		}
	}
	return rows.Err()
}
