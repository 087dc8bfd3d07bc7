package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
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
	// accounts, and loaded says it is open and read.
	st     Store
	public atomic.Pointer[Store]
	opener func(context.Context) (Store, error)
	loaded bool

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
	replay     map[chain.Hash]struct{}
	replayEnd  time.Time
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

	banMu sync.Mutex // guards bans
	bans  bans

	// Answers waiting for a Sync of the store (a Syncer).
	syncer  Syncer
	syncMu  sync.Mutex // guards syncing
	syncing []func(error)
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
	a.loaded = true
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
		blocks: map[string]*Block{}, rejected: map[string]*Minute{}}
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

// load reads what a start needs from the store.
func (a *Accounts) load(ctx context.Context) error {
	last, err := a.st.LastBatch(ctx)
	if err != nil {
		return err
	}
	a.nextBatch = last + 1
	// Transaction numbers go on from the last one kept, so that the one
	// a lost answer leaves in doubt is never taken for an older one.
	seq, err := a.st.Meta(ctx, metaTxn)
	if err != nil {
		return err
	}
	a.txnSeq = uint64(seq)
	ws, err := a.st.Workers(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock() // the API may be reading the live statistics already (OpenLater)
	for _, w := range ws {
		s := &workerState{Worker: w, persisted: true}
		a.workers[w.Name], a.byID[w.ID] = s, s
		a.nextID = max(a.nextID, w.ID)
		a.live.worker(w.ID, w.Name, w.Address)
	}
	a.mu.Unlock()
	if err := a.loadBests(ctx); err != nil {
		return err
	}
	for key, b := range a.bests {
		ws := a.byID[b.Worker]
		switch {
		case ws == nil:
		case strings.HasPrefix(key, workerBestPrefix):
			ws.best = b.Difficulty
		case strings.HasPrefix(key, sessionBestPrefix):
			ws.session, ws.sessionBest = sessionKey{b.Edge, b.Session}, b.Difficulty
		}
	}
	// Statistics of the minutes not completely written: their rows are
	// dropped and rebuilt from the shares.
	written, err := a.st.Meta(ctx, metaStatsMinute)
	if err != nil {
		return err
	}
	a.flushedTo = fromMS(written)
	if err := a.st.DropMinutesAfter(ctx, a.flushedTo); err != nil {
		return err
	}
	if a.statsBatch, err = a.st.Meta(ctx, metaStatsBatch); err != nil {
		return err
	}
	rebuilt := 0
	since := time.Time{}
	switch {
	case a.statsBatch > 0:
		// The batches after the last one counted: some may fall in the
		// last minute written (a stop writes the minute under way).
		since = a.flushedTo
	case written > 0:
		since = a.flushedTo.Add(time.Minute)
	}
	err = a.st.BatchesSince(ctx, since, func(b *Batch) error {
		if b.ID <= a.statsBatch {
			return nil
		}
		minute := ms(b.Time.Truncate(time.Minute))
		a.minuteBatch[minute] = max(a.minuteBatch[minute], b.ID)
		a.txnSeq++
		t := txn{a: a, seq: a.txnSeq, now: b.Time}
		err := DecodeShares(b.Data, b.Time, func(s *Share) bool {
			if ws := a.byID[s.Worker]; ws != nil {
				t.minute(ws, s.Difficulty)
				t.better(ws, s.Edge, s.Session, s.HashDifficulty, s.Hash, s.Height)
			}
			rebuilt++
			return true
		})
		a.merge(&t)
		return err
	})
	if err != nil {
		return err
	}
	// The blocks still followed: maturing, and orphaned or rejected ones
	// whose height's other block is not Maturity deep yet.
	open, err := a.st.BlocksWithStatus(ctx, BlockSubmitted, BlockAccepted, BlockOrphaned, BlockRejected)
	if err != nil {
		return err
	}
	for i := range open {
		b := &open[i]
		if (b.Status == BlockOrphaned || b.Status == BlockRejected) && b.Confirmations >= a.cfg.Maturity {
			continue
		}
		a.blocks[b.Hash] = b
	}
	// The shares of the last moments before the stop, for replays.
	now := time.Now()
	a.replay = map[chain.Hash]struct{}{}
	a.replayEnd = now.Add(a.cfg.ReplayKeep)
	lastAt := now
	if newest, err := a.st.BatchesBefore(ctx, last, 1); err != nil {
		return err
	} else if len(newest) == 1 {
		lastAt = newest[0].Time
	}
	err = a.st.BatchesSince(ctx, lastAt.Add(-a.cfg.ReplayWindow), func(b *Batch) error {
		return DecodeShares(b.Data, b.Time, func(s *Share) bool {
			a.replay[s.Hash] = struct{}{}
			return true
		})
	})
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.live.load(ctx, a.st, now); err != nil {
		return err
	}
	// And the minutes just rebuilt from the batches, not in the store yet.
	for _, m := range a.minutes {
		a.live.add(m)
	}
	if err := a.loadBans(ctx, now); err != nil {
		return err
	}
	a.log.Info("accounts open", "workers", len(ws), "batches", last, "blocks_maturing", len(open),
		"replay_guard", len(a.replay), "stats_rebuilt_from_shares", rebuilt)
	return nil
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
	if !a.loaded && !a.openStore(ctx) {
		return nil
	}
	tick := time.NewTicker(retryEvery)
	defer tick.Stop()
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

// commit writes a group of requests and whatever else is pending in one
// transaction, then answers them.
func (a *Accounts) commit(ctx context.Context, group []*request) {
	if err := a.refusing(ctx); err != nil {
		// Nothing of these is written: they are refused for certain.
		a.failures.Add(1)
		for _, r := range group {
			r.done(err)
		}
		return
	}
	now := time.Now()
	t := a.newTxn(now)
	replaying := a.replay != nil && now.Before(a.replayEnd)
	if !replaying {
		a.replay = nil
	}
	held := len(a.heldBlocks)
	t.add(a.heldBlocks, replaying)
	for _, r := range group {
		t.add(r.credits, replaying)
	}
	w := &a.pending
	own := w.lens() // where this transaction's own rows start
	w.Batches = append(w.Batches, t.batches...)
	for _, ws := range a.unsaved {
		w.Workers = append(w.Workers, ws.Worker)
	}
	for _, b := range t.blocks {
		w.Blocks = append(w.Blocks, *b)
	}
	// The transaction's number, kept with it: when a commit's answer is
	// lost, the store says whether it took.
	w.Meta = append(w.Meta, Meta{Key: metaTxn, Value: int64(t.seq)})

	start := time.Now()
	wctx, cancel := context.WithTimeout(ctx, a.cfg.WriteTimeout)
	err := a.st.Write(wctx, w)
	cancel()
	a.lastWrite.Store(int64(time.Since(start)))
	if err != nil && errors.Is(err, share.ErrInDoubt) {
		a.inDoubt(&t, group, held, own, w.lens(), err)
		return
	}
	defer a.spare.keep(&t)
	if err != nil {
		// Take this transaction's rows back out of what is pending.
		w.dropOwn(own, w.lens())
		a.failed(&t, group, err)
		return
	}
	a.committed(ctx, &t, held)
	a.splitsWritten(a.pending.Splits)
	a.pending.reset()
	a.mu.Lock()
	for _, r := range group {
		a.accept(r.credits)
	}
	a.mu.Unlock()
	a.answer(group)
}

// committed takes a transaction's effects in once the store has it.
func (a *Accounts) committed(ctx context.Context, t *txn, held int) {
	if a.syncer == nil {
		a.backUp()
	}
	a.commits.Add(1)
	a.nextBatch += int64(len(t.batches))
	if n := len(t.batches); n > 0 {
		minute := ms(t.now.Truncate(time.Minute))
		a.minuteBatch[minute] = max(a.minuteBatch[minute], t.batches[n-1].ID)
	}
	for _, ws := range a.unsaved {
		ws.persisted = true
	}
	a.unsaved = a.unsaved[:0]
	a.merge(t)
	if held > 0 {
		a.mu.Lock()
		a.accept(a.heldBlocks[:held])
		a.mu.Unlock()
		a.log.Info("found blocks held through a store failure are recorded", "blocks", held)
		a.heldBlocks = slices.Delete(a.heldBlocks, 0, held)
	}
	a.credited.Add(uint64(t.credited))
	a.blocksFound.Add(uint64(len(t.blocks)))
	for _, b := range t.blocks {
		if a.cfg.Mode == job.PoolMode {
			a.startSplit(ctx, b)
		}
	}
}

// accept counts committed credits in the live statistics; a.mu must
// be held.
func (a *Accounts) accept(credits []share.Credit) {
	for i := range credits {
		if c := &credits[i]; c.Verdict != wire.VerdictDuplicate {
			ws := a.workers[c.Worker]
			a.live.accept(c, ws.ID, ws.Address)
		}
	}
}

// backUp marks the store healthy after a transaction made durable.
func (a *Accounts) backUp() {
	if !a.healthy.Swap(true) {
		a.log.Info("accounts store back: committing again")
		a.healthChanged()
	}
}

// down marks the store failing, for why; it reports whether it was
// healthy until now.
func (a *Accounts) down(why string) bool {
	a.detail.Store(&why)
	was := a.healthy.Swap(false)
	if was {
		a.healthChanged()
	}
	return was
}

// healthChanged tells the gate at once rather than at its next look.
func (a *Accounts) healthChanged() {
	if a.cfg.HealthChanged != nil {
		go a.cfg.HealthChanged()
	}
}

// answer calls the group's done once the transaction is durable: at once
// for a store whose Write is, after the next Sync for a Syncer.
func (a *Accounts) answer(group []*request) {
	if a.syncer == nil {
		for _, r := range group {
			r.done(nil)
		}
		return
	}
	a.syncMu.Lock()
	for _, r := range group {
		a.syncing = append(a.syncing, r.done)
	}
	if len(group) == 0 && !a.healthy.Load() {
		// A failing store is back only once a sync has worked too.
		a.syncing = append(a.syncing, func(error) {})
	}
	a.syncMu.Unlock()
	select {
	case a.syncNow <- struct{}{}:
	default:
	}
}

// maxSyncs is how many syncs may be under way at once. A transaction
// written while one is under way needs a sync that starts after it; with
// more than one it need not wait for the first to end, which takes up to
// an fsync off a verdict's wait (BenchmarkCommit/sqlite p99, medians of
// 16 alternating runs: 2.4 ms with 2, 2.1 ms with 3; 4 gave no more).
const maxSyncs = 3

// syncLoop syncs the store for whatever was written since the last sync
// began, while the committer writes the next transaction, and answers it.
func (a *Accounts) syncLoop() {
	slots := make(chan struct{}, maxSyncs)
	var wg sync.WaitGroup
	defer wg.Wait()
	for range a.syncNow {
		for {
			slots <- struct{}{}
			a.syncMu.Lock()
			batch := a.syncing
			a.syncing = nil
			a.syncMu.Unlock()
			if len(batch) == 0 {
				<-slots
				break
			}
			wg.Go(func() {
				defer func() { <-slots }()
				a.sync(batch)
			})
		}
	}
}

// sync makes what batch's transactions wrote durable and answers them. A
// sync that fails leaves them in doubt (written, maybe not on disk): they
// are not acknowledged, and the store is trusted no more (poison).
func (a *Accounts) sync(batch []func(error)) {
	stalled := time.AfterFunc(syncStall, func() {
		a.down(fmt.Sprintf("the disk has not finished a sync of the accounts in %s; shares wait for it", syncStall))
		a.log.Error("accounts store: a sync is taking long; shares are not acknowledged until it ends", "after", syncStall)
	})
	err := a.syncer.Sync()
	stalled.Stop()
	if err != nil {
		a.failures.Add(1)
		a.poison(err)
		err = fmt.Errorf("%w: %w", share.ErrInDoubt, err)
	} else if a.poisoned.Load() == nil {
		a.backUp()
	}
	for _, done := range batch {
		done(err)
	}
}

// merge adds a committed transaction's statistics to those waiting for
// the next flush.
func (a *Accounts) merge(t *txn) {
	if t.pool.AcceptedCount > 0 {
		minute := t.now.Truncate(time.Minute)
		for _, ws := range t.touched {
			a.mergeMinute(minute, &ws.txnMinute)
		}
		a.mergeMinute(minute, &t.pool)
	}
	if len(t.bests) == 0 {
		return
	}
	a.bestMu.Lock()
	defer a.bestMu.Unlock()
	for _, b := range t.bests {
		if cur, ok := a.bests[b.Key]; ok && !b.replaces(&cur) {
			continue
		}
		a.bests[b.Key] = b
		a.dirtyBests[b.Key] = b
		if ws := a.byID[b.Worker]; ws != nil && strings.HasPrefix(b.Key, workerBestPrefix) {
			ws.best = max(ws.best, b.Difficulty)
		}
	}
}

// mergeMinute adds a transaction's shares of one worker (0: the pool) to
// their minute.
func (a *Accounts) mergeMinute(minute time.Time, m *Minute) {
	k := minuteKey{m.Worker, minute.Unix()}
	acc := a.minutes[k]
	if acc == nil {
		acc = &Minute{Worker: m.Worker, Minute: minute}
		a.minutes[k] = acc
	}
	acc.Accepted += m.Accepted
	acc.AcceptedCount += m.AcceptedCount
}

// statsChunk bounds the statistics rows one transaction carries.
const statsChunk = 500

// flushStats queues statistics for the next transaction, statsChunk rows
// at most: the minutes that are over, in order, and best shares. all
// queues everything, the current minute included (at stop). With the last
// minute written goes the last batch its rows count: a start rebuilds the
// statistics of the batches after it.
func (a *Accounts) flushStats(now time.Time, all bool) {
	current := now.Truncate(time.Minute)
	if len(a.flushing) == 0 {
		for k, m := range a.minutes {
			if all || m.Minute.Before(current) {
				a.flushing = append(a.flushing, *m)
				delete(a.minutes, k)
			}
		}
		slices.SortFunc(a.flushing, func(x, y Minute) int { return x.Minute.Compare(y.Minute) })
	}
	w := &a.pending
	n := min(len(a.flushing), statsChunk)
	if all {
		n = len(a.flushing)
	}
	w.Minutes = append(w.Minutes, a.flushing[:n]...)
	a.flushing = a.flushing[n:]
	// A minute is written once no row of it is left to go.
	if n > 0 {
		last := w.Minutes[len(w.Minutes)-1].Minute
		done := last
		if len(a.flushing) > 0 && !a.flushing[0].Minute.After(last) {
			done = last.Add(-time.Minute)
		}
		if done.After(a.flushedTo) {
			a.flushedTo = done
			for minute, id := range a.minuteBatch {
				if !fromMS(minute).After(done) {
					a.statsBatch = max(a.statsBatch, id)
					delete(a.minuteBatch, minute)
				}
			}
			w.Meta = append(w.Meta, Meta{Key: metaStatsMinute, Value: ms(done)}, Meta{Key: metaStatsBatch, Value: a.statsBatch})
		}
	}
	a.bestMu.Lock()
	k := 0
	for key, b := range a.dirtyBests {
		if !all && k >= statsChunk {
			break
		}
		w.Bests = append(w.Bests, b)
		delete(a.dirtyBests, key)
		k++
	}
	a.bestMu.Unlock()
}

// failed undoes in memory what a failed transaction added and answers the
// group with the error: their shares are not acknowledged. What else was
// pending stays pending.
func (a *Accounts) failed(t *txn, group []*request, err error) {
	a.failures.Add(1)
	if a.down("the accounts store cannot commit: " + err.Error()) {
		a.log.Error("accounts store failing: shares are not acknowledged until it is back", "err", err)
	}
	a.rollback(t)
	a.holdBlocks(group)
	for _, r := range group {
		r.done(err)
	}
}

// rollback undoes in memory what a transaction that did not take added.
func (a *Accounts) rollback(t *txn) {
	for _, ws := range t.newWorkers {
		delete(a.workers, ws.Name)
		delete(a.byID, ws.ID)
	}
	a.unsaved = a.unsaved[:len(a.unsaved)-len(t.newWorkers)]
	a.nextID -= uint32(len(t.newWorkers))
	// The blocks wait for their shares again, keeping what the nodes said.
	for _, b := range t.blocks {
		b.Batch, b.Index = 0, 0
	}
	// Bests this transaction raised fall back to the committed ones.
	a.bestMu.Lock()
	for _, b := range t.bests {
		if ws := a.byID[b.Worker]; ws != nil {
			ws.best = a.bests[workerBestKey(ws.ID)].Difficulty
			cur := a.bests[sessionBestKey(ws.ID)]
			ws.session, ws.sessionBest = sessionKey{cur.Edge, cur.Session}, cur.Difficulty
		}
	}
	a.poolBest = a.bests[poolBestKey].Difficulty
	a.bestMu.Unlock()
}

// holdBlocks keeps the block shares of a group whose transaction did not
// take, for the next one that does.
func (a *Accounts) holdBlocks(group []*request) {
	for _, r := range group {
		a.heldBlocks = appendBlocks(a.heldBlocks, r.credits)
	}
}

func appendBlocks(dst, credits []share.Credit) []share.Credit {
	for i := range credits {
		if c := &credits[i]; c.Block {
			dst = append(dst, *c)
		}
	}
	return dst
}

// txn is one transaction's shares being put together.
type txn struct {
	a       *Accounts
	seq     uint64
	now     time.Time
	batches []Batch
	// touched are the workers with shares in the transaction; their
	// txnMinute holds them, pool the pool's.
	touched    []*workerState
	pool       Minute
	bests      []Best
	blocks     []*Block
	newWorkers []*workerState
	credited   int
}

// newTxn starts the next transaction, in what the last one used.
func (a *Accounts) newTxn(now time.Time) txn {
	a.txnSeq++
	return txn{a: a, seq: a.txnSeq, now: now, batches: a.spare.batches[:0], touched: a.spare.touched[:0]}
}

// add makes a batch of one request's credits.
func (t *txn) add(credits []share.Credit, replaying bool) {
	if len(credits) == 0 {
		return
	}
	a := t.a
	b := Batch{ID: a.nextBatch + int64(len(t.batches)), Time: t.now, Data: a.spare.batchData(len(credits))}
	for i := range credits {
		c := &credits[i]
		if replaying {
			// Only shares from before the start: within this core's life
			// the validator's duplicate sets catch repeats.
			if _, dup := a.replay[c.Hash]; dup {
				c.Verdict = wire.VerdictDuplicate
				continue
			}
		}
		if c.NetworkDifficulty > 0 {
			a.networkDifficulty = c.NetworkDifficulty
		}
		ws := a.workers[c.Worker]
		if ws == nil {
			a.nextID++
			ws = &workerState{Worker: Worker{ID: a.nextID, Name: c.Worker, Address: c.Address, Created: t.now}}
			a.workers[c.Worker], a.byID[ws.ID] = ws, ws
			t.newWorkers = append(t.newWorkers, ws)
			a.unsaved = append(a.unsaved, ws)
		}
		s := Share{Hash: c.Hash, Worker: ws.ID, Edge: c.Edge, Session: uint32(c.Session), Difficulty: c.Difficulty,
			HashDifficulty: c.HashDifficulty, Height: c.Height, Job: uint32(c.Job), Time: c.Time, Block: c.Block}
		if c.Block {
			t.found(c, ws, b.ID, b.Count)
		}
		b.Data = appendShare(b.Data, t.now, &s)
		b.Count++
		b.Difficulty += c.Difficulty
		t.minute(ws, c.Difficulty)
		t.better(ws, c.Edge, uint32(c.Session), c.HashDifficulty, c.Hash, c.Height)
		t.credited++
	}
	if b.Count > 0 {
		t.batches = append(t.batches, b)
	}
}

// minute adds a share to its worker's and the pool's minute of this
// transaction (one minute: the transaction's time).
func (t *txn) minute(ws *workerState, d float64) {
	if ws.txn != t.seq {
		ws.txn, ws.txnMinute = t.seq, Minute{Worker: ws.ID}
		t.touched = append(t.touched, ws)
	}
	ws.txnMinute.Accepted += d
	ws.txnMinute.AcceptedCount++
	t.pool.Accepted += d
	t.pool.AcceptedCount++
}

// spare is what a transaction's making allocates, kept for the next one
// (a Store keeps nothing of a Write once it returns): committing 200,000
// shares a second then collects garbage every few seconds rather than
// five times a second, and a collection's marking, which takes one of
// two cores for a few milliseconds, delays the verdicts under way.
type spare struct {
	data    [][]byte // batch data buffers
	batches []Batch
	touched []*workerState
}

// maxSpareData bounds the batch buffers kept: a transaction holds one
// per request, and most hold one to four.
const maxSpareData = 16

// batchData starts a batch's data with room for n shares.
func (s *spare) batchData(n int) []byte {
	if k := len(s.data); k > 0 {
		b := s.data[k-1]
		s.data = s.data[:k-1]
		if cap(b) >= 1+n*recordSize {
			return append(b[:0], codecVersion)
		}
	}
	return newBatchData(n)
}

// keep takes back what a committed or failed transaction used.
func (s *spare) keep(t *txn) {
	for i := range t.batches {
		if len(s.data) < maxSpareData {
			s.data = append(s.data, t.batches[i].Data)
		}
		t.batches[i].Data = nil
	}
	s.batches, s.touched = t.batches[:0], t.touched[:0]
}

// better notes a share that beats its worker's, its session's or the
// pool's best; they take effect when the transaction is committed (a
// failed one puts the committed ones back: failed).
func (t *txn) better(ws *workerState, edge uint16, session uint32, d float64, hash chain.Hash, height uint32) {
	a := t.a
	best := func(key string) Best {
		return Best{Key: key, Worker: ws.ID, Edge: edge, Session: session, Difficulty: d, Hash: hash.String(),
			Height: height, Time: t.now}
	}
	if d > ws.best {
		ws.best = d
		t.bests = append(t.bests, best(workerBestKey(ws.ID)))
	}
	if k := (sessionKey{edge, session}); k != ws.session {
		ws.session, ws.sessionBest = k, 0
	}
	if d > ws.sessionBest {
		ws.sessionBest = d
		t.bests = append(t.bests, best(sessionBestKey(ws.ID)))
	}
	if d > a.poolBest {
		a.poolBest = d
		t.bests = append(t.bests, best(poolBestKey))
	}
}

// The keys of the bests.
const (
	poolBestKey       = "pool"
	workerBestPrefix  = "worker/"
	sessionBestPrefix = "session/"
)

func workerBestKey(id uint32) string  { return workerBestPrefix + strconv.FormatUint(uint64(id), 10) }
func sessionBestKey(id uint32) string { return sessionBestPrefix + strconv.FormatUint(uint64(id), 10) }

// replaces reports whether b is kept instead of cur, of the same key: a
// better share, or the first of a worker's new session.
func (b *Best) replaces(cur *Best) bool {
	if strings.HasPrefix(b.Key, sessionBestPrefix) && (b.Edge != cur.Edge || b.Session != cur.Session) {
		return true
	}
	return b.Difficulty > cur.Difficulty
}

// found is the record of a block's share, with what the submitter may
// already have said of it.
func (t *txn) found(c *share.Credit, ws *workerState, batch int64, index int) {
	a := t.a
	hash := c.Hash.String()
	b := a.blocks[hash]
	if b == nil {
		b = &Block{Hash: hash, Status: BlockSubmitted}
		a.blocks[hash] = b
	}
	b.Height, b.Worker, b.Address, b.Reward, b.NetworkDifficulty = c.Height, c.Worker, c.Address, c.Reward, c.NetworkDifficulty
	b.Batch, b.Index, b.FoundAt, b.UpdatedAt = batch, index, t.now, t.now
	if a.cfg.Mode == job.PoolMode {
		b.Fee = job.Fee(c.Reward, a.cfg.FeePPM)
	} else {
		b.Fee = c.Fee
	}
	t.blocks = append(t.blocks, b)
}

func (a *Accounts) loadBests(ctx context.Context) error {
	bests, err := a.st.Bests(ctx)
	if err != nil {
		return err
	}
	a.bestMu.Lock()
	defer a.bestMu.Unlock()
	a.bests = map[string]Best{}
	for _, b := range bests {
		a.bests[b.Key] = b
	}
	a.poolBest = a.bests[poolBestKey].Difficulty
	return nil
}

// flushRejected adds the rejections counted since the last call to the
// statistics waiting for the next flush.
func (a *Accounts) flushRejected(now time.Time) {
	a.mu.Lock()
	rej := a.rejected
	a.rejected = map[string]*Minute{}
	a.mu.Unlock()
	minute := now.Truncate(time.Minute)
	add := func(id uint32, m *Minute) {
		key := minuteKey{id, minute.Unix()}
		acc := a.minutes[key]
		if acc == nil {
			acc = &Minute{Worker: id, Minute: minute}
			a.minutes[key] = acc
		}
		acc.Rejected += m.Rejected
		acc.RejectedCount += m.RejectedCount
	}
	for name, m := range rej {
		// A worker never accepted has no id: it counts for the pool only.
		if ws := a.workers[name]; ws != nil && ws.persisted {
			add(ws.ID, m)
		}
		add(0, m)
	}
}

// pruneChunk bounds the batches one prune statement removes: the store
// has one writer, and the commits wait for it.
const pruneChunk = 5000

// prune removes, beside the committer, batches older than KeepShares that
// no PPLNS window needs: in pool mode it keeps the newest that hold
// WindowFactor × the network's difficulty, however old (a small pool's
// window spans weeks), and nothing while a found block waits for its
// split. It reports whether it started.
func (a *Accounts) prune(ctx context.Context, now time.Time) bool {
	if a.pruning || len(a.awaitSplit) > 0 {
		return false
	}
	var size float64
	if a.cfg.Mode == job.PoolMode {
		if a.networkDifficulty <= 0 {
			return false // the window's size is not known yet
		}
		size = a.cfg.WindowFactor * a.networkDifficulty
	}
	a.pruning = true
	before := now.Add(-a.cfg.KeepShares)
	go func() {
		defer a.call(func(*Write) { a.pruning = false })
		keepFrom := int64(math.MaxInt64)
		if size > 0 {
			id, err := a.st.WindowStart(ctx, size)
			if err != nil {
				a.log.Warn("old share batches not pruned", "err", err)
				return
			}
			keepFrom = id
		}
		var total int64
		for ctx.Err() == nil {
			n, err := a.st.Prune(ctx, before, keepFrom, pruneChunk)
			total += n
			if err != nil {
				a.log.Warn("old share batches not pruned", "err", err)
				break
			}
			if n < pruneChunk {
				break
			}
			time.Sleep(10 * time.Millisecond) // let the commits in
		}
		if total > 0 {
			a.log.Info("old share batches pruned", "batches", total, "window", size)
		}
	}()
	return true
}
