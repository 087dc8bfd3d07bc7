package share

import (
	"encoding/binary"
	"errors"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/wire"
)

// Credit is one judged share as the accounts and the statistics see it:
// an accepted share to credit, or (for the statistics only) a rejected one
// with its verdict.
type Credit struct {
	// Edge and Session say where it came from; Address and Worker whom it
	// is owed to.
	Edge    uint16
	Session wire.SessionID
	// Shard is the session's duplicate-set shard (Session.Shard), for
	// Forget.
	Shard   uint32
	Address string
	Worker  string
	// Difficulty is what is credited: the assigned difficulty, or less when
	// a block's hash proved less; for a rejected share, the difficulty the
	// miner was asked for. HashDifficulty is what the hash proves.
	Difficulty     float64
	HashDifficulty float64
	Job            wire.JobID
	Height         uint32
	Block          bool
	// Reward is a block's coinbase value in satoshis (0 for other shares);
	// NetworkDifficulty the network's difficulty the share was judged at
	// (for a block, the one it was found at).
	Reward            int64
	NetworkDifficulty float64
	// Fee is the pool's part of a block's reward in solo mode.
	Fee  int64
	Time time.Time
	// Hash is the share's header hash: it names the share, so the
	// accounts keep each share once even when an edge replays it.
	Hash chain.Hash
	// Verdict is the share's verdict. The accounts set it to
	// VerdictDuplicate for a share they already hold (an edge replaying
	// after a core restart); the edge takes that as accepted.
	Verdict wire.Verdict
}

// ErrInDoubt marks an accounts error after which nobody can tell whether
// the credits were kept (a commit whose answer was lost, a failed sync):
// their shares are not acknowledged, and neither may they be credited
// again, so the validator keeps them as seen.
var ErrInDoubt = errors.New("share: the accounts cannot tell whether the credits were kept")

// Forget takes credits whose commit failed for certain out of their jobs'
// duplicate sets, so that an edge's replay of them is judged anew rather
// than called a duplicate, which the edge would take for credited. A
// block's share is kept: the accounts hold it until they can commit it.
func (v *Validator) Forget(credits []Credit) {
	for i := range credits {
		c := &credits[i]
		if c.Block {
			continue
		}
		if w := v.jobs.Get(uint32(c.Job)); w != nil {
			w.seen.Remove(c.Shard, binary.LittleEndian.Uint64(c.Hash[:8]))
		}
	}
}
