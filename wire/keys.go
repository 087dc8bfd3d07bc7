package wire

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// AnyEdge is the keyring name that matches every edge without a line of its own.
const AnyEdge = "*"

// NewKey returns a fresh random link key.
func NewKey() ([]byte, error) {
	k := make([]byte, KeySize)
	if _, err := io.ReadFull(rand.Reader, k); err != nil {
		return nil, fmt.Errorf("wire: new key: %w", err)
	}
	return k, nil
}

// FormatKey writes a key as lower-case hex, as key files hold it.
func FormatKey(k []byte) string { return hex.EncodeToString(k) }

// ParseKey reads a key written as 2*KeySize hex digits.
func ParseKey(s string) ([]byte, error) {
	k, err := hex.DecodeString(strings.TrimSpace(s))
	if err != nil || len(k) != KeySize {
		return nil, fmt.Errorf("wire: a link key is %d hex digits", 2*KeySize)
	}
	return k, nil
}

// Keyring holds the core's link keys by edge name.
type Keyring struct {
	keys map[string][]byte
}

// Lookup returns the key for an edge name, falling back to the AnyEdge key.
func (k *Keyring) Lookup(name string) ([]byte, bool) {
	if key, ok := k.keys[name]; ok {
		return key, true
	}
	key, ok := k.keys[AnyEdge]
	return key, ok
}

// Len is the number of keys in the ring.
func (k *Keyring) Len() int { return len(k.keys) }

// ParseKeyring reads lines of "name key"; blank lines and lines starting
// with # are skipped, and a name may appear once.
func ParseKeyring(r io.Reader) (*Keyring, error) {
	ring := &Keyring{keys: map[string][]byte{}}
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		fields := strings.Fields(text)
		if len(fields) != 2 {
			return nil, fmt.Errorf("line %d: want \"<edge name> <key>\"", line)
		}
		if len(fields[0]) > MaxNameLen {
			return nil, fmt.Errorf("line %d: edge name over %d bytes", line, MaxNameLen)
		}
		key, err := ParseKey(fields[1])
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		if _, dup := ring.keys[fields[0]]; dup {
			return nil, fmt.Errorf("line %d: edge %q listed twice", line, fields[0])
		}
		ring.keys[fields[0]] = key
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(ring.keys) == 0 {
		return nil, errors.New("no keys")
	}
	return ring, nil
}

// LoadKeyring reads a keyring file, refusing one others can read.
func LoadKeyring(path string) (*Keyring, error) {
	f, err := openSecret(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ring, err := ParseKeyring(f)
	if err != nil {
		return nil, fmt.Errorf("wire: key file %s: %w", path, err)
	}
	return ring, nil
}

// LoadKey reads an edge's key file: either a bare key, or keyring lines of
// which the one for name (or AnyEdge) is used. Files others can read are
// refused.
func LoadKey(path, name string) ([]byte, error) {
	f, err := openSecret(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, 1<<20))
	if err != nil {
		return nil, fmt.Errorf("wire: key file %s: %w", path, err)
	}
	if k, err := ParseKey(string(data)); err == nil {
		return k, nil
	}
	ring, err := ParseKeyring(strings.NewReader(string(data)))
	if err != nil {
		return nil, fmt.Errorf("wire: key file %s: %w", path, err)
	}
	k, ok := ring.Lookup(name)
	if !ok {
		return nil, fmt.Errorf("wire: key file %s has no key for edge %q", path, name)
	}
	return k, nil
}

// openSecret opens a key file after checking that only its owner can read it.
func openSecret(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("wire: key file: %w", err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("wire: key file: %w", err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		f.Close()
		return nil, fmt.Errorf("wire: key file %s is readable by others (mode %v): chmod 600 it", path, st.Mode().Perm())
	}
	if !st.Mode().IsRegular() {
		f.Close()
		return nil, fmt.Errorf("wire: key file %s: %w", path, fs.ErrInvalid)
	}
	return f, nil
}
