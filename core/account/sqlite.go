package account

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"os"
	"path/filepath"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// OpenSQLite opens (making it if needed) the SQLite store at path: WAL,
// and synchronous=FULL so that a commit is on disk when Write returns.
func OpenSQLite(ctx context.Context, path string) (Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("account: sqlite: %w", err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)", "foreign_keys(ON)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("account: sqlite %s: %w", path, err)
	}
	// One writer at a time is what SQLite does anyway; readers run beside
	// it on their own connections under WAL.
	db.SetMaxOpenConns(4)
	s := &sqlStore{db: db, d: dialect{
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
	return s, nil
}
