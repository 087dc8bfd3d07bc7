package account

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
)

// startLater runs accounts whose store Run opens.
func startLater(t *testing.T, cfg Config, open func(context.Context) (Store, error)) *running {
	t.Helper()
	a := OpenLater(cfg, open)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { a.Run(ctx); close(done) }()
	r := &running{a, func() { cancel(); <-done }}
	t.Cleanup(func() {
		r.stop()
		a.Store().Close()
	})
	return r
}

func waitHealthy(t *testing.T, a *Accounts, want bool) string {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		ok, why := a.Healthy()
		if ok == want {
			return why
		}
		if time.Now().After(deadline) {
			t.Fatalf("healthy %v (%s), want %v", ok, why, want)
		}
	}
}

// A damaged SQLite file: the accounts run, refuse every share and say
// why, holding a found block's share; once the file is restored (here:
// moved away, so a new one is made) they open it and go on, the block
// recorded.
func TestDamagedFileGatesUntilItIsRestored(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 400)), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startLater(t, Config{Store: nil, Mode: job.PoolMode, OpenEvery: 100 * time.Millisecond},
		func(ctx context.Context) (Store, error) { return OpenSQLite(ctx, path) })
	why := waitHealthy(t, a.Accounts, false)
	for deadline := time.Now().Add(5 * time.Second); !strings.Contains(why, path); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("the reason does not name the file: %q", why)
		}
		_, why = a.Healthy()
	}
	blk := foundBlock(7, "c", 101)
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 1), blk}); !errors.Is(err, errNotOpen) {
		t.Fatalf("a commit with the store not open: %v", err)
	}
	if _, err := a.Store().Blocks(context.Background(), 0, 10); err == nil {
		t.Error("reads of a store not open succeed")
	}
	if err := os.Rename(path, path+".damaged"); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, a.Accounts, true)
	if err := commit(a.Accounts, []share.Credit{credit(2, "a", 1)}); err != nil {
		t.Fatal(err)
	}
	if b := storedBlock(t, a.Store(), blk.Hash.String()); b.Worker != blk.Worker || b.Batch == 0 {
		t.Errorf("the held block %+v", b)
	}
	got := storedShares(t, a.Store())
	if got[credit(1, "a", 1).Hash] != 0 || got[credit(2, "a", 1).Hash] != 1 {
		t.Errorf("stored %v: want share 2 and the block's, not the refused 1", got)
	}
}

// PostgreSQL down when the core starts: the accounts wait for it.
func TestPostgresDownAtStartIsWaitedFor(t *testing.T) {
	url := postgresURL(t)
	restart := stopPostgres(t)
	a := startLater(t, Config{OpenEvery: 100 * time.Millisecond}, func(ctx context.Context) (Store, error) { return OpenPostgres(ctx, url) })
	waitHealthy(t, a.Accounts, false)
	if err := commit(a.Accounts, []share.Credit{credit(1, "a", 1)}); err == nil {
		t.Fatal("a commit with PostgreSQL down succeeded")
	}
	restart()
	waitHealthy(t, a.Accounts, true)
	if err := commit(a.Accounts, []share.Credit{credit(2, "a", 1)}); err != nil {
		t.Fatal(err)
	}
}

// A ban an edge reports while the store is not open yet is kept, and
// written once it is.
func TestBanWhileTheStoreIsNotOpenIsKept(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 400)), 0o644); err != nil {
		t.Fatal(err)
	}
	a := startLater(t, Config{OpenEvery: 100 * time.Millisecond},
		func(ctx context.Context) (Store, error) { return OpenSQLite(ctx, path) })
	waitHealthy(t, a.Accounts, false)
	now := time.Now()
	if !a.Ban(Ban{Target: "192.0.2.3", Reason: "invalid_shares", Until: now.Add(time.Hour), Time: now}) {
		t.Fatal("a new ban is not news")
	}
	if err := os.Rename(path, path+".damaged"); err != nil {
		t.Fatal(err)
	}
	waitHealthy(t, a.Accounts, true)
	if got := a.Bans(time.Now()); len(got) != 1 || got[0].Target != "192.0.2.3" {
		t.Errorf("bans once open: %+v", got)
	}
	a.stop()
	if stored, err := a.Store().Bans(context.Background(), time.Now()); err != nil || len(stored) != 1 {
		t.Errorf("stored bans %+v %v", stored, err)
	}
}
