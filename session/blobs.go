package session

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
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

// put stores b durably (file and folder synced) and returns its reference.
func (bs *blobStore) put(b []byte) (string, error) {
	ref := RefOf(b)
	p := bs.path(ref)
	if st, err := os.Stat(p); err == nil && st.Size() == int64(len(b)) {
		return ref, nil
	}
	shard := filepath.Dir(p)
	if err := os.MkdirAll(shard, 0o755); err != nil {
		return "", fmt.Errorf("session: blob %s: %w", ref, err)
	}
	tmp, err := os.CreateTemp(shard, ".tmp-*")
	if err != nil {
		return "", fmt.Errorf("session: blob %s: %w", ref, err)
	}
	_, werr := tmp.Write(b)
	if werr == nil {
		werr = tmp.Sync()
	}
	cerr := tmp.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("session: blob %s: %w", ref, err)
	}
	if err := os.Rename(tmp.Name(), p); err != nil {
		os.Remove(tmp.Name())
		return "", fmt.Errorf("session: blob %s: %w", ref, err)
	}
	if d, err := os.Open(shard); err == nil {
		_ = d.Sync()
		d.Close()
	}
	return ref, nil
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

// PutBlob stores b in the blob store and returns its reference.
func (s *Store) PutBlob(b []byte) (string, error) {
	return s.blobs.put(b)
}
