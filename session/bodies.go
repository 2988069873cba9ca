package session

import (
	"errors"
	"fmt"
	"strings"

	"github.com/ceping/ceping/evidence"
)

// contentEncoding joins the Content-Encoding header lines of hs.
func contentEncoding(hs []evidence.Header) string {
	var parts []string
	for _, h := range hs {
		if strings.EqualFold(h.Name, "Content-Encoding") {
			parts = append(parts, h.Value)
		}
	}
	return strings.Join(parts, ", ")
}

// prepareFlow caps and decodes f's bodies and writes them to the blob
// store. It returns the blob files it created, which the caller syncs
// (blobStore.sync) before writing the row that points at them.
func (s *Store) prepareFlow(f *evidence.Flow) ([]string, error) {
	limit := s.bodyCap()
	var created []string
	put := func(b []byte) (string, error) {
		ref, p, err := s.blobs.put(b)
		if p != "" {
			created = append(created, p)
		}
		return ref, err
	}
	if err := prepareBody(&f.ReqBody, f.ReqHeaders, limit, put); err != nil {
		return nil, fmt.Errorf("session: request body: %w", err)
	}
	if err := prepareBody(&f.RespBody, f.RespHeaders, limit, put); err != nil {
		return nil, fmt.Errorf("session: response body: %w", err)
	}
	for i := range f.WebSocket {
		m := &f.WebSocket[i]
		if m.Data == nil {
			continue
		}
		if m.Size == 0 {
			m.Size = int64(len(m.Data))
		}
		if int64(len(m.Data)) > limit {
			m.Data = m.Data[:limit]
			m.Truncate = true
		}
		ref, err := put(m.Data)
		if err != nil {
			return nil, err
		}
		m.DataRef = ref
	}
	return created, nil
}

// prepareBody applies the cap, removes Content-Encoding (taken from the
// headers when b.Encoding is empty) and stores raw and decoded bytes.
func prepareBody(b *evidence.Body, hs []evidence.Header, limit int64, put func([]byte) (string, error)) error {
	if b.Encoding == "" {
		b.Encoding = contentEncoding(hs)
	}
	if b.Size == 0 {
		b.Size = int64(len(b.Raw))
	}
	if int64(len(b.Raw)) > limit {
		b.Raw = b.Raw[:limit]
		b.Truncated = true
	}
	if b.Decoded == nil && len(b.Raw) > 0 && len(Codings(b.Encoding)) > 0 && b.DecodeError == "" {
		dec, trunc, err := DecodeBody(b.Raw, b.Encoding, limit)
		switch {
		case err == nil:
			b.Decoded = dec
		case errors.Is(err, ErrDecodeCap):
			// A decompression bomb or a huge body: keep the first limit
			// bytes, flagged.
			b.Decoded = dec
			b.Truncated = true
			b.DecodeError = err.Error()
		default:
			b.DecodeError = err.Error()
			if b.Truncated && len(dec) > 0 {
				// The raw body was cut: what decoded before the cut is
				// still the body's beginning.
				b.Decoded = dec
			}
		}
		if trunc {
			b.Truncated = true
		}
	}
	if int64(len(b.Decoded)) > limit {
		b.Decoded = b.Decoded[:limit]
		b.Truncated = true
	}
	if len(b.Raw) > 0 {
		ref, err := put(b.Raw)
		if err != nil {
			return err
		}
		b.RawRef = ref
	}
	if b.Decoded != nil {
		ref, err := put(b.Decoded)
		if err != nil {
			return err
		}
		b.DecodedRef = ref
	}
	return nil
}

// loadBodies reads f's bodies and WebSocket data from the blob store.
func (s *Store) loadBodies(f *evidence.Flow) error {
	for _, b := range []*evidence.Body{&f.ReqBody, &f.RespBody} {
		if b.RawRef != "" {
			raw, err := s.blobs.get(b.RawRef)
			if err != nil {
				return fmt.Errorf("flow %d: %w", f.ID, err)
			}
			b.Raw = raw
		}
		if b.DecodedRef != "" {
			dec, err := s.blobs.get(b.DecodedRef)
			if err != nil {
				return fmt.Errorf("flow %d: %w", f.ID, err)
			}
			b.Decoded = dec
		}
	}
	for i := range f.WebSocket {
		m := &f.WebSocket[i]
		if m.DataRef == "" {
			continue
		}
		d, err := s.blobs.get(m.DataRef)
		if err != nil {
			return fmt.Errorf("flow %d: %w", f.ID, err)
		}
		m.Data = d
	}
	return nil
}
