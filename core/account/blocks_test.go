package account

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// checkNow runs a maturity check and waits for its findings to be taken in.
func checkNow(t *testing.T, a *running) {
	t.Helper()
	a.call(func(*Write) { a.checkMaturity(context.Background(), time.Now()) })
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		done := make(chan bool, 1)
		a.call(func(*Write) { done <- !a.checking })
		if <-done {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the maturity check never ended")
		}
	}
}

func storedBlock(t *testing.T, st Store, hash string) Block {
	t.Helper()
	var b Block
	var err error
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if b, err = st.Block(context.Background(), hash); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("block %s: %v", hash, err)
	}
	return b
}

func waitStatus(t *testing.T, st Store, hash string, want BlockStatus) Block {
	t.Helper()
	var b Block
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if b = storedBlock(t, st, hash); b.Status == want {
			return b
		}
	}
	t.Fatalf("block %s is %s, want %s", hash, b.Status, want)
	return b
}

func foundBlock(n int, worker string, height uint32) share.Credit {
	c := credit(n, worker, 4)
	c.Block, c.Reward, c.NetworkDifficulty, c.Verdict, c.Height = true, 5_000_000_000, 5, wire.VerdictBlock, height
	return c
}

// A one-block reorg takes the pool's block off the main chain and a second
// one puts it back: orphaned, then accepted again, then paid at maturity.
// A block the submitter called rejected that the chain has is accepted.
func TestOrphanedBlockBackOnTheMainChainIsPaid(t *testing.T) {
	st, _ := sqliteStore(t)
	ch := &chainAt{hashes: map[int64]string{}}
	a := start(t, Config{Store: st, Mode: job.PoolMode, WindowFactor: 2, Chain: ch})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 6)}); err != nil {
		t.Fatal(err)
	}
	blk := foundBlock(2, "c", 101)
	if err := commit(a.Accounts, []share.Credit{blk}); err != nil {
		t.Fatal(err)
	}
	hash := blk.Hash.String()
	a.BlockSubmitted(hash, 101, BlockAccepted, "")
	ch.mu.Lock()
	ch.height, ch.hashes[101] = 101, "a rival"
	ch.mu.Unlock()
	checkNow(t, a)
	if b := waitStatus(t, st, hash, BlockOrphaned); b.Confirmations != 1 {
		t.Errorf("orphaned with its rival %d deep, want 1", b.Confirmations)
	}
	ch.mu.Lock()
	ch.height, ch.hashes[101] = 102, hash
	ch.mu.Unlock()
	checkNow(t, a)
	waitStatus(t, st, hash, BlockAccepted)
	ch.mu.Lock()
	ch.height = 200
	ch.mu.Unlock()
	checkNow(t, a) // mature: its splits are read
	checkNow(t, a)
	waitStatus(t, st, hash, BlockConfirmed)
	bal, _ := st.Balances(context.Background(), 0, 10)
	var paid int64
	for _, b := range bal {
		paid += b.Amount
	}
	if paid != 5_000_000_000 {
		t.Errorf("paid %d, want the whole reward: %+v", paid, bal)
	}

	// Rejected by the submitter (a node timed out), yet on the chain.
	late := foundBlock(3, "a", 150)
	if err := commit(a.Accounts, []share.Credit{late}); err != nil {
		t.Fatal(err)
	}
	a.BlockSubmitted(late.Hash.String(), 150, BlockRejected, "timeout")
	ch.mu.Lock()
	ch.hashes[150] = late.Hash.String()
	ch.mu.Unlock()
	waitStatus(t, st, late.Hash.String(), BlockRejected)
	checkNow(t, a)
	waitStatus(t, st, late.Hash.String(), BlockAccepted)
}

// An orphan stays followed, across a restart, until its rival is Maturity
// deep; then it is final and no longer asked about.
func TestOrphanIsFinalOnceItsRivalIsMature(t *testing.T) {
	st, _ := sqliteStore(t)
	ch := &chainAt{hashes: map[int64]string{101: "a rival"}, height: 150}
	a := start(t, Config{Store: st, Mode: job.SoloMode, Chain: ch})
	blk := foundBlock(2, "c", 101)
	if err := commit(a.Accounts, []share.Credit{blk}); err != nil {
		t.Fatal(err)
	}
	hash := blk.Hash.String()
	a.BlockSubmitted(hash, 101, BlockAccepted, "")
	checkNow(t, a)
	waitStatus(t, st, hash, BlockOrphaned)
	a.stop()

	b := start(t, Config{Store: st, Mode: job.SoloMode, Chain: ch})
	if _, followed := b.blocks[hash]; !followed {
		t.Fatal("a recent orphan is not followed after a restart")
	}
	ch.mu.Lock()
	ch.height = 200
	ch.mu.Unlock()
	checkNow(t, b)
	if got := waitStatus(t, st, hash, BlockOrphaned); got.Confirmations != 100 {
		t.Errorf("final orphan: rival %d deep", got.Confirmations)
	}
	done := make(chan bool, 1)
	b.call(func(*Write) { _, ok := b.blocks[hash]; done <- ok })
	if <-done {
		t.Error("a final orphan is still followed")
	}
	b.stop()
	c := start(t, Config{Store: st, Mode: job.SoloMode, Chain: ch})
	if _, followed := c.blocks[hash]; followed {
		t.Error("a final orphan is followed again after a restart")
	}
}

// flakyReads fails the store's batch reads while it is told to.
type flakyReads struct {
	Store
	fail atomic.Int32
}

func (f *flakyReads) BatchesBefore(ctx context.Context, id int64, limit int) ([]Batch, error) {
	if f.fail.Load() > 0 {
		f.fail.Add(-1)
		return nil, errors.New("read failed")
	}
	return f.Store.BatchesBefore(ctx, id, limit)
}

// A split whose window could not be read is computed again at the next
// check, and the block is paid; none is confirmed before its split is
// written.
func TestFailedSplitIsRetriedBeforeThePayout(t *testing.T) {
	base, _ := sqliteStore(t)
	st := &flakyReads{Store: base}
	ch := &chainAt{hashes: map[int64]string{}}
	a := start(t, Config{Store: st, Mode: job.PoolMode, WindowFactor: 2, Chain: ch})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 6)}); err != nil {
		t.Fatal(err)
	}
	st.fail.Store(1)
	blk := foundBlock(2, "c", 101)
	if err := commit(a.Accounts, []share.Credit{blk}); err != nil {
		t.Fatal(err)
	}
	hash := blk.Hash.String()
	a.BlockSubmitted(hash, 101, BlockAccepted, "")
	ch.mu.Lock()
	ch.height, ch.hashes[101] = 300, hash
	ch.mu.Unlock()
	// The first split failed: however deep, the block waits for it.
	for deadline := time.Now().Add(5 * time.Second); st.fail.Load() > 0; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the split never tried")
		}
	}
	checkNow(t, a) // retries the split; the block waits for it
	for range 3 {
		checkNow(t, a)
	}
	waitStatus(t, base, hash, BlockConfirmed)
	splits, _ := base.Splits(context.Background(), hash)
	entries, _ := base.Ledger(context.Background(), "bcrt1qa", 0, 10)
	if len(splits) != 2 || len(entries) != 1 {
		t.Errorf("splits %+v, ledger of a %+v", splits, entries)
	}
}

// Pruning keeps the shares a PPLNS window of WindowFactor × the network's
// difficulty holds, however old; in solo mode only KeepShares counts.
func TestPruneKeepsThePPLNSWindow(t *testing.T) {
	for _, mode := range []job.PayoutMode{job.PoolMode, job.SoloMode} {
		t.Run(mode.String(), func(t *testing.T) {
			st, _ := sqliteStore(t)
			a := start(t, Config{Store: st, Mode: mode, WindowFactor: 2, KeepShares: time.Millisecond})
			for n := 1; n <= 10; n++ {
				c := credit(n, "a", 1)
				c.NetworkDifficulty = 2 // a window of 4
				if err := commit(a.Accounts, []share.Credit{c}); err != nil {
					t.Fatal(err)
				}
			}
			started := make(chan bool, 1)
			a.call(func(*Write) { started <- a.prune(context.Background(), time.Now().Add(time.Hour)) })
			if !<-started {
				t.Fatal("prune did not start")
			}
			want := 4
			if mode == job.SoloMode {
				want = 0
			}
			var left int
			for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
				if left = len(storedShares(t, st)); left == want {
					break
				}
			}
			if left != want {
				t.Fatalf("%d shares left, want %d", left, want)
			}
			for n := 10 - want + 1; n <= 10; n++ {
				if storedShares(t, st)[credit(n, "a", 1).Hash] != 1 {
					t.Errorf("share %d of the window pruned", n)
				}
			}
		})
	}
}
