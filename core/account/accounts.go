package account

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
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
	// ReplayWindow: after a start, shares committed this long before it
	// are remembered, so an edge replaying what it never heard back about
	// is not credited twice.
	ReplayWindow time.Duration
	// KeepShares is how long batches are kept once no unpaid block needs
	// them.
	KeepShares time.Duration
	// Maturity is how deep a block must be to be paid (100).
	Maturity int64
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
	DefaultKeepShares   = 72 * time.Hour
	DefaultMaturity     = 100
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
	st  Store

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
	// blocks are the found blocks not yet confirmed, orphaned or rejected;
	// awaitSplit those whose PPLNS split is not written yet.
	blocks     map[string]*Block
	awaitSplit map[string]struct{}
	replay     map[chain.Hash]struct{}
	replayEnd  time.Time
	// pending is written with the next transaction.
	pending Write

	mu       sync.Mutex // guards rejected and live
	rejected map[string]*Minute
	live     live

	healthy   atomic.Bool
	detail    atomic.Pointer[string]
	commits   atomic.Uint64
	credited  atomic.Uint64
	failures  atomic.Uint64
	lastWrite atomic.Int64 // nanoseconds the last transaction took
}

// workerState is what the committer knows of a worker.
type workerState struct {
	Worker
	persisted bool
}

type request struct {
	credits []share.Credit
	done    func(error)
}

// Open loads what a restart needs: workers, best shares, blocks in flight,
// the recent shares for replays and the last hour of statistics.
func Open(ctx context.Context, cfg Config) (*Accounts, error) {
	if cfg.Store == nil {
		return nil, errors.New("account: no store")
	}
	if cfg.WindowFactor <= 0 {
		cfg.WindowFactor = DefaultWindowFactor
	}
	if cfg.ReplayWindow <= 0 {
		cfg.ReplayWindow = DefaultReplayWindow
	}
	if cfg.KeepShares <= 0 {
		cfg.KeepShares = DefaultKeepShares
	}
	if cfg.Maturity <= 0 {
		cfg.Maturity = DefaultMaturity
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	a := &Accounts{cfg: cfg, log: cfg.Log, st: cfg.Store, in: make(chan *request, queueLen),
		calls: make(chan func(*Write), 256), stopped: make(chan struct{}),
		workers: map[string]*workerState{}, byID: map[uint32]*workerState{}, bests: map[string]Best{},
		blocks: map[string]*Block{}, awaitSplit: map[string]struct{}{}, rejected: map[string]*Minute{}}
	a.live.init()
	a.healthy.Store(true)

	last, err := a.st.LastBatch(ctx)
	if err != nil {
		return nil, err
	}
	a.nextBatch = last + 1
	ws, err := a.st.Workers(ctx)
	if err != nil {
		return nil, err
	}
	for _, w := range ws {
		s := &workerState{Worker: w, persisted: true}
		a.workers[w.Name], a.byID[w.ID] = s, s
		a.nextID = max(a.nextID, w.ID)
		a.live.worker(w.ID, w.Name, w.Address)
	}
	if err := a.loadBests(ctx); err != nil {
		return nil, err
	}
	open, err := a.st.BlocksWithStatus(ctx, BlockSubmitted, BlockAccepted)
	if err != nil {
		return nil, err
	}
	for i := range open {
		a.blocks[open[i].Hash] = &open[i]
	}
	// The shares of the last moments before the restart, for replays.
	now := time.Now()
	a.replay = map[chain.Hash]struct{}{}
	a.replayEnd = now.Add(cfg.ReplayWindow)
	err = a.st.BatchesSince(ctx, now.Add(-cfg.ReplayWindow), func(b *Batch) error {
		return DecodeShares(b.Data, b.Time, func(s *Share) bool {
			a.replay[s.Hash] = struct{}{}
			return true
		})
	})
	if err != nil {
		return nil, err
	}
	if err := a.live.load(ctx, a.st, now); err != nil {
		return nil, err
	}
	a.log.Info("accounts open", "workers", len(ws), "batches", last, "blocks_maturing", len(open),
		"replay_guard", len(a.replay))
	return a, nil
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
func (a *Accounts) Store() Store { return a.st }

// call runs f on the committer, with the next write to add to; once the
// committer has stopped, f is dropped.
func (a *Accounts) call(f func(*Write)) bool {
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
	tick := time.NewTicker(retryEvery)
	defer tick.Stop()
	a.resumeSplits(ctx)
	var group []*request
	var lastPrune, lastMaturity time.Time
	for {
		group = group[:0]
		select {
		case <-ctx.Done():
			close(a.stopped)
			a.stopMu.Lock()
			a.isClosed = true
			a.stopMu.Unlock()
			a.drain()
			if !a.pending.empty() {
				// Statistics and block states waiting for a transaction.
				wctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				if err := a.st.Write(wctx, &a.pending); err != nil {
					a.log.Warn("pending statistics not written at stop", "err", err)
				}
				cancel()
			}
			return nil
		case r := <-a.in:
			group = append(group, r)
		case f := <-a.calls:
			f(&a.pending)
		case now := <-tick.C:
			a.flushRejected(now)
			if now.Sub(lastMaturity) >= 30*time.Second {
				lastMaturity = now
				a.checkMaturity(ctx, now)
			}
			if now.Sub(lastPrune) >= time.Hour {
				lastPrune = now
				a.prune(ctx, now)
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
		if len(group) > 0 || !a.pending.empty() {
			a.commit(ctx, group)
		}
	}
}

// drain answers what is queued when the accounts stop: those shares were
// never acknowledged, and the edges will send them again.
func (a *Accounts) drain() {
	for {
		select {
		case r := <-a.in:
			r.done(errStopped)
		default:
			return
		}
	}
}

// commit writes a group of requests and whatever else is pending in one
// transaction, then answers them.
func (a *Accounts) commit(ctx context.Context, group []*request) {
	now := time.Now()
	t := txn{a: a, now: now, minutes: map[uint32]*Minute{}}
	replaying := a.replay != nil && now.Before(a.replayEnd)
	if !replaying {
		a.replay = nil
	}
	for _, r := range group {
		t.add(r.credits, replaying)
	}
	w := &a.pending
	w.Batches = append(w.Batches, t.batches...)
	for _, ws := range a.workers {
		if !ws.persisted {
			w.Workers = append(w.Workers, ws.Worker)
		}
	}
	for _, m := range t.minutes {
		w.Minutes = append(w.Minutes, *m)
	}
	w.Bests = append(w.Bests, t.bests...)
	for _, b := range t.blocks {
		w.Blocks = append(w.Blocks, *b)
	}

	start := time.Now()
	err := a.st.Write(ctx, w)
	a.lastWrite.Store(int64(time.Since(start)))
	if err != nil {
		a.failed(ctx, &t, group, replaying, err)
		return
	}
	if !a.healthy.Swap(true) {
		a.log.Info("accounts store back: committing again")
	}
	a.commits.Add(1)
	a.nextBatch += int64(len(t.batches))
	for _, ws := range a.workers {
		ws.persisted = true
	}
	a.mu.Lock()
	for _, r := range group {
		for i := range r.credits {
			if c := &r.credits[i]; c.Verdict != wire.VerdictDuplicate {
				ws := a.workers[c.Worker]
				a.live.accept(c, ws.ID, ws.Address)
			}
		}
	}
	a.mu.Unlock()
	a.credited.Add(uint64(t.credited))
	a.pending.reset()
	for _, r := range group {
		r.done(nil)
	}
	for _, b := range t.blocks {
		if a.cfg.Mode == job.PoolMode {
			a.awaitSplit[b.Hash] = struct{}{}
			go a.splitBlock(ctx, *b)
		}
	}
}

// failed undoes in memory what a failed transaction added, keeps what is
// still to be written, and answers the group with the error: their shares
// are not acknowledged.
func (a *Accounts) failed(ctx context.Context, t *txn, group []*request, replaying bool, err error) {
	a.failures.Add(1)
	if a.healthy.Swap(false) {
		a.log.Error("accounts store failing: shares are not acknowledged until it is back", "err", err)
	}
	detail := "the accounts store cannot commit: " + err.Error()
	a.detail.Store(&detail)
	for _, ws := range t.newWorkers {
		delete(a.workers, ws.Name)
		delete(a.byID, ws.ID)
	}
	a.nextID -= uint32(len(t.newWorkers))
	for _, b := range t.blocks {
		delete(a.blocks, b.Hash)
	}
	if replaying {
		for _, r := range group {
			for i := range r.credits {
				if r.credits[i].Verdict != wire.VerdictDuplicate {
					delete(a.replay, r.credits[i].Hash)
				}
			}
		}
	}
	if len(t.bests) > 0 {
		_ = a.loadBests(ctx) // what the store has is what is true
	}
	// Keep what is not about this group's shares.
	w := &a.pending
	keep := Write{Splits: w.Splits, Entries: w.Entries, Bans: w.Bans}
	for _, m := range w.Minutes {
		if m.AcceptedCount == 0 {
			keep.Minutes = append(keep.Minutes, m)
		}
	}
	for _, b := range w.Blocks {
		if _, ours := t.blockSet[b.Hash]; !ours {
			keep.Blocks = append(keep.Blocks, b)
		}
	}
	a.pending = keep
	for _, r := range group {
		r.done(err)
	}
}

// txn is one transaction's shares being put together.
type txn struct {
	a          *Accounts
	now        time.Time
	batches    []Batch
	minutes    map[uint32]*Minute
	bests      []Best
	blocks     []*Block
	blockSet   map[string]struct{}
	newWorkers []*workerState
	credited   int
}

// add makes a batch of one request's credits.
func (t *txn) add(credits []share.Credit, replaying bool) {
	if len(credits) == 0 {
		return
	}
	a := t.a
	b := Batch{ID: a.nextBatch + int64(len(t.batches)), Time: t.now, Data: newBatchData(len(credits))}
	for i := range credits {
		c := &credits[i]
		if replaying {
			if _, dup := a.replay[c.Hash]; dup {
				c.Verdict = wire.VerdictDuplicate
				continue
			}
			a.replay[c.Hash] = struct{}{}
		}
		ws := a.workers[c.Worker]
		if ws == nil {
			a.nextID++
			ws = &workerState{Worker: Worker{ID: a.nextID, Name: c.Worker, Address: c.Address, Created: t.now}}
			a.workers[c.Worker], a.byID[ws.ID] = ws, ws
			t.newWorkers = append(t.newWorkers, ws)
		}
		s := Share{Hash: c.Hash, Worker: ws.ID, Edge: c.Edge, Session: uint32(c.Session), Difficulty: c.Difficulty,
			HashDifficulty: c.HashDifficulty, Height: c.Height, Job: uint32(c.Job), Time: c.Time, Block: c.Block}
		if c.Block {
			t.found(c, ws, b.ID, b.Count)
		}
		b.Data = appendShare(b.Data, t.now, &s)
		b.Count++
		b.Difficulty += c.Difficulty
		t.minute(ws.ID, c.Difficulty)
		t.better(ws.ID, c)
		t.credited++
	}
	if b.Count > 0 {
		t.batches = append(t.batches, b)
	}
}

func (t *txn) minute(worker uint32, d float64) {
	for _, k := range []uint32{worker, 0} {
		m := t.minutes[k]
		if m == nil {
			m = &Minute{Worker: k, Minute: t.now.Truncate(time.Minute)}
			t.minutes[k] = m
		}
		m.Accepted += d
		m.AcceptedCount++
	}
}

// better notes a share that beats its worker's or the pool's best.
func (t *txn) better(worker uint32, c *share.Credit) {
	a := t.a
	a.bestMu.Lock()
	defer a.bestMu.Unlock()
	for _, key := range []string{"pool", fmt.Sprintf("worker/%d", worker)} {
		if cur, ok := a.bests[key]; ok && cur.Difficulty >= c.HashDifficulty {
			continue
		}
		b := Best{Key: key, Worker: worker, Session: uint32(c.Session), Difficulty: c.HashDifficulty,
			Hash: c.Hash.String(), Height: c.Height, Time: t.now}
		a.bests[key] = b
		t.bests = append(t.bests, b)
	}
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
	if t.blockSet == nil {
		t.blockSet = map[string]struct{}{}
	}
	t.blockSet[hash] = struct{}{}
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
	return nil
}

// flushRejected moves the rejections counted since the last flush into the
// next write.
func (a *Accounts) flushRejected(now time.Time) {
	a.mu.Lock()
	rej := a.rejected
	a.rejected = map[string]*Minute{}
	a.mu.Unlock()
	minute := now.Truncate(time.Minute)
	pool := Minute{Minute: minute}
	for name, m := range rej {
		pool.Rejected += m.Rejected
		pool.RejectedCount += m.RejectedCount
		// A worker never accepted has no id: it counts for the pool only.
		if ws := a.workers[name]; ws != nil && ws.persisted {
			m.Worker, m.Minute = ws.ID, minute
			a.pending.Minutes = append(a.pending.Minutes, *m)
		}
	}
	if pool.RejectedCount > 0 {
		a.pending.Minutes = append(a.pending.Minutes, pool)
	}
}

// prune removes batches older than KeepShares, unless a found block is
// still waiting for its PPLNS split (its window reaches back an unknown
// way until it is computed).
func (a *Accounts) prune(ctx context.Context, now time.Time) {
	if len(a.awaitSplit) > 0 {
		return
	}
	n, err := a.st.Prune(ctx, now.Add(-a.cfg.KeepShares))
	a.logPrune(n, err)
}

func (a *Accounts) logPrune(n int64, err error) {
	if err != nil {
		a.log.Warn("old share batches not pruned", "err", err)
	} else if n > 0 {
		a.log.Info("old share batches pruned", "batches", n)
	}
}
