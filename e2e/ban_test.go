package e2e

import (
	"context"
	"testing"
	"time"

	"github.com/stratapool/strata/bench/miner"
	"github.com/stratapool/strata/edge"
	"github.com/stratapool/strata/wire"
)

// TestBanAfterInvalidShares: the core refuses a miner's shares; after the
// configured number the edge closes it and refuses its address for the ban
// time, and other miners are not affected.
func TestBanAfterInvalidShares(t *testing.T) {
	p := startPool(t, options{edgeF: func(c *edge.Config) {
		c.Limits.BanInvalid, c.Limits.BanWindow, c.Limits.BanTime = 3, time.Minute, 2*time.Second
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
	p.settle(t)
	// After the ban, the address may connect again.
	time.Sleep(2100 * time.Millisecond)
	p.dialMiner(false, user+".bad", 0)
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
