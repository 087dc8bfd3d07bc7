package share

import (
	"encoding/binary"
	"time"

	sha256 "github.com/minio/sha256-simd"
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
	w, step, version, verdict := c.v.precheck(s, r, now, res)
	if w == nil {
		return verdict
	}
	// The coinbase, then its txid folded up the branch to the merkle root.
	c.coinbase = c.v.appendCoinbase(c.coinbase[:0], w.job, s, r.Extranonce2, &c.en2)
	first := sha256.Sum256(c.coinbase)
	root := chain.Hash(sha256.Sum256(first[:]))
	for i := range w.job.Branch {
		var pair [64]byte
		copy(pair[:32], root[:])
		copy(pair[32:], w.job.Branch[i][:])
		first = sha256.Sum256(pair[:])
		root = sha256.Sum256(first[:])
	}
	putHeader(&res.Header, version, w.job, &root, r)
	first = sha256.Sum256(res.Header[:])
	res.Hash = sha256.Sum256(first[:])
	return c.v.judge(w, step, s.Shard(), res)
}

// precheck runs every check that needs no hashing. It returns the share's
// job, difficulty and rolled version, or a nil job and the verdict.
func (v *Validator) precheck(s *Session, r *wire.SubmitRecord, now time.Time, res *Result) (*work, *DiffStep, uint32, wire.Verdict) {
	res.Credit, res.HashDifficulty, res.Job = 0, 0, nil
	switch {
	case s == nil:
		return nil, nil, 0, wire.VerdictNotSubscribed
	case !s.Authorized:
		return nil, nil, 0, wire.VerdictUnauthorized
	}
	w := v.jobs.Get(uint32(r.Job))
	if w == nil {
		return nil, nil, 0, wire.VerdictJobNotFound
	}
	j := w.job
	res.Job = j
	if tip := v.tip.Load(); tip != nil && *tip != j.PrevHash {
		return nil, nil, 0, wire.VerdictStale
	}
	width := v.cfg.Extranonce2Size
	if width < 8 && r.Extranonce2>>(8*width) != 0 {
		return nil, nil, 0, wire.VerdictMalformed
	}
	version := j.Version
	if r.HasVersion {
		mask := s.VersionMask
		if mask == 0 {
			mask = v.cfg.PoolVersionMask
		}
		if r.VersionBits&^mask != 0 {
			return nil, nil, 0, wire.VerdictBadVersion
		}
		version = version&^mask | r.VersionBits
	}
	if r.NTime < j.MinTime || int64(r.NTime) > now.Unix()+int64(v.cfg.NTimeFuture/time.Second) {
		return nil, nil, 0, wire.VerdictBadNTime
	}
	step := s.step(r.Job)
	if step == nil {
		return nil, nil, 0, wire.VerdictUnauthorized // authorized sessions always have a difficulty
	}
	return w, step, version, wire.VerdictAccepted
}

// appendCoinbase appends a share's coinbase; en2 is scratch for its bytes.
func (v *Validator) appendCoinbase(b []byte, j *job.Job, s *Session, extranonce2 uint64, en2 *[8]byte) []byte {
	binary.BigEndian.PutUint64(en2[:], extranonce2)
	return j.AppendCoinbase(b, s.Extranonce1, en2[8-v.cfg.Extranonce2Size:], s.PayoutScript)
}

// putHeader writes a share's 80-byte block header.
func putHeader(h *[80]byte, version uint32, j *job.Job, root *chain.Hash, r *wire.SubmitRecord) {
	binary.LittleEndian.PutUint32(h[0:], version)
	copy(h[4:36], j.PrevHash[:])
	copy(h[36:68], root[:])
	binary.LittleEndian.PutUint32(h[68:], r.NTime)
	binary.LittleEndian.PutUint32(h[72:], j.Bits)
	binary.LittleEndian.PutUint32(h[76:], r.Nonce)
}

// judge compares a share's hash with its targets and remembers it.
func (v *Validator) judge(w *work, step *DiffStep, shard uint32, res *Result) wire.Verdict {
	j := w.job
	meetsShare := chain.HashMeets(&res.Hash, &step.Target)
	block := chain.HashMeets(&res.Hash, &j.Target)
	if !meetsShare && !block {
		return wire.VerdictLowDifficulty
	}
	res.HashDifficulty = chain.HashDifficulty(&res.Hash)
	outcome := w.seen.Add(shard, binary.LittleEndian.Uint64(res.Hash[:8]))
	if outcome == dedup.Duplicate {
		return wire.VerdictDuplicate
	}
	res.Credit = step.Difficulty
	if !meetsShare {
		// A block easier than the share target (regtest): the hash proves
		// the network's difficulty, no more.
		res.Credit = j.NetworkDifficulty
	}
	if block && v.claimBlock(j.PrevHash) {
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
