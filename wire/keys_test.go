package wire

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestKeyFormatParse(t *testing.T) {
	k, err := NewKey()
	if err != nil {
		t.Fatal(err)
	}
	back, err := ParseKey(FormatKey(k) + "\n")
	if err != nil || !bytes.Equal(back, k) {
		t.Fatalf("round trip: %v", err)
	}
	for _, bad := range []string{"", "abc", strings.Repeat("zz", KeySize), strings.Repeat("00", KeySize+1)} {
		if _, err := ParseKey(bad); err == nil {
			t.Errorf("ParseKey(%q) succeeded", bad)
		}
	}
}

func TestKeyring(t *testing.T) {
	a, b := strings.Repeat("aa", KeySize), strings.Repeat("bb", KeySize)
	ring, err := ParseKeyring(strings.NewReader("# edges\n\neu-1 " + a + "\n* " + b + "\n"))
	if err != nil {
		t.Fatal(err)
	}
	if k, ok := ring.Lookup("eu-1"); !ok || k[0] != 0xaa {
		t.Error("named key not found")
	}
	if k, ok := ring.Lookup("us-2"); !ok || k[0] != 0xbb {
		t.Error("wildcard key not used")
	}
	if ring.Len() != 2 {
		t.Errorf("Len = %d", ring.Len())
	}
	noWild, _ := ParseKeyring(strings.NewReader("eu-1 " + a))
	if _, ok := noWild.Lookup("us-2"); ok {
		t.Error("an unknown edge got a key")
	}
	for _, bad := range []string{"", "eu-1", "eu-1 " + a + "\neu-1 " + b, "eu-1 xyz", strings.Repeat("n", 65) + " " + a} {
		if _, err := ParseKeyring(strings.NewReader(bad)); err == nil {
			t.Errorf("ParseKeyring(%q) succeeded", bad)
		}
	}
}

func TestKeyFiles(t *testing.T) {
	dir := t.TempDir()
	a := strings.Repeat("aa", KeySize)
	write := func(name, body string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	bare := write("bare", a+"\n", 0o600)
	ring := write("ring", "eu-1 "+a+"\n", 0o600)
	open := write("open", a, 0o644)

	if k, err := LoadKey(bare, "any"); err != nil || k[0] != 0xaa {
		t.Errorf("bare key: %v", err)
	}
	if k, err := LoadKey(ring, "eu-1"); err != nil || k[0] != 0xaa {
		t.Errorf("keyring line: %v", err)
	}
	if _, err := LoadKey(ring, "us-2"); err == nil || !strings.Contains(err.Error(), "us-2") {
		t.Errorf("missing name: %v", err)
	}
	if _, err := LoadKeyring(ring); err != nil {
		t.Errorf("LoadKeyring: %v", err)
	}
	if _, err := LoadKey(open, "x"); err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("a world-readable key file was accepted: %v", err)
	}
	if _, err := LoadKeyring(open); err == nil {
		t.Error("a world-readable keyring was accepted")
	}
	if _, err := LoadKey(filepath.Join(dir, "missing"), "x"); err == nil {
		t.Error("a missing file was accepted")
	}
}
