package block_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/stratapool/strata/core/block"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testwallet"
	"github.com/stratapool/strata/wire"
)

// BenchmarkBlockHandoff measures, against btcd, the time from a block-level
// share's verdict in a batch to its submitblock request going out: the
// batch checker hands it on at once (OnBlock), the submitter builds the
// block head and streams the job's pre-encoded transactions.
func BenchmarkBlockHandoff(b *testing.B) {
	if testing.Short() {
		b.Skip("needs btcd")
	}
	ctx := context.Background()
	w := testwallet.New(7, &chaincfg.RegressionNetParams)
	n, err := regtest.Start(ctx, regtest.Options{Dir: b.TempDir(), MiningAddr: w.LegacyAddress()})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Kill()
	if _, err := n.Generate(ctx, 2); err != nil {
		b.Fatal(err)
	}
	client, _ := node.NewClient(node.ClientConfig{URL: n.RPCURL, User: n.User, Password: n.Password})
	builder, _ := job.NewBuilder(job.Config{Mode: job.PoolMode, PoolScript: w.SegwitScript(), Extranonce1Size: 4, Extranonce2Size: 8})
	v := share.NewValidator(share.Config{})
	sent := make(chan time.Duration, 1)
	done := make(chan block.Record, 1)
	sub := block.NewSubmitter(block.SubmitterConfig{
		Nodes:    func() []block.Node { return []block.Node{client} },
		Sent:     func(_ string, d time.Duration) { sent <- d },
		Done:     func(r block.Record) { done <- r },
		Rejected: v.ReleaseBlock,
	})
	bc := v.NewBatchChecker(share.BestKernel())
	bc.OnBlock = func(it *share.Item, res *share.Result) {
		sub.Go(&block.Candidate{Job: res.Job, Header: res.Header, Hash: res.Hash,
			Extranonce1: it.Session.Extranonce1, Extranonce2: v.Extranonce2Bytes(&it.Record),
			Worker: it.Session.Worker, FoundAt: time.Now()})
	}
	sess, _ := (&share.Session{ID: 1, Extranonce1: []byte{0, 0, 0, 1}, Authorized: true}).WithDifficulty(0, 1e-12)
	items := make([]share.Item, 256)
	out := make([]share.Result, len(items))
	var lat []time.Duration
	for b.Loop() {
		b.StopTimer()
		tmpl, err := client.GetBlockTemplate(ctx)
		if err != nil {
			b.Fatal(err)
		}
		j, err := builder.Build(tmpl, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		v.AddJob(j)
		j.TxHex() // the work manager prepares it as soon as the job exists
		for i := range items {
			items[i] = share.Item{Session: sess, Record: wire.SubmitRecord{Session: 1, Job: j.ID, NTime: j.NTime, Nonce: uint32(i)}}
		}
		b.StartTimer()
		bc.Check(items, time.Now(), out)
		lat = append(lat, <-sent)
		b.StopTimer()
		if r := <-done; r.Status != block.StatusAccepted {
			b.Fatalf("block %s: %s %s", r.Hash, r.Status, r.Reason)
		}
		b.StartTimer()
	}
	slices.Sort(lat)
	q := func(f float64) float64 {
		return float64(lat[min(len(lat)-1, int(f*float64(len(lat))))].Microseconds()) / 1000
	}
	b.ReportMetric(q(0.5), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
}
