package miner

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"strconv"
)

// Job is a mining.notify, decoded.
type Job struct {
	ID string
	// PrevHash is the previous block's hash in header byte order.
	PrevHash       [32]byte
	Coinb1, Coinb2 []byte
	Branch         [][32]byte
	Version, Bits  uint32
	NTime          uint32
	Clean          bool
}

// ParseNotify decodes mining.notify's params.
func ParseNotify(params json.RawMessage) (*Job, error) {
	var p []json.RawMessage
	if err := json.Unmarshal(params, &p); err != nil || len(p) < 9 {
		return nil, fmt.Errorf("miner: notify params: want 9, got %s", params)
	}
	var s [8]string
	for i := range 4 {
		if err := json.Unmarshal(p[i], &s[i]); err != nil {
			return nil, fmt.Errorf("miner: notify param %d: %w", i, err)
		}
	}
	for i := 5; i < 8; i++ {
		if err := json.Unmarshal(p[i], &s[i]); err != nil {
			return nil, fmt.Errorf("miner: notify param %d: %w", i, err)
		}
	}
	var branch []string
	if err := json.Unmarshal(p[4], &branch); err != nil {
		return nil, fmt.Errorf("miner: notify branch: %w", err)
	}
	j := &Job{ID: s[0]}
	if err := json.Unmarshal(p[8], &j.Clean); err != nil {
		return nil, fmt.Errorf("miner: notify clean_jobs: %w", err)
	}
	prev, err := hex.DecodeString(s[1])
	if err != nil || len(prev) != 32 {
		return nil, fmt.Errorf("miner: notify prevhash %q", s[1])
	}
	// Stratum sends the hash as eight words, each byte-swapped.
	for i := 0; i < 32; i += 4 {
		j.PrevHash[i], j.PrevHash[i+1], j.PrevHash[i+2], j.PrevHash[i+3] = prev[i+3], prev[i+2], prev[i+1], prev[i]
	}
	if j.Coinb1, err = hex.DecodeString(s[2]); err != nil {
		return nil, fmt.Errorf("miner: notify coinb1: %w", err)
	}
	if j.Coinb2, err = hex.DecodeString(s[3]); err != nil {
		return nil, fmt.Errorf("miner: notify coinb2: %w", err)
	}
	for _, h := range branch {
		b, err := hex.DecodeString(h)
		if err != nil || len(b) != 32 {
			return nil, fmt.Errorf("miner: notify branch hash %q", h)
		}
		j.Branch = append(j.Branch, [32]byte(b))
	}
	for i, dst := range []*uint32{&j.Version, &j.Bits, &j.NTime} {
		v, err := strconv.ParseUint(s[5+i], 16, 32)
		if err != nil {
			return nil, fmt.Errorf("miner: notify param %d %q: %w", 5+i, s[5+i], err)
		}
		*dst = uint32(v)
	}
	return j, nil
}

func sha256d(b []byte) [32]byte {
	h := sha256.Sum256(b)
	return sha256.Sum256(h[:])
}

// MerkleRoot is the root for a coinbase made with the given extranonces.
func (j *Job) MerkleRoot(extranonce1, extranonce2 []byte) [32]byte {
	cb := make([]byte, 0, len(j.Coinb1)+len(extranonce1)+len(extranonce2)+len(j.Coinb2))
	cb = append(append(append(append(cb, j.Coinb1...), extranonce1...), extranonce2...), j.Coinb2...)
	root := sha256d(cb)
	var pair [64]byte
	for _, h := range j.Branch {
		copy(pair[:32], root[:])
		copy(pair[32:], h[:])
		root = sha256d(pair[:])
	}
	return root
}

// Header is the block header a miner hashes.
func (j *Job) Header(root [32]byte, version, ntime, nonce uint32) [80]byte {
	var h [80]byte
	binary.LittleEndian.PutUint32(h[0:], version)
	copy(h[4:36], j.PrevHash[:])
	copy(h[36:68], root[:])
	binary.LittleEndian.PutUint32(h[68:], ntime)
	binary.LittleEndian.PutUint32(h[72:], j.Bits)
	binary.LittleEndian.PutUint32(h[76:], nonce)
	return h
}

// Target is a 256-bit target; a hash meets it when, read as a
// little-endian number, it is not above it.
type Target [32]byte // big-endian

var diff1 = new(big.Int).Lsh(big.NewInt(0xffff), 208)

// TargetFor is the share target of a difficulty (diff1 / d, capped at the
// largest target).
func TargetFor(d float64) (Target, error) {
	if !(d > 0) || math.IsInf(d, 0) {
		return Target{}, fmt.Errorf("miner: difficulty %v", d)
	}
	q := new(big.Rat).SetFrac(diff1, big.NewInt(1))
	q.Quo(q, new(big.Rat).SetFloat64(d))
	n := new(big.Int).Quo(q.Num(), q.Denom())
	var t Target
	if n.BitLen() > 256 {
		for i := range t {
			t[i] = 0xff
		}
		return t, nil
	}
	n.FillBytes(t[:])
	return t, nil
}

// TargetFromBits is the network target of a header's nbits.
func TargetFromBits(bits uint32) (Target, error) {
	exp, mant := bits>>24, bits&0x007fffff
	if bits&0x00800000 != 0 || exp > 32 {
		return Target{}, errors.New("miner: bad nbits")
	}
	n := new(big.Int).SetUint64(uint64(mant))
	if exp <= 3 {
		n.Rsh(n, 8*(3-uint(exp)))
	} else {
		n.Lsh(n, 8*(uint(exp)-3))
	}
	var t Target
	if n.BitLen() > 256 {
		return t, errors.New("miner: nbits over 256 bits")
	}
	n.FillBytes(t[:])
	return t, nil
}

// Meets reports whether a header hash meets the target.
func (t *Target) Meets(hash [32]byte) bool {
	for i := range 32 {
		h := hash[31-i]
		if h != t[i] {
			return h < t[i]
		}
	}
	return true
}

// HashHeader is the header's double SHA-256.
func HashHeader(h *[80]byte) [32]byte { return sha256d(h[:]) }
