// Package tlscert makes a self-signed certificate for a Stratum TLS port
// that has none configured (a home pool, a test), and loads the ones an
// operator has.
package tlscert

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"fmt"
	"math/big"
	"net"
	"time"
)

// SelfSigned makes a certificate for hosts (names or IP addresses), valid
// for a year, with its SHA-256 fingerprint for miners that pin it.
func SelfSigned(hosts ...string) (tls.Certificate, string, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("tlscert: key: %w", err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("tlscert: serial: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{Organization: []string{"strata pool"}},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(365 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, h := range hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, "", fmt.Errorf("tlscert: certificate: %w", err)
	}
	sum := sha256.Sum256(der)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, hex.EncodeToString(sum[:]), nil
}

// ServerConfig is a TLS configuration for a Stratum port: the files given,
// or a self-signed certificate when both are empty. fingerprint is set for
// a self-signed one.
func ServerConfig(certFile, keyFile string, hosts ...string) (cfg *tls.Config, fingerprint string, err error) {
	var cert tls.Certificate
	switch {
	case certFile == "" && keyFile == "":
		cert, fingerprint, err = SelfSigned(hosts...)
	case certFile == "" || keyFile == "":
		return nil, "", fmt.Errorf("tlscert: give both a certificate and a key file, or neither for a self-signed one")
	default:
		cert, err = tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			err = fmt.Errorf("tlscert: %w", err)
		}
	}
	if err != nil {
		return nil, "", err
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, fingerprint, nil
}
