package share

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share/sha256x"
	"github.com/stratapool/strata/wire"
)

// FuzzCheck feeds arbitrary submit fields, version masks and difficulties to
// the checkers: never a panic, and the single path and every batch kernel
// give the same verdict, credit and hash.
func FuzzCheck(f *testing.F) {
	f.Add(uint32(0), uint64(5), uint32(1_700_000_010), uint32(9), uint32(0x2000), true, uint32(0x1fffe000), 1e-9, false)
	f.Add(uint32(1), uint64(1<<40), uint32(0), uint32(0), uint32(0xffffffff), true, uint32(0), 1e15, true)
	f.Add(uint32(7), uint64(0), uint32(1_800_000_000), uint32(1), uint32(0), false, uint32(0x00ffe000), 0.5, false)
	tmpl, _ := realTemplate(f, 3, 0x207fffff) // easy blocks: the block path is exercised too
	f.Fuzz(func(t *testing.T, jobDelta uint32, en2 uint64, ntime, nonce, vbits uint32, hasVersion bool, mask uint32, diff float64, solo bool) {
		s := &Session{ID: 3, Extranonce1: binary.BigEndian.AppendUint32(nil, 3), Authorized: true, VersionMask: mask}
		if solo {
			s.PayoutScript = []byte{0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20}
		}
		s, err := s.WithDifficulty(0, diff)
		if err != nil {
			return // not a difficulty: the edge never sends one
		}
		mode := job.PoolMode
		if solo {
			mode = job.SoloMode
		}
		j := buildJob(t, tmpl, mode)
		r := wire.SubmitRecord{Session: 3, Job: j.ID + wire.JobID(jobDelta%3), Extranonce2: en2, NTime: ntime,
			Nonce: nonce, VersionBits: vbits, HasVersion: hasVersion}
		now := time.Unix(int64(tmpl.CurTime), 0)
		newV := func() *Validator {
			v := NewValidator(Config{Extranonce2Size: 6})
			v.AddJob(j)
			return v
		}
		var want Result
		newV().NewChecker().Check(s, &r, now, &want)
		for _, k := range sha256x.Kernels() {
			out := make([]Result, 1)
			newV().NewBatchChecker(k).Check([]Item{{s, r}}, now, out)
			got := out[0]
			if got.Verdict != want.Verdict || got.Credit != want.Credit || (hashed(want.Verdict) && got.Hash != want.Hash) {
				t.Fatalf("kernel %s: %s %g %s; single %s %g %s", k, got.Verdict, got.Credit, got.Hash, want.Verdict, want.Credit, want.Hash)
			}
		}
	})
}

// hashed reports whether a verdict comes after the share was hashed.
func hashed(v wire.Verdict) bool {
	switch v {
	case wire.VerdictAccepted, wire.VerdictBlock, wire.VerdictLowDifficulty, wire.VerdictDuplicate:
		return true
	}
	return false
}
