package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

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
	if len(t.batches) == 0 {
		// The transaction's number, kept with it: when a commit's answer
		// is lost, the store says whether it took (by its first batch,
		// for one that has batches).
		w.Meta = append(w.Meta, Meta{Key: metaTxn, Value: int64(t.seq)})
	}

	start := time.Now()
	err := a.st.Write(a.watch.begin(ctx), w)
	a.watch.end()
	a.lastWrite.Store(int64(time.Since(start)))
	if errors.Is(err, share.ErrInDoubt) {
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
	// The sync starts now, beside the bookkeeping below: a verdict waits
	// for the disk, not for the statistics.
	seq := a.wrote()
	a.committed(ctx, &t, held)
	a.splitsWritten(a.pending.Splits)
	a.pending.reset()
	a.mu.Lock()
	for _, r := range group {
		a.accept(r.credits)
	}
	a.mu.Unlock()
	a.answer(group, seq)
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

// wrote counts a transaction the store has written and starts a sync for
// it (a Syncer); the number it returns is what answer waits for.
func (a *Accounts) wrote() uint64 {
	if a.syncer == nil {
		return 0
	}
	a.syncMu.Lock()
	a.written++
	seq := a.written
	a.syncMu.Unlock()
	select {
	case a.syncNow <- struct{}{}:
	default:
	}
	return seq
}

// answer calls the group's done once the transaction is durable: at once
// for a store whose Write is, after a Sync that began after write seq for
// a Syncer (which may have ended already).
func (a *Accounts) answer(group []*request, seq uint64) {
	if a.syncer == nil {
		for _, r := range group {
			r.done(nil)
		}
		return
	}
	a.syncMu.Lock()
	if seq > a.synced {
		for _, r := range group {
			a.syncing = append(a.syncing, syncWaiter{seq: seq, done: r.done})
		}
		a.syncMu.Unlock()
		return
	}
	err := a.syncErr
	a.syncMu.Unlock()
	for _, r := range group {
		r.done(err)
	}
}

// syncWaiter is a done waiting for the sync of write seq.
type syncWaiter struct {
	seq  uint64
	done func(error)
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
	var begun uint64 // the writes the last sync begun covers
	for range a.syncNow {
		for {
			slots <- struct{}{}
			a.syncMu.Lock()
			covers := a.written
			a.syncMu.Unlock()
			if covers == begun {
				<-slots
				break
			}
			begun = covers
			wg.Go(func() {
				defer func() { <-slots }()
				a.sync(covers)
			})
		}
	}
}

// sync makes the first covers writes durable and answers those waiting
// for them. A sync that fails leaves them in doubt (written, maybe not on
// disk): they are not acknowledged, nor is any write it covers whose
// answer comes later, and the store is trusted no more (poison).
func (a *Accounts) sync(covers uint64) {
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
	a.syncMu.Lock()
	// The first sync to end for a write decides it: a later one cannot
	// vouch for what a failed one may have lost.
	if covers > a.synced {
		a.synced = covers
		if err != nil {
			a.syncErr = err
		}
	}
	var ready []syncWaiter
	a.syncing = slices.DeleteFunc(a.syncing, func(w syncWaiter) bool {
		if w.seq <= covers {
			ready = append(ready, w)
			return true
		}
		return false
	})
	a.syncMu.Unlock()
	for _, w := range ready {
		w.done(err)
	}
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

// writeWatch cancels a write that takes longer than WriteTimeout (a store
// that stopped answering). All writes share one context, made anew only
// after a cancel, so that a commit costs no timer of its own.
type writeWatch struct {
	mu      sync.Mutex // guards everything below
	parent  context.Context
	ctx     context.Context
	cancel  context.CancelFunc
	started time.Time // when the write under way began; zero for none
}

// begin is the context of a write that starts now.
func (w *writeWatch) begin(parent context.Context) context.Context {
	w.mu.Lock()
	defer w.mu.Unlock()
	// A new parent (the stop's last write) gets a context of its own: the
	// old one's cancel by its parent may still be under way.
	if w.ctx == nil || w.ctx.Err() != nil || parent != w.parent {
		w.parent = parent
		w.ctx, w.cancel = context.WithCancel(parent)
	}
	w.started = time.Now()
	return w.ctx
}

func (w *writeWatch) end() {
	w.mu.Lock()
	w.started = time.Time{}
	w.mu.Unlock()
}

// run cancels the write under way once it is older than timeout, until
// ctx ends.
func (w *writeWatch) run(ctx context.Context, timeout time.Duration) {
	t := time.NewTicker(max(timeout/10, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			w.mu.Lock()
			if !w.started.IsZero() && now.Sub(w.started) > timeout {
				w.cancel()
				w.started = time.Time{}
			}
			w.mu.Unlock()
		}
	}
}
