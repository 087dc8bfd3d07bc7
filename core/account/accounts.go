package account

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
)

// Config configures Accounts.
type Config struct {
	Store Store
	Mode  job.PayoutMode
	// FeePPM is the pool's fee on a pool-mode block, parts per million.
	FeePPM int64
	// WindowFactor is N in the PPLNS window of N × network difficulty.
	WindowFactor float64
	// ReplayWindow: after a start, the shares committed this long before
	// the last one are remembered, for ReplayKeep, so that an edge
	// replaying what it never heard back about is not credited twice
	// however long the core was away. An edge replays only what it sent
	// without an answer: shares of the last moments before the core
	// stopped.
	ReplayWindow time.Duration
	ReplayKeep   time.Duration
	// KeepShares is how long batches are kept once no unpaid block needs
	// them.
	KeepShares time.Duration
	// Maturity is how deep a block must be to be paid (100).
	Maturity int64
	// WriteTimeout bounds a transaction: a store that stops answering (a
	// network partition from PostgreSQL) fails the commit and gates the
	// core rather than holding every verdict.
	WriteTimeout time.Duration
	// OpenEvery is how often a store OpenLater could not open is tried
	// again (5 s).
	OpenEvery time.Duration
	// HealthChanged, if set, is called (on its own goroutine) when the
	// accounts start or stop taking commits: the core's gate.
	HealthChanged func()
	// Chain answers where the main chain is, for maturity; nil: blocks
	// stay accepted.
	Chain Chain
	Log   *slog.Logger
}

// Chain is what maturity needs from a node.
type Chain interface {
	// Height is the node's best height.
	Height(ctx context.Context) (int64, error)
	// BlockHash is the main chain's block at a height, display order.
	BlockHash(ctx context.Context, height int64) (string, error)
}

// Defaults.
const (
	DefaultWindowFactor = 2
	DefaultReplayWindow = 30 * time.Second
	DefaultReplayKeep   = 10 * time.Minute
	DefaultKeepShares   = 72 * time.Hour
	DefaultMaturity     = 100
	DefaultWriteTimeout = 10 * time.Second
	DefaultOpenEvery    = 5 * time.Second
	// queueLen bounds the commits waiting for the committer.
	queueLen = 1024
	// maxGroup bounds the credits in one transaction.
	maxGroup = 64 << 10
	// retryEvery is how often a failing store is tried again with what is
	// pending when no share comes to try it.
	retryEvery = time.Second
)

// Accounts commit credits (the link's Accounts) and keep the statistics.
type Accounts struct {
	cfg Config
	log *slog.Logger
	// st is the store, the committer's; public the same for other
	// goroutines; opener opens it for Run when OpenLater made the
	// accounts.
	st     Store
	public atomic.Pointer[Store]
	opener func(context.Context) (Store, error)

	in      chan *request
	calls   chan func(*Write)
	stopped chan struct{}
	// stopMu makes the stop wait for Commits under way, so none is left
	// in the queue unanswered.
	stopMu   sync.RWMutex
	isClosed bool

	// The committer's own state: only Run's goroutine uses it.
	nextBatch int64
	workers   map[string]*workerState
	byID      map[uint32]*workerState
	nextID    uint32
	bestMu    sync.Mutex // guards bests, which the committer writes and the API reads
	bests     map[string]Best
	// poolBest is the pool's best share difficulty, the committer's copy.
	poolBest float64
	txnSeq   uint64
	// blocks are the found blocks not yet confirmed, orphaned or rejected;
	// awaitSplit those whose PPLNS split is not written yet.
	blocks     map[string]*Block
	awaitSplit map[string]struct{}
	// splitting are the splits being computed; checking says a maturity
	// check is under way.
	splitting map[string]bool
	checking  bool
	// pruning says a prune is under way; networkDifficulty is the last
	// the shares were judged at, for the PPLNS window's size.
	pruning           bool
	networkDifficulty float64
	// heldBlocks are shares of found blocks whose transaction failed. The
	// block went to the nodes whatever the store did, so its share is
	// kept and committed with the next transaction that succeeds: the
	// block is recorded, and its PPLNS window ends there.
	heldBlocks []share.Credit
	// replay holds the shares committed just before the start, by the
	// first 8 bytes of their hashes (random: two shares share them once
	// in 2^64), so that the guard holds for ReplayKeep at 16 bytes a
	// share rather than 48.
	replay    map[uint64]struct{}
	replayEnd time.Time
	// pending is written with the next transaction.
	pending Write
	// spare is what the last transaction's making used, for the next.
	spare spare
	// unsaved are workers not yet in the store.
	unsaved []*workerState
	// Statistics are kept here by minute. A minute that is over is
	// written in chunks (flushing, in order), so no transaction that
	// carries shares also carries ten thousand rows of statistics; when
	// its last row goes out, the minute is recorded as written. A restart
	// drops the rows of minutes not recorded and rebuilds them from the
	// batches, which hold every credited share.
	minutes   map[minuteKey]*Minute
	flushing  []Minute
	flushedTo time.Time // the last minute whose rows are all written
	// statsBatch is the last batch the written rows count; minuteBatch
	// the last batch of each minute not written yet (unix ms).
	statsBatch  int64
	minuteBatch map[int64]int64
	dirtyBests  map[string]Best

	mu       sync.Mutex // guards rejected and live
	rejected map[string]*Minute
	live     live

	// bans are the bans in force, by target, for the link and the API;
	// the store has them for restarts.
	banMu sync.Mutex // guards bans
	bans  map[string]Ban

	// watch bounds each write by WriteTimeout.
	watch writeWatch

	// Answers waiting for a Sync of the store (a Syncer): written counts
	// the transactions written, synced those a sync that ended covered
	// (syncErr is set once one failed), syncing the dones waiting.
	syncer  Syncer
	syncMu  sync.Mutex // guards written, synced, syncErr and syncing
	written uint64
	synced  uint64
	syncErr error
	syncing []syncWaiter
	syncNow chan struct{}

	// doubt is a transaction the store has yet to account for (the
	// committer's); poisoned the error that stops all crediting after a
	// failed sync.
	doubt    *doubt
	poisoned atomic.Pointer[error]

	healthy     atomic.Bool
	detail      atomic.Pointer[string]
	commits     atomic.Uint64
	blocksFound atomic.Uint64
	credited    atomic.Uint64
	failures    atomic.Uint64
	lastWrite   atomic.Int64 // nanoseconds the last transaction took
}

// workerState is what the committer knows of a worker.
type workerState struct {
	Worker
	persisted bool
	best      float64
	// session is the session of the worker's last share, sessionBest its
	// best share.
	session     sessionKey
	sessionBest float64
	// txnMinute is the worker's shares in transaction txn.
	txn       uint64
	txnMinute Minute
}

// sessionKey names a session: session numbers are per edge.
type sessionKey struct {
	edge    uint16
	session uint32
}

type minuteKey struct {
	worker uint32
	minute int64
}

type request struct {
	credits []share.Credit
	done    func(error)
}

// Open loads what a restart needs from an open store: workers, best
// shares, blocks in flight, the recent shares for replays and the last
// hour of statistics.
func Open(ctx context.Context, cfg Config) (*Accounts, error) {
	if cfg.Store == nil {
		return nil, errors.New("account: no store")
	}
	a := newAccounts(cfg)
	a.setStore(cfg.Store)
	if err := a.load(ctx); err != nil {
		return nil, err
	}
	return a, nil
}

// OpenLater makes Accounts whose store Run opens, and opens again until
// it can, and loads: meanwhile the accounts say why they cannot credit
// (Healthy), refuse every share, and the core stays gated. A core whose
// PostgreSQL is not up yet, or whose SQLite file must be restored, runs
// and tells its operator so rather than exiting.
func OpenLater(cfg Config, open func(context.Context) (Store, error)) *Accounts {
	a := newAccounts(cfg)
	a.opener = open
	a.setStore(notOpen{})
	a.healthy.Store(false)
	detail := "the accounts store is being opened"
	a.detail.Store(&detail)
	return a
}

func newAccounts(cfg Config) *Accounts {
	if cfg.WindowFactor <= 0 {
		cfg.WindowFactor = DefaultWindowFactor
	}
	if cfg.ReplayWindow <= 0 {
		cfg.ReplayWindow = DefaultReplayWindow
	}
	if cfg.ReplayKeep <= 0 {
		cfg.ReplayKeep = DefaultReplayKeep
	}
	if cfg.KeepShares <= 0 {
		cfg.KeepShares = DefaultKeepShares
	}
	if cfg.Maturity <= 0 {
		cfg.Maturity = DefaultMaturity
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = DefaultWriteTimeout
	}
	if cfg.OpenEvery <= 0 {
		cfg.OpenEvery = DefaultOpenEvery
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	a := &Accounts{cfg: cfg, log: cfg.Log, in: make(chan *request, queueLen),
		calls: make(chan func(*Write), 256), stopped: make(chan struct{}), syncNow: make(chan struct{}, 1),
		blocks: map[string]*Block{}, rejected: map[string]*Minute{}, bans: map[string]Ban{}}
	a.reset()
	a.healthy.Store(true)
	return a
}

// reset empties what load fills.
func (a *Accounts) reset() {
	a.workers, a.byID, a.nextID = map[string]*workerState{}, map[uint32]*workerState{}, 0
	a.bestMu.Lock()
	a.bests, a.dirtyBests, a.poolBest = map[string]Best{}, map[string]Best{}, 0
	a.bestMu.Unlock()
	a.awaitSplit, a.splitting = map[string]struct{}{}, map[string]bool{}
	a.minutes, a.minuteBatch, a.flushing = map[minuteKey]*Minute{}, map[int64]int64{}, nil
	a.mu.Lock()
	a.live.init()
	a.mu.Unlock()
}

// setStore is where the accounts keep their tables from now on.
func (a *Accounts) setStore(st Store) {
	a.st = st
	a.public.Store(&st)
	a.syncer, _ = st.(Syncer)
}

// Commit queues credits; done is called once they are durable, or with
// the error that kept them from being so. It blocks while the queue is
// full: the link slows down rather than losing shares.
func (a *Accounts) Commit(credits []share.Credit, done func(error)) {
	a.stopMu.RLock()
	defer a.stopMu.RUnlock()
	if a.isClosed {
		done(errStopped)
		return
	}
	select {
	case a.in <- &request{credits: credits, done: done}:
	case <-a.stopped:
		done(errStopped)
	}
}

var errStopped = errors.New("account: stopped")

// Rejected counts rejected shares in the statistics.
func (a *Accounts) Rejected(rejects []share.Credit) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range rejects {
		c := &rejects[i]
		a.live.reject(c)
		m := a.rejected[c.Worker]
		if m == nil {
			m = &Minute{}
			a.rejected[c.Worker] = m
		}
		m.Rejected += c.Difficulty
		m.RejectedCount++
	}
}

// Healthy reports whether the store takes commits, and if not why.
func (a *Accounts) Healthy() (bool, string) {
	if a.healthy.Load() {
		return true, ""
	}
	if d := a.detail.Load(); d != nil {
		return false, *d
	}
	return false, "the accounts store is failing"
}

// Counters are the accounts' totals: transactions, shares credited,
// failed transactions, and the last transaction's duration.
func (a *Accounts) Counters() (commits, credited, failures uint64, last time.Duration) {
	return a.commits.Load(), a.credited.Load(), a.failures.Load(), time.Duration(a.lastWrite.Load())
}

// Store is the accounts' store, for the statistics' reads.
func (a *Accounts) Store() Store { return *a.public.Load() }

// call runs f on the committer, with the next write to add to; once the
// committer has stopped, f is dropped and call reports false. A call
// queued before the stop runs before the last write.
func (a *Accounts) call(f func(*Write)) bool {
	a.stopMu.RLock()
	defer a.stopMu.RUnlock()
	if a.isClosed {
		return false
	}
	select {
	case a.calls <- f:
		return true
	case <-a.stopped:
		return false
	}
}

// Run commits until ctx ends; it also flushes statistics, follows blocks
// to maturity and prunes old batches.
func (a *Accounts) Run(ctx context.Context) error {
	if a.opener != nil && !a.openStore(ctx) {
		return nil
	}
	tick := time.NewTicker(retryEvery)
	defer tick.Stop()
	go a.watch.run(ctx, a.cfg.WriteTimeout)
	if a.syncer != nil {
		syncDone := make(chan struct{})
		go func() { a.syncLoop(); close(syncDone) }()
		defer func() {
			close(a.syncNow)
			<-syncDone
		}()
	}
	a.resumeSplits(ctx)
	var group []*request
	var lastPrune, lastMaturity time.Time
	for {
		group = group[:0]
		select {
		case <-ctx.Done():
			a.closeQueues()
			a.flushRejected(time.Now())
			a.flushStats(time.Now(), true)
			if !a.pending.empty() || len(a.heldBlocks) > 0 {
				// Statistics, block states and held blocks waiting for a
				// transaction.
				wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				a.commit(wctx, nil)
				cancel()
			}
			for _, c := range a.heldBlocks {
				a.log.Error("a found block is not in the accounts at stop: the store never came back; it is in blocks.jsonl",
					"hash", c.Hash.String(), "height", c.Height, "worker", c.Worker)
			}
			if a.doubt != nil {
				a.log.Error("stopped with a transaction in doubt: the next start reads what the store kept",
					"shares", a.doubt.t.credited)
			}
			return nil
		case r := <-a.in:
			group = append(group, r)
		case f := <-a.calls:
			f(&a.pending)
		case now := <-tick.C:
			a.flushRejected(now)
			a.flushStats(now, false)
			if !a.healthy.Load() && a.pending.empty() {
				// Nothing else to try a failing store with: the gate
				// keeps shares away until it is known to be back.
				a.pending.Meta = append(a.pending.Meta, Meta{Key: metaProbe, Value: ms(now)})
			}
			if now.Sub(lastMaturity) >= maturityEvery {
				lastMaturity = now
				a.checkMaturity(ctx, now)
			}
			if now.Sub(lastPrune) >= time.Hour && a.prune(ctx, now) {
				lastPrune = now
			}
		}
		// What came meanwhile joins this transaction: group commit.
		n := 0
		for _, r := range group {
			n += len(r.credits)
		}
	more:
		for n < maxGroup {
			select {
			case r := <-a.in:
				group = append(group, r)
				n += len(r.credits)
			case f := <-a.calls:
				f(&a.pending)
			default:
				break more
			}
		}
		if len(group) > 0 || !a.pending.empty() || len(a.heldBlocks) > 0 {
			a.commit(ctx, group)
		}
	}
}

// closeQueues stops taking commits and calls, and answers what is queued.
func (a *Accounts) closeQueues() {
	close(a.stopped)
	a.stopMu.Lock()
	a.isClosed = true
	a.stopMu.Unlock()
	a.drain()
}

// drain answers what is queued when the accounts stop: those shares were
// never acknowledged, and the edges will send them again. Queued calls
// run, for the last write.
func (a *Accounts) drain() {
	for {
		select {
		case r := <-a.in:
			r.done(errStopped)
		case f := <-a.calls:
			f(&a.pending)
		default:
			return
		}
	}
}
