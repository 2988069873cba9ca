package main

// The demo's local "internet": one HTTP and one HTTPS listener on loopback
// that answer for every demo host. The proxy dials them (--connect-to)
// while recording the hosts' public IPs (--resolve).

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"time"
)

// demoServer serves the demo hosts on loopback.
type demoServer struct {
	HTTP, HTTPS net.Listener
	Roots       *x509.CertPool // trusts the HTTPS listener's certificate
	srv         *http.Server
	srvTLS      *http.Server
}

func startDemoServer() (*demoServer, error) {
	cert, roots, err := demoCert()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		switch {
		case r.URL.Path == "/img/splash.webp":
			w.Header().Set("Content-Type", "image/webp")
			w.Write([]byte("RIFF\x1a\x00\x00\x00WEBPVP8 demo"))
		default:
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(map[string]any{"code": 0, "msg": "ok", "host": r.Host, "ts": time.Now().Unix()})
		}
	})
	d := &demoServer{Roots: roots}
	d.HTTP, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	d.HTTPS, err = net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		d.HTTP.Close()
		return nil, err
	}
	d.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	d.srvTLS = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second,
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}, NextProtos: []string{"h2", "http/1.1"}}}
	go d.srv.Serve(d.HTTP)
	go d.srvTLS.ServeTLS(d.HTTPS, "", "")
	return d, nil
}

// ConnectTo maps each demo host to the local listener of its scheme.
func (d *demoServer) ConnectTo() map[string]string {
	m := map[string]string{}
	for _, h := range demoHosts {
		if h.HTTPS {
			m[h.Name] = d.HTTPS.Addr().String()
		} else {
			m[h.Name] = d.HTTP.Addr().String()
		}
	}
	return m
}

// Resolve maps each demo host to its public IP.
func demoResolve() map[string]string {
	m := map[string]string{}
	for _, h := range demoHosts {
		m[h.Name] = h.IP
	}
	return m
}

func (d *demoServer) Close() {
	d.srv.Close()
	d.srvTLS.Close()
}

// demoCert makes a throw-away CA and a leaf for every demo host.
func demoCert() (tls.Certificate, *x509.CertPool, error) {
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "ceping demo internet CA"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	var names []string
	for _, h := range demoHosts {
		names = append(names, h.Name)
	}
	leaf := &x509.Certificate{
		SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: names[0]}, DNSNames: names,
		NotBefore: now.Add(-time.Hour), NotAfter: now.Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, leaf, ca, &key.PublicKey, caKey)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("demo certificate: %w", err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool, nil
}
