package account

import (
	"context"
	"time"

	"github.com/stratapool/strata/core/job"
)

// maturityEvery is how often found blocks are checked against the chain.
const maturityEvery = 30 * time.Second

// answerGrace is how long a submitted block with no answer from any node
// is left alone when the main chain has another block at its height.
const answerGrace = 10 * time.Minute

// BlockSubmitted records what the nodes said of a found block.
func (a *Accounts) BlockSubmitted(hash string, height uint32, status BlockStatus, detail string) {
	a.call(func(w *Write) {
		b := a.blocks[hash]
		if b == nil {
			// The submitter answered before the block's share was
			// committed: keep the answer for when it is.
			a.blocks[hash] = &Block{Hash: hash, Height: height, Status: status, Detail: detail}
			return
		}
		b.Status, b.Detail, b.UpdatedAt = status, detail, time.Now()
		if b.Batch > 0 {
			w.Blocks = append(w.Blocks, *b)
		}
		// A rejected block is still followed: a node that timed out may
		// have taken it, and the chain says so.
	})
}

// splitBlock computes a found block's PPLNS split from the stored shares
// and queues it for the next transaction. It runs off the committer: a
// large window takes a while to read. One that fails is tried again at
// the next maturity check.
func (a *Accounts) splitBlock(ctx context.Context, b Block) {
	w := newWindow(a.cfg.WindowFactor * b.NetworkDifficulty)
	addresses := a.addresses()
	err := fillWindow(ctx, a.st, b.Batch, b.Index, func(id uint32) string { return addresses[id] }, w)
	if err != nil {
		if ctx.Err() == nil {
			a.log.Error("PPLNS window not computed: tried again shortly", "block", b.Hash, "err", err)
		}
		a.call(func(*Write) { delete(a.splitting, b.Hash) })
		return
	}
	splits := split(b.Hash, b.Reward-b.Fee, w)
	a.call(func(wr *Write) {
		if len(splits) == 0 {
			// Nothing to write, nothing to wait for.
			delete(a.awaitSplit, b.Hash)
			delete(a.splitting, b.Hash)
			return
		}
		// Still awaited, and not computed again, until the transaction
		// carrying it is kept.
		wr.Splits = append(wr.Splits, splits...)
	})
	a.log.Info("PPLNS split of a found block", "block", b.Hash, "height", b.Height, "addresses", len(splits),
		"window", w.total, "of", w.size, "amount", b.Reward-b.Fee)
}

// startSplit computes a block's split unless it is under way.
func (a *Accounts) startSplit(ctx context.Context, b *Block) {
	a.awaitSplit[b.Hash] = struct{}{}
	if a.splitting[b.Hash] {
		return
	}
	a.splitting[b.Hash] = true
	go a.splitBlock(ctx, *b)
}

// splitsWritten are splits a kept transaction carried: their blocks may
// now be paid.
func (a *Accounts) splitsWritten(splits []Split) {
	for i := range splits {
		delete(a.awaitSplit, splits[i].Block)
		delete(a.splitting, splits[i].Block)
	}
}

// addresses maps worker ids to addresses; it is safe off the committer.
func (a *Accounts) addresses() map[uint32]string {
	done := make(chan map[uint32]string, 1)
	if !a.call(func(*Write) {
		m := make(map[uint32]string, len(a.byID))
		for id, ws := range a.byID {
			m[id] = ws.Address
		}
		done <- m
	}) {
		return nil
	}
	return <-done
}

// resumeSplits computes the splits a restart left unwritten.
func (a *Accounts) resumeSplits(ctx context.Context) {
	if a.cfg.Mode != job.PoolMode {
		return
	}
	for hash, b := range a.blocks {
		if b.Batch == 0 {
			continue
		}
		splits, err := a.st.Splits(ctx, hash)
		if err != nil || len(splits) > 0 {
			continue
		}
		a.startSplit(ctx, b)
	}
}

// chainView is what a maturity check learned of one block.
type chainView struct {
	hash string
	tip  int64
	main string // the main chain's block at its height
	// splits are read when it looked mature (pool mode).
	splits     []Split
	splitsRead bool
	err        error
}

// checkMaturity starts a check of the followed blocks against the chain,
// off the committer (it asks the node and reads the store), unless one is
// under way; its findings come back through call.
func (a *Accounts) checkMaturity(ctx context.Context, now time.Time) {
	if a.cfg.Chain == nil || a.checking {
		return
	}
	// Splits that failed are tried again.
	for hash := range a.awaitSplit {
		if b := a.blocks[hash]; b != nil && b.Batch > 0 {
			a.startSplit(ctx, b)
		}
	}
	type follow struct {
		hash   string
		height uint32
		// split says its split was written before this check began, so
		// that what the check reads of it is all of it.
		split bool
	}
	var list []follow
	for hash, b := range a.blocks {
		if b.Batch > 0 {
			_, awaited := a.awaitSplit[hash]
			list = append(list, follow{hash, b.Height, !awaited})
		}
	}
	if len(list) == 0 {
		return
	}
	a.checking = true
	pool := a.cfg.Mode == job.PoolMode
	maturity := a.cfg.Maturity
	go func() {
		ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
		defer cancel()
		var views []chainView
		tip, err := a.cfg.Chain.Height(ctx)
		if err == nil {
			for _, f := range list {
				v := chainView{hash: f.hash, tip: tip}
				if int64(f.height) <= tip {
					v.main, v.err = a.cfg.Chain.BlockHash(ctx, int64(f.height))
					if v.err == nil && v.main == f.hash && pool && f.split && tip-int64(f.height)+1 >= maturity {
						v.splits, v.err = a.st.Splits(ctx, f.hash)
						v.splitsRead = v.err == nil
					}
				}
				views = append(views, v)
			}
		}
		a.call(func(*Write) { a.applyMaturity(views, time.Now()) })
	}()
}

// applyMaturity moves the followed blocks on by what the chain says. A
// block the main chain has is accepted, and confirmed once Maturity deep
// with its split written, when the split is credited to balances. One
// whose height the main chain gives to another block is orphaned (a
// rejected one stays rejected), and followed until that other block is
// Maturity deep, in case the chain turns back to it.
func (a *Accounts) applyMaturity(views []chainView, now time.Time) {
	a.checking = false
	for _, v := range views {
		b := a.blocks[v.hash]
		if b == nil || v.err != nil || v.main == "" {
			continue // gone meanwhile, or the node could not say
		}
		depth := v.tip - int64(b.Height) + 1
		if v.main != v.hash {
			if b.Status == BlockSubmitted && now.Sub(b.FoundAt) < answerGrace {
				continue // no node has answered yet
			}
			if b.Status != BlockRejected && b.Status != BlockOrphaned {
				a.log.Warn("found block orphaned", "height", b.Height, "hash", v.hash, "main", v.main)
				b.Status = BlockOrphaned
			}
			// Confirmations count the other block's depth: final at
			// Maturity.
			b.Confirmations, b.Detail, b.UpdatedAt = depth, "the main chain has "+v.main+" at this height", now
			a.pending.Blocks = append(a.pending.Blocks, *b)
			if depth >= a.cfg.Maturity {
				delete(a.blocks, v.hash)
			}
			continue
		}
		if b.Status != BlockAccepted {
			if b.Status == BlockOrphaned || b.Status == BlockRejected {
				a.log.Info("found block back on the main chain", "height", b.Height, "hash", v.hash, "was", b.Status.String())
			}
			b.Status, b.Detail = BlockAccepted, "on the main chain"
		}
		b.Confirmations, b.UpdatedAt = depth, now
		if depth < a.cfg.Maturity {
			a.pending.Blocks = append(a.pending.Blocks, *b)
			continue
		}
		if a.cfg.Mode == job.PoolMode && !v.splitsRead {
			// Paid once its split is written and read whole: it was
			// awaited when the check began (checkMaturity), or is mature
			// only now.
			a.pending.Blocks = append(a.pending.Blocks, *b)
			continue
		}
		b.Status = BlockConfirmed
		a.pending.Blocks = append(a.pending.Blocks, *b)
		for _, sp := range v.splits {
			a.pending.Entries = append(a.pending.Entries, LedgerEntry{Address: sp.Address, Amount: sp.Amount,
				Kind: "block", Block: v.hash, Time: now})
		}
		delete(a.blocks, v.hash)
		a.log.Info("found block confirmed", "height", b.Height, "hash", v.hash, "confirmations", depth)
	}
}
