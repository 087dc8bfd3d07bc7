package e2e

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/bench/miner"
	"github.com/stratapool/strata/edge"
)

// TestCoreRestartCreditsSpooledShares kills the core while miners submit:
// the edge keeps them on their job, spools what they find, and once a new
// core is up (same data directory, same address) replays it; every share
// a miner was told is accepted is in the ledger.
//
// On regtest a share at any usual difficulty is a block, and a block makes
// every spooled share stale. Here miners get a difficulty below the
// network's and send only shares that are not blocks, as nearly all
// shares are on a real chain.
func TestCoreRestartCreditsSpooledShares(t *testing.T) {
	p := startPool(t, options{hold: time.Minute, edgeF: func(c *edge.Config) {
		for i := range c.Listeners {
			// vardiff may not take them above the network's difficulty.
			c.Listeners[i].MinDifficulty, c.Listeners[i].StartDifficulty, c.Listeners[i].MaxDifficulty = 1e-11, 1e-10, 1e-10
		}
	}})
	user := p.wallet.SegwitAddress()
	steady := p.dialMiner(false, user+".steady", 0x1fffe000)
	busy := p.dialMiner(true, user+".busy", 0)

	// The busy miner submits all along, without waiting for answers.
	type sent struct {
		share miner.Share
		reply <-chan miner.Reply
	}
	var mu sync.Mutex
	var busySent []sent
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		for n := uint64(1); ; n++ {
			select {
			case <-stop:
				return
			case <-time.After(20 * time.Millisecond):
			}
			s := findShareNotBlock(t, busy, 1<<32|n)
			ch, _, err := busy.Send("mining.submit", s.Params(user+".busy"))
			if err != nil {
				t.Errorf("busy miner: %v", err)
				return
			}
			mu.Lock()
			busySent = append(busySent, sent{s, ch})
			mu.Unlock()
		}
	})

	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	// Before: a share, answered.
	s := findShareNotBlock(t, steady, 1)
	if r, err := steady.Submit(ctx, user+".steady", &s); err != nil || string(r.Result) != "true" {
		t.Fatalf("before the restart: %v %+v", err, r)
	}

	p.stopCore()
	up := p.edge.Server.Uplink()
	for deadline := time.Now().Add(10 * time.Second); up.Up(); {
		if time.Now().After(deadline) {
			t.Fatal("the edge did not notice the core went away")
		}
		time.Sleep(5 * time.Millisecond)
	}
	// While the core is away the steady miner finds shares on the job it
	// has; the edge spools them.
	var spooled []sent
	for i := range 5 {
		s := findShareNotBlock(t, steady, uint64(100+i))
		ch, _, err := steady.Send("mining.submit", s.Params(user+".steady"))
		if err != nil {
			t.Fatal(err)
		}
		spooled = append(spooled, sent{s, ch})
	}
	for deadline := time.Now().Add(5 * time.Second); up.Spooled() < len(spooled); {
		if time.Now().After(deadline) {
			t.Fatalf("%d shares spooled, want at least %d", up.Spooled(), len(spooled))
		}
		time.Sleep(5 * time.Millisecond)
	}
	if steady.Err() != nil || busy.Err() != nil {
		t.Fatal("a miner lost its connection while the core was away")
	}

	p.startCore()
	for i, x := range spooled {
		select {
		case r := <-x.reply:
			if r.Error != nil || string(r.Result) != "true" {
				t.Errorf("spooled share %d: %s %v", i, r.Result, r.Error)
			}
			if !p.ledger.has(x.share.Hash) {
				t.Errorf("spooled share %d accepted but not credited", i)
			}
		case <-ctx.Done():
			t.Fatalf("spooled share %d got no answer", i)
		}
	}
	close(stop)
	wg.Wait()

	// Every busy share is answered, accepted and credited.
	mu.Lock()
	defer mu.Unlock()
	accepted := 0
	for i, x := range busySent {
		select {
		case r := <-x.reply:
			switch {
			case string(r.Result) == "true":
				accepted++
				if !p.ledger.has(x.share.Hash) {
					t.Errorf("busy share %d accepted but not credited", i)
				}
			default:
				t.Errorf("busy share %d: %s %v", i, r.Result, r.Error)
			}
		case <-ctx.Done():
			t.Fatalf("busy share %d of %d got no answer", i, len(busySent))
		}
	}
	replayed := up.Counters().Replayed.Load()
	if replayed <= uint64(len(spooled)) {
		t.Errorf("%d shares replayed: the busy miner's were not among them", replayed)
	}
	t.Logf("busy miner: %d shares, %d accepted; %d replayed in all", len(busySent), accepted, replayed)
}
