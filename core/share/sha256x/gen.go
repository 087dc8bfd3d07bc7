//go:build ignore

// gen writes block_amd64.s: SHA-256 compression on 16 lanes (AVX-512) and
// on 8 lanes (AVX2), states and messages word-major. Run by go generate.
package main

import (
	"fmt"
	"os"
	"strings"
)

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

var out strings.Builder

func p(format string, args ...any) { fmt.Fprintf(&out, "\t"+format+"\n", args...) }
func label(l string)               { fmt.Fprintf(&out, "%s:\n", l) }

// ---- AVX-512, 16 lanes: every value in a ZMM register. ----

// Registers: state a..h in Z0..Z7, the message ring W[0..15] in Z8..Z23,
// temporaries in Z24..Z28.
func z(i int) string { return fmt.Sprintf("Z%d", i) }

// round512 does one round. s holds the registers of a..h for this round;
// w is the message word's register, or "" with kw set: add K+W from memory
// at kwAddr instead (a schedule that is the same for every lane).
func round512(s [8]int, w string, kAddr string) {
	a, b, c, d, e, f, g, h := z(s[0]), z(s[1]), z(s[2]), z(s[3]), z(s[4]), z(s[5]), z(s[6]), z(s[7])
	// h += Σ1(e) + Ch(e,f,g) + K + W
	p("VPRORD $6, %s, Z24", e)
	p("VPRORD $11, %s, Z25", e)
	p("VPRORD $25, %s, Z26", e)
	p("VPTERNLOGD $0x96, Z26, Z25, Z24")
	p("VMOVDQA32 %s, Z25", e)
	p("VPTERNLOGD $0xca, %s, %s, Z25", g, f)
	p("VPADDD Z24, %s, %s", h, h)
	p("VPADDD Z25, %s, %s", h, h)
	if w != "" {
		p("VPADDD %s, %s, %s", w, h, h)
	}
	p("VPADDD.BCST %s, %s, %s", kAddr, h, h)
	// d += T1; h = T1 + Σ0(a) + Maj(a,b,c)
	p("VPADDD %s, %s, %s", h, d, d)
	p("VPRORD $2, %s, Z24", a)
	p("VPRORD $13, %s, Z25", a)
	p("VPRORD $22, %s, Z26", a)
	p("VPTERNLOGD $0x96, Z26, Z25, Z24")
	p("VMOVDQA32 %s, Z25", a)
	p("VPTERNLOGD $0xe8, %s, %s, Z25", c, b)
	p("VPADDD Z24, %s, %s", h, h)
	p("VPADDD Z25, %s, %s", h, h)
}

// schedule512 computes W[t] into ring slot t%16 from its neighbours.
func schedule512(t int) {
	w := func(i int) string { return z(8 + (t+i)%16) }
	// σ0(W[t-15]) = ror7 ^ ror18 ^ shr3
	p("VPRORD $7, %s, Z26", w(1))
	p("VPRORD $18, %s, Z27", w(1))
	p("VPSRLD $3, %s, Z28", w(1))
	p("VPTERNLOGD $0x96, Z28, Z27, Z26")
	p("VPADDD Z26, %s, %s", w(0), w(0))
	// σ1(W[t-2]) = ror17 ^ ror19 ^ shr10
	p("VPRORD $17, %s, Z26", w(14))
	p("VPRORD $19, %s, Z27", w(14))
	p("VPSRLD $10, %s, Z28", w(14))
	p("VPTERNLOGD $0x96, Z28, Z27, Z26")
	p("VPADDD Z26, %s, %s", w(0), w(0))
	p("VPADDD %s, %s, %s", w(9), w(0), w(0)) // + W[t-7]
}

func rotate(s [8]int) [8]int { return [8]int{s[7], s[0], s[1], s[2], s[3], s[4], s[5], s[6]} }

func block512() {
	fmt.Fprintf(&out, "\n// func block16(s *[8][16]uint32, m *[16][16]uint32)\n")
	fmt.Fprintf(&out, "TEXT ·block16(SB), NOSPLIT, $0-16\n")
	p("MOVQ s+0(FP), DI")
	p("MOVQ m+8(FP), SI")
	for i := range 8 {
		p("VMOVDQU32 %d(DI), %s", 64*i, z(i))
	}
	for i := range 16 {
		p("VMOVDQU32 %d(SI), %s", 64*i, z(8+i))
	}
	s := [8]int{0, 1, 2, 3, 4, 5, 6, 7}
	for t := range 16 {
		round512(s, z(8+t), fmt.Sprintf("k256<>+%d(SB)", 4*t))
		s = rotate(s)
	}
	p("LEAQ k256<>+64(SB), R8")
	p("MOVQ $3, CX")
	label("loop16")
	for t := 16; t < 32; t++ {
		schedule512(t)
		round512(s, z(8+t%16), fmt.Sprintf("%d(R8)", 4*(t-16)))
		s = rotate(s)
	}
	p("ADDQ $64, R8")
	p("DECQ CX")
	p("JNZ loop16")
	for i := range 8 {
		p("VPADDD %d(DI), %s, %s", 64*i, z(i), z(i))
		p("VMOVDQU32 %s, %d(DI)", z(i), 64*i)
	}
	p("VZEROUPPER")
	p("RET")
}

func block512kw() {
	fmt.Fprintf(&out, "\n// func block16KW(s *[8][16]uint32, kw *[64]uint32)\n")
	fmt.Fprintf(&out, "TEXT ·block16KW(SB), NOSPLIT, $0-16\n")
	p("MOVQ s+0(FP), DI")
	p("MOVQ kw+8(FP), SI")
	for i := range 8 {
		p("VMOVDQU32 %d(DI), %s", 64*i, z(i))
	}
	s := [8]int{0, 1, 2, 3, 4, 5, 6, 7}
	p("MOVQ $4, CX")
	label("loopkw16")
	for t := range 16 {
		round512(s, "", fmt.Sprintf("%d(SI)", 4*t))
		s = rotate(s)
	}
	p("ADDQ $64, SI")
	p("DECQ CX")
	p("JNZ loopkw16")
	for i := range 8 {
		p("VPADDD %d(DI), %s, %s", 64*i, z(i), z(i))
		p("VMOVDQU32 %s, %d(DI)", z(i), 64*i)
	}
	p("VZEROUPPER")
	p("RET")
}

// ---- AVX2, 8 lanes: 16 YMM registers hold the state and temporaries;
// the message ring lives in the caller's array, updated in place. ----

func y(i int) string { return fmt.Sprintf("Y%d", i) }

// ror2 rotates src right by n into dst, using tmp.
func ror2(n int, src, dst, tmp string) {
	p("VPSRLD $%d, %s, %s", n, src, dst)
	p("VPSLLD $%d, %s, %s", 32-n, src, tmp)
	p("VPOR %s, %s, %s", tmp, dst, dst)
}

// Registers: state a..h in Y0..Y7; temporaries Y8..Y15.
func round256(s [8]int, wAddr, kAddr string) {
	a, b, c, d, e, f, g, h := y(s[0]), y(s[1]), y(s[2]), y(s[3]), y(s[4]), y(s[5]), y(s[6]), y(s[7])
	// Σ1(e) into Y8
	ror2(6, e, "Y8", "Y9")
	ror2(11, e, "Y10", "Y9")
	p("VPXOR Y10, Y8, Y8")
	ror2(25, e, "Y10", "Y9")
	p("VPXOR Y10, Y8, Y8")
	// Ch(e,f,g) = (e&f) ^ (~e&g) into Y9
	p("VPAND %s, %s, Y9", f, e)
	p("VPANDN %s, %s, Y10", g, e)
	p("VPXOR Y10, Y9, Y9")
	p("VPADDD Y8, %s, %s", h, h)
	p("VPADDD Y9, %s, %s", h, h)
	if wAddr != "" {
		p("VPADDD %s, %s, %s", wAddr, h, h)
	}
	p("VPADDD %s, %s, %s", kAddr, h, h)
	p("VPADDD %s, %s, %s", h, d, d)
	// Σ0(a) into Y8
	ror2(2, a, "Y8", "Y9")
	ror2(13, a, "Y10", "Y9")
	p("VPXOR Y10, Y8, Y8")
	ror2(22, a, "Y10", "Y9")
	p("VPXOR Y10, Y8, Y8")
	// Maj(a,b,c) = (a&b) | (c&(a|b)) into Y9
	p("VPOR %s, %s, Y9", b, a)
	p("VPAND %s, Y9, Y9", c)
	p("VPAND %s, %s, Y10", b, a)
	p("VPOR Y10, Y9, Y9")
	p("VPADDD Y8, %s, %s", h, h)
	p("VPADDD Y9, %s, %s", h, h)
}

// schedule256 computes W[t] in the ring at SI (32 bytes per word).
func schedule256(t int) {
	w := func(i int) string { return fmt.Sprintf("%d(SI)", 32*((t+i)%16)) }
	p("VMOVDQU %s, Y11", w(1))
	ror2(7, "Y11", "Y12", "Y13")
	ror2(18, "Y11", "Y14", "Y13")
	p("VPXOR Y14, Y12, Y12")
	p("VPSRLD $3, Y11, Y14")
	p("VPXOR Y14, Y12, Y12")
	p("VMOVDQU %s, Y11", w(14))
	ror2(17, "Y11", "Y15", "Y13")
	ror2(19, "Y11", "Y14", "Y13")
	p("VPXOR Y14, Y15, Y15")
	p("VPSRLD $10, Y11, Y14")
	p("VPXOR Y14, Y15, Y15")
	p("VPADDD Y15, Y12, Y12")
	p("VPADDD %s, Y12, Y12", w(9))
	p("VPADDD %s, Y12, Y12", w(0))
	p("VMOVDQU Y12, %s", w(0))
}

func block256() {
	fmt.Fprintf(&out, "\n// func block8(s *[8][8]uint32, m *[16][8]uint32): m is used as the\n// message ring and left holding W[48..63].\n")
	fmt.Fprintf(&out, "TEXT ·block8(SB), NOSPLIT, $0-16\n")
	p("MOVQ s+0(FP), DI")
	p("MOVQ m+8(FP), SI")
	for i := range 8 {
		p("VMOVDQU %d(DI), %s", 32*i, y(i))
	}
	s := [8]int{0, 1, 2, 3, 4, 5, 6, 7}
	for t := range 16 {
		round256(s, fmt.Sprintf("%d(SI)", 32*t), fmt.Sprintf("k256x8<>+%d(SB)", 32*t))
		s = rotate(s)
	}
	p("LEAQ k256x8<>+512(SB), R8")
	p("MOVQ $3, CX")
	label("loop8")
	for t := 16; t < 32; t++ {
		schedule256(t)
		round256(s, fmt.Sprintf("%d(SI)", 32*(t%16)), fmt.Sprintf("%d(R8)", 32*(t-16)))
		s = rotate(s)
	}
	p("ADDQ $512, R8")
	p("DECQ CX")
	p("JNZ loop8")
	for i := range 8 {
		p("VPADDD %d(DI), %s, %s", 32*i, y(i), y(i))
		p("VMOVDQU %s, %d(DI)", y(i), 32*i)
	}
	p("VZEROUPPER")
	p("RET")
}

func block256kw() {
	fmt.Fprintf(&out, "\n// func block8KW(s *[8][8]uint32, kw *[64][8]uint32)\n")
	fmt.Fprintf(&out, "TEXT ·block8KW(SB), NOSPLIT, $0-16\n")
	p("MOVQ s+0(FP), DI")
	p("MOVQ kw+8(FP), SI")
	for i := range 8 {
		p("VMOVDQU %d(DI), %s", 32*i, y(i))
	}
	s := [8]int{0, 1, 2, 3, 4, 5, 6, 7}
	p("MOVQ $4, CX")
	label("loopkw8")
	for t := range 16 {
		round256(s, "", fmt.Sprintf("%d(SI)", 32*t))
		s = rotate(s)
	}
	p("ADDQ $512, SI")
	p("DECQ CX")
	p("JNZ loopkw8")
	for i := range 8 {
		p("VPADDD %d(DI), %s, %s", 32*i, y(i), y(i))
		p("VMOVDQU %s, %d(DI)", y(i), 32*i)
	}
	p("VZEROUPPER")
	p("RET")
}

func main() {
	fmt.Fprintf(&out, "// Code generated by gen.go; DO NOT EDIT.\n\n//go:build amd64 && !purego\n\n#include \"textflag.h\"\n\n")
	fmt.Fprintf(&out, "// The 64 round constants, once each (broadcast to 16 lanes by AVX-512).\n")
	for i, v := range k {
		fmt.Fprintf(&out, "DATA k256<>+%d(SB)/4, $0x%08x\n", 4*i, v)
	}
	fmt.Fprintf(&out, "GLOBL k256<>(SB), RODATA|NOPTR, $256\n\n")
	fmt.Fprintf(&out, "// The round constants, each repeated for 8 lanes (AVX2 has no broadcast operand).\n")
	for i, v := range k {
		for l := range 8 {
			fmt.Fprintf(&out, "DATA k256x8<>+%d(SB)/4, $0x%08x\n", 32*i+4*l, v)
		}
	}
	fmt.Fprintf(&out, "GLOBL k256x8<>(SB), RODATA|NOPTR, $2048\n")
	block512()
	block512kw()
	block256()
	block256kw()
	if err := os.WriteFile("block_amd64.s", []byte(out.String()), 0o644); err != nil {
		panic(err)
	}
}
