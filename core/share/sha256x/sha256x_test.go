package sha256x

import (
	"crypto/sha256"
	"encoding/binary"
	"math/rand/v2"
	"testing"
)

// padding64 is the second block of a 64-byte message: 0x80, zeros, and the
// length, 512 bits.
var padding64 = [16]uint32{0x80000000, 15: 512}

// digestBytes writes a lane's state as the digest's bytes.
func digestBytes(words [8]uint32) [32]byte {
	var d [32]byte
	for i, w := range words {
		binary.BigEndian.PutUint32(d[4*i:], w)
	}
	return d
}

// randomMessages makes 64-byte messages and their word-major form.
func randomMessages(rng *rand.Rand, n int) ([][64]byte, [][16]uint32) {
	msgs := make([][64]byte, n)
	words := make([][16]uint32, n)
	for i := range msgs {
		for j := range msgs[i] {
			msgs[i][j] = byte(rng.Uint32())
		}
		for w := range 16 {
			words[i][w] = binary.BigEndian.Uint32(msgs[i][4*w:])
		}
	}
	return msgs, words
}

// TestLanesMatchStdlib hashes 64-byte messages through the lanes (the
// message block, then the shared padding block) and compares every lane
// with crypto/sha256.
func TestLanesMatchStdlib(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	kw := ConstSchedule(&padding64)
	kw8 := Widen8(&kw)
	for round := range 50 {
		msgs, words := randomMessages(rng, 16)
		var s16 State16
		var m16 Msg16
		s16.Reset()
		for l := range 16 {
			for w := range 16 {
				m16[w][l] = words[l][w]
			}
		}
		Block16(&s16, &m16)
		Block16Const(&s16, &kw)

		var s8 [2]State8
		for half := range 2 {
			var m8 Msg8
			s8[half].Reset()
			for l := range 8 {
				for w := range 16 {
					m8[w][l] = words[8*half+l][w]
				}
			}
			Block8(&s8[half], &m8)
			Block8Const(&s8[half], &kw8)
		}

		for l := range 16 {
			want := sha256.Sum256(msgs[l][:])
			var w16, w8 [8]uint32
			for w := range 8 {
				w16[w] = s16[w][l]
				w8[w] = s8[l/8][w][l%8]
			}
			if digestBytes(w16) != want {
				t.Fatalf("round %d lane %d: x16 %x, want %x", round, l, digestBytes(w16), want)
			}
			if digestBytes(w8) != want {
				t.Fatalf("round %d lane %d: x8 %x, want %x", round, l, digestBytes(w8), want)
			}
		}
	}
}

// TestGenericMatchesAssembly runs the portable code on the same input.
func TestGenericMatchesAssembly(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var s1, s2 State16
	var m1 Msg16
	for w := range s1 {
		for l := range s1[w] {
			s1[w][l] = rng.Uint32()
		}
	}
	s2 = s1
	for w := range m1 {
		for l := range m1[w] {
			m1[w][l] = rng.Uint32()
		}
	}
	m2 := m1
	Block16(&s1, &m1)
	block16Generic(&s2, &m2)
	if s1 != s2 {
		t.Fatal("Block16 differs from the portable code")
	}
	kw := ConstSchedule(&padding64)
	Block16Const(&s1, &kw)
	block16ConstGeneric(&s2, &kw)
	if s1 != s2 {
		t.Fatal("Block16Const differs from the portable code")
	}
	t.Logf("x16 %v, x8 %v, sha-ni %v", HasX16(), HasX8(), HasSHANI())
}

func TestZeroAlloc(t *testing.T) {
	var s State16
	var m Msg16
	kw := ConstSchedule(&padding64)
	if n := testing.AllocsPerRun(100, func() { Block16(&s, &m); Block16Const(&s, &kw) }); n != 0 {
		t.Fatalf("%v allocs", n)
	}
}

// The benchmarks report ns per compression per lane, to compare with one
// SHA-NI compression (about 45 ns here).

func BenchmarkBlock16(b *testing.B) {
	var s State16
	var m Msg16
	for b.Loop() {
		Block16(&s, &m)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/16, "ns/lane")
}

func BenchmarkBlock16Const(b *testing.B) {
	var s State16
	kw := ConstSchedule(&padding64)
	for b.Loop() {
		Block16Const(&s, &kw)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/16, "ns/lane")
}

func BenchmarkBlock8(b *testing.B) {
	var s State8
	var m Msg8
	for b.Loop() {
		Block8(&s, &m)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/8, "ns/lane")
}

func BenchmarkCompressGeneric(b *testing.B) {
	var s [8]uint32
	var m [16]uint32
	for b.Loop() {
		Compress(&s, &m)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/lane")
}

func BenchmarkSHANISingle(b *testing.B) {
	msg := make([]byte, 32) // one compression
	for b.Loop() {
		_ = sha256.Sum256(msg)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N), "ns/lane")
}

// TestKernelsAgree runs every available kernel on the same lanes.
func TestKernelsAgree(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	var s0 State16
	var m0 Msg16
	for w := range s0 {
		for l := range s0[w] {
			s0[w][l] = rng.Uint32()
		}
	}
	for w := range m0 {
		for l := range m0[w] {
			m0[w][l] = rng.Uint32()
		}
	}
	pad := NewSchedule16(&padding64)
	var want State16
	for i, k := range Kernels() {
		s, m := s0, m0
		k.Block(&s, &m)
		k.BlockConst(&s, pad)
		if i == 0 {
			want = s
			continue
		}
		if s != want {
			t.Errorf("kernel %s differs from %s", k, Kernels()[0])
		}
	}
	if len(Kernels()) == 0 || Kernels()[len(Kernels())-1] != Generic || Kernel(9).String() != "Kernel(9)" || Kernel(9).Available() {
		t.Error("kernel list")
	}
}
