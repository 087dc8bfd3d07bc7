package account

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// running is Accounts with Run under way.
type running struct {
	*Accounts
	stop func()
}

func start(t testing.TB, cfg Config) *running {
	t.Helper()
	a, err := Open(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	var once sync.Once
	r := &running{a, func() { once.Do(func() { cancel(); <-done }) }}
	t.Cleanup(r.stop)
	return r
}

func sqliteStore(t testing.TB) (Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "accounts.db")
	st, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st, path
}

func credit(n int, worker string, d float64) share.Credit {
	var h chain.Hash
	h[0], h[1], h[2], h[3] = byte(n), byte(n>>8), byte(n>>16), byte(n>>24)
	return share.Credit{Edge: 1, Session: 5, Address: "bcrt1q" + worker, Worker: "bcrt1q" + worker + ".rig",
		Difficulty: d, HashDifficulty: d * 2, Job: 9, Height: 100, Time: time.Now(), Hash: h, Verdict: wire.VerdictAccepted}
}

// commit sends credits and waits for the answer.
func commit(a *Accounts, credits []share.Credit) error {
	done := make(chan error, 1)
	a.Commit(credits, func(err error) { done <- err })
	return <-done
}

func storedShares(t testing.TB, st Store) map[chain.Hash]int {
	t.Helper()
	out := map[chain.Hash]int{}
	err := st.BatchesSince(context.Background(), time.Time{}, func(b *Batch) error {
		return DecodeShares(b.Data, b.Time, func(s *Share) bool { out[s.Hash]++; return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCommitsAreGroupedAndDurable(t *testing.T) {
	st, _ := sqliteStore(t)
	a := start(t, Config{Store: st})
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for r := range 200 {
		wg.Go(func() {
			var cs []share.Credit
			for i := range 10 {
				cs = append(cs, credit(r*10+i, fmt.Sprint("w", r%7), 4))
			}
			errs <- commit(a.Accounts, cs)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	commits, credited, failures, _ := a.Counters()
	if credited != 2000 || failures != 0 {
		t.Fatalf("credited %d, failures %d", credited, failures)
	}
	if commits >= 200 {
		t.Errorf("%d transactions for 200 commits: not grouped", commits)
	}
	t.Logf("200 commits in %d transactions", commits)
	got := storedShares(t, st)
	if len(got) != 2000 {
		t.Fatalf("%d shares stored", len(got))
	}
	ws, _ := st.Workers(context.Background())
	if len(ws) != 7 {
		t.Errorf("%d workers", len(ws))
	}
	if p := a.Pool(time.Now()); p.Accepted != 2000 || p.Workers != 7 || p.Hashrate5m <= 0 {
		t.Errorf("pool view %+v", p)
	}
	page, n := a.Workers(time.Now(), 0, 3)
	if n != 7 || len(page) != 3 || page[0].Hashrate5m < page[2].Hashrate5m {
		t.Errorf("workers page %+v of %d", page, n)
	}
}

// After a restart, an edge replays what it never heard back about: the
// shares the last core committed are answered duplicate (which the edge
// takes as accepted) and kept once; new ones are credited.
func TestReplayAfterRestartIsNotCreditedTwice(t *testing.T) {
	st, path := sqliteStore(t)
	cfg := Config{ReplayWindow: 300 * time.Millisecond}
	cfg.Store = st
	a := start(t, cfg)
	first := []share.Credit{credit(1, "a", 1), credit(2, "a", 1), credit(3, "b", 1)}
	if err := commit(a.Accounts, first); err != nil {
		t.Fatal(err)
	}
	a.stop()
	st.Close()
	// The core is away longer than the window: what counts is the time
	// before its last share, not before its start.
	time.Sleep(500 * time.Millisecond)

	st2, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	cfg.Store = st2
	b := start(t, cfg)
	replay := []share.Credit{credit(2, "a", 1), credit(3, "b", 1), credit(4, "b", 1)}
	if err := commit(b.Accounts, replay); err != nil {
		t.Fatal(err)
	}
	if replay[0].Verdict != wire.VerdictDuplicate || replay[1].Verdict != wire.VerdictDuplicate || replay[2].Verdict != wire.VerdictAccepted {
		t.Errorf("verdicts %v %v %v", replay[0].Verdict, replay[1].Verdict, replay[2].Verdict)
	}
	for h, n := range storedShares(t, st2) {
		if n != 1 {
			t.Errorf("share %x stored %d times", h[:4], n)
		}
	}
	if n := len(storedShares(t, st2)); n != 4 {
		t.Errorf("%d shares stored, want 4", n)
	}
	// The guard lasts ReplayKeep, not the window: an edge may link late.
	if len(b.replay) == 0 || !b.replayEnd.After(time.Now().Add(DefaultReplayKeep-time.Minute)) {
		t.Errorf("replay guard of %d shares until %s", len(b.replay), b.replayEnd)
	}
}

// The store goes away: commits fail (their shares are not acknowledged),
// the accounts say why, and they come back with the store.
func TestStoreDownStopsCreditingLoudly(t *testing.T) {
	st := openPostgres(t, postgresURL(t))
	a := start(t, Config{Store: st})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 1)}); err != nil {
		t.Fatal(err)
	}
	restart := stopPostgres(t)
	if err := commit(a.Accounts, []share.Credit{credit(2, "a", 1)}); err == nil {
		t.Fatal("a commit succeeded with the store down")
	}
	if ok, why := a.Healthy(); ok || why == "" {
		t.Fatalf("healthy %v %q with the store down", ok, why)
	}
	restart()
	if err := commitUntil(a.Accounts, []share.Credit{credit(3, "a", 1)}, 5*time.Second); err != nil {
		t.Fatalf("not back with the store: %v", err)
	}
	if ok, _ := a.Healthy(); !ok {
		t.Error("still unhealthy")
	}
	got := storedShares(t, st)
	if len(got) != 2 || got[credit(2, "a", 1).Hash] != 0 {
		t.Errorf("stored %v: want shares 1 and 3, not the refused 2", got)
	}
}

// chainAt is a main chain the test moves by hand.
type chainAt struct {
	mu     sync.Mutex
	height int64
	hashes map[int64]string
}

func (c *chainAt) Height(context.Context) (int64, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.height, nil
}

func (c *chainAt) BlockHash(_ context.Context, h int64) (string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.hashes[h], nil
}

// A found block in pool mode: split over the window when found, paid into
// balances once 100 deep; another block orphaned instead pays nothing.
func TestFoundBlockSplitMaturesIntoBalances(t *testing.T) {
	st, _ := sqliteStore(t)
	ch := &chainAt{hashes: map[int64]string{}}
	a := start(t, Config{Store: st, Mode: job.PoolMode, FeePPM: 10_000, WindowFactor: 2, Chain: ch})
	// Shares of 3 addresses, then a block by c at network difficulty 5:
	// window 10 = c 4 (the block's share) + b 3 + a 3.
	older := []share.Credit{credit(1, "a", 3), credit(2, "a", 3), credit(3, "b", 3)}
	if err := commit(a.Accounts, older); err != nil {
		t.Fatal(err)
	}
	blk := credit(4, "c", 4)
	blk.Block, blk.Reward, blk.NetworkDifficulty, blk.Verdict = true, 5_000_000_000, 5, wire.VerdictBlock
	blk.Height = 101
	if err := commit(a.Accounts, []share.Credit{blk}); err != nil {
		t.Fatal(err)
	}
	hash := blk.Hash.String()
	var splits []Split
	for range 100 {
		if splits, _ = st.Splits(context.Background(), hash); len(splits) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	// 50 BTC less 1% = 4,950,000,000 over c 4, b 3, a 3 of 10.
	want := map[string]int64{"bcrt1qc": 1_980_000_000, "bcrt1qb": 1_485_000_000, "bcrt1qa": 1_485_000_000}
	if len(splits) != 3 {
		t.Fatalf("splits %+v", splits)
	}
	for _, sp := range splits {
		if sp.Amount != want[sp.Address] {
			t.Errorf("%s: %d, want %d", sp.Address, sp.Amount, want[sp.Address])
		}
	}
	a.BlockSubmitted(hash, 101, BlockAccepted, "")
	// Not yet deep enough: nothing paid.
	ch.mu.Lock()
	ch.height, ch.hashes[101] = 150, hash
	ch.mu.Unlock()
	a.call(func(*Write) { a.checkMaturity(context.Background(), time.Now()) })
	waitFor(t, func() bool {
		b, _ := st.BlocksWithStatus(context.Background(), BlockAccepted)
		return len(b) == 1 && b[0].Confirmations == 50
	})
	if b, _ := st.Balances(context.Background(), 0, 10); len(b) != 3 || b[0].Amount != 0 || b[0].Immature != 1_980_000_000 {
		t.Errorf("balances while maturing %+v", b)
	}
	ch.mu.Lock()
	ch.height = 200
	ch.mu.Unlock()
	a.call(func(*Write) { a.checkMaturity(context.Background(), time.Now()) })
	waitFor(t, func() bool {
		b, _ := st.BlocksWithStatus(context.Background(), BlockConfirmed)
		return len(b) == 1
	})
	bal, _ := st.Balances(context.Background(), 0, 10)
	var total int64
	for _, b := range bal {
		total += b.Amount
		if b.Amount != want[b.Address] || b.Immature != 0 {
			t.Errorf("balance %+v", b)
		}
	}
	if total != 4_950_000_000 {
		t.Errorf("paid %d in all", total)
	}

	// A second block the chain does not keep.
	orphan := credit(5, "a", 4)
	orphan.Block, orphan.Reward, orphan.NetworkDifficulty, orphan.Height = true, 5_000_000_000, 5, 201
	if err := commit(a.Accounts, []share.Credit{orphan}); err != nil {
		t.Fatal(err)
	}
	a.BlockSubmitted(orphan.Hash.String(), 201, BlockAccepted, "")
	ch.mu.Lock()
	ch.height, ch.hashes[201] = 210, "someone else's"
	ch.mu.Unlock()
	a.call(func(*Write) { a.checkMaturity(context.Background(), time.Now()) })
	waitFor(t, func() bool {
		b, _ := st.BlocksWithStatus(context.Background(), BlockOrphaned)
		return len(b) == 1
	})
	bal2, _ := st.Balances(context.Background(), 0, 10)
	for _, b := range bal2 {
		if b.Amount != want[b.Address] || b.Immature != 0 {
			t.Errorf("an orphan changed a balance: %+v", b)
		}
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for range 200 {
		if cond() {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatal("condition not met in 2s")
}

func TestRejectionsCountInTheStatistics(t *testing.T) {
	st, _ := sqliteStore(t)
	a := start(t, Config{Store: st})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 2)}); err != nil {
		t.Fatal(err)
	}
	rej := credit(2, "a", 2)
	rej.Verdict = wire.VerdictLowDifficulty
	a.Rejected([]share.Credit{rej, rej})
	v, minutes, ok := a.Worker(time.Now(), "bcrt1qa.rig")
	if !ok || v.Rejected != 2 || v.RejectReason["low_difficulty"] != 2 || len(minutes) != 1 || minutes[0].Rejected != 4 {
		t.Fatalf("worker %+v minutes %+v", v, minutes)
	}
	if p := a.Pool(time.Now()); p.RejectsByReason["low_difficulty"] != 2 {
		t.Errorf("pool rejects %+v", p.RejectsByReason)
	}
	// A minute's rows are written once it is over, or at stop.
	time.Sleep(1100 * time.Millisecond) // the rejections reach the minute's tally
	a.stop()
	ms, err := st.Minutes(context.Background(), 1, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	// Two rows when a minute ended in between.
	var rejected, accepted int64
	for _, m := range ms {
		rejected += m.RejectedCount
		accepted += m.AcceptedCount
	}
	if len(ms) == 0 || len(ms) > 2 || rejected != 2 || accepted != 1 {
		t.Errorf("stored minutes %+v", ms)
	}
}

// A crash between two flushes of the statistics loses none of them: a
// start rebuilds them from the shares committed after the last flush.
func TestStatisticsRebuiltAfterACrash(t *testing.T) {
	st, _ := sqliteStore(t)
	a, err := Open(context.Background(), Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	// Committed, never flushed: the process dies here.
	done := make(chan error, 1)
	a.commit(context.Background(), []*request{{credits: []share.Credit{credit(1, "a", 2), credit(2, "a", 3)},
		done: func(err error) { done <- err }}})
	// No Run: answer what waits for the sync by hand.
	close(a.syncNow)
	a.syncLoop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if ms, _ := st.Minutes(context.Background(), 0, time.Time{}); len(ms) != 0 {
		t.Fatalf("statistics flushed already: %+v", ms)
	}
	b := start(t, Config{Store: st})
	b.stop() // flushes
	ms, _ := st.Minutes(context.Background(), 0, time.Time{})
	if len(ms) != 1 || ms[0].Accepted != 5 || ms[0].AcceptedCount != 2 {
		t.Errorf("pool minutes after the crash: %+v", ms)
	}
	bests, _ := st.Bests(context.Background())
	if len(bests) != 3 || bests[0].Key != "pool" || bests[0].Difficulty != 6 || bests[1].Key != "session/1" || bests[1].Difficulty != 6 {
		t.Errorf("bests after the crash: %+v", bests)
	}
	// And a second start does not count them again.
	c := start(t, Config{Store: st})
	c.stop()
	if ms, _ := st.Minutes(context.Background(), 0, time.Time{}); len(ms) != 1 || ms[0].AcceptedCount != 2 {
		t.Errorf("counted twice: %+v", ms)
	}
}

// Statistics go out in chunks, minute by minute, and a minute counts as
// written only with its last row.
func TestStatisticsFlushInChunks(t *testing.T) {
	st, _ := sqliteStore(t)
	a, err := Open(context.Background(), Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	m0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	for w := range 1200 {
		for i, m := range []time.Time{m0, m0.Add(time.Minute)} {
			a.minutes[minuteKey{uint32(w + 1), m.Unix()}] = &Minute{Worker: uint32(w + 1), Minute: m, Accepted: float64(i + 1), AcceptedCount: 1}
		}
	}
	now := m0.Add(2*time.Minute + time.Second)
	var metas []int64
	left := map[int64]int{ms(m0): 1200, ms(m0.Add(time.Minute)): 1200}
	for range 10 {
		a.flushStats(now, false)
		if n := len(a.pending.Minutes); n > statsChunk {
			t.Fatalf("%d rows in one transaction", n)
		}
		for _, m := range a.pending.Minutes {
			left[ms(m.Minute)]--
		}
		for _, m := range a.pending.Meta {
			if m.Key != metaStatsMinute {
				continue
			}
			// Recorded as written: no row of that minute or before is left.
			for minute, n := range left {
				if minute <= m.Value && n > 0 {
					t.Fatalf("minute %d recorded with %d rows of %d still to go", m.Value, n, minute)
				}
			}
			metas = append(metas, m.Value)
		}
		a.pending.reset()
	}
	if len(a.flushing) != 0 || len(a.minutes) != 0 {
		t.Fatalf("%d rows still to flush", len(a.flushing)+len(a.minutes))
	}
	if len(metas) == 0 || metas[len(metas)-1] != ms(m0.Add(time.Minute)) {
		t.Errorf("minutes recorded as written: %v", metas)
	}
}

// gatedSyncs holds each Sync until the test releases it by number.
type gatedSyncs struct {
	Store
	mu      sync.Mutex
	n       int
	entered chan int
	release [4]chan struct{}
}

func (g *gatedSyncs) Sync() error {
	g.mu.Lock()
	n := g.n
	g.n++
	g.mu.Unlock()
	g.entered <- n
	<-g.release[n]
	return g.Store.(Syncer).Sync()
}

// A transaction written while a sync is under way gets a sync of its own
// at once rather than after the first ends, and no share is answered
// before a sync that began after it was written has ended: the first
// sync's end answers the first transaction only; the second's, which
// began after both were written, answers both, whichever ends first.
func TestSyncsOverlapAndAnswerOnlyWhenDurable(t *testing.T) {
	for _, secondEndsFirst := range []bool{false, true} {
		t.Run(fmt.Sprint("second-ends-first=", secondEndsFirst), func(t *testing.T) {
			testSyncsOverlap(t, secondEndsFirst)
		})
	}
}

func testSyncsOverlap(t *testing.T, secondEndsFirst bool) {
	st, _ := sqliteStore(t)
	g := &gatedSyncs{Store: st, entered: make(chan int, 4)}
	for i := range g.release {
		g.release[i] = make(chan struct{})
	}
	a := start(t, Config{Store: g})
	defer func() {
		for i := range g.release {
			select {
			case <-g.release[i]:
			default:
				close(g.release[i])
			}
		}
	}()
	wait := func(what string) int {
		select {
		case n := <-g.entered:
			return n
		case <-time.After(10 * time.Second):
			t.Fatalf("no sync for %s", what)
			return -1
		}
	}
	answered := func(ch chan error, what string) {
		t.Helper()
		select {
		case err := <-ch:
			if err != nil {
				t.Fatal(err)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("%s not answered", what)
		}
	}
	notYet := func(ch chan error, why string) {
		t.Helper()
		select {
		case <-ch:
			t.Fatal(why)
		case <-time.After(50 * time.Millisecond):
		}
	}
	first, second := make(chan error, 1), make(chan error, 1)
	a.Commit([]share.Credit{credit(1, "w1", 1)}, func(err error) { first <- err })
	n1 := wait("the first transaction")
	a.Commit([]share.Credit{credit(2, "w2", 1)}, func(err error) { second <- err })
	n2 := wait("the second, while the first's is under way")
	notYet(first, "the first was answered before a sync ended")
	notYet(second, "the second was answered before a sync ended")
	if secondEndsFirst {
		close(g.release[n2])
		answered(second, "the second, its sync ended")
		answered(first, "the first, a sync begun after it ended")
		return
	}
	close(g.release[n1])
	answered(first, "the first, its sync ended")
	notYet(second, "the second was answered by a sync that began before it was written")
	close(g.release[n2])
	answered(second, "the second, its sync ended")
}

// TestMakingATransactionAllocatesNothing: once warm, the committer's own
// part of a commit (the batch's data, the workers' minutes, their merge)
// reuses what the last transaction used. Its garbage was what set
// BenchmarkCommit/sqlite's p99: a collection every 180 ms, whose marking
// delayed the verdicts under way.
func TestMakingATransactionAllocatesNothing(t *testing.T) {
	st, _ := sqliteStore(t)
	a, err := Open(context.Background(), Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	credits := make([]share.Credit, 256)
	for i := range credits {
		credits[i] = credit(i, fmt.Sprint("w", i%50), 1024)
	}
	now := time.Now().Truncate(time.Minute).Add(time.Second)
	var made int
	makeOne := func() {
		tx := a.newTxn(now)
		tx.add(credits[:128], false)
		tx.add(credits[128:], false)
		a.merge(&tx)
		made += tx.credited
		a.spare.keep(&tx)
	}
	makeOne() // meets the workers and their bests
	if n := testing.AllocsPerRun(100, makeOne); n != 0 {
		t.Errorf("making a transaction: %v allocations, want 0", n)
	}
	if made != 102*256 {
		t.Errorf("%d credits made, want %d", made, 102*256)
	}
	if got := a.minutes[minuteKey{0, now.Truncate(time.Minute).Unix()}].AcceptedCount; got != 102*256 {
		t.Errorf("pool minute counts %d shares, want %d", got, 102*256)
	}
}

// A worker's best share of its current session is stored, replaced when
// its shares come from another session (even by a lower one), and back
// after a restart, as its best ever is.
func TestSessionBestIsKeptAcrossARestart(t *testing.T) {
	st, _ := sqliteStore(t)
	a := start(t, Config{Store: st})
	inSession := func(n int, d float64, edge uint16, session wire.SessionID) share.Credit {
		c := credit(n, "a", d)
		c.Edge, c.Session = edge, session
		return c
	}
	if err := commit(a.Accounts, []share.Credit{inSession(1, 2, 1, 5), inSession(2, 3, 1, 5)}); err != nil {
		t.Fatal(err)
	}
	// The same session number on another edge is another session.
	if err := commit(a.Accounts, []share.Credit{inSession(3, 1, 2, 5)}); err != nil {
		t.Fatal(err)
	}
	bests := func(a *Accounts) (session, ever float64) {
		t.Helper()
		v, _, ok := a.Worker(time.Now(), "bcrt1qa.rig")
		if !ok {
			t.Fatal("worker unknown")
		}
		return v.BestSession, v.BestEver
	}
	if s, e := bests(a.Accounts); s != 2 || e != 6 {
		t.Fatalf("best of the session %v, ever %v: want 2 and 6", s, e)
	}
	a.stop()

	b := start(t, Config{Store: st})
	if s, e := bests(b.Accounts); s != 2 || e != 6 {
		t.Fatalf("after the restart: best of the session %v, ever %v: want 2 and 6", s, e)
	}
	// The session goes on: a lower share leaves its best, a higher one
	// raises it.
	if err := commit(b.Accounts, []share.Credit{inSession(4, 0.5, 2, 5)}); err != nil {
		t.Fatal(err)
	}
	if s, _ := bests(b.Accounts); s != 2 {
		t.Fatalf("a lower share of the same session moved its best to %v", s)
	}
	if err := commit(b.Accounts, []share.Credit{inSession(5, 2, 2, 5)}); err != nil {
		t.Fatal(err)
	}
	if s, e := bests(b.Accounts); s != 4 || e != 6 {
		t.Fatalf("best of the session %v, ever %v: want 4 and 6", s, e)
	}
	b.stop()
	stored, err := st.Bests(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, x := range stored {
		if x.Key == "session/1" && (x.Difficulty != 4 || x.Edge != 2 || x.Session != 5) {
			t.Errorf("stored session best %+v", x)
		}
	}
}

// A block found while the store is down: its share is not acknowledged,
// but the block is on its way to the nodes, so the accounts hold the
// share and commit it once the store is back, with no other share coming
// to try it: the block is recorded with what the nodes said meanwhile and
// split over its window.
func TestFoundBlockHeldThroughAStoreFailure(t *testing.T) {
	st := openPostgres(t, postgresURL(t))
	a := start(t, Config{Store: st, Mode: job.PoolMode, FeePPM: 10_000, WindowFactor: 2})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 3), credit(2, "a", 3), credit(3, "b", 3)}); err != nil {
		t.Fatal(err)
	}
	restart := stopPostgres(t)
	blk := credit(4, "c", 4)
	blk.Block, blk.Reward, blk.NetworkDifficulty, blk.Verdict, blk.Height = true, 5_000_000_000, 5, wire.VerdictBlock, 101
	if err := commit(a.Accounts, []share.Credit{blk}); err == nil {
		t.Fatal("a commit succeeded with the store down")
	}
	hash := blk.Hash.String()
	a.BlockSubmitted(hash, 101, BlockAccepted, "")
	if ok, _ := a.Healthy(); ok {
		t.Fatal("healthy with the store down")
	}
	restart()
	ctx := context.Background()
	var blocks []Block
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if blocks, _ = st.Blocks(ctx, 0, 10); len(blocks) > 0 {
			break
		}
	}
	if len(blocks) != 1 || blocks[0].Hash != hash || blocks[0].Status != BlockAccepted || blocks[0].Worker != blk.Worker ||
		blocks[0].Reward != blk.Reward || blocks[0].Batch == 0 {
		t.Fatalf("blocks once the store is back: %+v", blocks)
	}
	if ok, why := a.Healthy(); !ok {
		t.Errorf("not healthy once the block is written: %s", why)
	}
	var splits []Split
	for range 200 {
		if splits, _ = st.Splits(ctx, hash); len(splits) > 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	want := map[string]int64{"bcrt1qc": 1_980_000_000, "bcrt1qb": 1_485_000_000, "bcrt1qa": 1_485_000_000}
	if len(splits) != 3 {
		t.Fatalf("splits %+v", splits)
	}
	for _, sp := range splits {
		if sp.Amount != want[sp.Address] {
			t.Errorf("%s: %d, want %d", sp.Address, sp.Amount, want[sp.Address])
		}
	}
}

// With nothing to commit, a failing store is still tried every second,
// so the gate opens again without shares to open it.
func TestFailingStoreIsProbedBackWithoutShares(t *testing.T) {
	st := openPostgres(t, postgresURL(t))
	a := start(t, Config{Store: st})
	restart := stopPostgres(t)
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 1)}); err == nil {
		t.Fatal("a commit succeeded with the store down")
	}
	restart()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if ok, _ := a.Healthy(); ok {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still unhealthy 10 s after the store came back, with nothing to commit")
		}
	}
}

// A stop writes the minute under way; shares of the same minute after the
// next start, then a crash: the start after rebuilds them from the
// batches after the last one the written rows count, so none is lost or
// counted twice, and the live ring shows them before they are written.
func TestStatisticsOfAMinuteSpanningARestartAndACrash(t *testing.T) {
	st, _ := sqliteStore(t)
	a := start(t, Config{Store: st})
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 2)}); err != nil {
		t.Fatal(err)
	}
	a.stop()

	b, err := Open(context.Background(), Config{Store: st})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	b.commit(context.Background(), []*request{{credits: []share.Credit{credit(2, "a", 3)}, done: func(err error) { done <- err }}})
	close(b.syncNow) // no Run: answer what waits for the sync by hand, then crash
	b.syncLoop()
	if err := <-done; err != nil {
		t.Fatal(err)
	}

	c := start(t, Config{Store: st})
	_, minutes, ok := c.Worker(time.Now(), "bcrt1qa.rig")
	var live float64
	for _, m := range minutes {
		live += m.Accepted
	}
	if !ok || live != 5 {
		t.Errorf("live minutes after the crash: %+v, want 5 accepted", minutes)
	}
	c.stop()
	pool, _ := st.Minutes(context.Background(), 0, time.Time{})
	var accepted float64
	var count int64
	for _, m := range pool {
		accepted += m.Accepted
		count += m.AcceptedCount
	}
	if accepted != 5 || count != 2 {
		t.Errorf("pool minutes %+v: want 5 accepted in 2 shares", pool)
	}
}
