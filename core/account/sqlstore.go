package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"os"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/stratapool/strata/core/share"
)

// sqlStore is the Store on database/sql; a dialect holds what SQLite and
// PostgreSQL do differently.
type sqlStore struct {
	db *sql.DB
	d  dialect
	// stop ends a background job (SQLite's checkpoints); stopped says it
	// has.
	stop, stopped chan struct{}
	// written wakes SQLite's checkpointer after a commit.
	written chan struct{}
	// wal is SQLite's write-ahead log, which Sync makes durable.
	wal     string
	walMu   sync.Mutex // guards walFile
	walFile *os.File
}

// Sync makes every transaction written so far durable: an fsync of the
// WAL (SQLite only; PostgreSQL's commits are durable when they return).
func (s *sqlStore) Sync() error {
	if s.wal == "" {
		return nil
	}
	f, err := s.walHandle()
	if err != nil {
		return fmt.Errorf("account: sqlite: sync: %w", err)
	}
	// Outside walMu: syncs may overlap (the accounts run two at once).
	if err := datasync(f); err != nil {
		return fmt.Errorf("account: sqlite: sync: %w", err)
	}
	return nil
}

// walHandle is the open WAL. It is the same file for the store's life,
// unless something removed it: then it is opened again.
func (s *sqlStore) walHandle() (*os.File, error) {
	s.walMu.Lock()
	defer s.walMu.Unlock()
	fi, err := os.Stat(s.wal)
	if err != nil {
		return nil, err
	}
	if s.walFile != nil {
		if cur, err := s.walFile.Stat(); err != nil || !os.SameFile(fi, cur) {
			// Not closed here: a sync may be under way on it. The
			// finalizer closes it once nothing holds it.
			s.walFile = nil
		}
	}
	if s.walFile == nil {
		if s.walFile, err = os.Open(s.wal); err != nil {
			return nil, err
		}
	}
	return s.walFile, nil
}

type dialect struct {
	name string
	// migrations are the schema's versions, in order; each runs once.
	migrations []string
	// placeholders turns ? into the driver's form.
	placeholders func(string) string
	// commitInDoubt, if set, tells a failed COMMIT that may have taken
	// (its answer lost) from one refused.
	commitInDoubt func(error) bool
}

func ms(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func (s *sqlStore) q(query string) string { return s.d.placeholders(query) }

// migrate brings the schema up to date, one version per transaction.
func (s *sqlStore) migrate(ctx context.Context) error {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)`); err != nil {
		return fmt.Errorf("account: %s: schema: %w", s.d.name, err)
	}
	var v int
	err := s.db.QueryRowContext(ctx, `SELECT version FROM schema_version`).Scan(&v)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		if _, err := s.db.ExecContext(ctx, `INSERT INTO schema_version (version) VALUES (0)`); err != nil {
			return fmt.Errorf("account: %s: schema: %w", s.d.name, err)
		}
	case err != nil:
		return fmt.Errorf("account: %s: schema: %w", s.d.name, err)
	}
	if v > len(s.d.migrations) {
		return fmt.Errorf("account: %s: the database is at schema version %d, newer than this build knows (%d)", s.d.name, v, len(s.d.migrations))
	}
	for i := v; i < len(s.d.migrations); i++ {
		tx, err := s.db.BeginTx(ctx, nil)
		if err != nil {
			return fmt.Errorf("account: %s: migration %d: %w", s.d.name, i+1, err)
		}
		for _, stmt := range strings.Split(s.d.migrations[i], ";\n") {
			if strings.TrimSpace(stmt) == "" {
				continue
			}
			if _, err := tx.ExecContext(ctx, stmt); err != nil {
				tx.Rollback()
				return fmt.Errorf("account: %s: migration %d: %w", s.d.name, i+1, err)
			}
		}
		if _, err := tx.ExecContext(ctx, s.q(`UPDATE schema_version SET version = ?`), i+1); err != nil {
			tx.Rollback()
			return fmt.Errorf("account: %s: migration %d: %w", s.d.name, i+1, err)
		}
		if err := tx.Commit(); err != nil {
			return fmt.Errorf("account: %s: migration %d: %w", s.d.name, i+1, err)
		}
	}
	return nil
}

// Write applies w in one transaction.
func (s *sqlStore) Write(ctx context.Context, w *Write) error {
	if w.empty() {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("account: %s: begin: %w", s.d.name, err)
	}
	if err := s.write(ctx, tx, w); err != nil {
		tx.Rollback()
		return fmt.Errorf("account: %s: write: %w", s.d.name, err)
	}
	if err := tx.Commit(); err != nil {
		if s.d.commitInDoubt != nil && s.d.commitInDoubt(err) {
			return fmt.Errorf("account: %s: commit: %w: %w", s.d.name, share.ErrInDoubt, err)
		}
		return fmt.Errorf("account: %s: commit: %w", s.d.name, err)
	}
	if s.written != nil {
		select {
		case s.written <- struct{}{}:
		default:
		}
	}
	return nil
}

// maxRows bounds the rows of one multi-row statement (SQLite allows
// 32,766 parameters, PostgreSQL 65,535).
const maxRows = 500

// insert runs head VALUES (...), (...) tail for n rows of ncol values, in
// statements of up to maxRows rows: one round trip per statement, not per
// row.
func (s *sqlStore) insert(ctx context.Context, tx *sql.Tx, head string, ncol int, tail string, n int, row func(i int, args []any) []any) error {
	var args []any
	for from := 0; from < n; from += maxRows {
		to := min(n, from+maxRows)
		var b strings.Builder
		b.WriteString(head)
		b.WriteString(" VALUES ")
		args = args[:0]
		for i := from; i < to; i++ {
			if i > from {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for c := range ncol {
				if c > 0 {
					b.WriteByte(',')
				}
				b.WriteByte('?')
			}
			b.WriteByte(')')
			args = row(i, args)
		}
		b.WriteByte(' ')
		b.WriteString(tail)
		if _, err := tx.ExecContext(ctx, s.q(b.String()), args...); err != nil {
			return err
		}
	}
	return nil
}

func (s *sqlStore) write(ctx context.Context, tx *sql.Tx, w *Write) error {
	// One statement may not touch a row twice: merge rows of the same key.
	minutes := mergeMinutes(w.Minutes)
	bests := lastByKey(w.Bests, func(b Best) string { return b.Key })
	blocks := lastByKey(w.Blocks, func(b Block) string { return b.Hash })
	splits := lastByKey(w.Splits, func(x Split) string { return x.Block + "\x00" + x.Address })
	bans := lastByKey(w.Bans, func(b Ban) string { return b.Target })
	meta := lastByKey(w.Meta, func(m Meta) string { return m.Key })
	balances := sumBalances(w.Entries)

	steps := []func() error{
		func() error {
			return s.insert(ctx, tx, `INSERT INTO workers (id, name, address, created_ms)`, 4, ``, len(w.Workers),
				func(i int, a []any) []any {
					x := &w.Workers[i]
					return append(a, int64(x.ID), x.Name, x.Address, ms(x.Created))
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO batches (id, time_ms, count, difficulty, data)`, 5, ``, len(w.Batches),
				func(i int, a []any) []any {
					x := &w.Batches[i]
					return append(a, x.ID, ms(x.Time), x.Count, x.Difficulty, x.Data)
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO minutes (worker, minute_ms, accepted, rejected, accepted_count, rejected_count)`, 6,
				`ON CONFLICT (worker, minute_ms) DO UPDATE SET accepted = minutes.accepted + excluded.accepted,
				rejected = minutes.rejected + excluded.rejected, accepted_count = minutes.accepted_count + excluded.accepted_count,
				rejected_count = minutes.rejected_count + excluded.rejected_count`, len(minutes),
				func(i int, a []any) []any {
					x := &minutes[i]
					return append(a, int64(x.Worker), ms(x.Minute), x.Accepted, x.Rejected, x.AcceptedCount, x.RejectedCount)
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO bests (key, worker, edge, session, difficulty, hash, height, time_ms)`, 8,
				`ON CONFLICT (key) DO UPDATE SET worker = excluded.worker, edge = excluded.edge, session = excluded.session,
				difficulty = excluded.difficulty, hash = excluded.hash, height = excluded.height, time_ms = excluded.time_ms`, len(bests),
				func(i int, a []any) []any {
					x := &bests[i]
					return append(a, x.Key, int64(x.Worker), int64(x.Edge), int64(x.Session), x.Difficulty, x.Hash, int64(x.Height), ms(x.Time))
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO blocks (hash, height, worker, address, reward, fee, network_difficulty, status,
				confirmations, batch, idx, detail, found_ms, updated_ms)`, 14,
				`ON CONFLICT (hash) DO UPDATE SET status = excluded.status, confirmations = excluded.confirmations,
				detail = excluded.detail, updated_ms = excluded.updated_ms,
				batch = CASE WHEN excluded.batch > 0 THEN excluded.batch ELSE blocks.batch END,
				idx = CASE WHEN excluded.batch > 0 THEN excluded.idx ELSE blocks.idx END,
				reward = CASE WHEN excluded.reward > 0 THEN excluded.reward ELSE blocks.reward END,
				fee = CASE WHEN excluded.reward > 0 THEN excluded.fee ELSE blocks.fee END,
				network_difficulty = CASE WHEN excluded.reward > 0 THEN excluded.network_difficulty ELSE blocks.network_difficulty END,
				worker = CASE WHEN excluded.reward > 0 THEN excluded.worker ELSE blocks.worker END,
				address = CASE WHEN excluded.reward > 0 THEN excluded.address ELSE blocks.address END,
				found_ms = CASE WHEN excluded.reward > 0 THEN excluded.found_ms ELSE blocks.found_ms END`, len(blocks),
				func(i int, a []any) []any {
					x := &blocks[i]
					return append(a, x.Hash, int64(x.Height), x.Worker, x.Address, x.Reward, x.Fee, x.NetworkDifficulty,
						int(x.Status), x.Confirmations, x.Batch, x.Index, x.Detail, ms(x.FoundAt), ms(x.UpdatedAt))
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO splits (block, address, difficulty, amount)`, 4,
				`ON CONFLICT (block, address) DO UPDATE SET difficulty = excluded.difficulty, amount = excluded.amount`, len(splits),
				func(i int, a []any) []any {
					x := &splits[i]
					return append(a, x.Block, x.Address, x.Difficulty, x.Amount)
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO ledger (address, amount, kind, block, time_ms)`, 5, ``, len(w.Entries),
				func(i int, a []any) []any {
					x := &w.Entries[i]
					return append(a, x.Address, x.Amount, x.Kind, x.Block, ms(x.Time))
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO balances (address, amount, updated_ms)`, 3,
				`ON CONFLICT (address) DO UPDATE SET amount = balances.amount + excluded.amount, updated_ms = excluded.updated_ms`,
				len(balances), func(i int, a []any) []any {
					x := &balances[i]
					return append(a, x.Address, x.Amount, ms(x.UpdatedAt))
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO bans (target, reason, until_ms, time_ms)`, 4,
				`ON CONFLICT (target) DO UPDATE SET reason = excluded.reason, until_ms = excluded.until_ms, time_ms = excluded.time_ms`,
				len(bans), func(i int, a []any) []any {
					x := &bans[i]
					return append(a, x.Target, x.Reason, ms(x.Until), ms(x.Time))
				})
		},
		func() error {
			return s.insert(ctx, tx, `INSERT INTO meta (key, value)`, 2, `ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
				len(meta), func(i int, a []any) []any { return append(a, meta[i].Key, meta[i].Value) })
		},
	}
	for _, step := range steps {
		if err := step(); err != nil {
			return err
		}
	}
	return nil
}

// mergeMinutes adds up rows of the same worker and minute.
func mergeMinutes(in []Minute) []Minute {
	if len(in) < 2 {
		return in
	}
	type key struct {
		w uint32
		m int64
	}
	idx := make(map[key]int, len(in))
	out := make([]Minute, 0, len(in))
	for _, m := range in {
		k := key{m.Worker, m.Minute.UnixMilli()}
		if i, ok := idx[k]; ok {
			o := &out[i]
			o.Accepted += m.Accepted
			o.Rejected += m.Rejected
			o.AcceptedCount += m.AcceptedCount
			o.RejectedCount += m.RejectedCount
			continue
		}
		idx[k] = len(out)
		out = append(out, m)
	}
	return out
}

// lastByKey keeps the last row of each key, in first-seen order.
func lastByKey[T any](in []T, key func(T) string) []T {
	if len(in) < 2 {
		return in
	}
	idx := make(map[string]int, len(in))
	out := make([]T, 0, len(in))
	for _, x := range in {
		k := key(x)
		if i, ok := idx[k]; ok {
			out[i] = x
			continue
		}
		idx[k] = len(out)
		out = append(out, x)
	}
	return out
}

// sumBalances is the balance change per address of ledger entries.
func sumBalances(entries []LedgerEntry) []Balance {
	idx := map[string]int{}
	var out []Balance
	for _, e := range entries {
		if i, ok := idx[e.Address]; ok {
			out[i].Amount += e.Amount
			out[i].UpdatedAt = e.Time
			continue
		}
		idx[e.Address] = len(out)
		out = append(out, Balance{Address: e.Address, Amount: e.Amount, UpdatedAt: e.Time})
	}
	return out
}

func (s *sqlStore) DropMinutesAfter(ctx context.Context, t time.Time) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM minutes WHERE minute_ms > ?`), ms(t)); err != nil {
		return fmt.Errorf("account: %s: minutes: %w", s.d.name, err)
	}
	return nil
}

func (s *sqlStore) Meta(ctx context.Context, key string) (int64, error) {
	var v int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT value FROM meta WHERE key = ?`), key).Scan(&v)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("account: %s: meta: %w", s.d.name, err)
	}
	return v, nil
}

func (s *sqlStore) LastBatch(ctx context.Context) (int64, error) {
	var id sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(id) FROM batches`).Scan(&id); err != nil {
		return 0, fmt.Errorf("account: %s: last batch: %w", s.d.name, err)
	}
	return id.Int64, nil
}

func scanBatches(rows *sql.Rows, fn func(*Batch) error) error {
	defer rows.Close()
	var b Batch
	for rows.Next() {
		var t int64
		if err := rows.Scan(&b.ID, &t, &b.Count, &b.Difficulty, &b.Data); err != nil {
			return err
		}
		b.Time = fromMS(t)
		if err := fn(&b); err != nil {
			return err
		}
	}
	return rows.Err()
}

func (s *sqlStore) BatchesSince(ctx context.Context, since time.Time, fn func(*Batch) error) error {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, time_ms, count, difficulty, data FROM batches WHERE time_ms >= ? ORDER BY id`), ms(since))
	if err != nil {
		return fmt.Errorf("account: %s: batches: %w", s.d.name, err)
	}
	if err := scanBatches(rows, fn); err != nil {
		return fmt.Errorf("account: %s: batches: %w", s.d.name, err)
	}
	return nil
}

func (s *sqlStore) BatchesBefore(ctx context.Context, id int64, limit int) ([]Batch, error) {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, time_ms, count, difficulty, data FROM batches WHERE id <= ? ORDER BY id DESC LIMIT ?`), id, limit)
	if err != nil {
		return nil, fmt.Errorf("account: %s: batches: %w", s.d.name, err)
	}
	var out []Batch
	err = scanBatches(rows, func(b *Batch) error {
		c := *b
		c.Data = append([]byte(nil), b.Data...)
		out = append(out, c)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("account: %s: batches: %w", s.d.name, err)
	}
	return out, nil
}

func (s *sqlStore) Workers(ctx context.Context) ([]Worker, error) {
	return list(ctx, s, "workers", `SELECT id, name, address, created_ms FROM workers ORDER BY id`, nil,
		func(rows *sql.Rows, w *Worker) error {
			var id, t int64
			err := rows.Scan(&id, &w.Name, &w.Address, &t)
			w.ID, w.Created = uint32(id), fromMS(t)
			return err
		})
}

func (s *sqlStore) Bests(ctx context.Context) ([]Best, error) {
	return list(ctx, s, "bests", `SELECT key, worker, edge, session, difficulty, hash, height, time_ms FROM bests ORDER BY key`, nil,
		func(rows *sql.Rows, b *Best) error {
			var worker, edge, session, height, t int64
			err := rows.Scan(&b.Key, &worker, &edge, &session, &b.Difficulty, &b.Hash, &height, &t)
			b.Worker, b.Edge, b.Session, b.Height, b.Time = uint32(worker), uint16(edge), uint32(session), uint32(height), fromMS(t)
			return err
		})
}

func (s *sqlStore) Minutes(ctx context.Context, worker uint32, since time.Time) ([]Minute, error) {
	return list(ctx, s, "minutes", `SELECT minute_ms, accepted, rejected, accepted_count, rejected_count FROM minutes
		WHERE worker = ? AND minute_ms >= ? ORDER BY minute_ms`, []any{int64(worker), ms(since)},
		func(rows *sql.Rows, m *Minute) error {
			var t int64
			err := rows.Scan(&t, &m.Accepted, &m.Rejected, &m.AcceptedCount, &m.RejectedCount)
			m.Worker, m.Minute = worker, fromMS(t)
			return err
		})
}

func (s *sqlStore) AllMinutes(ctx context.Context, since time.Time, fn func(*Minute) error) error {
	rows, err := s.db.QueryContext(ctx, s.q(`SELECT worker, minute_ms, accepted, rejected, accepted_count, rejected_count FROM minutes
		WHERE minute_ms >= ? ORDER BY minute_ms`), ms(since))
	if err != nil {
		return fmt.Errorf("account: %s: minutes: %w", s.d.name, err)
	}
	defer rows.Close()
	var m Minute
	for rows.Next() {
		var worker, t int64
		if err := rows.Scan(&worker, &t, &m.Accepted, &m.Rejected, &m.AcceptedCount, &m.RejectedCount); err != nil {
			return fmt.Errorf("account: %s: minutes: %w", s.d.name, err)
		}
		m.Worker, m.Minute = uint32(worker), fromMS(t)
		if err := fn(&m); err != nil {
			return err
		}
	}
	return rows.Err()
}

const blockColumns = `hash, height, worker, address, reward, fee, network_difficulty, status, confirmations, batch, idx, detail, found_ms, updated_ms`

func scanBlock(rows *sql.Rows, b *Block) error {
	var height, status, found, updated int64
	err := rows.Scan(&b.Hash, &height, &b.Worker, &b.Address, &b.Reward, &b.Fee, &b.NetworkDifficulty, &status, &b.Confirmations,
		&b.Batch, &b.Index, &b.Detail, &found, &updated)
	b.Height, b.Status, b.FoundAt, b.UpdatedAt = uint32(height), BlockStatus(status), fromMS(found), fromMS(updated)
	return err
}

func (s *sqlStore) Blocks(ctx context.Context, offset, limit int) ([]Block, error) {
	return list(ctx, s, "blocks", `SELECT `+blockColumns+` FROM blocks ORDER BY found_ms DESC, height DESC, hash LIMIT ? OFFSET ?`,
		[]any{limit, offset}, scanBlock)
}

func (s *sqlStore) Block(ctx context.Context, hash string) (Block, error) {
	blocks, err := list(ctx, s, "block", `SELECT `+blockColumns+` FROM blocks WHERE hash = ?`, []any{hash}, scanBlock)
	switch {
	case err != nil:
		return Block{}, err
	case len(blocks) == 0:
		return Block{}, ErrNotFound
	}
	return blocks[0], nil
}

func (s *sqlStore) BlocksWithStatus(ctx context.Context, states ...BlockStatus) ([]Block, error) {
	if len(states) == 0 {
		return nil, nil
	}
	var in []string
	for _, st := range states {
		in = append(in, strconv.Itoa(int(st)))
	}
	return list(ctx, s, "blocks", `SELECT `+blockColumns+` FROM blocks WHERE status IN (`+strings.Join(in, ",")+`) ORDER BY height`,
		nil, scanBlock)
}

func (s *sqlStore) Splits(ctx context.Context, block string) ([]Split, error) {
	return list(ctx, s, "splits", `SELECT address, difficulty, amount FROM splits WHERE block = ? ORDER BY amount DESC, address`,
		[]any{block}, func(rows *sql.Rows, sp *Split) error {
			sp.Block = block
			return rows.Scan(&sp.Address, &sp.Difficulty, &sp.Amount)
		})
}

// immatureSQL sums the splits of blocks still maturing, per address.
const immatureSQL = `SELECT splits.address AS address, SUM(splits.amount) AS immature FROM splits JOIN blocks ON blocks.hash = splits.block
	WHERE blocks.status IN (0, 1) GROUP BY splits.address`

func (s *sqlStore) Balances(ctx context.Context, offset, limit int) ([]Balance, error) {
	return list(ctx, s, "balances", `SELECT a.address, COALESCE(b.amount, 0), COALESCE(i.immature, 0), COALESCE(b.updated_ms, 0)
		FROM (SELECT address FROM balances UNION SELECT address FROM (`+immatureSQL+`) im) a
		LEFT JOIN balances b ON b.address = a.address
		LEFT JOIN (`+immatureSQL+`) i ON i.address = a.address
		ORDER BY COALESCE(b.amount, 0) + COALESCE(i.immature, 0) DESC, a.address LIMIT ? OFFSET ?`, []any{limit, offset},
		func(rows *sql.Rows, b *Balance) error {
			var t int64
			err := rows.Scan(&b.Address, &b.Amount, &b.Immature, &t)
			b.UpdatedAt = fromMS(t)
			return err
		})
}

func (s *sqlStore) Balance(ctx context.Context, address string) (Balance, error) {
	b := Balance{Address: address}
	var t int64
	err := s.db.QueryRowContext(ctx, s.q(`SELECT amount, updated_ms FROM balances WHERE address = ?`), address).Scan(&b.Amount, &t)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return b, fmt.Errorf("account: %s: balance: %w", s.d.name, err)
	}
	found := err == nil
	b.UpdatedAt = fromMS(t)
	var imm sql.NullInt64
	if err := s.db.QueryRowContext(ctx, s.q(`SELECT SUM(splits.amount) FROM splits JOIN blocks ON blocks.hash = splits.block
		WHERE blocks.status IN (0, 1) AND splits.address = ?`), address).Scan(&imm); err != nil {
		return b, fmt.Errorf("account: %s: balance: %w", s.d.name, err)
	}
	b.Immature = imm.Int64
	if !found && !imm.Valid {
		return b, ErrNotFound
	}
	return b, nil
}

func (s *sqlStore) Ledger(ctx context.Context, address string, offset, limit int) ([]LedgerEntry, error) {
	return list(ctx, s, "ledger", `SELECT amount, kind, block, time_ms FROM ledger WHERE address = ? ORDER BY id DESC LIMIT ? OFFSET ?`,
		[]any{address, limit, offset}, func(rows *sql.Rows, e *LedgerEntry) error {
			var t int64
			err := rows.Scan(&e.Amount, &e.Kind, &e.Block, &t)
			e.Address, e.Time = address, fromMS(t)
			return err
		})
}

func (s *sqlStore) Bans(ctx context.Context, now time.Time) ([]Ban, error) {
	return list(ctx, s, "bans", `SELECT target, reason, until_ms, time_ms FROM bans WHERE until_ms > ? ORDER BY until_ms`,
		[]any{ms(now)}, func(rows *sql.Rows, b *Ban) error {
			var until, t int64
			err := rows.Scan(&b.Target, &b.Reason, &until, &t)
			b.Until, b.Time = fromMS(until), fromMS(t)
			return err
		})
}

// list runs a query and scans each of its rows into a new T; what names
// the rows in errors.
func list[T any](ctx context.Context, s *sqlStore, what, query string, args []any, scan func(*sql.Rows, *T) error) ([]T, error) {
	rows, err := s.db.QueryContext(ctx, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("account: %s: %s: %w", s.d.name, what, err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows, &v); err != nil {
			return nil, fmt.Errorf("account: %s: %s: %w", s.d.name, what, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("account: %s: %s: %w", s.d.name, what, err)
	}
	return out, nil
}

// windowPage is how many batches WindowStart reads at a time.
const windowPage = 10_000

func (s *sqlStore) WindowStart(ctx context.Context, size float64) (int64, error) {
	var total float64
	next := int64(math.MaxInt64)
	for {
		rows, err := s.db.QueryContext(ctx, s.q(`SELECT id, difficulty FROM batches WHERE id < ? ORDER BY id DESC LIMIT ?`), next, windowPage)
		if err != nil {
			return 0, fmt.Errorf("account: %s: window: %w", s.d.name, err)
		}
		n := 0
		for rows.Next() {
			var d float64
			if err := rows.Scan(&next, &d); err != nil {
				rows.Close()
				return 0, fmt.Errorf("account: %s: window: %w", s.d.name, err)
			}
			n++
			if total += d; total >= size {
				rows.Close()
				return next, nil
			}
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return 0, fmt.Errorf("account: %s: window: %w", s.d.name, err)
		}
		if n < windowPage {
			return 0, nil
		}
	}
}

func (s *sqlStore) Prune(ctx context.Context, before time.Time, keepFrom int64, limit int) (int64, error) {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM batches WHERE id IN
		(SELECT id FROM batches WHERE time_ms < ? AND id < ? ORDER BY id LIMIT ?)`), ms(before), keepFrom, limit)
	if err != nil {
		return 0, fmt.Errorf("account: %s: prune: %w", s.d.name, err)
	}
	n, _ := res.RowsAffected()
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM bans WHERE until_ms < ?`), ms(before)); err != nil {
		return n, fmt.Errorf("account: %s: prune bans: %w", s.d.name, err)
	}
	return n, nil
}

func (s *sqlStore) Close() error {
	if s.stop != nil {
		select {
		case <-s.stop:
		default:
			close(s.stop)
		}
		<-s.stopped
	}
	s.walMu.Lock()
	if s.walFile != nil {
		s.walFile.Close()
	}
	s.walMu.Unlock()
	return s.db.Close()
}
