package share

import (
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stratapool/strata/core/share/sha256x"
)

const benchBatch = 256

func reportShares(b *testing.B, shares int) {
	b.ReportMetric(float64(shares)/b.Elapsed().Seconds(), "shares/s")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(shares), "ns/share")
}

// BenchmarkValidate runs the fixture: a 250-byte coinbase, a 12-step
// merkle branch, 6-parameter submits from 1,000 sessions. Every iteration
// checks fresh shares (new nonces), so accepted shares really are added to
// the duplicate set.
func BenchmarkValidate(b *testing.B) {
	b.Run("single", func(b *testing.B) {
		f := newBenchFixture(b, benchBatch)
		c := f.v.NewChecker()
		now := time.Unix(int64(f.j.NTime), 0)
		var res Result
		b.ReportAllocs()
		i := 0
		for b.Loop() {
			it := &f.items[i%benchBatch]
			it.Record.Nonce++
			c.Check(it.Session, &it.Record, now, &res)
			i++
		}
		reportShares(b, b.N)
	})
	b.Run("batch", func(b *testing.B) { benchBatchKernel(b, BestKernel()) })
	b.Run("parallel", func(b *testing.B) {
		f := newBenchFixture(b, benchBatch)
		now := time.Unix(int64(f.j.NTime), 0)
		var total, seq atomic.Int64
		kernel := BestKernel()
		b.ReportAllocs()
		workers := int64(runtime.GOMAXPROCS(0))
		b.RunParallel(func(pb *testing.PB) {
			// Each core has its own checker and owns its sessions (by
			// shard), as the core's validation workers do.
			worker := seq.Add(1) - 1
			var items []Item
			for len(items) < benchBatch {
				for _, it := range f.items {
					if int64(it.Session.Shard())%workers == worker%workers {
						it.Record.Nonce += uint32(worker) << 28
						items = append(items, it)
					}
				}
			}
			items = items[:benchBatch]
			bc := f.v.NewBatchChecker(kernel)
			out := make([]Result, len(items))
			n := 0
			for pb.Next() {
				for i := range items {
					items[i].Record.Nonce++
				}
				bc.Check(items, now, out)
				n += len(items)
			}
			total.Add(int64(n))
		})
		reportShares(b, int(total.Load()))
	})
}

// BenchmarkValidateKernel runs the batch path on each kernel the CPU has.
func BenchmarkValidateKernel(b *testing.B) {
	for _, k := range sha256x.Kernels() {
		b.Run(k.String(), func(b *testing.B) { benchBatchKernel(b, k) })
	}
}

func benchBatchKernel(b *testing.B, k sha256x.Kernel) {
	f := newBenchFixture(b, benchBatch)
	bc := f.v.NewBatchChecker(k)
	now := time.Unix(int64(f.j.NTime), 0)
	out := make([]Result, benchBatch)
	b.ReportAllocs()
	for b.Loop() {
		for i := range f.items {
			f.items[i].Record.Nonce++
		}
		bc.Check(f.items, now, out)
	}
	reportShares(b, b.N*benchBatch)
}
