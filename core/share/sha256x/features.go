package sha256x

// HasX16 reports whether the 16-lane AVX-512 kernels run here.
func HasX16() bool { return hasX16 }

// HasX8 reports whether the 8-lane AVX2 kernels run here.
func HasX8() bool { return hasX8 }

// HasSHANI reports whether the CPU has the SHA extensions, which make a
// single stream fast.
func HasSHANI() bool { return hasSHNI }

// Widen8 repeats a ConstSchedule for 8 lanes, the form Block8Const takes.
func Widen8(kw *[64]uint32) [64][8]uint32 {
	var out [64][8]uint32
	for t := range out {
		for l := range out[t] {
			out[t][l] = kw[t]
		}
	}
	return out
}
