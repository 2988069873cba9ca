package session

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// blobStore keeps bytes under their hex SHA-256: blobs/ab/abcdef….
type blobStore struct {
	dir string
}

func newBlobStore(dir string) (*blobStore, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("session: blob folder: %w", err)
	}
	return &blobStore{dir: dir}, nil
}

// ValidRef reports whether ref is a well-formed blob reference (64 lower-case
// hex digits).
func ValidRef(ref string) bool {
	if len(ref) != 64 {
		return false
	}
	for i := 0; i < len(ref); i++ {
		c := ref[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// RefOf returns the content address of b.
func RefOf(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func (bs *blobStore) path(ref string) string {
	return filepath.Join(bs.dir, ref[:2], ref)
}

// put stores b and returns its reference and, when the file is new, its
// path. The file is not synced here: the caller syncs all the files it
// created at once (blobStore.sync) before writing rows that point at them.
func (bs *blobStore) put(b []byte) (ref, newPath string, err error) {
	ref = RefOf(b)
	p := bs.path(ref)
	if st, err := os.Stat(p); err == nil && st.Size() == int64(len(b)) {
		// reused: refresh its time so a GC in another process (which keeps
		// young unreferenced blobs) does not remove it before our row commits
		now := time.Now()
		os.Chtimes(p, now, now)
		return ref, "", nil
	}
	shard := filepath.Dir(p)
	if _, err := os.Stat(shard); err != nil {
		if err := os.MkdirAll(shard, 0o755); err != nil {
			return "", "", fmt.Errorf("session: blob %s: %w", ref, err)
		}
		// The new shard folder's entry in blobs/ must be synced too.
		if err := syncFile(bs.dir); err != nil {
			return "", "", err
		}
	}
	tmp, err := os.CreateTemp(shard, ".tmp-*")
	if err != nil {
		return "", "", fmt.Errorf("session: blob %s: %w", ref, err)
	}
	_, werr := tmp.Write(b)
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", "", fmt.Errorf("session: blob %s: %w", ref, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return "", "", fmt.Errorf("session: blob %s: %w", ref, err)
	}
	return ref, p, nil
}

func syncFile(p string) error {
	f, err := os.Open(p)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("session: sync %s: %w", p, err)
	}
	return nil
}

// get reads a blob and checks its content against its address.
func (bs *blobStore) get(ref string) ([]byte, error) {
	if !ValidRef(ref) {
		return nil, fmt.Errorf("session: %q is not a blob reference (want 64 hex digits)", ref)
	}
	b, err := os.ReadFile(bs.path(ref))
	if err != nil {
		return nil, fmt.Errorf("session: blob %s: %w", ref, err)
	}
	if got := RefOf(b); got != ref {
		return nil, fmt.Errorf("session: blob %s is corrupt (content hashes to %s)", ref, got)
	}
	return b, nil
}

// Blob returns the bytes stored under ref, checked against their hash.
func (s *Store) Blob(ref string) ([]byte, error) {
	return s.blobs.get(ref)
}

// PutBlob stores b durably in the blob store and returns its reference.
// A blob no flow references is removed by GC once older than a minute.
func (s *Store) PutBlob(b []byte) (string, error) {
	s.gcMu.RLock()
	defer s.gcMu.RUnlock()
	ref, p, err := s.blobs.put(b)
	if err != nil || p == "" {
		return ref, err
	}
	return ref, s.blobs.sync([]string{p})
}
