package session

import (
	"database/sql"
	"fmt"
)

// migrations bring a database from user_version i to i+1. Append only: a
// released migration is never edited, so every older session can be brought
// forward step by step.
var migrations = []string{
	// 0 → 1: the first schema.
	`
CREATE TABLE docs (
	key   TEXT PRIMARY KEY,
	value TEXT NOT NULL
);
CREATE TABLE flows (
	id              INTEGER PRIMARY KEY,
	source          TEXT NOT NULL,
	start_ns        INTEGER NOT NULL,
	start           TEXT NOT NULL,
	first_byte      TEXT NOT NULL DEFAULT '',
	end_time        TEXT NOT NULL DEFAULT '',
	client_addr     TEXT NOT NULL DEFAULT '',
	method          TEXT NOT NULL DEFAULT '',
	url             TEXT NOT NULL DEFAULT '',
	host            TEXT NOT NULL DEFAULT '',
	server_ip       TEXT NOT NULL DEFAULT '',
	server_port     INTEGER NOT NULL DEFAULT 0,
	scheme          TEXT NOT NULL DEFAULT '',
	sni             TEXT NOT NULL DEFAULT '',
	alpn            TEXT NOT NULL DEFAULT '',
	tls_version     TEXT NOT NULL DEFAULT '',
	not_intercepted INTEGER NOT NULL DEFAULT 0,
	proto           TEXT NOT NULL DEFAULT '',
	status          INTEGER NOT NULL DEFAULT 0,
	req_headers     TEXT NOT NULL DEFAULT '[]',
	resp_headers    TEXT NOT NULL DEFAULT '[]',
	req_body        TEXT NOT NULL DEFAULT '{}',
	resp_body       TEXT NOT NULL DEFAULT '{}',
	bytes_up        INTEGER NOT NULL DEFAULT 0,
	bytes_down      INTEGER NOT NULL DEFAULT 0,
	websocket       TEXT NOT NULL DEFAULT '[]',
	error           TEXT NOT NULL DEFAULT ''
);
CREATE INDEX flows_start ON flows(start_ns, id);
CREATE INDEX flows_host ON flows(host);
CREATE TABLE markers (
	id      INTEGER PRIMARY KEY,
	time_ns INTEGER NOT NULL,
	time    TEXT NOT NULL,
	kind    TEXT NOT NULL,
	arg     TEXT NOT NULL DEFAULT ''
);
CREATE INDEX markers_time ON markers(time_ns, id);
CREATE TABLE conns (
	id       INTEGER PRIMARY KEY,
	start_ns INTEGER NOT NULL,
	doc      TEXT NOT NULL
);
CREATE INDEX conns_start ON conns(start_ns, id);
CREATE TABLE dns (
	id      INTEGER PRIMARY KEY,
	time_ns INTEGER NOT NULL,
	doc     TEXT NOT NULL
);
CREATE INDEX dns_time ON dns(time_ns, id);
CREATE TABLE findings (
	id      INTEGER PRIMARY KEY,
	flow_id INTEGER NOT NULL,
	doc     TEXT NOT NULL
);
CREATE INDEX findings_flow ON findings(flow_id);
CREATE TABLE app (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	doc TEXT NOT NULL
);
`,
}

// SchemaVersion is the schema version this package writes.
var SchemaVersion = len(migrations)

func migrate(db *sql.DB) error {
	var v int
	if err := db.QueryRow(`PRAGMA user_version`).Scan(&v); err != nil {
		return fmt.Errorf("read schema version: %w", err)
	}
	if v > len(migrations) {
		return fmt.Errorf("schema version %d is newer than this ceping understands (%d): upgrade ceping", v, len(migrations))
	}
	for ; v < len(migrations); v++ {
		tx, err := db.Begin()
		if err != nil {
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
		if _, err := tx.Exec(migrations[v]); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
		if _, err := tx.Exec(fmt.Sprintf(`PRAGMA user_version = %d`, v+1)); err != nil {
			tx.Rollback()
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("migrate to %d: %w", v+1, err)
		}
	}
	return nil
}
