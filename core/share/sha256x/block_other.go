//go:build !amd64 || purego

package sha256x

var hasX16, hasX8, hasSHNI = false, false, false

// Block16 compresses one block into each of 16 lanes.
func Block16(s *State16, m *Msg16) { block16Generic(s, m) }

// Block16Const compresses a block every lane shares, from its ConstSchedule.
func Block16Const(s *State16, kw *[64]uint32) { block16ConstGeneric(s, kw) }

// Block8 compresses one block into each of 8 lanes; m's contents are lost.
func Block8(s *State8, m *Msg8) { block8Generic(s, m) }

// Block8Const is Block16Const for 8 lanes.
func Block8Const(s *State8, kw *[64][8]uint32) {
	var narrow [64]uint32
	for t := range narrow {
		narrow[t] = kw[t][0]
	}
	block8ConstGeneric(s, &narrow)
}
