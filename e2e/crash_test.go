package e2e

import (
	"context"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/stratapool/strata/bench/miner"
	"github.com/stratapool/strata/core/account"
	"github.com/stratapool/strata/edge"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/internal/testwallet"
)

// TestCoreKilledLosesNoAcknowledgedShare runs the core in a child process
// with its SQLite store, has miners submit through an edge, and kills the
// core with SIGKILL mid-stream, twice. After each restart the edge
// replays what it spooled. Then the core is frozen with SIGSTOP, its
// sockets open and silent: the edge gives the link up after three ping
// intervals, spools, and links again once SIGCONT wakes the core. In the
// end every share a miner was told is accepted is in the store, and no
// share is in it twice.
func TestCoreKilledLosesNoAcknowledgedShare(t *testing.T) {
	if testing.Short() {
		t.Skip("needs btcd")
	}
	ctx := context.Background()
	wallet := testwallet.New(11, &chaincfg.RegressionNetParams)
	node, err := regtest.Start(ctx, regtest.Options{Dir: t.TempDir(), MiningAddr: wallet.LegacyAddress()})
	if err != nil {
		t.Fatal(err)
	}
	defer node.Kill()
	if _, err := node.Generate(ctx, 3); err != nil {
		t.Fatal(err)
	}
	// Pings a second apart: a silent core is given up after three.
	const ping = time.Second
	coreAddr, _ := testnet.Addr()
	stratum, _ := testnet.Addr()
	data := t.TempDir()
	env := map[string]string{"RPC": node.RPCURL, "USER": node.User, "PASS": node.Password, "LINK": coreAddr,
		"DATA": data, "ADDRESS": wallet.SegwitAddress(), "PING": ping.String(), "LOG": "warn"}
	startCore := func() *helper {
		h := startHelper(t, "core", env)
		h.waitLine(t, "ready", time.Minute)
		return h
	}
	core := startCore()

	ecfg := edge.DefaultConfig()
	ecfg.Name = "crash"
	ecfg.Uplink.Cores = []string{coreAddr}
	ecfg.Limits.PerIP, ecfg.Limits.AcceptRate = 0, 0
	l := &ecfg.Listeners[0]
	l.Address, l.AllowFractional = stratum, true
	// Below the network's difficulty: the miners send only shares that are
	// not blocks, so the chain stays put and no share goes stale.
	l.MinDifficulty, l.StartDifficulty, l.MaxDifficulty = 1e-11, 1e-10, 1e-10
	e, err := edge.New(ecfg, edge.Options{Key: linkKey, Log: warnLog()})
	if err != nil {
		t.Fatal(err)
	}
	ectx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(ectx) }()
	defer func() { cancel(); <-done }()
	<-e.Ready()
	for deadline := time.Now().Add(30 * time.Second); e.Server.CurrentJob() == nil; {
		if time.Now().After(deadline) {
			t.Fatal("no job reached the edge")
		}
		time.Sleep(10 * time.Millisecond)
	}

	type sent struct {
		hash  [32]byte
		reply <-chan miner.Reply
	}
	var mu sync.Mutex
	var all []sent
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for m := range 4 {
		c, err := miner.Dial(ctx, stratum, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		c.Start()
		user := wallet.SegwitAddress() + ".m" + string(rune('0'+m))
		cctx, ccancel := context.WithTimeout(ctx, 30*time.Second)
		if err := c.Subscribe(cctx, "crash-test", ""); err != nil {
			t.Fatal(err)
		}
		if err := c.Authorize(cctx, user, "x"); err != nil {
			t.Fatal(err)
		}
		ccancel()
		wg.Go(func() {
			for n := uint64(1); ; n++ {
				select {
				case <-stop:
					return
				case <-time.After(2 * time.Millisecond):
				}
				s := findShareNotBlock(t, c, uint64(m)<<40|n)
				ch, _, err := c.Send("mining.submit", s.Params(user))
				if err != nil {
					t.Errorf("miner %d: %v", m, err)
					return
				}
				mu.Lock()
				all = append(all, sent{s.Hash, ch})
				mu.Unlock()
			}
		})
	}
	count := func() int {
		mu.Lock()
		defer mu.Unlock()
		return len(all)
	}
	waitShares := func(n int) {
		for deadline := time.Now().Add(30 * time.Second); count() < n; {
			if time.Now().After(deadline) {
				uc := e.Server.Uplink().Counters()
				t.Fatalf("%d shares sent, want %d; edge: up %v, spooled %d, submits %d, refused %d, replayed %d, conns %d",
					count(), n, e.Server.Uplink().Up(), e.Server.Uplink().Spooled(), uc.Submits.Load(), uc.Refused.Load(),
					uc.Replayed.Load(), e.Server.Counters().Connections.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	for round := range 2 {
		waitShares(count() + 300)
		// SIGKILL: no chance to flush, close or answer anything.
		core.cmd.Process.Signal(syscall.SIGKILL)
		core.cmd.Wait()
		waitShares(count() + 100) // the edge spools meanwhile
		core = startCore()
		t.Logf("round %d: %d shares sent so far", round, count())
	}
	waitShares(count() + 300)

	// SIGSTOP: the core's sockets stay open and nothing comes out of them.
	up := e.Server.Uplink()
	waitUp := func(want bool, within time.Duration) {
		t.Helper()
		for deadline := time.Now().Add(within); up.Up() != want; {
			if time.Now().After(deadline) {
				t.Fatalf("link up %v after %s, want %v", up.Up(), within, want)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	waitUp(true, 30*time.Second) // the restarted core is linked
	waitShares(count() + 100)
	frozen := time.Now()
	core.cmd.Process.Signal(syscall.SIGSTOP)
	waitUp(false, 3*ping+10*time.Second)
	t.Logf("frozen core given up after %s", time.Since(frozen).Round(time.Millisecond))
	waitShares(count() + 100) // the edge spools meanwhile
	core.cmd.Process.Signal(syscall.SIGCONT)
	waitUp(true, 30*time.Second)
	waitShares(count() + 300)
	close(stop)
	wg.Wait()

	accepted := map[[32]byte]bool{}
	for i, x := range all {
		select {
		case r := <-x.reply:
			if string(r.Result) == "true" {
				accepted[x.hash] = true
			} else {
				t.Errorf("share %d: %s %v", i, r.Result, r.Error)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("share %d of %d got no answer", i, len(all))
		}
	}
	// Stop the core gracefully and read its store.
	core.cmd.Process.Signal(syscall.SIGTERM)
	st, err := account.OpenSQLite(ctx, filepath.Join(data, "accounts.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	stored := map[[32]byte]int{}
	err = st.BatchesSince(ctx, time.Time{}, func(b *account.Batch) error {
		return account.DecodeShares(b.Data, b.Time, func(s *account.Share) bool { stored[s.Hash]++; return true })
	})
	if err != nil {
		t.Fatal(err)
	}
	missing := 0
	for h := range accepted {
		if stored[h] == 0 {
			missing++
		}
	}
	twice := 0
	for _, n := range stored {
		if n > 1 {
			twice++
		}
	}
	if missing > 0 || twice > 0 {
		t.Errorf("%d acknowledged shares missing, %d stored twice, of %d acknowledged", missing, twice, len(accepted))
	}
	t.Logf("%d shares acknowledged, %d stored", len(accepted), len(stored))
}
