package chain

import (
	"crypto/sha256"

	"github.com/btcsuite/btcd/chainhash/v2"
)

// Hash is a 32-byte hash in internal byte order, as it sits in headers and
// transactions; its String is the reversed hex Bitcoin displays.
type Hash = chainhash.Hash

// DoubleSHA256 is SHA-256 of SHA-256 of b.
func DoubleSHA256(b []byte) Hash {
	first := sha256.Sum256(b)
	return sha256.Sum256(first[:])
}

// hashPair is the merkle tree's node hash: double SHA-256 of two children.
func hashPair(dst *Hash, left, right *Hash) {
	var buf [64]byte
	copy(buf[:32], left[:])
	copy(buf[32:], right[:])
	*dst = DoubleSHA256(buf[:])
}

// HashFromString parses a hash in display order (reversed hex).
func HashFromString(s string) (Hash, error) {
	var h Hash
	err := chainhash.Decode(&h, s)
	return h, err
}
