package session

import (
	"strconv"
	"sync"

	"github.com/stratapool/strata/edge/stratum"
	"github.com/stratapool/strata/wire"
)

// Job is a job from the core with its mining.notify lines, encoded once
// per payout group and shared, unchanged, by every session of the group.
type Job struct {
	ID    wire.JobID
	Clean bool
	Wire  *wire.Job
	// pool holds the pool-mode lines: as the core sent the job, and with
	// clean_jobs forced for a session that joins mid-job.
	pool [2][]byte

	mu   sync.Mutex // guards solo
	solo map[string]*[2][]byte
}

// NewJob prepares a job from the core.
func NewJob(w *wire.Job) *Job {
	j := &Job{ID: w.ID, Clean: w.Clean, Wire: w}
	if !w.PayoutSlot {
		j.pool[0] = j.encode(w.Coinb2, w.Clean)
		j.pool[1] = j.encode(w.Coinb2, true)
	}
	return j
}

// JobIDString is a job id as miners see it.
func JobIDString(id wire.JobID) string { return strconv.FormatUint(uint64(id), 16) }

// Line is the notify line for a session paying payout (solo mode; nil in
// pool mode); forceClean for a session that has not had this job's block.
func (j *Job) Line(payout []byte, forceClean bool) []byte {
	k := 0
	if forceClean {
		k = 1
	}
	if !j.Wire.PayoutSlot {
		return j.pool[k]
	}
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.solo == nil {
		j.solo = map[string]*[2][]byte{}
	}
	lines, ok := j.solo[string(payout)]
	if !ok {
		coinb2 := append([]byte(nil), j.Wire.Coinb2...)
		coinb2 = appendCompactSize(coinb2, uint64(len(payout)))
		coinb2 = append(coinb2, payout...)
		coinb2 = append(coinb2, j.Wire.Coinb2Tail...)
		lines = &[2][]byte{j.encode(coinb2, j.Wire.Clean), j.encode(coinb2, true)}
		j.solo[string(payout)] = lines
	}
	return lines[k]
}

func (j *Job) encode(coinb2 []byte, clean bool) []byte {
	w := j.Wire
	return stratum.AppendNotify(nil, &stratum.Notify{
		JobID: JobIDString(w.ID), PrevHash: w.PrevHash, Coinb1: w.Coinb1, Coinb2: coinb2,
		Branch: w.Branch, Version: w.Version, Bits: w.Bits, NTime: w.NTime, Clean: clean,
	})
}

func appendCompactSize(b []byte, n uint64) []byte {
	switch {
	case n < 0xfd:
		return append(b, byte(n))
	case n <= 0xffff:
		return append(b, 0xfd, byte(n), byte(n>>8))
	}
	return append(b, 0xfe, byte(n), byte(n>>8), byte(n>>16), byte(n>>24))
}
