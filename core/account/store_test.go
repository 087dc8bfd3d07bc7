package account

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/internal/pgtest"
)

var (
	pgOnce sync.Once
	pg     *pgtest.Server
	pgErr  error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pg != nil {
		pg.Close()
	}
	os.Exit(code)
}

// postgresURL is a new database on the package's throwaway server.
func postgresURL(t testing.TB) string {
	t.Helper()
	if testing.Short() {
		t.Skip("PostgreSQL runs in make test, not the quick suite")
	}
	pgOnce.Do(func() { pg, pgErr = pgtest.Start(context.Background()) })
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	url, err := pg.Database(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return url
}

// openPostgres opens the store at url, closed when the test ends.
func openPostgres(t testing.TB, url string) Store {
	t.Helper()
	st, err := OpenPostgres(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}

// stopPostgres stops the package's PostgreSQL server. restart starts it
// again, once; the test's end does if the test did not.
func stopPostgres(t *testing.T) (restart func()) {
	t.Helper()
	ctx := context.Background()
	if err := pg.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	restart = func() {
		once.Do(func() {
			if err := pg.Restart(ctx); err != nil {
				t.Error(err)
			}
		})
	}
	t.Cleanup(restart)
	return restart
}

// commitUntil commits credits until they are committed or within has
// passed, and returns the last error.
func commitUntil(a *Accounts, credits []share.Credit, within time.Duration) error {
	var err error
	for deadline := time.Now().Add(within); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if err = commit(a, credits); err == nil {
			return nil
		}
	}
	return err
}

// eachStore runs f against a fresh SQLite store and a fresh PostgreSQL one.
func eachStore(t *testing.T, f func(t *testing.T, st Store, reopen func() Store)) {
	t.Run("sqlite", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "accounts.db")
		open := func() Store {
			st, err := OpenSQLite(context.Background(), path)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
		f(t, open(), open)
	})
	t.Run("postgres", func(t *testing.T) {
		url := postgresURL(t)
		open := func() Store {
			st, err := OpenPostgres(context.Background(), url)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			return st
		}
		f(t, open(), open)
	})
}

func TestStoreKeepsEverything(t *testing.T) {
	eachStore(t, func(t *testing.T, st Store, reopen func() Store) {
		ctx := context.Background()
		now := time.UnixMilli(1_700_000_000_000).UTC()
		data := appendShare(newBatchData(1), now, &Share{Hash: [32]byte{7}, Worker: 1, Difficulty: 8, Time: now})
		w := &Write{
			Workers: []Worker{{ID: 1, Name: "bc1qa.rig", Address: "bc1qa", Created: now}},
			Batches: []Batch{{ID: 1, Time: now, Count: 1, Difficulty: 8, Data: data},
				{ID: 2, Time: now.Add(time.Hour), Count: 1, Difficulty: 8, Data: data}},
			Minutes: []Minute{{Worker: 1, Minute: now, Accepted: 8, AcceptedCount: 1}, {Worker: 0, Minute: now, Accepted: 8, AcceptedCount: 1}},
			Bests: []Best{{Key: "pool", Worker: 1, Session: 3, Difficulty: 99.5, Hash: "00ff", Height: 10, Time: now},
				{Key: "session/1", Worker: 1, Edge: 4, Session: 3, Difficulty: 9, Hash: "00fe", Height: 10, Time: now}},
			Blocks: []Block{{Hash: "00aa", Height: 10, Worker: "bc1qa.rig", Address: "bc1qa", Reward: 5000, Fee: 50,
				NetworkDifficulty: 2.5, Status: BlockAccepted, Batch: 1, Index: 0, FoundAt: now, UpdatedAt: now}},
			Splits:  []Split{{Block: "00aa", Address: "bc1qa", Difficulty: 8, Amount: 4950}},
			Entries: []LedgerEntry{{Address: "bc1qb", Amount: 7, Kind: "block", Block: "00bb", Time: now}},
			Bans:    []Ban{{Target: "192.0.2.1", Reason: "invalid shares", Until: now.Add(time.Hour), Time: now}},
		}
		if err := st.Write(ctx, w); err != nil {
			t.Fatal(err)
		}
		// Minutes add up; the block's later states replace the earlier.
		w2 := &Write{
			Minutes: []Minute{{Worker: 1, Minute: now, Rejected: 2, RejectedCount: 1}},
			Blocks:  []Block{{Hash: "00aa", Height: 10, Status: BlockConfirmed, Confirmations: 100, UpdatedAt: now.Add(time.Hour)}},
			Entries: []LedgerEntry{{Address: "bc1qa", Amount: 4950, Kind: "block", Block: "00aa", Time: now.Add(time.Hour)},
				{Address: "bc1qb", Amount: 3, Kind: "block", Block: "00cc", Time: now.Add(time.Hour)}},
		}
		if err := st.Write(ctx, w2); err != nil {
			t.Fatal(err)
		}
		st = reopen() // and it is all still there, migrations not run twice

		if id, err := st.LastBatch(ctx); err != nil || id != 2 {
			t.Errorf("last batch %d %v", id, err)
		}
		var since []int64
		st.BatchesSince(ctx, now.Add(time.Minute), func(b *Batch) error { since = append(since, b.ID); return nil })
		if len(since) != 1 || since[0] != 2 {
			t.Errorf("batches since: %v", since)
		}
		before, err := st.BatchesBefore(ctx, 2, 10)
		if err != nil || len(before) != 2 || before[0].ID != 2 || string(before[1].Data) != string(data) || !before[1].Time.Equal(now) {
			t.Errorf("batches before: %+v %v", before, err)
		}
		ws, _ := st.Workers(ctx)
		if len(ws) != 1 || ws[0] != w.Workers[0] {
			t.Errorf("workers %+v", ws)
		}
		ms, _ := st.Minutes(ctx, 1, now)
		if len(ms) != 1 || ms[0].Accepted != 8 || ms[0].Rejected != 2 || ms[0].RejectedCount != 1 {
			t.Errorf("minutes %+v", ms)
		}
		n := 0
		st.AllMinutes(ctx, now, func(*Minute) error { n++; return nil })
		if n != 2 {
			t.Errorf("all minutes: %d", n)
		}
		bests, _ := st.Bests(ctx)
		if len(bests) != 2 || bests[0] != w.Bests[0] || bests[1] != w.Bests[1] {
			t.Errorf("bests %+v", bests)
		}
		blocks, _ := st.Blocks(ctx, 0, 10)
		if len(blocks) != 1 || blocks[0].Status != BlockConfirmed || blocks[0].Confirmations != 100 || blocks[0].Reward != 5000 ||
			blocks[0].Batch != 1 || blocks[0].NetworkDifficulty != 2.5 || blocks[0].Worker != "bc1qa.rig" {
			t.Errorf("blocks %+v", blocks)
		}
		if one, err := st.Block(ctx, "00aa"); err != nil || one != blocks[0] {
			t.Errorf("block by hash: %+v %v", one, err)
		}
		if _, err := st.Block(ctx, "00ab"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown block: %v", err)
		}
		if open, _ := st.BlocksWithStatus(ctx, BlockSubmitted, BlockAccepted); len(open) != 0 {
			t.Errorf("open blocks %+v", open)
		}
		bal, err := st.Balance(ctx, "bc1qb")
		if err != nil || bal.Amount != 10 {
			t.Errorf("balance %+v %v", bal, err)
		}
		if _, err := st.Balance(ctx, "bc1qnobody"); !errors.Is(err, ErrNotFound) {
			t.Errorf("unknown balance: %v", err)
		}
		all, _ := st.Balances(ctx, 0, 10)
		if len(all) != 2 || all[0].Address != "bc1qa" || all[0].Amount != 4950 {
			t.Errorf("balances %+v", all)
		}
		led, _ := st.Ledger(ctx, "bc1qb", 0, 10)
		if len(led) != 2 || led[0].Amount != 3 {
			t.Errorf("ledger %+v", led)
		}
		if older, _ := st.Ledger(ctx, "bc1qb", 1, 10); len(older) != 1 || older[0].Amount != 7 {
			t.Errorf("ledger from the second entry %+v", older)
		}
		bans, _ := st.Bans(ctx, now)
		if len(bans) != 1 || bans[0].Target != "192.0.2.1" {
			t.Errorf("bans %+v", bans)
		}
		if bans, _ := st.Bans(ctx, now.Add(2*time.Hour)); len(bans) != 0 {
			t.Errorf("expired bans %+v", bans)
		}
		if id, err := st.WindowStart(ctx, 8); err != nil || id != 2 {
			t.Errorf("window of 8 starts at %d %v, want batch 2", id, err)
		}
		if id, err := st.WindowStart(ctx, 9); err != nil || id != 1 {
			t.Errorf("window of 9 starts at %d %v, want batch 1", id, err)
		}
		if id, err := st.WindowStart(ctx, 17); err != nil || id != 0 {
			t.Errorf("window of 17 starts at %d %v, want 0: all together hold less", id, err)
		}
		// Batch 1 is old enough, but inside the window: kept.
		if n, err := st.Prune(ctx, now.Add(time.Minute), 1, 100); err != nil || n != 0 {
			t.Errorf("prune inside the window: %d %v", n, err)
		}
		if n, err := st.Prune(ctx, now.Add(time.Minute), 2, 100); err != nil || n != 1 {
			t.Errorf("prune: %d %v", n, err)
		}
		// A failed write leaves nothing behind: a duplicate batch id fails
		// the whole transaction.
		bad := &Write{Workers: []Worker{{ID: 2, Name: "w2", Address: "x", Created: now}},
			Batches: []Batch{{ID: 2, Time: now, Data: data}}}
		if err := st.Write(ctx, bad); err == nil {
			t.Fatal("a duplicate batch was written")
		}
		if ws, _ := st.Workers(ctx); len(ws) != 1 {
			t.Errorf("a failed write left a worker: %+v", ws)
		}
	})
}

func TestSQLiteRefusesADamagedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "accounts.db")
	st, err := OpenSQLite(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	st.Close()
	raw, _ := os.ReadFile(path)
	for i := 100; i < len(raw); i++ {
		raw[i] ^= 0x5a
	}
	os.WriteFile(path, raw, 0o644)
	os.Remove(path + "-wal")
	_, err = OpenSQLite(context.Background(), path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Fatalf("damaged file: %v", err)
	}
	t.Log(err)
}

// A database made by the first release is brought up to date at open,
// its rows kept.
func TestMigrationUpgradesAFirstVersionDatabase(t *testing.T) {
	for _, dialect := range []struct {
		name, driver string
		types        map[string]string
		url          func(t testing.TB) string
		open         func(ctx context.Context, url string) (Store, error)
	}{
		{"sqlite", "sqlite", map[string]string{"int": "INTEGER", "real": "REAL", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY"},
			func(t testing.TB) string { return filepath.Join(t.TempDir(), "accounts.db") }, OpenSQLite},
		{"postgres", "pgx", map[string]string{"int": "BIGINT", "real": "DOUBLE PRECISION", "blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY"},
			postgresURL, OpenPostgres},
	} {
		t.Run(dialect.name, func(t *testing.T) {
			ctx := context.Background()
			url := dialect.url(t)
			db, err := sql.Open(dialect.driver, url)
			if err != nil {
				t.Fatal(err)
			}
			first := migrations(dialect.types)[0]
			for _, stmt := range append(strings.Split(first, ";\n"),
				`CREATE TABLE schema_version (version INTEGER NOT NULL)`, `INSERT INTO schema_version (version) VALUES (1)`,
				`INSERT INTO bests (key, worker, session, difficulty, hash, height, time_ms) VALUES ('worker/1', 1, 3, 42, '00ff', 10, 1700000000000)`) {
				if _, err := db.ExecContext(ctx, stmt); err != nil {
					t.Fatalf("%s: %v", stmt, err)
				}
			}
			db.Close()
			st, err := dialect.open(ctx, url)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			bests, err := st.Bests(ctx)
			if err != nil || len(bests) != 1 || bests[0].Difficulty != 42 || bests[0].Session != 3 || bests[0].Edge != 0 {
				t.Fatalf("bests after the upgrade: %+v %v", bests, err)
			}
			if err := st.Write(ctx, &Write{Bests: []Best{{Key: "session/1", Worker: 1, Edge: 2, Session: 3, Difficulty: 5}}}); err != nil {
				t.Fatal(err)
			}
			if bests, _ := st.Bests(ctx); len(bests) != 2 || bests[0].Key != "session/1" || bests[0].Edge != 2 {
				t.Fatalf("bests written after the upgrade: %+v", bests)
			}
		})
	}
}
