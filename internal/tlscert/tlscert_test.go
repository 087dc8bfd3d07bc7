package tlscert

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestSelfSignedVerifiesForItsHosts(t *testing.T) {
	cert, fp, err := SelfSigned("127.0.0.1", "pool.example")
	if err != nil {
		t.Fatal(err)
	}
	if len(fp) != 64 {
		t.Errorf("fingerprint %q", fp)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	for _, host := range []string{"127.0.0.1", "pool.example"} {
		if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: host}); err != nil {
			t.Errorf("%s: %v", host, err)
		}
	}
	if _, err := leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: "other.example"}); err == nil {
		t.Error("verified for a host it does not name")
	}
}

func TestServerConfigFiles(t *testing.T) {
	if _, _, err := ServerConfig("cert.pem", ""); err == nil || !strings.Contains(err.Error(), "both") {
		t.Errorf("half a pair: %v", err)
	}
	if _, _, err := ServerConfig(filepath.Join(t.TempDir(), "missing.pem"), "missing.key"); err == nil {
		t.Error("missing files accepted")
	}
	cfg, fp, err := ServerConfig("", "", "localhost")
	if err != nil || fp == "" || len(cfg.Certificates) != 1 || cfg.MinVersion != tls.VersionTLS12 {
		t.Fatalf("self-signed config: %v %q", err, fp)
	}
	// A pair on disk loads.
	cert, _, _ := SelfSigned("localhost")
	der, err := x509.MarshalPKCS8PrivateKey(cert.PrivateKey)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Certificate[0]}), 0o600)
	os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	cfg, fp, err = ServerConfig(certFile, keyFile)
	if err != nil || fp != "" || len(cfg.Certificates) != 1 {
		t.Fatalf("files: %v %q", err, fp)
	}
}
