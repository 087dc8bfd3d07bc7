package account

import (
	"context"
	"time"

	"github.com/stratapool/strata/core/job"
)

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
		if status == BlockRejected {
			delete(a.blocks, hash)
		}
	})
}

// splitBlock computes a found block's PPLNS split from the stored shares
// and queues it for the next transaction. It runs off the committer: a
// large window takes a while to read.
func (a *Accounts) splitBlock(ctx context.Context, b Block) {
	w := newWindow(a.cfg.WindowFactor * b.NetworkDifficulty)
	addresses := a.addresses()
	if err := fillWindow(ctx, a.st, b.Batch, b.Index, func(id uint32) string { return addresses[id] }, w); err != nil {
		if ctx.Err() == nil {
			a.log.Error("PPLNS window not computed: it will be at the next start", "block", b.Hash, "err", err)
		}
		return
	}
	splits := split(b.Hash, b.Reward-b.Fee, w)
	a.call(func(wr *Write) {
		wr.Splits = append(wr.Splits, splits...)
		delete(a.awaitSplit, b.Hash)
	})
	a.log.Info("PPLNS split of a found block", "block", b.Hash, "height", b.Height, "addresses", len(splits),
		"window", w.total, "of", w.size, "amount", b.Reward-b.Fee)
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
		a.awaitSplit[hash] = struct{}{}
		go a.splitBlock(ctx, *b)
	}
}

// checkMaturity follows accepted blocks: confirmed once Maturity deep,
// when their split is credited to balances; orphaned when the main chain
// has another block at their height.
func (a *Accounts) checkMaturity(ctx context.Context, now time.Time) {
	if a.cfg.Chain == nil || len(a.blocks) == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tip, err := a.cfg.Chain.Height(ctx)
	if err != nil {
		return
	}
	for hash, b := range a.blocks {
		if b.Batch == 0 {
			continue
		}
		if int64(b.Height) > tip {
			continue // the node is behind the block
		}
		main, err := a.cfg.Chain.BlockHash(ctx, int64(b.Height))
		if err != nil {
			continue
		}
		if main != hash {
			if b.Status == BlockSubmitted && now.Sub(b.FoundAt) < 10*time.Minute {
				continue // no node has answered yet
			}
			b.Status, b.Confirmations, b.Detail, b.UpdatedAt = BlockOrphaned, 0, "the main chain has "+main+" at this height", now
			a.pending.Blocks = append(a.pending.Blocks, *b)
			delete(a.blocks, hash)
			a.log.Warn("found block orphaned", "height", b.Height, "hash", hash, "main", main)
			continue
		}
		b.Confirmations = tip - int64(b.Height) + 1
		if b.Status == BlockSubmitted {
			b.Status = BlockAccepted // the main chain has it, whatever the answer was
		}
		if b.Confirmations < a.cfg.Maturity {
			b.UpdatedAt = now
			a.pending.Blocks = append(a.pending.Blocks, *b)
			continue
		}
		if _, waiting := a.awaitSplit[hash]; waiting {
			continue // paid once its split is written
		}
		b.Status, b.UpdatedAt = BlockConfirmed, now
		a.pending.Blocks = append(a.pending.Blocks, *b)
		if a.cfg.Mode == job.PoolMode {
			splits, err := a.st.Splits(ctx, hash)
			if err != nil {
				continue
			}
			for _, sp := range splits {
				a.pending.Entries = append(a.pending.Entries, LedgerEntry{Address: sp.Address, Amount: sp.Amount,
					Kind: "block", Block: hash, Time: now})
			}
		}
		delete(a.blocks, hash)
		a.log.Info("found block confirmed", "height", b.Height, "hash", hash, "confirmations", b.Confirmations)
	}
}
