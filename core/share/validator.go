package share

import (
	"bytes"
	"encoding/binary"
	"slices"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/job/ring"
	"github.com/stratapool/strata/core/share/dedup"
	"github.com/stratapool/strata/wire"
)

// Config says what the validator accepts.
type Config struct {
	// PoolVersionMask is the pool's BIP310 mask (1fffe000 by default). A
	// miner that sends version bits without having negotiated a mask is
	// held to it (COMPAT.md: rental services do this).
	PoolVersionMask uint32
	// NTimeFuture is how far ahead of the core's clock ntime may be (7000s).
	NTimeFuture time.Duration
	// Extranonce1Size and Extranonce2Size are the widths of the pool's and
	// the miner's parts of the extranonce, in bytes.
	Extranonce1Size int
	Extranonce2Size int
	// Jobs is how many recent jobs shares may name.
	Jobs int
	// DedupPerJob bounds the accepted shares remembered per job.
	DedupPerJob int
	// DedupHint is how many accepted shares per job the duplicate set has
	// room for before it grows (allocates).
	DedupHint int
}

// Defaults.
const (
	DefaultVersionMask = 0x1fffe000
	DefaultNTimeFuture = 7000 * time.Second
	DefaultJobs        = 32
	DefaultDedupPerJob = 1 << 23
	DefaultDedupHint   = 1 << 14
)

// work is a job with the shares accepted for it, and the job's hashes as
// big-endian words for the SIMD lanes.
type work struct {
	job  *job.Job
	seen *dedup.Set
	// branch[i] is merkle step i's sibling; prev the previous block's hash.
	branch [][8]uint32
	prev   [8]uint32
	// cb hashes the job's coinbases in lanes; nil for a solo-mode job.
	cb *cbPlan
}

func newWork(j *job.Job, cfg *Config) *work {
	w := &work{job: j, seen: dedup.New(cfg.DedupPerJob, cfg.DedupHint), branch: make([][8]uint32, len(j.Branch))}
	for i := range j.Branch {
		w.branch[i] = hashWords(&j.Branch[i])
	}
	w.prev = hashWords(&j.PrevHash)
	w.cb = newCBPlan(j, cfg.Extranonce1Size, cfg.Extranonce2Size)
	return w
}

// hashWords reads a hash's bytes as big-endian words: the form SHA-256
// takes a message in, and gives a digest in.
func hashWords(h *chain.Hash) (w [8]uint32) {
	for i := range w {
		w[i] = binary.BigEndian.Uint32(h[4*i:])
	}
	return w
}

// Validator holds what every checker shares: recent jobs, the current tip
// and the counters. Add jobs from one goroutine; check from any number.
type Validator struct {
	cfg  Config
	jobs *ring.Ring[work]
	// recent are the jobs in the ring on the current tip, oldest first;
	// only AddJob uses them.
	recent []*work
	tip    atomic.Pointer[chain.Hash]
	// solved is the previous-block hash a block was found on: later
	// solutions on it are siblings of that block, not worth submitting.
	solved atomic.Pointer[chain.Hash]
	// counts are per verdict, summed over the checkers that report them.
	counts [wire.NumVerdicts]atomic.Uint64
}

// NewValidator makes a validator, filling defaults for zero settings.
func NewValidator(cfg Config) *Validator {
	if cfg.PoolVersionMask == 0 {
		cfg.PoolVersionMask = DefaultVersionMask
	}
	if cfg.NTimeFuture == 0 {
		cfg.NTimeFuture = DefaultNTimeFuture
	}
	if cfg.Extranonce1Size == 0 {
		cfg.Extranonce1Size = 4
	}
	if cfg.Extranonce2Size == 0 {
		cfg.Extranonce2Size = 8
	}
	if cfg.Jobs == 0 {
		cfg.Jobs = DefaultJobs
	}
	if cfg.DedupPerJob == 0 {
		cfg.DedupPerJob = DefaultDedupPerJob
	}
	if cfg.DedupHint == 0 {
		cfg.DedupHint = DefaultDedupHint
	}
	return &Validator{cfg: cfg, jobs: ring.New[work](cfg.Jobs)}
}

// AddJob makes j available to shares. A job whose previous block differs
// from the last one's makes every earlier job stale.
//
// A job that hashes as an earlier one on the same tip does (a template
// refreshed with nothing new in it) shares that job's duplicate set: the
// same share sent under both names is one share, and must be credited once.
func (v *Validator) AddJob(j *job.Job) {
	w := newWork(j, &v.cfg)
	if n := len(v.recent); n > 0 && v.recent[n-1].job.PrevHash != j.PrevHash {
		clear(v.recent)
		v.recent = v.recent[:0]
	}
	for _, r := range v.recent {
		if sameHeaders(r.job, j) {
			w.seen = r.seen
			break
		}
	}
	if len(v.recent) == v.jobs.Size() {
		// The oldest has left the ring with this Put.
		copy(v.recent, v.recent[1:])
		v.recent = v.recent[:len(v.recent)-1]
	}
	v.recent = append(v.recent, w)
	v.jobs.Put(uint32(j.ID), w)
	prev := j.PrevHash
	v.tip.Store(&prev)
}

// sameHeaders reports whether a and b give the same header hash for the
// same submission: everything in the header but the miner's parts.
func sameHeaders(a, b *job.Job) bool {
	return a.PrevHash == b.PrevHash && a.Version == b.Version && a.Bits == b.Bits &&
		a.PayoutSlot == b.PayoutSlot && bytes.Equal(a.Coinb1, b.Coinb1) && bytes.Equal(a.Coinb2, b.Coinb2) &&
		bytes.Equal(a.Coinb2Tail, b.Coinb2Tail) && slices.Equal(a.Branch, b.Branch)
}

// claimBlock reports whether a block on prev is the first found on it.
func (v *Validator) claimBlock(prev chain.Hash) bool {
	for {
		cur := v.solved.Load()
		if cur != nil && *cur == prev {
			return false
		}
		if v.solved.CompareAndSwap(cur, &prev) {
			return true
		}
	}
}

// ReleaseBlock undoes claimBlock after every node rejected the block, so the
// next solution on prev is submitted.
func (v *Validator) ReleaseBlock(prev chain.Hash) {
	if cur := v.solved.Load(); cur != nil && *cur == prev {
		v.solved.CompareAndSwap(cur, nil)
	}
}

// Job returns a recent job by id, or nil.
func (v *Validator) Job(id wire.JobID) *job.Job {
	if w := v.jobs.Get(uint32(id)); w != nil {
		return w.job
	}
	return nil
}

// Counts returns how many shares got each verdict.
func (v *Validator) Counts() [wire.NumVerdicts]uint64 {
	var out [wire.NumVerdicts]uint64
	for i := range out {
		out[i] = v.counts[i].Load()
	}
	return out
}
