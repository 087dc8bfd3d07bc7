package sha256x

import "fmt"

// Kernel is a way to run 16 lanes of compressions.
type Kernel uint8

const (
	// Generic runs one lane after another in portable Go.
	Generic Kernel = iota
	// AVX2 runs two groups of 8 lanes.
	AVX2
	// AVX512 runs all 16 lanes at once.
	AVX512
)

func (k Kernel) String() string {
	switch k {
	case Generic:
		return "generic"
	case AVX2:
		return "avx2-x8"
	case AVX512:
		return "avx512-x16"
	}
	return fmt.Sprintf("Kernel(%d)", uint8(k))
}

// Available reports whether the CPU runs k.
func (k Kernel) Available() bool {
	switch k {
	case Generic:
		return true
	case AVX2:
		return hasX8
	case AVX512:
		return hasX16
	}
	return false
}

// Kernels lists the kernels the CPU runs, fastest family first.
func Kernels() []Kernel {
	var out []Kernel
	for _, k := range []Kernel{AVX512, AVX2, Generic} {
		if k.Available() {
			out = append(out, k)
		}
	}
	return out
}

// Block compresses one block into each of 16 lanes with k.
func (k Kernel) Block(s *State16, m *Msg16) {
	switch k {
	case AVX512:
		Block16(s, m)
	case AVX2:
		var h State8
		var hm Msg8
		for half := range 2 {
			for w := range s {
				copy(h[w][:], s[w][8*half:8*half+8])
			}
			for w := range m {
				copy(hm[w][:], m[w][8*half:8*half+8])
			}
			Block8(&h, &hm)
			for w := range s {
				copy(s[w][8*half:8*half+8], h[w][:])
			}
		}
	default:
		block16Generic(s, m)
	}
}

// Schedule16 is a block every lane shares, ready for BlockConst: its K+W
// table, and the same widened for 8 lanes.
type Schedule16 struct {
	kw  [64]uint32
	kw8 [64][8]uint32
}

// NewSchedule16 prepares a shared block.
func NewSchedule16(block *[16]uint32) *Schedule16 {
	s := &Schedule16{kw: ConstSchedule(block)}
	s.kw8 = Widen8(&s.kw)
	return s
}

// BlockConst compresses the same block into each of 16 lanes.
func (k Kernel) BlockConst(s *State16, c *Schedule16) {
	switch k {
	case AVX512:
		Block16Const(s, &c.kw)
	case AVX2:
		var h State8
		for half := range 2 {
			for w := range s {
				copy(h[w][:], s[w][8*half:8*half+8])
			}
			Block8Const(&h, &c.kw8)
			for w := range s {
				copy(s[w][8*half:8*half+8], h[w][:])
			}
		}
	default:
		block16ConstGeneric(s, &c.kw)
	}
}
