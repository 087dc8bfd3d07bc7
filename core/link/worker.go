package link

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/stratapool/strata/core/block"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// workerQueue is how many batch parts wait for a worker; a full queue
// holds up the edge's reader, and so the edge: backpressure, not loss.
const workerQueue = 64

// worker judges the shares of the sessions it owns.
type worker struct {
	s  *Server
	id int
	bc *share.BatchChecker
	in chan *part
}

func newWorker(s *Server, id int) *worker {
	w := &worker{s: s, id: id, bc: s.cfg.Validator.NewBatchChecker(share.BestKernel()), in: make(chan *part, workerQueue)}
	w.bc.OnBlock = w.block
	return w
}

// batch is one SUBMIT frame on its way through the workers.
type batch struct {
	e       *edge
	recs    wire.SubmitBatch
	verdict wire.VerdictBatch
	parts   []part
	credits []share.Credit
	// creditIdx is where each credit's share sits in the batch.
	creditIdx []int32
	mu        sync.Mutex // guards left
	left      int
	received  time.Time
}

// part is a batch's shares for one worker, with where they sit in it.
type part struct {
	b       *batch
	idx     []int32
	items   []share.Item
	results []share.Result
	credits []share.Credit
	// creditIdx is where each credit's share sits in the batch.
	creditIdx []int32
	rejects   []share.Credit
}

var batches = sync.Pool{New: func() any { return new(batch) }}

// submit splits a SUBMIT among the workers that own its sessions.
func (e *edge) submit(payload []byte) error {
	b := batches.Get().(*batch)
	if err := b.recs.Decode(payload); err != nil {
		batches.Put(b)
		return err
	}
	n := len(b.recs.Records)
	workers := e.s.workers
	b.e, b.received = e, time.Now()
	b.verdict.FirstSeq = e.seq
	e.seq += uint64(n)
	e.submits.Add(uint64(n))
	e.s.stats.Submits.Add(uint64(n))
	b.verdict.Verdicts = resize(b.verdict.Verdicts, n)
	if len(b.parts) != len(workers) {
		b.parts = make([]part, len(workers))
	}
	for i := range b.parts {
		// Every part, even one that gets no shares: a pooled batch must
		// carry nothing of its last use (credits least of all).
		p := &b.parts[i]
		p.b, p.idx, p.items = b, p.idx[:0], p.items[:0]
		p.credits, p.creditIdx, p.rejects = p.credits[:0], p.creditIdx[:0], p.rejects[:0]
	}
	for i := range b.recs.Records {
		r := &b.recs.Records[i]
		sess := e.sessions[r.Session]
		w := 0
		if sess != nil {
			w = int(sess.Shard() % uint32(len(workers)))
		}
		p := &b.parts[w]
		p.idx = append(p.idx, int32(i))
		p.items = append(p.items, share.Item{Session: sess, Record: *r})
	}
	left := 0
	for i := range b.parts {
		if len(b.parts[i].items) > 0 {
			left++
		}
	}
	b.left = left
	for i := range b.parts {
		if len(b.parts[i].items) > 0 {
			workers[i].in <- &b.parts[i]
		}
	}
	return nil
}

func resize[T any](s []T, n int) []T {
	if cap(s) < n {
		return make([]T, n)
	}
	return s[:n]
}

func (w *worker) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case p := <-w.in:
			w.judge(p)
		}
	}
}

// judge checks a part; the worker that finishes a batch's last part sends
// its credits to the accounts.
func (w *worker) judge(p *part) {
	b := p.b
	now := time.Now()
	p.results = resize(p.results, len(p.items))
	w.bc.Check(p.items, now, p.results)
	w.bc.Flush()
	p.credits, p.creditIdx, p.rejects = p.credits[:0], p.creditIdx[:0], p.rejects[:0]
	for j := range p.results {
		res := &p.results[j]
		b.verdict.Verdicts[p.idx[j]] = res.Verdict
		w.s.stats.Verdicts[res.Verdict].Add(1)
		sess := p.items[j].Session
		if !res.Verdict.Accepted() {
			if sess != nil && w.s.cfg.Rejected != nil {
				c := share.Credit{Edge: b.e.id, Session: sess.ID, Address: sess.Address, Worker: sess.Worker,
					Time: now, Verdict: res.Verdict}
				if n := len(sess.Steps); n > 0 {
					c.Difficulty = sess.Steps[n-1].Difficulty
				}
				p.rejects = append(p.rejects, c)
			}
			continue
		}
		c := share.Credit{
			Edge: b.e.id, Session: sess.ID, Shard: sess.Shard(), Address: sess.Address, Worker: sess.Worker,
			Difficulty: res.Credit, HashDifficulty: res.HashDifficulty,
			Job: res.Job.ID, Height: res.Job.Height, Block: res.Verdict == wire.VerdictBlock, Time: now, Hash: res.Hash,
			Verdict: res.Verdict, NetworkDifficulty: res.Job.NetworkDifficulty,
		}
		if c.Block {
			c.Reward, c.Fee = res.Job.CoinbaseValue, res.Job.PoolFee
		}
		p.credits = append(p.credits, c)
		p.creditIdx = append(p.creditIdx, p.idx[j])
	}
	if len(p.rejects) > 0 {
		w.s.cfg.Rejected(p.rejects)
	}
	b.mu.Lock()
	b.left--
	last := b.left == 0
	b.mu.Unlock()
	if last {
		w.s.commit(b)
	}
}

// commit makes a batch's credits durable, then sends its verdicts.
func (s *Server) commit(b *batch) {
	b.credits, b.creditIdx = b.credits[:0], b.creditIdx[:0]
	for i := range b.parts {
		b.credits = append(b.credits, b.parts[i].credits...)
		b.creditIdx = append(b.creditIdx, b.parts[i].creditIdx...)
	}
	if len(b.credits) == 0 || s.cfg.Accounts == nil {
		s.answer(b, nil)
		return
	}
	s.cfg.Accounts.Commit(b.credits, func(err error) { s.answer(b, err) })
}

// answer sends a batch's verdicts. Credits the accounts could not keep are
// not acknowledged: their shares are answered as unavailable, and unless
// the accounts cannot tell whether they kept them, forgotten as seen, so
// that the edge's replay of one (when this answer is lost with the link)
// is credited rather than called a duplicate.
func (s *Server) answer(b *batch, err error) {
	if err != nil {
		s.stats.CommitFailures.Add(1)
		s.log.Error("credits not committed: shares answered unavailable", "edge", b.e.name, "shares", len(b.credits), "err", err)
		if !errors.Is(err, share.ErrInDoubt) {
			s.cfg.Validator.Forget(b.credits)
		}
		for i, v := range b.verdict.Verdicts {
			if v.Accepted() {
				b.verdict.Verdicts[i] = wire.VerdictUnavailable
			}
		}
	} else {
		// Shares the accounts already held (replays after a restart).
		for i := range b.credits {
			if b.credits[i].Verdict == wire.VerdictDuplicate {
				b.verdict.Verdicts[b.creditIdx[i]] = wire.VerdictDuplicate
			}
		}
		s.stats.Credits.Add(uint64(len(b.credits)))
		if s.cfg.Stats != nil && len(b.credits) > 0 {
			s.cfg.Stats(b.credits)
		}
	}
	b.e.send(&b.verdict)
	b.e = nil
	batches.Put(b)
}

// block hands a block-level share to block submission at once, in the
// middle of its batch.
func (w *worker) block(it *share.Item, res *share.Result) {
	sub := w.s.cfg.Submitter
	if sub == nil {
		return
	}
	sub.Go(&block.Candidate{
		Job: res.Job, Header: res.Header, Hash: res.Hash,
		Extranonce1: it.Session.Extranonce1, Extranonce2: w.s.cfg.Validator.Extranonce2Bytes(&it.Record),
		Payout: it.Session.PayoutScript, Worker: it.Session.Worker, FoundAt: time.Now(),
	})
}
