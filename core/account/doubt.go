package account

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/stratapool/strata/core/share"
)

// resolveEvery is how often the store is asked about a transaction in
// doubt, and resolveTimeout how long each asking may take.
const (
	resolveEvery   = time.Second
	resolveTimeout = 2 * time.Second
)

// syncStall is how long a sync may take before the accounts say the disk
// is not answering (the shares wait for it, unacknowledged).
const syncStall = 10 * time.Second

// metaTxn is the number of the last transaction without batches written,
// kept with it. Numbers only grow (a start goes on from the stored one),
// so an older one is never taken for the transaction in doubt.
const metaTxn = "txn"

// doubt is a transaction whose commit failed in a way that does not say
// whether it took (PostgreSQL's answer to COMMIT lost with the
// connection). Its shares were refused, not acknowledged; nothing more is
// written until the store says, by the transaction number it keeps,
// whether it took: then the transaction is taken in or undone.
type doubt struct {
	t    txn
	held int // held block shares it carried
	// own is where its own rows start in the pending write, rows how many
	// rows of each list it carried.
	own, rows rowCounts
	// blocks are its group's block shares, held if it did not take.
	blocks []share.Credit
	asked  time.Time
}

// inDoubt refuses a group whose transaction may or may not have taken and
// keeps the transaction until the store can say.
func (a *Accounts) inDoubt(t *txn, group []*request, held int, own, rows rowCounts, err error) {
	a.failures.Add(1)
	d := &doubt{t: *t, held: held, own: own, rows: rows, asked: time.Now()}
	for _, r := range group {
		d.blocks = appendBlocks(d.blocks, r.credits)
	}
	a.doubt = d
	a.down("the accounts cannot tell whether their last transaction was kept; waiting for the store to say: " + err.Error())
	a.log.Error("accounts store lost a commit's answer: shares are not acknowledged until it says whether it was kept", "err", err)
	for _, r := range group {
		r.done(err)
	}
}

// errWaiting refuses shares while a transaction is in doubt.
var errWaiting = errors.New("account: waiting to learn whether the last transaction was kept")

// refusing is why nothing may be written now: a failed sync, or a
// transaction in doubt the store cannot yet account for.
func (a *Accounts) refusing(ctx context.Context) error {
	if p := a.poisoned.Load(); p != nil {
		return *p
	}
	d := a.doubt
	if d == nil {
		return nil
	}
	now := time.Now()
	if now.Sub(d.asked) < resolveEvery {
		return errWaiting
	}
	d.asked = now
	rctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	took, err := a.took(rctx, &d.t)
	cancel()
	if err != nil {
		return fmt.Errorf("%w: %w", errWaiting, err)
	}
	a.doubt = nil
	w := &a.pending
	if took {
		a.log.Warn("the transaction in doubt was kept: its shares are credited, though their miners were told otherwise",
			"shares", d.t.credited)
		a.splitsWritten(w.Splits[:d.rows.splits])
		w.dropFirst(d.rows)
		a.committed(ctx, &d.t, d.held)
	} else {
		a.log.Info("the transaction in doubt was not kept: its shares stay refused")
		w.dropOwn(d.own, d.rows)
		a.rollback(&d.t)
		a.heldBlocks = append(a.heldBlocks, d.blocks...)
	}
	a.spare.keep(&d.t)
	return nil
}

// took asks the store whether a transaction was kept: by its first
// batch, or the number one without batches keeps.
func (a *Accounts) took(ctx context.Context, t *txn) (bool, error) {
	if len(t.batches) > 0 {
		id := t.batches[0].ID
		got, err := a.st.BatchesBefore(ctx, id, 1)
		return len(got) == 1 && got[0].ID == id, err
	}
	seq, err := a.st.Meta(ctx, metaTxn)
	return seq == int64(t.seq), err
}

// poison stops all crediting after a failed sync: the kernel may have
// dropped the pages it could not write, so what later syncs report as
// durable may not be, and only a restart (once the disk is checked)
// makes the store trustworthy again.
func (a *Accounts) poison(err error) {
	p := fmt.Errorf("account: the disk failed a sync (%w); shares are refused until the core is restarted, once the disk is checked", err)
	if a.poisoned.CompareAndSwap(nil, &p) {
		a.log.Error("accounts store failed a sync: crediting stopped until a restart", "err", err)
	}
	a.down(p.Error())
}

// rowCounts are how many rows each list of a Write holds.
type rowCounts struct {
	batches, workers, minutes, bests, blocks, splits, entries, bans, meta int
}

func (w *Write) lens() rowCounts {
	return rowCounts{len(w.Batches), len(w.Workers), len(w.Minutes), len(w.Bests), len(w.Blocks), len(w.Splits),
		len(w.Entries), len(w.Bans), len(w.Meta)}
}

// dropFirst removes the rows a transaction that took carried: the first
// of each list (calls may have added more since).
func (w *Write) dropFirst(n rowCounts) {
	w.Batches = slices.Delete(w.Batches, 0, n.batches)
	w.Workers = slices.Delete(w.Workers, 0, n.workers)
	w.Minutes = slices.Delete(w.Minutes, 0, n.minutes)
	w.Bests = slices.Delete(w.Bests, 0, n.bests)
	w.Blocks = slices.Delete(w.Blocks, 0, n.blocks)
	w.Splits = slices.Delete(w.Splits, 0, n.splits)
	w.Entries = slices.Delete(w.Entries, 0, n.entries)
	w.Bans = slices.Delete(w.Bans, 0, n.bans)
	w.Meta = slices.Delete(w.Meta, 0, n.meta)
}

// dropOwn removes the rows a commit added to what was pending, from own
// to rows: its batches, workers, blocks and number. The rest stays
// pending for the next transaction.
func (w *Write) dropOwn(own, rows rowCounts) {
	w.Batches = slices.Delete(w.Batches, own.batches, rows.batches)
	w.Workers = slices.Delete(w.Workers, own.workers, rows.workers)
	w.Blocks = slices.Delete(w.Blocks, own.blocks, rows.blocks)
	w.Meta = slices.Delete(w.Meta, own.meta, rows.meta)
}
