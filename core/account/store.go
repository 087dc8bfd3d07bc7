package account

import (
	"context"
	"errors"
	"time"
)

// Store keeps the accounts' tables. Write applies everything in one
// transaction and returns once it is durable; it keeps nothing of w, whose
// buffers the accounts reuse for the next transaction. The reads serve
// restarts, PPLNS and the statistics API. Implementations are safe for
// concurrent use.
type Store interface {
	Write(ctx context.Context, w *Write) error

	// LastBatch is the newest batch's id (0 with none).
	LastBatch(ctx context.Context) (int64, error)
	// BatchesSince calls fn for every batch at or after since, oldest
	// first.
	BatchesSince(ctx context.Context, since time.Time, fn func(*Batch) error) error
	// BatchesBefore returns up to limit batches with ids at or below id,
	// newest first.
	BatchesBefore(ctx context.Context, id int64, limit int) ([]Batch, error)

	Workers(ctx context.Context) ([]Worker, error)
	Bests(ctx context.Context) ([]Best, error)
	// Minutes are a worker's per-minute statistics since a time (worker 0:
	// the pool's), oldest first.
	Minutes(ctx context.Context, worker uint32, since time.Time) ([]Minute, error)
	// AllMinutes calls fn for every worker's minutes since a time.
	AllMinutes(ctx context.Context, since time.Time, fn func(*Minute) error) error
	// DropMinutesAfter removes the minute rows after a time (all of them
	// for the zero time).
	DropMinutesAfter(ctx context.Context, t time.Time) error

	// Blocks are the found blocks, newest first.
	Blocks(ctx context.Context, offset, limit int) ([]Block, error)
	// Block is one found block (ErrNotFound for a hash never found).
	Block(ctx context.Context, hash string) (Block, error)
	// BlocksWithStatus are the blocks in any of the given states.
	BlocksWithStatus(ctx context.Context, states ...BlockStatus) ([]Block, error)
	Splits(ctx context.Context, block string) ([]Split, error)

	Balances(ctx context.Context, offset, limit int) ([]Balance, error)
	Balance(ctx context.Context, address string) (Balance, error)
	// Ledger is a page of an address's balance changes, newest first.
	Ledger(ctx context.Context, address string, offset, limit int) ([]LedgerEntry, error)

	Bans(ctx context.Context, now time.Time) ([]Ban, error)
	// Meta is a stored number (0 when never written).
	Meta(ctx context.Context, key string) (int64, error)

	// WindowStart is the id of the oldest of the newest batches whose
	// difficulty adds up to size: the first batch a PPLNS window of that
	// size ending now holds (0 when every batch together holds less).
	WindowStart(ctx context.Context, size float64) (int64, error)
	// Prune removes up to limit batches older than before with ids below
	// keepFrom, and the bans that ended before before.
	Prune(ctx context.Context, before time.Time, keepFrom int64, limit int) (int64, error)
	Close() error
}

// Syncer is a Store whose Write returns before its transaction is on
// disk: Sync makes everything written before it durable. The accounts
// answer a commit only after a Sync that began after its Write.
type Syncer interface {
	Sync() error
}

// Write is one transaction's worth of changes.
type Write struct {
	Batches []Batch
	Workers []Worker
	// Minutes are added to what the table has for the same worker and
	// minute.
	Minutes []Minute
	// Bests replace the stored best of the same key.
	Bests []Best
	// Blocks are inserted, or update the stored block of the same hash.
	Blocks []Block
	Splits []Split
	// Entries change balances and are kept in each address's ledger.
	Entries []LedgerEntry
	Bans    []Ban
	Meta    []Meta
}

// Meta is a number the accounts keep about themselves.
type Meta struct {
	Key   string
	Value int64
}

// metaStatsMinute is the last minute (unix ms) whose statistics rows are
// all written.
const metaStatsMinute = "stats_minute"

// metaStatsBatch is the last batch whose shares the written statistics
// count.
const metaStatsBatch = "stats_batch"

// metaProbe is when a failing store was last tried with nothing else to
// write (unix ms).
const metaProbe = "probe"

func (w *Write) empty() bool {
	return len(w.Batches)+len(w.Workers)+len(w.Minutes)+len(w.Bests)+len(w.Blocks)+len(w.Splits)+
		len(w.Entries)+len(w.Bans)+len(w.Meta) == 0
}

func (w *Write) reset() {
	w.Batches, w.Workers, w.Minutes, w.Bests = w.Batches[:0], w.Workers[:0], w.Minutes[:0], w.Bests[:0]
	w.Blocks, w.Splits, w.Entries, w.Bans, w.Meta = w.Blocks[:0], w.Splits[:0], w.Entries[:0], w.Bans[:0], w.Meta[:0]
}

// Batch is a group of credited shares: Data holds them (codec.go).
type Batch struct {
	ID         int64
	Time       time.Time
	Count      int
	Difficulty float64
	Data       []byte
}

// Worker is a miner's name and the address it is credited to; the id
// names it in batches and statistics.
type Worker struct {
	ID      uint32
	Name    string
	Address string
	Created time.Time
}

// Minute is one worker's shares in one minute (Worker 0: the whole pool).
type Minute struct {
	Worker        uint32
	Minute        time.Time
	Accepted      float64
	Rejected      float64
	AcceptedCount int64
	RejectedCount int64
}

// Best is the best share under a key: "pool", "worker/<id>" (the
// worker's best ever), or "session/<id>" (the best of the worker's
// current session, Edge and Session naming it; replaced when the worker's
// shares come from another session).
type Best struct {
	Key        string
	Worker     uint32
	Edge       uint16
	Session    uint32
	Difficulty float64
	Hash       string
	Height     uint32
	Time       time.Time
}

// BlockStatus is where a found block stands.
type BlockStatus uint8

const (
	BlockSubmitted BlockStatus = iota // found, submitted, no answer yet
	BlockAccepted                     // a node took it; maturing
	BlockRejected                     // every node refused it
	BlockConfirmed                    // 100 blocks deep: its reward is paid out
	BlockOrphaned                     // another block took its height

	numBlockStatuses
)

var blockStatusNames = [...]string{"submitted", "accepted", "rejected", "confirmed", "orphaned"}

func (s BlockStatus) String() string {
	if s < numBlockStatuses {
		return blockStatusNames[s]
	}
	return "unknown"
}

// MarshalText writes the status's name.
func (s BlockStatus) MarshalText() ([]byte, error) { return []byte(s.String()), nil }

// Block is a block the pool found.
type Block struct {
	Hash    string // in the usual display order
	Height  uint32
	Worker  string
	Address string
	Reward  int64 // the coinbase's value, satoshis
	Fee     int64 // the pool's part of it
	// NetworkDifficulty is the difficulty it was found at: the PPLNS
	// window is a multiple of it.
	NetworkDifficulty float64
	Status            BlockStatus
	Confirmations     int64
	// Batch is the batch holding the block's share, Index its place in it:
	// where the PPLNS window ends.
	Batch     int64
	Index     int
	Detail    string
	FoundAt   time.Time
	UpdatedAt time.Time
}

// Split is one address's part of a block's reward under PPLNS.
type Split struct {
	Block      string  `json:"block"`
	Address    string  `json:"address"`
	Difficulty float64 `json:"difficulty"`
	Amount     int64   `json:"amount"`
}

// Balance is what an address has been credited from confirmed blocks
// (Paid is kept for a payout process; Strata credits, it does not send),
// and what splits of maturing blocks will add.
type Balance struct {
	Address   string    `json:"address"`
	Amount    int64     `json:"amount"`
	Immature  int64     `json:"immature"`
	UpdatedAt time.Time `json:"updated_at"`
}

// LedgerEntry is one change to an address's balance.
type LedgerEntry struct {
	Address string    `json:"address"`
	Amount  int64     `json:"amount"`
	Kind    string    `json:"kind"` // "block": a confirmed block's split
	Block   string    `json:"block"`
	Time    time.Time `json:"time"`
}

// Ban refuses an address (an IP, or a worker) until a time.
type Ban struct {
	Target string    `json:"target"`
	Reason string    `json:"reason"`
	Until  time.Time `json:"until"`
	Time   time.Time `json:"time"`
}

// ErrNotFound is returned for a row that does not exist.
var ErrNotFound = errors.New("account: not found")
