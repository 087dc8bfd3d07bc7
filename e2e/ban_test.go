package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stratapool/strata/bench/miner"
	"github.com/stratapool/strata/edge"
	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/wire"
)

// TestBanAfterInvalidShares: the core refuses a miner's shares; after the
// configured number the edge closes it and refuses its address for the ban
// time, and other miners are not affected. The core keeps the ban (the
// API lists it) and an edge that links meanwhile refuses the address too.
func TestBanAfterInvalidShares(t *testing.T) {
	const banTime = 5 * time.Second
	p := startPool(t, options{edgeF: func(c *edge.Config) {
		c.Limits.BanInvalid, c.Limits.BanWindow, c.Limits.BanTime = 3, time.Minute, banTime
	}})
	user := p.wallet.SegwitAddress()
	bystander := p.dialMiner(true, user+".good", 0) // TLS: the ban is of an address, the test's is shared
	bad := p.dialMiner(false, user+".bad", 0)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	for i := range 3 {
		s := lowDifficultyShare(t, bad, uint64(i))
		r, err := bad.Submit(ctx, user+".bad", &s)
		if err != nil || r.Error == nil || r.Error.Code != 23 {
			t.Fatalf("low-difficulty share %d: %v %+v", i, err, r)
		}
	}
	select {
	case <-bad.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the miner was not closed after 3 invalid shares")
	}
	counters := p.edge.Server.Counters()
	if n := counters.Closes[wire.CloseBanned].Load(); n != 1 {
		t.Errorf("banned closes %d, want 1", n)
	}
	// Its address is refused while the ban lasts...
	again, err := miner.Dial(ctx, p.plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	again.Start()
	select {
	case <-again.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("a banned address was let in")
	}
	// ...and the bystander's TLS connection, open before, works on.
	s := findShare(t, bystander, 7)
	if r, err := bystander.Submit(ctx, user+".good", &s); err != nil || string(r.Result) != "true" {
		t.Fatalf("bystander: %v %+v", err, r)
	}
	// The core keeps the ban and shows it.
	var bans struct {
		Bans []struct{ Target, Reason string }
	}
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		p.getJSON(t, "/api/bans", &bans)
		if len(bans.Bans) == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the core's bans: %+v", bans)
		}
	}
	if b := bans.Bans[0]; b.Target != "127.0.0.1" || b.Reason != "invalid_shares" {
		t.Errorf("ban %+v", b)
	}
	// An edge that links now gets it and refuses the address.
	other := startEdge(t, p, "e2e-other", banTime)
	for deadline := time.Now().Add(5 * time.Second); other.Server.CurrentJob() == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the second edge got no job")
		}
	}
	refused, err := miner.Dial(ctx, other.plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	refused.Start()
	select {
	case <-refused.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the second edge let a banned address in")
	}
	p.settle(t)
	// After the ban, the address may connect again, to either edge.
	time.Sleep(banTime + 100*time.Millisecond)
	p.dialMiner(false, user+".bad", 0)
	back, err := miner.Dial(ctx, other.plain, nil)
	if err != nil {
		t.Fatal(err)
	}
	back.Start()
	if err := back.Subscribe(ctx, "e2e/1", ""); err != nil {
		t.Errorf("the second edge after the ban: %v", err)
	}
	back.Close()
}

// otherEdge is a second edge on the pool's core.
type otherEdge struct {
	*edge.Edge
	plain string
}

// startEdge links another edge, named name, to the pool's core.
func startEdge(t *testing.T, p *pool, name string, banTime time.Duration) otherEdge {
	t.Helper()
	cfg := edge.DefaultConfig()
	cfg.Name = name
	cfg.Uplink.Cores = []string{p.coreAddr}
	cfg.Limits.PerIP, cfg.Limits.AcceptRate, cfg.Limits.BanTime = 0, 0, banTime
	addr, _ := testnet.Addr()
	l := cfg.Listeners[0]
	l.Address, l.AllowFractional = addr, true
	l.MinDifficulty, l.StartDifficulty, l.MaxDifficulty = 1e-9, shareDifficulty, 1e9
	cfg.Listeners = []edge.ListenerConfig{l}
	e, err := edge.New(cfg, edge.Options{Key: linkKey})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.Run(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	select {
	case <-e.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("the second edge is not listening")
	}
	return otherEdge{e, addr}
}

// lowDifficultyShare is a share that meets neither the miner's target nor
// the network's.
func lowDifficultyShare(t *testing.T, c *miner.Client, n uint64) miner.Share {
	t.Helper()
	j, d := waitWork(t, c)
	target, _ := miner.TargetFor(d)
	network, _ := miner.TargetFromBits(j.Bits)
	en2 := miner.Extranonce2(n, c.Extranonce2Size)
	root := j.MerkleRoot(c.Extranonce1, en2)
	for nonce := uint32(0); ; nonce++ {
		h := j.Header(root, j.Version, j.NTime, nonce)
		hash := miner.HashHeader(&h)
		if !target.Meets(hash) && !network.Meets(hash) {
			return miner.Share{JobID: j.ID, Extranonce2: en2, NTime: j.NTime, Nonce: nonce, Hash: hash}
		}
	}
}
