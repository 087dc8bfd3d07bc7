package share

import (
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/wire"
)

// maxDiffSteps is how many difficulty changes a session remembers: enough
// for the jobs a miner may still be working on.
const maxDiffSteps = 4

// DiffStep is a difficulty assigned to a session from a job on.
type DiffStep struct {
	FromJob    wire.JobID
	Difficulty float64
	Target     chain.Target
}

// Session is what the core knows of a miner's session. A published Session
// is never modified: a change makes a new one, so validators on any core
// read it without locks.
type Session struct {
	ID wire.SessionID
	// Extranonce1 is the session's extranonce1, Extranonce1Size bytes.
	Extranonce1 []byte
	Authorized  bool
	// Address is whom the session's shares are credited to; Worker the
	// full name the miner gave ("address.rig").
	Address string
	Worker  string
	// PayoutScript is what a solo-mode coinbase pays.
	PayoutScript []byte
	// VersionMask is the BIP310 mask negotiated with the miner; zero when it
	// never sent mining.configure.
	VersionMask uint32
	// Steps are the difficulties assigned, oldest first.
	Steps []DiffStep
}

// Shard is the session's shard number: validation workers own sessions by
// it, and the duplicate sets keep its shares apart from other cores'.
func (s *Session) Shard() uint32 {
	var v uint32
	for _, b := range s.Extranonce1 {
		v = v<<8 | uint32(b)
	}
	return v
}

// WithDifficulty returns a copy of s with a new difficulty from job on.
func (s *Session) WithDifficulty(from wire.JobID, d float64) (*Session, error) {
	t, err := chain.TargetFromDifficulty(d)
	if err != nil {
		return nil, err
	}
	n := *s
	steps := append(make([]DiffStep, 0, maxDiffSteps), s.Steps...)
	if len(steps) == maxDiffSteps {
		steps = steps[1:]
	}
	n.Steps = append(steps, DiffStep{FromJob: from, Difficulty: d, Target: t})
	return &n, nil
}

// step returns the difficulty assigned for a job: the newest step that
// started at or before it, or the oldest known for an older job.
func (s *Session) step(job wire.JobID) *DiffStep {
	for i := len(s.Steps) - 1; i > 0; i-- {
		if !job.Before(s.Steps[i].FromJob) {
			return &s.Steps[i]
		}
	}
	if len(s.Steps) == 0 {
		return nil
	}
	return &s.Steps[0]
}
