// Package sha256x runs SHA-256 compressions for many messages side by side:
// 16 lanes with AVX-512, 8 with AVX2, one at a time in portable Go
// otherwise. States and message blocks are word-major ([word][lane]) so a
// digest's words are directly the next message's words: a merkle fold runs
// without byte swapping or transposing.
//
// Block16 and Block8 compress one block per lane; Block16Const and
// Block8Const compress a block that is the same for every lane (a padding
// block) from its precomputed schedule, skipping the schedule's work.
package sha256x

//go:generate go run gen.go
