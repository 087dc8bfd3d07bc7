package account

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
)

// OpenPostgres opens the PostgreSQL store at url (postgres://...).
func OpenPostgres(ctx context.Context, url string) (Store, error) {
	db, err := sql.Open("pgx", url)
	if err != nil {
		return nil, fmt.Errorf("account: postgres: %w", err)
	}
	db.SetMaxOpenConns(8)
	s := &sqlStore{db: db, d: dialect{
		name:         "postgres",
		migrations:   migrations(map[string]string{"int": "BIGINT", "real": "DOUBLE PRECISION", "blob": "BYTEA", "serial": "BIGSERIAL PRIMARY KEY"}),
		placeholders: numbered, commitInDoubt: commitInDoubt,
	}}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("account: postgres: %w", err)
	}
	if err := s.migrate(ctx); err != nil {
		db.Close()
		return nil, err
	}
	return s, nil
}

// commitInDoubt: a COMMIT the server answered with an error did not take;
// one with no answer (the connection lost, the deadline passed) may have.
func commitInDoubt(err error) bool {
	var pgErr *pgconn.PgError
	return !errors.As(err, &pgErr)
}

// numbered turns each ? into $1, $2, ...
func numbered(q string) string {
	var b strings.Builder
	n := 0
	for _, c := range q {
		if c == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(c)
	}
	return b.String()
}
