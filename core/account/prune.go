package account

import (
	"context"
	"math"
	"time"

	"github.com/stratapool/strata/core/job"
)

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
