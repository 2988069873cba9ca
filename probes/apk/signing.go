package apk

import (
	"crypto/sha256"
	"crypto/x509"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"

	"github.com/smallstep/pkcs7"

	"github.com/ceping/ceping/evidence"
)

// APK Signing Block ids (source.android.com/docs/security/features/apksigning).
const (
	blockV2  = 0x7109871a
	blockV3  = 0xf05368c0
	blockV31 = 0x1b93ad61
)

// signing reads v1 (JAR) signatures and the APK Signing Block (v2, v3,
// v3.1). It extracts the signer certificates; it does not verify the
// signatures (apksigner does).
func (c *collector) signing(a *archive, r io.ReaderAt, size int64) error {
	s := &c.app.Signing
	seen := map[string]bool{}
	addCert := func(cert *x509.Certificate) {
		sum := sha256.Sum256(cert.Raw)
		h := hex.EncodeToString(sum[:])
		if seen[h] {
			return
		}
		seen[h] = true
		s.Certificates = append(s.Certificates, evidence.Certificate{
			Subject: cert.Subject.String(), Issuer: cert.Issuer.String(), Serial: cert.SerialNumber.String(),
			NotBefore: cert.NotBefore.UTC().Format(time.RFC3339), NotAfter: cert.NotAfter.UTC().Format(time.RFC3339), SHA256: h,
		})
	}

	// v1: META-INF/*.RSA|DSA|EC are PKCS#7 SignedData.
	var v1 []string
	for _, n := range a.names() {
		dir, file := path.Split(n)
		ext := strings.ToUpper(path.Ext(file))
		if dir == "META-INF/" && (ext == ".RSA" || ext == ".DSA" || ext == ".EC") {
			v1 = append(v1, n)
		}
	}
	sort.Strings(v1)
	for _, n := range v1 {
		b, err := a.read(n)
		if err != nil {
			if errors.Is(err, ErrTooLarge) {
				return err
			}
			c.warn(err.Error())
			continue
		}
		p7, err := parsePKCS7(b)
		if err != nil {
			c.warn(fmt.Sprintf("%s: entry %q: PKCS#7: %v", a.name, n, err))
			continue
		}
		if !contains(s.Schemes, "v1") {
			s.Schemes = append(s.Schemes, "v1")
		}
		for _, cert := range p7.Certificates {
			addCert(cert)
		}
	}

	blocks, err := signingBlock(r, size)
	if err != nil {
		c.warn(fmt.Sprintf("%s: APK Signing Block: %v", a.name, err))
		return nil
	}
	for _, b := range blocks {
		scheme := map[uint32]string{blockV2: "v2", blockV3: "v3", blockV31: "v3.1"}[b.id]
		if scheme == "" {
			continue
		}
		certs, err := schemeCerts(b.value, b.id != blockV2)
		if err != nil {
			c.warn(fmt.Sprintf("%s: APK Signing Block %s (offset %d): %v", a.name, scheme, b.off, err))
			continue
		}
		s.Schemes = append(s.Schemes, scheme)
		for _, der := range certs {
			cert, err := x509.ParseCertificate(der)
			if err != nil {
				c.warn(fmt.Sprintf("%s: APK Signing Block %s: certificate: %v", a.name, scheme, err))
				continue
			}
			addCert(cert)
		}
	}
	return nil
}

func parsePKCS7(b []byte) (p *pkcs7.PKCS7, err error) {
	defer func() {
		if r := recover(); r != nil {
			p, err = nil, fmt.Errorf("malformed: %v", r)
		}
	}()
	return pkcs7.Parse(b)
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

type idValue struct {
	id    uint32
	value []byte
	off   int64
}

// maxSigningBlock bounds the APK Signing Block read into memory.
const maxSigningBlock = 64 << 20

// signingBlock finds the APK Signing Block just before the central
// directory and returns its ID-value pairs; none when the APK has no block.
func signingBlock(r io.ReaderAt, size int64) ([]idValue, error) {
	cdOff, err := centralDirOffset(r, size)
	if err != nil {
		return nil, err
	}
	if cdOff < 32 {
		return nil, nil
	}
	var foot [24]byte
	if _, err := r.ReadAt(foot[:], cdOff-24); err != nil {
		return nil, fmt.Errorf("offset %d: %w", cdOff-24, err)
	}
	if string(foot[8:]) != "APK Sig Block 42" {
		return nil, nil // v1-only or unsigned
	}
	bsz := binary.LittleEndian.Uint64(foot[:8])
	if bsz < 24 || bsz > maxSigningBlock || int64(bsz)+8 > cdOff {
		return nil, fmt.Errorf("offset %d: block size %d out of range", cdOff-24, bsz)
	}
	start := cdOff - int64(bsz) - 8
	buf := make([]byte, bsz+8)
	if _, err := r.ReadAt(buf, start); err != nil {
		return nil, fmt.Errorf("offset %d: %w", start, err)
	}
	if binary.LittleEndian.Uint64(buf[:8]) != bsz {
		return nil, fmt.Errorf("offset %d: the two block sizes differ", start)
	}
	pairs := buf[8 : len(buf)-24]
	var out []idValue
	for p := 0; p < len(pairs); {
		if len(pairs)-p < 12 {
			return nil, fmt.Errorf("offset %d: truncated ID-value pair", start+8+int64(p))
		}
		l := binary.LittleEndian.Uint64(pairs[p:])
		if l < 4 || l > uint64(len(pairs)-p-8) {
			return nil, fmt.Errorf("offset %d: ID-value pair of %d bytes runs past the block", start+8+int64(p), l)
		}
		id := binary.LittleEndian.Uint32(pairs[p+8:])
		out = append(out, idValue{id: id, value: pairs[p+12 : p+8+int(l)], off: start + 8 + int64(p)})
		p += 8 + int(l)
	}
	return out, nil
}

// centralDirOffset reads the End of Central Directory record.
func centralDirOffset(r io.ReaderAt, size int64) (int64, error) {
	const eocdMin = 22
	if size < eocdMin {
		return 0, fmt.Errorf("file of %d bytes has no end of central directory", size)
	}
	tail := int64(eocdMin + 0xffff)
	if tail > size {
		tail = size
	}
	buf := make([]byte, tail)
	if _, err := r.ReadAt(buf, size-tail); err != nil && !errors.Is(err, io.EOF) {
		return 0, err
	}
	for i := len(buf) - eocdMin; i >= 0; i-- {
		if binary.LittleEndian.Uint32(buf[i:]) == 0x06054b50 {
			off := int64(binary.LittleEndian.Uint32(buf[i+16:]))
			if off > size {
				return 0, fmt.Errorf("central directory offset %d past the end of the file", off)
			}
			return off, nil
		}
	}
	return 0, fmt.Errorf("no end of central directory record")
}

// lp reads a uint32-length-prefixed slice.
func lp(b []byte) (val, rest []byte, err error) {
	if len(b) < 4 {
		return nil, nil, errors.New("truncated length prefix")
	}
	n := binary.LittleEndian.Uint32(b)
	if uint64(n) > uint64(len(b)-4) {
		return nil, nil, fmt.Errorf("length %d runs past the %d bytes left", n, len(b)-4)
	}
	return b[4 : 4+n], b[4+n:], nil
}

// schemeCerts returns the DER certificates of every signer of a v2 or v3
// block: signers → signer → signed data → (digests, certificates, …).
func schemeCerts(v []byte, v3 bool) ([][]byte, error) {
	signers, _, err := lp(v)
	if err != nil {
		return nil, fmt.Errorf("signers: %w", err)
	}
	var out [][]byte
	for len(signers) > 0 {
		var signer []byte
		if signer, signers, err = lp(signers); err != nil {
			return nil, fmt.Errorf("signer: %w", err)
		}
		signed, _, err := lp(signer)
		if err != nil {
			return nil, fmt.Errorf("signed data: %w", err)
		}
		_, rest, err := lp(signed) // digests
		if err != nil {
			return nil, fmt.Errorf("digests: %w", err)
		}
		certs, _, err := lp(rest)
		if err != nil {
			return nil, fmt.Errorf("certificates: %w", err)
		}
		for len(certs) > 0 {
			var der []byte
			if der, certs, err = lp(certs); err != nil {
				return nil, fmt.Errorf("certificate: %w", err)
			}
			out = append(out, der)
		}
	}
	_ = v3 // v3 signed data has min/max SDK after the certificates; the layout up to them is v2's
	return out, nil
}
