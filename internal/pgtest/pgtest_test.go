package pgtest

import (
	"context"
	"database/sql"
	"testing"
	"time"
)

func TestServerStartsStopsAndComesBack(t *testing.T) {
	if testing.Short() {
		t.Skip("runs PostgreSQL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	url, err := s.Database(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, `CREATE TABLE t (v INT); INSERT INTO t VALUES (42)`); err != nil {
		t.Fatal(err)
	}
	if s.ext {
		return
	}
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := db.PingContext(ctx); err == nil {
		t.Error("a stopped server answered")
	}
	if err := s.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	var v int
	if err := db.QueryRowContext(ctx, `SELECT v FROM t`).Scan(&v); err != nil || v != 42 {
		t.Fatalf("after restart: %v %d", err, v)
	}
	if got := replaceDB("postgres://u@h:1/postgres?sslmode=disable", "x"); got != "postgres://u@h:1/x?sslmode=disable" {
		t.Errorf("replaceDB %s", got)
	}
}
