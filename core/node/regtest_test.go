package node

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testnet"
)

const regtestMiningAddr = "bcrt1qw4m8w7re0fahclt707qgrq5rsjzcdpug8fg5y3"

func startBtcd(t *testing.T, dir, rpc, p2p, connect string) *regtest.Node {
	t.Helper()
	n, err := regtest.Start(context.Background(), regtest.Options{Dir: dir, RPCAddr: rpc, P2PAddr: p2p,
		MiningAddr: regtestMiningAddr, Connect: connect})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Kill)
	return n
}

func btcdSpec(t *testing.T, n *regtest.Node, name string, prio int) Spec {
	c, err := NewClient(ClientConfig{Name: name, URL: n.RPCURL, User: n.User, Password: n.Password, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Client: c, Priority: prio, LongPoll: true}
}

// TestFailoverBetweenTwoBtcd stops the node work comes from: work goes on
// from the second node, and comes back when the first has caught up again.
func TestFailoverBetweenTwoBtcd(t *testing.T) {
	if testing.Short() {
		t.Skip("needs two btcd nodes")
	}
	ctx := context.Background()
	dirA, dirB := t.TempDir(), t.TempDir()
	rpcA, _ := testnet.Addr()
	p2pA, _ := testnet.Addr()
	rpcB, _ := testnet.Addr()
	p2pB, _ := testnet.Addr()
	a := startBtcd(t, dirA, rpcA, p2pA, "")
	if _, err := a.Generate(ctx, 5); err != nil {
		t.Fatal(err)
	}
	b := startBtcd(t, dirB, rpcB, p2pB, p2pA)
	if err := b.WaitHeight(ctx, 5, 20*time.Second); err != nil {
		t.Fatal(err)
	}

	h := runSet(t, DefaultProbe, btcdSpec(t, a, "a", 0), btcdSpec(t, b, "b", 1))
	h.next(t, "a", 5*time.Second)

	a.Kill()
	if took := h.next(t, "b", 3*time.Second); took > 2*time.Second {
		t.Errorf("work moved to the second node after %s, want within 2s", took)
	}
	// Work goes on from b: a block there brings a new template at once.
	if _, err := b.Generate(ctx, 1); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(5 * time.Second)
	for got := false; !got; {
		select {
		case tmpl := <-h.templates:
			got = tmpl.Node == "b" && tmpl.Height == 7
		case <-deadline:
			t.Fatal("no template for height 7 from b")
		}
	}

	// a comes back with a wiped chain on the same addresses and syncs from
	// b; work returns to it only once it has caught up.
	a = startBtcd(t, filepath.Join(dirA, "again"), rpcA, p2pA, p2pB)
	start := time.Now()
	h.next(t, "a", 20*time.Second)
	if got, _ := a.Height(ctx); got < 6 {
		t.Errorf("work returned to a at height %d, before it caught up to 6", got)
	}
	t.Logf("failback after %s", time.Since(start))
}
