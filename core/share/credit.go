package share

import (
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
	// NetworkDifficulty the difficulty it was found at.
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
