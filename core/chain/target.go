package chain

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
)

// Target is a 256-bit number a block or share hash must not exceed, as four
// 64-bit limbs, least significant first: the layout of a hash read as a
// little-endian number, so a comparison needs no byte swapping.
type Target [4]uint64

// diff1 is the target of difficulty 1: 0xffff << 208.
var diff1 = new(big.Int).Lsh(big.NewInt(0xffff), 208)

// TargetFromBits expands a header's compact nBits. A negative or overflowing
// encoding is an error, as it is for a node.
func TargetFromBits(bits uint32) (Target, error) {
	mantissa := bits & 0x007fffff
	exponent := bits >> 24
	if bits&0x00800000 != 0 && mantissa != 0 {
		return Target{}, fmt.Errorf("chain: negative compact target %08x", bits)
	}
	n := new(big.Int).SetUint64(uint64(mantissa))
	if exponent <= 3 {
		n.Rsh(n, 8*uint(3-exponent))
	} else {
		n.Lsh(n, 8*uint(exponent-3))
	}
	if n.BitLen() > 256 {
		return Target{}, fmt.Errorf("chain: compact target %08x overflows 256 bits", bits)
	}
	return targetFromBig(n), nil
}

// TargetFromDifficulty is the share target of a pool difficulty,
// floor(diff1 / d), computed exactly so no share is credited above what its
// hash proves. Difficulties below 2^-32 saturate at the largest target.
func TargetFromDifficulty(d float64) (Target, error) {
	if !(d > 0) || math.IsInf(d, 0) {
		return Target{}, fmt.Errorf("chain: difficulty %v is not a positive number", d)
	}
	q := new(big.Rat).SetFrac(diff1, big.NewInt(1))
	q.Quo(q, new(big.Rat).SetFloat64(d))
	n := new(big.Int).Quo(q.Num(), q.Denom())
	if n.BitLen() > 256 {
		return Target{math.MaxUint64, math.MaxUint64, math.MaxUint64, math.MaxUint64}, nil
	}
	return targetFromBig(n), nil
}

func targetFromBig(n *big.Int) Target {
	var be [32]byte
	n.FillBytes(be[:])
	var t Target
	for i := range t {
		t[i] = binary.BigEndian.Uint64(be[32-8*(i+1):])
	}
	return t
}

func (t *Target) big() *big.Int {
	var be [32]byte
	for i := range t {
		binary.BigEndian.PutUint64(be[32-8*(i+1):], t[i])
	}
	return new(big.Int).SetBytes(be[:])
}

// Difficulty is diff1 divided by the target, as a pool reports it.
func (t *Target) Difficulty() float64 {
	n := t.big()
	if n.Sign() == 0 {
		return math.Inf(1)
	}
	f, _ := new(big.Rat).SetFrac(diff1, n).Float64()
	return f
}

// HashMeets reports whether a hash, in internal byte order, is at most the
// target. It is on the hot path: four limb comparisons from the top.
func HashMeets(h *Hash, t *Target) bool {
	for i := 3; i >= 0; i-- {
		limb := binary.LittleEndian.Uint64(h[8*i:])
		if limb != t[i] {
			return limb < t[i]
		}
	}
	return true
}

// HashDifficulty is the difficulty a hash proves: diff1 / hash. It is for
// statistics (best shares), not for crediting.
func HashDifficulty(h *Hash) float64 {
	// The top 128 bits carry all the precision a float64 can hold.
	hi := binary.LittleEndian.Uint64(h[24:])
	mid := binary.LittleEndian.Uint64(h[16:])
	v := float64(hi)*0x1p64 + float64(mid)
	if v == 0 {
		return math.Inf(1)
	}
	// diff1 = 0xffff * 2^208 = 0xffff * 2^80 in units of 2^128.
	return 0xffff * 0x1p80 / v
}
