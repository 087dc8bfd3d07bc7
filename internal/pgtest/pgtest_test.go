package pgtest

import (
	"context"
	"database/sql"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
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

// A cluster whose test process died before Close is stopped and removed
// by the next Start, and a live owner's cluster is left alone.
func TestOrphanedClusterIsSwept(t *testing.T) {
	if testing.Short() {
		t.Skip("runs PostgreSQL")
	}
	if os.Getenv("STRATA_TEST_POSTGRES") != "" {
		t.Skip("an external server has no clusters to sweep")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	orphan, err := Start(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer orphan.Close()
	dead := exec.Command("true")
	if err := dead.Run(); err != nil {
		t.Fatal(err)
	}
	owner := filepath.Join(orphan.dir, ownerFile)
	if err := os.WriteFile(owner, []byte(strconv.Itoa(dead.Process.Pid)), 0o644); err != nil {
		t.Fatal(err)
	}
	live, err := Start(ctx) // sweeps the orphan
	if err != nil {
		t.Fatal(err)
	}
	defer live.Close()
	if _, err := os.Stat(orphan.dir); !os.IsNotExist(err) {
		t.Errorf("the orphan's directory is still there: %v", err)
	}
	if c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", orphan.Port), time.Second); err == nil {
		c.Close()
		t.Error("the orphan's server still listens")
	}
	sweepOrphans(ctx, live.bin)
	if _, err := os.Stat(live.dir); err != nil {
		t.Errorf("a live owner's cluster was swept: %v", err)
	}
}
