package block

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/node"
)

// scriptedNode answers submitblock from a script: errors first, then an
// answer.
type scriptedNode struct {
	name    string
	mu      sync.Mutex
	fails   int    // transport failures before answering
	answer  string // "" accepts
	rpcErr  bool   // answer with an RPC error instead
	calls   int
	confirm int64
}

func (n *scriptedNode) Name() string { return n.name }

func (n *scriptedNode) SubmitBlock(context.Context, []byte, []byte) (string, error) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.calls++
	if n.calls <= n.fails {
		return "", errors.New("connection refused")
	}
	if n.rpcErr {
		return "", &node.RPCError{Code: -22, Message: "Block decode failed"}
	}
	return n.answer, nil
}

func (n *scriptedNode) GetBlockHeader(context.Context, chain.Hash) (*node.BlockHeader, error) {
	return &node.BlockHeader{Confirmations: n.confirm}, nil
}

func candidate() *Candidate {
	tmpl := &chain.Template{Height: 10, Bits: 0x207fffff, CurTime: 5, CoinbaseValue: 100}
	b, _ := job.NewBuilder(job.Config{Mode: job.PoolMode, PoolScript: []byte{0x51}, Extranonce1Size: 4, Extranonce2Size: 8})
	j, _ := b.Build(tmpl, time.Now())
	return &Candidate{Job: j, Extranonce1: make([]byte, 4), Extranonce2: make([]byte, 8), FoundAt: time.Now()}
}

func TestSubmitterAnswers(t *testing.T) {
	cases := []struct {
		name   string
		nodes  []*scriptedNode
		status Status
		reason string
	}{
		{"retried until accepted", []*scriptedNode{{name: "a", fails: 2, confirm: 1}}, StatusAccepted, ""},
		{"gave up after three attempts", []*scriptedNode{{name: "a", fails: 5}}, StatusRejected, "connection refused"},
		{"one node rejects, one takes it", []*scriptedNode{{name: "a", answer: "high-hash"}, {name: "b", confirm: 1}}, StatusAccepted, ""},
		{"duplicate is a node that has it", []*scriptedNode{{name: "a", answer: "duplicate", confirm: 1}}, StatusAccepted, ""},
		{"inconclusive and not on the chain", []*scriptedNode{{name: "a", answer: "inconclusive", confirm: 0}}, StatusPending, ""},
		{"orphaned", []*scriptedNode{{name: "a", confirm: -1}}, StatusOrphaned, ""},
		{"every node rejects", []*scriptedNode{{name: "a", answer: "bad-txnmrklroot"}, {name: "b", answer: "bad-txnmrklroot"}}, StatusRejected, "bad-txnmrklroot"},
		{"an RPC error is an answer, not retried", []*scriptedNode{{name: "a", rpcErr: true}}, StatusRejected, "Block decode failed"},
		{"btcd's duplicate too", []*scriptedNode{{name: "a", answer: "rejected: already have block 0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206", confirm: 1}}, StatusAccepted, ""},
		{"no node at all", nil, StatusRejected, "no node"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var released int
			sub := NewSubmitter(SubmitterConfig{
				Nodes: func() []Node {
					out := make([]Node, len(c.nodes))
					for i, n := range c.nodes {
						out[i] = n
					}
					return out
				},
				RetryDelay: time.Millisecond, ConfirmWait: 50 * time.Millisecond,
				Rejected: func(chain.Hash) { released++ },
			})
			r := sub.Submit(context.Background(), candidate())
			if r.Status != c.status {
				t.Fatalf("status %s (%s), want %s; answers %+v", r.Status, r.Reason, c.status, r.Answers)
			}
			if c.reason != "" && !contains(r.Reason, c.reason) {
				t.Errorf("reason %q, want it to say %q", r.Reason, c.reason)
			}
			if (c.status == StatusRejected) != (released == 1) {
				t.Errorf("released the tip %d times", released)
			}
			if c.name == "an RPC error is an answer, not retried" && c.nodes[0].calls != 1 {
				t.Errorf("retried an answer: %d calls", c.nodes[0].calls)
			}
		})
	}
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
