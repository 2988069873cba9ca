// Package session is a ceping session folder: a SQLite database in WAL mode
// (session.db) holding flows, markers, connections, DNS answers, the app's
// facts, findings and small JSON documents, beside a content-addressed blob
// store (blobs/ab/abcdef…, hex SHA-256) holding HTTP bodies.
//
// Every path inside the folder is relative, so a session can be copied to
// another machine. AddFlow is durable when it returns: the database runs with
// synchronous=FULL, and concurrent callers are batched into one transaction
// (group commit), each returning only after that transaction committed.
//
// The package imports only evidence (and the standard library and SQLite).
package session

import (
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver (pure Go)
)

// DBName is the database file inside a session folder.
const DBName = "session.db"

// BlobDir is the blob folder inside a session folder.
const BlobDir = "blobs"

// DefaultBodyCap is the body cap when Meta.BodyCap is 0: 16 MiB.
const DefaultBodyCap int64 = 16 << 20

// Meta describes a session.
type Meta struct {
	App     string    `json:"app"`
	APK     string    `json:"apk,omitempty"`
	Created time.Time `json:"created"`
	Notes   string    `json:"notes,omitempty"`
	// BodyCap is the largest body kept, raw or decoded; 0 means
	// DefaultBodyCap.
	BodyCap int64 `json:"body_cap"`
}

// Store is an open session. Its methods are safe for concurrent use.
type Store struct {
	dir   string
	meta  Meta
	wdb   *sql.DB // the one writer connection
	rdb   *sql.DB // readers
	blobs *blobStore
	w     *writer
	// gcMu is held shared by flow writes from their first blob until their
	// row committed, and exclusively by GC.
	gcMu sync.RWMutex
}

// Create makes a new session in dir (created when missing). It fails when a
// session already exists there.
func Create(dir string, m Meta) (*Store, error) {
	if dir == "" {
		return nil, errors.New("session: empty directory name")
	}
	dbPath := filepath.Join(dir, DBName)
	if _, err := os.Stat(dbPath); err == nil {
		return nil, fmt.Errorf("session: %s already holds a session (%s exists)", dir, DBName)
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("session: %w", err)
	}
	if err := os.MkdirAll(filepath.Join(dir, BlobDir), 0o755); err != nil {
		return nil, fmt.Errorf("session: create %s: %w", dir, err)
	}
	if m.Created.IsZero() {
		m.Created = time.Now()
	}
	if m.BodyCap <= 0 {
		m.BodyCap = DefaultBodyCap
	}
	s, err := open(dir, true)
	if err != nil {
		return nil, err
	}
	if err := s.PutJSON(metaKey, m); err != nil {
		s.Close()
		return nil, err
	}
	s.meta = m
	return s, nil
}

// Open opens an existing session folder.
func Open(dir string) (*Store, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("session: %s: %w", dir, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("session: %s is not a session folder (not a directory)", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, DBName)); err != nil {
		return nil, fmt.Errorf("session: %s is not a ceping session (no %s inside; create one with `ceping session new`)", dir, DBName)
	}
	s, err := open(dir, false)
	if err != nil {
		return nil, err
	}
	var m Meta
	ok, err := s.GetJSON(metaKey, &m)
	if err != nil {
		s.Close()
		return nil, err
	}
	if !ok {
		s.Close()
		return nil, fmt.Errorf("session: %s: %s has no session metadata", dir, DBName)
	}
	if m.BodyCap <= 0 {
		m.BodyCap = DefaultBodyCap
	}
	s.meta = m
	return s, nil
}

const metaKey = "session.meta"

func dsn(path string, write bool) string {
	q := url.Values{}
	q.Add("_pragma", "busy_timeout(30000)")
	q.Add("_pragma", "journal_mode(WAL)")
	q.Add("_pragma", "synchronous(FULL)")
	q.Add("_pragma", "foreign_keys(1)")
	if write {
		q.Set("_txlock", "immediate")
	} else {
		q.Add("_pragma", "query_only(1)")
	}
	return "file:" + path + "?" + q.Encode()
}

func open(dir string, create bool) (*Store, error) {
	dbPath := filepath.Join(dir, DBName)
	if !create {
		// Refuse to let SQLite create an empty database for a missing file.
		if _, err := os.Stat(dbPath); err != nil {
			return nil, fmt.Errorf("session: %w", err)
		}
	}
	wdb, err := sql.Open("sqlite", dsn(dbPath, true))
	if err != nil {
		return nil, fmt.Errorf("session: open %s: %w", dbPath, err)
	}
	wdb.SetMaxOpenConns(1)
	wdb.SetMaxIdleConns(1)
	wdb.SetConnMaxLifetime(0)
	if err := wdb.Ping(); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("session: open %s: %w", dbPath, err)
	}
	if err := migrate(wdb); err != nil {
		wdb.Close()
		return nil, fmt.Errorf("session: %s: %w", dbPath, err)
	}
	rdb, err := sql.Open("sqlite", dsn(dbPath, false))
	if err != nil {
		wdb.Close()
		return nil, fmt.Errorf("session: open %s: %w", dbPath, err)
	}
	rdb.SetMaxOpenConns(8)
	rdb.SetMaxIdleConns(4)
	bs, err := newBlobStore(filepath.Join(dir, BlobDir))
	if err != nil {
		wdb.Close()
		rdb.Close()
		return nil, err
	}
	s := &Store{dir: dir, wdb: wdb, rdb: rdb, blobs: bs}
	s.w = newWriter(wdb)
	return s, nil
}

// Dir returns the session folder.
func (s *Store) Dir() string { return s.dir }

// Meta returns the session's metadata.
func (s *Store) Meta() Meta { return s.meta }

// Close waits for pending writes, checkpoints the WAL and closes the store.
func (s *Store) Close() error {
	s.w.close()
	_, _ = s.wdb.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
	err1 := s.rdb.Close()
	err2 := s.wdb.Close()
	return errors.Join(err1, err2)
}

func (s *Store) bodyCap() int64 {
	if s.meta.BodyCap <= 0 {
		return DefaultBodyCap
	}
	return s.meta.BodyCap
}

// PutJSON stores v as JSON under key, replacing what was there.
func (s *Store) PutJSON(key string, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("session: encode %q: %w", key, err)
	}
	return s.w.do(func(tx *sql.Tx) error {
		_, err := tx.Exec(`INSERT INTO docs(key, value) VALUES(?, ?)
			ON CONFLICT(key) DO UPDATE SET value = excluded.value`, key, string(b))
		return err
	})
}

// GetJSON decodes the document stored under key into v; false when absent.
func (s *Store) GetJSON(key string, v any) (bool, error) {
	var txt string
	err := s.rdb.QueryRow(`SELECT value FROM docs WHERE key = ?`, key).Scan(&txt)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("session: read %q: %w", key, err)
	}
	if err := json.Unmarshal([]byte(txt), v); err != nil {
		return false, fmt.Errorf("session: decode %q: %w", key, err)
	}
	return true, nil
}
