package account

import (
	"context"
	"encoding/binary"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratapool/strata/core/share"
)

// BenchmarkCommit commits batches of 256 accepted shares (a SUBMIT frame's
// worth) from 8 submitters, as the link's workers do for several edges.
// sqlite and postgres offer 200,000 shares/s on a fixed schedule, not
// waiting for answers (open loop: a slow commit delays nothing but its own
// verdicts), and report the rate committed and how long each batch waited
// from its Commit to durable (what the accounts add to a verdict). The -max variants send as fast as answers come back (closed
// loop): the most the store takes.
func BenchmarkCommit(b *testing.B) {
	pg := func(b *testing.B) Store {
		st, err := OpenPostgres(context.Background(), postgresURL(b))
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(func() { st.Close() })
		// PostgreSQL writes back what a run left in its buffers for minutes
		// after it: done now, so that it does not land on the runs of the
		// next variants, sqlite's among them.
		b.Cleanup(func() {
			if _, err := st.(*sqlStore).db.Exec(`CHECKPOINT`); err != nil {
				b.Error(err)
			}
		})
		return st
	}
	sqlite := func(b *testing.B) Store { st, _ := sqliteStore(b); return st }
	b.Run("sqlite", func(b *testing.B) { benchCommit(b, sqlite(b), 200_000) })
	b.Run("sqlite-max", func(b *testing.B) { benchCommit(b, sqlite(b), 0) })
	b.Run("postgres", func(b *testing.B) { benchCommit(b, pg(b), 200_000) })
	b.Run("postgres-max", func(b *testing.B) { benchCommit(b, pg(b), 0) })
}

const (
	benchBatch      = 256
	benchSubmitters = 8
	benchWorkers    = 1000
)

// timedStore records how long each Write takes.
type timedStore struct {
	Store
	mu     sync.Mutex
	writes []time.Duration
	syncs  []time.Duration
}

func (t *timedStore) Sync() error {
	s, ok := t.Store.(Syncer)
	if !ok {
		return nil
	}
	t0 := time.Now()
	err := s.Sync()
	t.mu.Lock()
	t.syncs = append(t.syncs, time.Since(t0))
	t.mu.Unlock()
	return err
}

func (t *timedStore) Write(ctx context.Context, w *Write) error {
	t0 := time.Now()
	err := t.Store.Write(ctx, w)
	t.mu.Lock()
	t.writes = append(t.writes, time.Since(t0))
	t.mu.Unlock()
	return err
}

func benchCommit(b *testing.B, st Store, rate float64) {
	ts := &timedStore{Store: st}
	a := start(b, Config{Store: ts})
	// Shares from 1,000 workers, each with a hash of its own: the credits
	// are made once and only their hashes change, so the benchmark
	// measures the accounts rather than the making of credits.
	var next atomic.Uint64
	templates := make([]share.Credit, benchWorkers)
	for i := range templates {
		templates[i] = credit(0, "w"+strconv.Itoa(i), 1024)
	}
	fill := func(cs []share.Credit) {
		for i := range cs {
			n := next.Add(1)
			c := &cs[i]
			*c = templates[n%benchWorkers]
			binary.LittleEndian.PutUint64(c.Hash[:8], n)
		}
	}
	var mu sync.Mutex
	var waits []time.Duration
	var left atomic.Int64
	left.Store(int64(b.N))
	// In open loop each submitter sends a batch every interval; batches
	// are pooled since several may be out at once.
	interval := time.Duration(0)
	if rate > 0 {
		interval = time.Duration(float64(time.Second) * benchBatch * benchSubmitters / rate)
	}
	pool := sync.Pool{New: func() any { return make([]share.Credit, benchBatch) }}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for s := range benchSubmitters {
		wg.Go(func() {
			var mine []time.Duration
			var out sync.WaitGroup
			var mineMu sync.Mutex
			done := make(chan error, 1)
			next := start.Add(time.Duration(s) * interval / benchSubmitters)
			for left.Add(-1) >= 0 {
				cs := pool.Get().([]share.Credit)
				fill(cs)
				if interval == 0 {
					t0 := time.Now()
					a.Commit(cs, func(err error) { done <- err })
					if err := <-done; err != nil {
						b.Error(err)
						return
					}
					mine = append(mine, time.Since(t0))
					pool.Put(cs)
					continue
				}
				if d := time.Until(next); d > 0 {
					time.Sleep(d)
				}
				next = next.Add(interval)
				out.Add(1)
				sent := time.Now()
				a.Commit(cs, func(err error) {
					if err != nil {
						b.Error(err)
					}
					mineMu.Lock()
					mine = append(mine, time.Since(sent))
					mineMu.Unlock()
					pool.Put(cs)
					out.Done()
				})
			}
			out.Wait()
			mu.Lock()
			waits = append(waits, mine...)
			mu.Unlock()
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(waits)
	pct := func(p float64) float64 {
		if len(waits) == 0 {
			return 0
		}
		return float64(waits[min(len(waits)-1, int(p*float64(len(waits))))].Microseconds()) / 1000
	}
	b.ReportMetric(float64(b.N*benchBatch)/elapsed.Seconds(), "shares/s")
	b.ReportMetric(pct(0.50), "p50-ms")
	b.ReportMetric(pct(0.99), "p99-ms")
	ts.mu.Lock()
	p99 := func(ds []time.Duration, unit string) {
		slices.Sort(ds)
		if n := len(ds); n > 0 {
			b.ReportMetric(float64(ds[min(n-1, n*99/100)].Microseconds())/1000, unit)
		}
	}
	p99(ts.writes, "write-p99-ms")
	p99(ts.syncs, "sync-p99-ms")
	if n := len(ts.writes); n > 0 {
		b.ReportMetric(float64(ts.writes[n-1].Microseconds())/1000, "write-max-ms")
	}
	if n := len(ts.syncs); n > 0 {
		b.ReportMetric(float64(ts.syncs[n-1].Microseconds())/1000, "sync-max-ms")
	}
	if n := len(waits); n > 0 {
		b.ReportMetric(float64(waits[n-1].Microseconds())/1000, "max-ms")
	}
	ts.mu.Unlock()
	commits, _, _, _ := a.Counters()
	b.ReportMetric(float64(b.N)/float64(max(commits, 1)), "batches/txn")
}
