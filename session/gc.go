package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// gcGrace is how old an unreferenced blob or a temp file must be before GC
// removes it. Within one process the GC lock alone keeps blobs of flows
// being added; the grace also covers another process adding flows to the
// same session while `ceping session gc` runs (a blob is written, or its
// time refreshed when an identical body reuses it, moments before the row
// pointing at it commits).
var gcGrace = time.Minute

// GCStats says what GC found and freed.
type GCStats struct {
	// Referenced is the number of distinct blob refs the flows hold.
	Referenced int `json:"referenced"`
	// Kept and KeptBytes count the blob files kept.
	Kept      int   `json:"kept"`
	KeptBytes int64 `json:"kept_bytes"`
	// Removed and RemovedBytes count the unreferenced blobs removed.
	Removed      int   `json:"removed"`
	RemovedBytes int64 `json:"removed_bytes"`
	// TempRemoved and TempBytes count the leftover .tmp-* files removed.
	TempRemoved int   `json:"temp_removed"`
	TempBytes   int64 `json:"temp_bytes"`
	// Young counts unreferenced blobs and temp files kept because they are
	// younger than the grace period (possibly still being written).
	Young int `json:"young"`
	// Missing counts refs whose blob file is absent (reported, not fixed).
	Missing int `json:"missing"`
}

// FreedBytes is the total of bytes removed.
func (g GCStats) FreedBytes() int64 { return g.RemovedBytes + g.TempBytes }

// GC removes blobs no flow references (no body raw or decoded ref, no
// WebSocket data ref) and .tmp-* files left by an interrupted write, both
// when older than a minute. It is safe while the store is in use: it holds
// the lock that AddFlow and AddFlows hold from writing their blobs until
// their rows committed, so no blob of a flow being added is removed. Blobs
// stored with PutBlob that no flow references are removed too.
func (s *Store) GC() (GCStats, error) {
	var st GCStats
	s.gcMu.Lock()
	defer s.gcMu.Unlock()
	refs, err := s.blobRefs()
	if err != nil {
		return st, err
	}
	st.Referenced = len(refs)
	found := make(map[string]bool, len(refs))
	cutoff := time.Now().Add(-gcGrace)
	shards, err := os.ReadDir(s.blobs.dir)
	if err != nil {
		return st, fmt.Errorf("session: gc: %w", err)
	}
	var errs []error
	for _, sh := range shards {
		if !sh.IsDir() || !isShard(sh.Name()) {
			continue
		}
		dir := filepath.Join(s.blobs.dir, sh.Name())
		ents, err := os.ReadDir(dir)
		if err != nil {
			errs = append(errs, fmt.Errorf("session: gc: %w", err))
			continue
		}
		for _, e := range ents {
			name := e.Name()
			isTemp := strings.HasPrefix(name, ".tmp-")
			isBlob := ValidRef(name) && name[:2] == sh.Name()
			if !e.Type().IsRegular() || !(isTemp || isBlob) {
				continue // not ours: left alone
			}
			if isBlob && refs[name] {
				found[name] = true
				if info, err := e.Info(); err == nil {
					st.Kept++
					st.KeptBytes += info.Size()
				}
				continue
			}
			info, err := e.Info()
			if errors.Is(err, fs.ErrNotExist) {
				continue
			}
			if err != nil {
				errs = append(errs, fmt.Errorf("session: gc: %w", err))
				continue
			}
			if info.ModTime().After(cutoff) {
				st.Young++
				continue
			}
			if err := os.Remove(filepath.Join(dir, name)); err != nil && !errors.Is(err, fs.ErrNotExist) {
				errs = append(errs, fmt.Errorf("session: gc: %w", err))
				continue
			}
			if isTemp {
				st.TempRemoved++
				st.TempBytes += info.Size()
			} else {
				st.Removed++
				st.RemovedBytes += info.Size()
			}
		}
	}
	st.Missing = len(refs) - len(found)
	return st, errors.Join(errs...)
}

func isShard(name string) bool {
	return len(name) == 2 && ValidRef(name+strings.Repeat("0", 62))
}

// blobRefs returns every blob ref the flows hold.
func (s *Store) blobRefs() (map[string]bool, error) {
	refs := map[string]bool{}
	queries := []string{
		`SELECT json_extract(req_body, '$.raw_ref'), json_extract(req_body, '$.decoded_ref'),
			json_extract(resp_body, '$.raw_ref'), json_extract(resp_body, '$.decoded_ref') FROM flows`,
		`SELECT json_extract(m.value, '$.data_ref'), NULL, NULL, NULL
			FROM flows, json_each(flows.websocket) AS m WHERE json_type(flows.websocket) = 'array'`,
	}
	for _, q := range queries {
		rows, err := s.rdb.Query(q)
		if err != nil {
			return nil, fmt.Errorf("session: gc: reading blob refs: %w", err)
		}
		for rows.Next() {
			var r [4]*string
			if err := rows.Scan(&r[0], &r[1], &r[2], &r[3]); err != nil {
				rows.Close()
				return nil, fmt.Errorf("session: gc: reading blob refs: %w", err)
			}
			for _, p := range r {
				if p != nil && *p != "" {
					refs[*p] = true
				}
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, fmt.Errorf("session: gc: reading blob refs: %w", err)
		}
	}
	return refs, nil
}
