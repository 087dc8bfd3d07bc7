package share

import (
	"crypto/sha256"
	"encoding/binary"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share/dedup"
	"github.com/stratapool/strata/wire"
)

// Result is the judgement of one share.
type Result struct {
	Verdict wire.Verdict
	// Credit is the difficulty credited: the one assigned for the job, or
	// the network's when a block's hash proves less than that.
	Credit float64
	// Hash is the header's hash; HashDifficulty what it proves.
	Hash           chain.Hash
	HashDifficulty float64
	// Job is the share's job, when it was found.
	Job *job.Job
	// Header is the 80-byte header, for assembling a block.
	Header [80]byte
}

// Checker checks shares one at a time with its own scratch space. Use one
// per goroutine; all of them share a Validator.
type Checker struct {
	v        *Validator
	coinbase []byte
	en2      [8]byte
	counts   [wire.NumVerdicts]uint64
}

// NewChecker makes a checker for v.
func (v *Validator) NewChecker() *Checker {
	return &Checker{v: v, coinbase: make([]byte, 0, 1024)}
}

// Flush adds the checker's counts to the validator's.
func (c *Checker) Flush() {
	for i, n := range c.counts {
		if n != 0 {
			c.v.counts[i].Add(n)
			c.counts[i] = 0
		}
	}
}

// Check judges one share of session s (nil when the core never saw the
// session open) at time now. It does not allocate.
func (c *Checker) Check(s *Session, r *wire.SubmitRecord, now time.Time, res *Result) {
	res.Verdict = c.check(s, r, now, res)
	c.counts[res.Verdict]++
}

func (c *Checker) check(s *Session, r *wire.SubmitRecord, now time.Time, res *Result) wire.Verdict {
	res.Credit, res.HashDifficulty, res.Job = 0, 0, nil
	switch {
	case s == nil:
		return wire.VerdictNotSubscribed
	case !s.Authorized:
		return wire.VerdictUnauthorized
	}
	w := c.v.jobs.Get(uint32(r.Job))
	if w == nil {
		return wire.VerdictJobNotFound
	}
	j := w.job
	res.Job = j
	if tip := c.v.tip.Load(); tip != nil && *tip != j.PrevHash {
		return wire.VerdictStale
	}
	width := c.v.cfg.Extranonce2Size
	if width < 8 && r.Extranonce2>>(8*width) != 0 {
		return wire.VerdictMalformed
	}
	version := j.Version
	if r.HasVersion {
		mask := s.VersionMask
		if mask == 0 {
			mask = c.v.cfg.PoolVersionMask
		}
		if r.VersionBits&^mask != 0 {
			return wire.VerdictBadVersion
		}
		version = version&^mask | r.VersionBits
	}
	if r.NTime < j.MinTime || int64(r.NTime) > now.Add(c.v.cfg.NTimeFuture).Unix() {
		return wire.VerdictBadNTime
	}
	step := s.step(r.Job)
	if step == nil {
		return wire.VerdictUnauthorized // authorized sessions always have a difficulty
	}

	// The coinbase, then its txid folded up the branch to the merkle root.
	binary.BigEndian.PutUint64(c.en2[:], r.Extranonce2)
	c.coinbase = j.AppendCoinbase(c.coinbase[:0], s.Extranonce1, c.en2[8-width:], s.PayoutScript)
	root := chain.DoubleSHA256(c.coinbase)
	root = chain.FoldBranch(root, j.Branch)

	h := &res.Header
	binary.LittleEndian.PutUint32(h[0:], version)
	copy(h[4:36], j.PrevHash[:])
	copy(h[36:68], root[:])
	binary.LittleEndian.PutUint32(h[68:], r.NTime)
	binary.LittleEndian.PutUint32(h[72:], j.Bits)
	binary.LittleEndian.PutUint32(h[76:], r.Nonce)
	first := sha256.Sum256(h[:])
	res.Hash = sha256.Sum256(first[:])
	return c.judge(w, step, res)
}

// judge compares a share's hash with its targets and remembers it.
func (c *Checker) judge(w *work, step *DiffStep, res *Result) wire.Verdict {
	j := w.job
	meetsShare := chain.HashMeets(&res.Hash, &step.Target)
	block := chain.HashMeets(&res.Hash, &j.Target)
	if !meetsShare && !block {
		return wire.VerdictLowDifficulty
	}
	res.HashDifficulty = chain.HashDifficulty(&res.Hash)
	outcome := w.seen.Add(binary.LittleEndian.Uint64(res.Hash[:8]))
	if outcome == dedup.Duplicate {
		return wire.VerdictDuplicate
	}
	res.Credit = step.Difficulty
	if !meetsShare {
		// A block easier than the share target (regtest): the hash proves
		// the network's difficulty, no more.
		res.Credit = j.NetworkDifficulty
	}
	if block && c.v.claimBlock(j.PrevHash) {
		return wire.VerdictBlock
	}
	if outcome == dedup.Full {
		// A job this old should have been replaced long ago: send the miner
		// to new work rather than remember without bound.
		res.Credit = 0
		return wire.VerdictStale
	}
	return wire.VerdictAccepted
}
