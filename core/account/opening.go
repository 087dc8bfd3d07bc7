package account

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// openTimeout is how long one try to open the store may take.
const openTimeout = 30 * time.Second

// errNotOpen refuses shares while the store is not open.
var errNotOpen = errors.New("account: the accounts store is not open")

// openStore opens and loads the store OpenLater left to Run, trying again
// every OpenEvery; meanwhile shares are refused (a found block's share is
// held for when the store is open) and calls run. It reports false if ctx
// ended first.
func (a *Accounts) openStore(ctx context.Context) bool {
	var lastLog time.Time
	for {
		err := a.tryOpen(ctx)
		if err == nil {
			a.backUp()
			return true
		}
		if ctx.Err() != nil {
			a.closeQueues()
			return false
		}
		a.down(fmt.Sprintf("the accounts store cannot be opened (%v); shares are refused, and it is tried again every %s", err, a.cfg.OpenEvery))
		if time.Since(lastLog) >= time.Minute {
			lastLog = time.Now()
			a.log.Error("accounts store cannot be opened: shares are refused until it can", "err", err, "retry_every", a.cfg.OpenEvery)
		}
		wait := time.NewTimer(a.cfg.OpenEvery)
	waiting:
		for {
			select {
			case <-ctx.Done():
				wait.Stop()
				a.closeQueues()
				return false
			case r := <-a.in:
				a.heldBlocks = appendBlocks(a.heldBlocks, r.credits)
				a.failures.Add(1)
				r.done(errNotOpen)
			case f := <-a.calls:
				f(&a.pending)
			case <-wait.C:
				break waiting
			}
		}
	}
}

// tryOpen opens the store and loads from it; on failure nothing of it is
// kept.
func (a *Accounts) tryOpen(ctx context.Context) error {
	octx, cancel := context.WithTimeout(ctx, openTimeout)
	defer cancel()
	st, err := a.opener(octx)
	if err != nil {
		return err
	}
	a.setStore(st)
	a.reset()
	if err := a.load(octx); err != nil {
		st.Close()
		a.setStore(notOpen{})
		a.reset()
		return err
	}
	return nil
}

// notOpen is the store of accounts whose store is not open yet: every
// read fails, saying so.
type notOpen struct{}

func (notOpen) Write(context.Context, *Write) error      { return errNotOpen }
func (notOpen) LastBatch(context.Context) (int64, error) { return 0, errNotOpen }
func (notOpen) BatchesSince(context.Context, time.Time, func(*Batch) error) error {
	return errNotOpen
}
func (notOpen) BatchesBefore(context.Context, int64, int) ([]Batch, error) { return nil, errNotOpen }
func (notOpen) Workers(context.Context) ([]Worker, error)                  { return nil, errNotOpen }
func (notOpen) Bests(context.Context) ([]Best, error)                      { return nil, errNotOpen }
func (notOpen) Minutes(context.Context, uint32, time.Time) ([]Minute, error) {
	return nil, errNotOpen
}
func (notOpen) AllMinutes(context.Context, time.Time, func(*Minute) error) error { return errNotOpen }
func (notOpen) DropMinutesAfter(context.Context, time.Time) error                { return errNotOpen }
func (notOpen) Blocks(context.Context, int, int) ([]Block, error)                { return nil, errNotOpen }
func (notOpen) Block(context.Context, string) (Block, error)                     { return Block{}, errNotOpen }
func (notOpen) BlocksWithStatus(context.Context, ...BlockStatus) ([]Block, error) {
	return nil, errNotOpen
}
func (notOpen) Splits(context.Context, string) ([]Split, error)       { return nil, errNotOpen }
func (notOpen) Balances(context.Context, int, int) ([]Balance, error) { return nil, errNotOpen }
func (notOpen) Balance(context.Context, string) (Balance, error)      { return Balance{}, errNotOpen }
func (notOpen) Ledger(context.Context, string, int, int) ([]LedgerEntry, error) {
	return nil, errNotOpen
}
func (notOpen) Bans(context.Context, time.Time) ([]Ban, error)              { return nil, errNotOpen }
func (notOpen) Meta(context.Context, string) (int64, error)                 { return 0, errNotOpen }
func (notOpen) WindowStart(context.Context, float64) (int64, error)         { return 0, errNotOpen }
func (notOpen) Prune(context.Context, time.Time, int64, int) (int64, error) { return 0, errNotOpen }
func (notOpen) Close() error                                                { return nil }
