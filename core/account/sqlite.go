package account

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// OpenSQLite opens (making it if needed) the SQLite store at path, in WAL
// mode. A commit is written when Write returns and on disk once Sync has
// returned after it: the accounts sync once for every transaction written
// meanwhile, while the next is being written (synchronous=NORMAL leaves
// the syncing of the WAL to them; checkpoints still sync on their own).
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("account: sqlite: %w", err)
	}
	q := url.Values{}
	// Checkpoints run in the background (checkpoint below), so a commit
	// never waits for one; the automatic one is a backstop at 64 MB.
	for _, p := range []string{"journal_mode(WAL)", "synchronous(NORMAL)", "busy_timeout(10000)", "foreign_keys(ON)",
		"wal_autocheckpoint(16384)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("account: sqlite %s: %w", path, err)
	}
	// One writer at a time is what SQLite does anyway; readers run beside
	// it on their own connections under WAL. Connections are never closed
	// while the store is open: the last one's close removes the WAL.
	db.SetMaxOpenConns(4)
	db.SetMaxIdleConns(4)
	s := &sqlStore{db: db, wal: path + "-wal", d: dialect{
		name:         "sqlite",
		migrations:   migrations(map[string]string{"int": "INTEGER", "real": "REAL", "blob": "BLOB", "serial": "INTEGER PRIMARY KEY"}),
		placeholders: func(q string) string { return q },
	}}
	var check string
	if err := db.QueryRowContext(ctx, `PRAGMA quick_check`).Scan(&check); err != nil || check != "ok" {
		db.Close()
		if err == nil {
			err = fmt.Errorf("%s", check)
		}
		return nil, fmt.Errorf("account: sqlite %s cannot be used (%v): if it is damaged, restore it from a backup or move it away; check its permissions and the disk", path, err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	s.stop = make(chan struct{})
	s.stopped = make(chan struct{})
	s.written = make(chan struct{}, 1)
	go s.checkpoint()
	return s, nil
}

// checkpointEvery is how often, at most, the WAL is copied into the
// database file. Often, so that each copy is small: the fsync that ends a
// checkpoint shares the disk with the WAL's, which a verdict waits for,
// and a small one delays it least (BenchmarkCommit/sqlite p99: 3.55 ms
// at 100 ms, 2.5 ms at 10 ms; bench/results/account.txt).
const checkpointEvery = 10 * time.Millisecond

// checkpoint copies the WAL into the database in the background, passively
// (it never waits for, nor blocks, the writer), so commits stay short. It
// runs after commits, at most once every checkpointEvery, and sleeps while
// nothing is written.
func (s *sqlStore) checkpoint() {
	defer close(s.stopped)
	for {
		select {
		case <-s.stop:
			return
		case <-s.written:
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		_, _ = s.db.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
		cancel()
		select {
		case <-s.stop:
			return
		case <-time.After(checkpointEvery):
		}
	}
}
