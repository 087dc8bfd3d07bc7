//go:build amd64 && !purego

package sha256x

import (
	"github.com/klauspost/cpuid/v2"
	"golang.org/x/sys/cpu"
)

// The kernels in block_amd64.s.

//go:noescape
func block16(s *[8][16]uint32, m *[16][16]uint32)

//go:noescape
func block16KW(s *[8][16]uint32, kw *[64]uint32)

//go:noescape
func block8(s *[8][8]uint32, m *[16][8]uint32)

//go:noescape
func block8KW(s *[8][8]uint32, kw *[64][8]uint32)

var (
	hasX16  = cpu.X86.HasAVX512F && cpu.X86.HasAVX512BW && cpu.X86.HasAVX512VL
	hasX8   = cpu.X86.HasAVX2
	hasSHNI = cpuid.CPU.Supports(cpuid.SHA, cpuid.SSSE3, cpuid.SSE4)
)

// Block16 compresses one block into each of 16 lanes.
func Block16(s *State16, m *Msg16) {
	if hasX16 {
		block16((*[8][16]uint32)(s), (*[16][16]uint32)(m))
		return
	}
	block16Generic(s, m)
}

// Block16Const compresses a block every lane shares, from its ConstSchedule.
func Block16Const(s *State16, kw *[64]uint32) {
	if hasX16 {
		block16KW((*[8][16]uint32)(s), kw)
		return
	}
	block16ConstGeneric(s, kw)
}

// Block8 compresses one block into each of 8 lanes. It uses m as scratch:
// m's contents are lost.
func Block8(s *State8, m *Msg8) {
	if hasX8 {
		block8((*[8][8]uint32)(s), (*[16][8]uint32)(m))
		return
	}
	block8Generic(s, m)
}

// Block8Const is Block16Const for 8 lanes; kw is widened to 8 lanes first
// with Widen8.
func Block8Const(s *State8, kw *[64][8]uint32) {
	if hasX8 {
		block8KW((*[8][8]uint32)(s), kw)
		return
	}
	var narrow [64]uint32
	for t := range narrow {
		narrow[t] = kw[t][0]
	}
	block8ConstGeneric(s, &narrow)
}
