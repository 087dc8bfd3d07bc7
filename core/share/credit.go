package share

import (
	"github.com/stratapool/strata/core/chain"
	"time"

	"github.com/stratapool/strata/wire"
)

// Credit is one accepted share as the accounts and the statistics see it.
type Credit struct {
	// Edge and Session say where it came from; Address and Worker whom it
	// is owed to.
	Edge    uint16
	Session wire.SessionID
	Address string
	Worker  string
	// Difficulty is what is credited: the assigned difficulty, or less when
	// a block's hash proved less. HashDifficulty is what the hash proves.
	Difficulty     float64
	HashDifficulty float64
	Job            wire.JobID
	Height         uint32
	Block          bool
	Time           time.Time
	// Hash is the share's header hash: it names the share, so the
	// accounts keep each share once even when an edge replays it.
	Hash chain.Hash
}
