package block

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/node"
)

// Node is what the submitter needs of a node.
type Node interface {
	Name() string
	SubmitBlock(ctx context.Context, head, txHex []byte) (string, error)
	GetBlockHeader(ctx context.Context, hash chain.Hash) (*node.BlockHeader, error)
}

// SubmitterConfig configures a Submitter.
type SubmitterConfig struct {
	// Nodes returns the nodes to submit to: every one the core has.
	Nodes func() []Node
	// Journal records every found block; nil records nothing.
	Journal *Journal
	Log     *slog.Logger
	// Attempts per node for transient failures (default 3).
	Attempts int
	// RetryDelay is the first pause between attempts; it doubles (default 250ms).
	RetryDelay time.Duration
	// ConfirmWait bounds the wait for a node to show the block on its best
	// chain (default 5s).
	ConfirmWait time.Duration
	// Rejected is called when no node took the block, so the validator can
	// let the next solution on the same tip through.
	Rejected func(prev chain.Hash)
	// Sent, if set, is called as each node's request is about to go out,
	// with the time since the share's verdict.
	Sent func(node string, sinceVerdict time.Duration)
	// Done, if set, receives every submission's final record.
	Done func(Record)
}

// Submitter submits found blocks.
type Submitter struct {
	cfg SubmitterConfig
	log *slog.Logger
}

// NewSubmitter fills defaults.
func NewSubmitter(cfg SubmitterConfig) *Submitter {
	if cfg.Attempts <= 0 {
		cfg.Attempts = 3
	}
	if cfg.RetryDelay <= 0 {
		cfg.RetryDelay = 250 * time.Millisecond
	}
	if cfg.ConfirmWait <= 0 {
		cfg.ConfirmWait = 5 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	return &Submitter{cfg: cfg, log: cfg.Log}
}

// Go submits c on a goroutine of its own and returns at once: the caller,
// a validator in the middle of a batch, goes on while the block is out.
func (s *Submitter) Go(c *Candidate) {
	go func() {
		r := s.Submit(context.Background(), c)
		if s.cfg.Done != nil {
			s.cfg.Done(r)
		}
	}()
}

// Submit sends the block to every node at once, confirms it and returns
// its final record.
func (s *Submitter) Submit(ctx context.Context, c *Candidate) Record {
	rec := Record{
		Time:     c.FoundAt,
		Height:   c.Job.Height,
		Hash:     c.Hash.String(),
		PrevHash: c.Job.PrevHash.String(),
		Worker:   c.Worker,
		Reward:   c.Job.CoinbaseValue,
		Status:   StatusSubmitting,
	}
	head := c.Head()
	txHex := c.Job.TxHex()
	nodes := s.cfg.Nodes()
	answers := make([]Answer, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() { answers[i] = s.submitTo(ctx, n, c, head, txHex) })
	}
	// Journal the find while the requests are out: it must not delay them.
	s.journal(rec)
	wg.Wait()
	rec.Answers = answers

	var took []Node
	for i, a := range answers {
		switch a.Result {
		case "accepted", "duplicate", "inconclusive", "duplicate-inconclusive":
			took = append(took, nodes[i])
		}
	}
	if len(took) == 0 {
		rec.Status, rec.Reason = StatusRejected, rejectionReason(answers)
		s.log.Error("block rejected", "height", rec.Height, "hash", rec.Hash, "reason", rec.Reason)
		if s.cfg.Rejected != nil {
			s.cfg.Rejected(c.Job.PrevHash)
		}
	} else {
		rec.Status = s.confirm(ctx, took, c.Hash)
		s.log.Info("block found", "height", rec.Height, "hash", rec.Hash, "worker", rec.Worker, "status", rec.Status)
	}
	rec.Time = time.Now()
	s.journal(rec)
	return rec
}

func (s *Submitter) journal(r Record) {
	if s.cfg.Journal == nil {
		return
	}
	if err := s.cfg.Journal.Append(r); err != nil {
		s.log.Error("block journal write failed", "hash", r.Hash, "err", err)
	}
}

// submitTo offers the block to one node, retrying failures that are not the
// node's verdict on the block.
func (s *Submitter) submitTo(ctx context.Context, n Node, c *Candidate, head, txHex []byte) Answer {
	a := Answer{Node: n.Name()}
	delay := s.cfg.RetryDelay
	for a.Attempts < s.cfg.Attempts {
		a.Attempts++
		if s.cfg.Sent != nil && a.Attempts == 1 {
			s.cfg.Sent(a.Node, time.Since(c.FoundAt))
		}
		result, err := n.SubmitBlock(ctx, head, txHex)
		if err == nil {
			a.Result, a.Error = normalResult(result), ""
			return a
		}
		a.Error = err.Error()
		var rpcErr *node.RPCError
		if errors.As(err, &rpcErr) || errors.Is(err, node.ErrBadResponse) || ctx.Err() != nil {
			return a // the node answered: trying again will not change it
		}
		s.log.Warn("submitblock failed, retrying", "node", a.Node, "attempt", a.Attempts, "err", err)
		select {
		case <-ctx.Done():
			return a
		case <-time.After(delay):
		}
		delay *= 2
	}
	return a
}

// confirm asks the nodes that took the block whether it is on their best
// chain, until one says so or ConfirmWait passes.
func (s *Submitter) confirm(ctx context.Context, took []Node, hash chain.Hash) Status {
	deadline := time.Now().Add(s.cfg.ConfirmWait)
	status := StatusPending
	for {
		for _, n := range took {
			h, err := n.GetBlockHeader(ctx, hash)
			switch {
			case err != nil:
				continue
			case h.Confirmations >= 1:
				return StatusAccepted
			case h.Confirmations < 0:
				status = StatusOrphaned
			}
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			return status
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// normalResult names a submitblock answer as Bitcoin Core would: nothing
// for accepted, BIP22's reasons otherwise. btcd says a block it holds is
// "rejected: already have block ...": a node that has it, which Core
// calls a duplicate.
func normalResult(result string) string {
	switch {
	case result == "":
		return "accepted"
	case strings.HasPrefix(result, "rejected: already have block"):
		return "duplicate"
	}
	return result
}

// rejectionReason sums up why no node took a block.
func rejectionReason(answers []Answer) string {
	if len(answers) == 0 {
		return "no node to submit to"
	}
	for _, a := range answers {
		if a.Result != "" {
			return a.Node + ": " + a.Result
		}
	}
	return answers[0].Node + ": " + answers[0].Error
}
