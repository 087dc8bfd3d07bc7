package sha256x

import "math/bits"

// IV is SHA-256's initial state.
var IV = [8]uint32{0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19}

// State16 is 16 states: State16[w][l] is word w of lane l.
type State16 [8][16]uint32

// Msg16 is one 64-byte block per lane, as big-endian words: Msg16[w][l].
type Msg16 [16][16]uint32

// State8 and Msg8 are the same for 8 lanes.
type (
	State8 [8][8]uint32
	Msg8   [16][8]uint32
)

// iv16 is every lane at the initial state.
var iv16 = func() (s State16) {
	for w := range s {
		for l := range s[w] {
			s[w][l] = IV[w]
		}
	}
	return s
}()

// Reset sets every lane to the initial state.
func (s *State16) Reset() { *s = iv16 }

// Reset sets every lane to the initial state.
func (s *State8) Reset() {
	for w := range s {
		for l := range s[w] {
			s[w][l] = IV[w]
		}
	}
}

var k = [64]uint32{
	0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
	0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
	0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
	0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
	0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
	0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
	0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
	0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
}

// Schedule expands a block into its 64 schedule words.
func Schedule(block *[16]uint32) [64]uint32 {
	var w [64]uint32
	copy(w[:], block[:])
	for t := 16; t < 64; t++ {
		s0 := bits.RotateLeft32(w[t-15], -7) ^ bits.RotateLeft32(w[t-15], -18) ^ w[t-15]>>3
		s1 := bits.RotateLeft32(w[t-2], -17) ^ bits.RotateLeft32(w[t-2], -19) ^ w[t-2]>>10
		w[t] = w[t-16] + s0 + w[t-7] + s1
	}
	return w
}

// ConstSchedule is the K+W table of a block every lane shares, for
// Block16Const.
func ConstSchedule(block *[16]uint32) [64]uint32 {
	w := Schedule(block)
	for t := range w {
		w[t] += k[t]
	}
	return w
}

// Compress is one scalar compression: the portable fallback and the
// reference the lanes are tested against.
func Compress(s *[8]uint32, block *[16]uint32) {
	w := Schedule(block)
	compressW(s, &w, true)
}

// compressW runs the rounds; with addK false, w already holds K+W.
func compressW(s *[8]uint32, w *[64]uint32, addK bool) {
	a, b, c, d, e, f, g, h := s[0], s[1], s[2], s[3], s[4], s[5], s[6], s[7]
	for t := range 64 {
		kw := w[t]
		if addK {
			kw += k[t]
		}
		t1 := h + (bits.RotateLeft32(e, -6) ^ bits.RotateLeft32(e, -11) ^ bits.RotateLeft32(e, -25)) + (e&f ^ ^e&g) + kw
		t2 := (bits.RotateLeft32(a, -2) ^ bits.RotateLeft32(a, -13) ^ bits.RotateLeft32(a, -22)) + (a&b ^ a&c ^ b&c)
		h, g, f, e, d, c, b, a = g, f, e, d+t1, c, b, a, t1+t2
	}
	s[0] += a
	s[1] += b
	s[2] += c
	s[3] += d
	s[4] += e
	s[5] += f
	s[6] += g
	s[7] += h
}

// block16Generic is Block16 one lane at a time.
func block16Generic(s *State16, m *Msg16) {
	for l := range 16 {
		var st [8]uint32
		var blk [16]uint32
		for w := range st {
			st[w] = s[w][l]
		}
		for w := range blk {
			blk[w] = m[w][l]
		}
		Compress(&st, &blk)
		for w := range st {
			s[w][l] = st[w]
		}
	}
}

func block16ConstGeneric(s *State16, kw *[64]uint32) {
	for l := range 16 {
		var st [8]uint32
		for w := range st {
			st[w] = s[w][l]
		}
		compressW(&st, kw, false)
		for w := range st {
			s[w][l] = st[w]
		}
	}
}

func block8Generic(s *State8, m *Msg8) {
	for l := range 8 {
		var st [8]uint32
		var blk [16]uint32
		for w := range st {
			st[w] = s[w][l]
		}
		for w := range blk {
			blk[w] = m[w][l]
		}
		Compress(&st, &blk)
		for w := range st {
			s[w][l] = st[w]
		}
	}
}

func block8ConstGeneric(s *State8, kw *[64]uint32) {
	for l := range 8 {
		var st [8]uint32
		for w := range st {
			st[w] = s[w][l]
		}
		compressW(&st, kw, false)
		for w := range st {
			s[w][l] = st[w]
		}
	}
}
