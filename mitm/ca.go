package mitm

import (
	"container/list"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// File names inside the CA directory.
const (
	CACertFile = "ca.pem"
	CAKeyFile  = "ca-key.pem"
)

// Leaf certificates are valid for leafValidity (and start leafBackdate
// earlier, for clocks that run slow); a cached leaf is renewed when less than
// leafRenewBefore of its validity remains.
const (
	caValidity      = 10 * 365 * 24 * time.Hour
	leafValidity    = 7 * 24 * time.Hour
	leafBackdate    = time.Hour
	leafRenewBefore = 24 * time.Hour
	defaultLeafLRU  = 1024
)

// CA is the installation's own certificate authority: it signs the leaf
// certificates the proxy presents to the app. Its private key never leaves
// the CA directory and is never logged.
type CA struct {
	cert    *x509.Certificate
	key     crypto.Signer
	certDER []byte
	dir     string

	leafKey *ecdsa.PrivateKey // one key for every leaf, generated per process

	mu     sync.Mutex
	leaves map[string]*list.Element // host → *leafEntry element
	lru    *list.List
	max    int
}

type leafEntry struct {
	host  string
	ready chan struct{} // closed when cert/err are set
	cert  *tls.Certificate
	err   error
	until time.Time
}

// DefaultCADir returns os.UserConfigDir()/ceping.
func DefaultCADir() (string, error) {
	d, err := os.UserConfigDir()
	if err != nil {
		return "", fmt.Errorf("no user config directory for the CA (use --ca-dir): %w", err)
	}
	return filepath.Join(d, "ceping"), nil
}

// LoadOrCreateCA loads the CA from dir (ca.pem and ca-key.pem), creating the
// directory (0700) and a new CA (ECDSA P-256, ten years, key file 0600) on
// first use. An empty dir means DefaultCADir().
func LoadOrCreateCA(dir string) (*CA, error) {
	if dir == "" {
		d, err := DefaultCADir()
		if err != nil {
			return nil, err
		}
		dir = d
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("CA directory %s: %w", dir, err)
	}
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	certPEM, cerr := os.ReadFile(certPath)
	keyPEM, kerr := os.ReadFile(keyPath)
	switch {
	case cerr == nil && kerr == nil:
		return parseCA(dir, certPEM, keyPEM)
	case errors.Is(cerr, os.ErrNotExist) && errors.Is(kerr, os.ErrNotExist):
		return createCA(dir)
	case cerr != nil && !errors.Is(cerr, os.ErrNotExist):
		return nil, fmt.Errorf("CA certificate %s: %w", certPath, cerr)
	case kerr != nil && !errors.Is(kerr, os.ErrNotExist):
		return nil, fmt.Errorf("CA key %s: %w", keyPath, kerr)
	default:
		return nil, fmt.Errorf("CA directory %s holds only one of %s and %s: restore the other or remove both to create a new CA", dir, CACertFile, CAKeyFile)
	}
}

func createCA(dir string) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	if host == "" {
		host = "localhost"
	}
	var rnd [4]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	name := fmt.Sprintf("ceping CA %s %s", host, hex.EncodeToString(rnd[:]))
	serial, err := randSerial()
	if err != nil {
		return nil, err
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return nil, err
	}
	ski := sha256.Sum256(pubDER)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: name, Organization: []string{"ceping"}},
		NotBefore:             now.Add(-leafBackdate),
		NotAfter:              now.Add(caValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          ski[:20],
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, err
	}
	keyPath := filepath.Join(dir, CAKeyFile)
	if err := writeFileExcl(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return nil, fmt.Errorf("CA key %s: %w", keyPath, err)
	}
	certPath := filepath.Join(dir, CACertFile)
	if err := writeFileExcl(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		os.Remove(keyPath)
		return nil, fmt.Errorf("CA certificate %s: %w", certPath, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return newCA(dir, cert, key)
}

func writeFileExcl(path string, data []byte, perm os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if err != nil {
		return err
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		os.Remove(path)
		return err
	}
	return f.Close()
}

func parseCA(dir string, certPEM, keyPEM []byte) (*CA, error) {
	cb, _ := pem.Decode(certPEM)
	if cb == nil || cb.Type != "CERTIFICATE" {
		return nil, fmt.Errorf("CA certificate %s: no PEM CERTIFICATE block", filepath.Join(dir, CACertFile))
	}
	cert, err := x509.ParseCertificate(cb.Bytes)
	if err != nil {
		return nil, fmt.Errorf("CA certificate %s: %w", filepath.Join(dir, CACertFile), err)
	}
	kb, _ := pem.Decode(keyPEM)
	if kb == nil {
		return nil, fmt.Errorf("CA key %s: no PEM block", filepath.Join(dir, CAKeyFile))
	}
	var key any
	switch kb.Type {
	case "PRIVATE KEY":
		key, err = x509.ParsePKCS8PrivateKey(kb.Bytes)
	case "EC PRIVATE KEY":
		key, err = x509.ParseECPrivateKey(kb.Bytes)
	case "RSA PRIVATE KEY":
		key, err = x509.ParsePKCS1PrivateKey(kb.Bytes)
	default:
		err = fmt.Errorf("unsupported PEM block type %q", kb.Type)
	}
	if err != nil {
		return nil, fmt.Errorf("CA key %s: %w", filepath.Join(dir, CAKeyFile), err)
	}
	signer, ok := key.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("CA key %s: not a signing key", filepath.Join(dir, CAKeyFile))
	}
	if !publicKeysEqual(signer.Public(), cert.PublicKey) {
		return nil, fmt.Errorf("CA key %s does not match certificate %s", filepath.Join(dir, CAKeyFile), filepath.Join(dir, CACertFile))
	}
	if !cert.IsCA {
		return nil, fmt.Errorf("CA certificate %s is not a CA certificate", filepath.Join(dir, CACertFile))
	}
	return newCA(dir, cert, signer)
}

func publicKeysEqual(a, b crypto.PublicKey) bool {
	ea, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ea.Equal(b)
}

func newCA(dir string, cert *x509.Certificate, key crypto.Signer) (*CA, error) {
	lk, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return &CA{cert: cert, key: key, certDER: cert.Raw, dir: dir, leafKey: lk,
		leaves: map[string]*list.Element{}, lru: list.New(), max: defaultLeafLRU}, nil
}

func randSerial() (*big.Int, error) {
	return rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
}

// Dir is the directory the CA was loaded from.
func (c *CA) Dir() string { return c.dir }

// CertPath is the path of the CA certificate (PEM).
func (c *CA) CertPath() string { return filepath.Join(c.dir, CACertFile) }

// Name is the CA's common name.
func (c *CA) Name() string { return c.cert.Subject.CommonName }

// Certificate returns the parsed CA certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// DER returns the CA certificate in DER form.
func (c *CA) DER() []byte { return append([]byte(nil), c.certDER...) }

// PEM returns the CA certificate in PEM form.
func (c *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.certDER})
}

// Fingerprint is the SHA-256 of the CA certificate, hex with colons.
func (c *CA) Fingerprint() string {
	s := sha256.Sum256(c.certDER)
	parts := make([]string, len(s))
	for i, b := range s {
		parts[i] = fmt.Sprintf("%02X", b)
	}
	return strings.Join(parts, ":")
}

// CertPool returns a pool holding only the CA certificate (for clients that
// should trust the proxy, such as tests).
func (c *CA) CertPool() *x509.CertPool {
	p := x509.NewCertPool()
	p.AddCert(c.cert)
	return p
}

// Leaf returns a certificate for host (a DNS name or an IP address), signed
// by the CA. Leaves are cached per host (LRU); concurrent callers for the
// same host wait for one signature.
func (c *CA) Leaf(host string) (*tls.Certificate, error) {
	host = strings.TrimSuffix(strings.ToLower(host), ".")
	if host == "" {
		return nil, errors.New("no host name for the leaf certificate")
	}
	now := time.Now()
	c.mu.Lock()
	if el, ok := c.leaves[host]; ok {
		e := el.Value.(*leafEntry)
		select {
		case <-e.ready:
			if e.err == nil && now.Before(e.until) {
				c.lru.MoveToFront(el)
				c.mu.Unlock()
				return e.cert, nil
			}
			// expired or failed: replace below
			c.lru.Remove(el)
			delete(c.leaves, host)
		default:
			c.lru.MoveToFront(el)
			c.mu.Unlock()
			<-e.ready
			return e.cert, e.err
		}
	}
	e := &leafEntry{host: host, ready: make(chan struct{})}
	c.leaves[host] = c.lru.PushFront(e)
	for c.lru.Len() > c.max {
		old := c.lru.Back()
		c.lru.Remove(old)
		delete(c.leaves, old.Value.(*leafEntry).host)
	}
	c.mu.Unlock()

	e.cert, e.err = c.signLeaf(host, now)
	e.until = now.Add(leafValidity - leafRenewBefore)
	close(e.ready)
	return e.cert, e.err
}

func (c *CA) signLeaf(host string, now time.Time) (*tls.Certificate, error) {
	serial, err := randSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: host, Organization: []string{"ceping"}},
		NotBefore:             now.Add(-leafBackdate),
		NotAfter:              now.Add(leafValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		AuthorityKeyId:        c.cert.SubjectKeyId,
	}
	if ip := net.ParseIP(strings.Trim(host, "[]")); ip != nil {
		tmpl.IPAddresses = []net.IP{ip}
	} else {
		tmpl.DNSNames = []string{host}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &c.leafKey.PublicKey, c.key)
	if err != nil {
		return nil, fmt.Errorf("signing leaf certificate: %w", err)
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &tls.Certificate{Certificate: [][]byte{der, c.certDER}, PrivateKey: c.leafKey, Leaf: leaf}, nil
}
