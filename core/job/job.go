package job

import (
	"sync"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/wire"
)

// Job is a template made ready for miners: everything a share is checked
// against and everything a found block is assembled from.
type Job struct {
	ID wire.JobID
	// Clean is set when the previous block changed: earlier jobs are stale.
	Clean    bool
	Height   uint32
	Version  uint32
	Bits     uint32
	NTime    uint32
	MinTime  uint32
	PrevHash chain.Hash
	// Target is the network target: a share at or below it is a block.
	Target chain.Target
	// NetworkDifficulty is Target as a difficulty.
	NetworkDifficulty float64

	Coinb1 []byte
	Coinb2 []byte
	// PayoutSlot marks a solo-mode job: a miner's payout script goes
	// between Coinb2 and Coinb2Tail.
	PayoutSlot bool
	Coinb2Tail []byte
	// Branch is the coinbase's merkle branch, computed once per template.
	Branch []chain.Hash

	// CoinbaseValue is what the coinbase pays in all; PoolFee the part of it
	// the fee output pays in solo mode.
	CoinbaseValue int64
	PoolFee       int64

	// Template holds the transactions a found block needs.
	Template  *chain.Template
	CreatedAt time.Time

	txHex *lazyHex
}

// lazyHex is a template's transactions in hex, made once.
type lazyHex struct {
	once sync.Once
	hex  []byte
}

// TxHex is the job's other transactions in hex, the tail of a block built
// on it. It is computed once; PrepareTxHex computes it ahead of time so a
// found block does not wait for it.
func (j *Job) TxHex() []byte {
	if j.txHex == nil {
		return j.Template.TxHex() // a job not made by a Builder
	}
	j.txHex.once.Do(func() { j.txHex.hex = j.Template.TxHex() })
	return j.txHex.hex
}

// PrepareTxHex computes TxHex in the background.
func (j *Job) PrepareTxHex() {
	if j.txHex != nil {
		go j.TxHex()
	}
}

// Wire is the job as the JOB message carries it to edges.
func (j *Job) Wire() *wire.Job {
	m := &wire.Job{
		ID:         j.ID,
		Clean:      j.Clean,
		Height:     j.Height,
		Version:    j.Version,
		Bits:       j.Bits,
		NTime:      j.NTime,
		MinTime:    j.MinTime,
		PrevHash:   j.PrevHash,
		Coinb1:     j.Coinb1,
		Coinb2:     j.Coinb2,
		PayoutSlot: j.PayoutSlot,
		Coinb2Tail: j.Coinb2Tail,
		Branch:     make([][32]byte, len(j.Branch)),
	}
	for i := range j.Branch {
		m.Branch[i] = j.Branch[i]
	}
	return m
}
