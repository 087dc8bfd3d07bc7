// Package pgtest runs a throwaway PostgreSQL server for the tests: a
// cluster made with initdb in a temporary directory, on a loopback port
// below 32768, removed when it stops. As root it runs the server as the
// postgres user, which PostgreSQL requires.
//
// STRATA_TEST_POSTGRES, when set, names a server to use instead
// (postgres://...); each test then gets its own database on it.
package pgtest

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver
	"github.com/stratapool/strata/internal/testnet"
)

// ErrUnavailable is returned when no PostgreSQL can be found or run here.
var ErrUnavailable = errors.New("pgtest: no PostgreSQL here (make test installs it: scripts/deps.sh)")

// Server is a running throwaway cluster.
type Server struct {
	// URL reaches the server's postgres database as its superuser.
	URL  string
	Port int
	dir  string
	bin  string
	cred *syscall.Credential
	ext  bool
	mu   sync.Mutex
	n    int
}

// binDir finds PostgreSQL's server programs.
func binDir() (string, error) {
	if p, err := exec.LookPath("postgres"); err == nil {
		return filepath.Dir(p), nil
	}
	matches, _ := filepath.Glob("/usr/lib/postgresql/*/bin/postgres")
	if len(matches) == 0 {
		return "", ErrUnavailable
	}
	return filepath.Dir(matches[len(matches)-1]), nil
}

// Start runs a new cluster, or uses $STRATA_TEST_POSTGRES.
func Start(ctx context.Context) (*Server, error) {
	if u := os.Getenv("STRATA_TEST_POSTGRES"); u != "" {
		return &Server{URL: u, ext: true}, nil
	}
	bin, err := binDir()
	if err != nil {
		return nil, err
	}
	sweepOrphans(ctx, bin)
	dir, err := os.MkdirTemp("", "strata-pg-*")
	if err != nil {
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	if err := os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())), 0o644); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: %w", err)
	}
	s := &Server{dir: dir, bin: bin}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		s.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("pgtest: %w", err)
		}
	}
	data := filepath.Join(dir, "data")
	if out, err := s.run(ctx, "initdb", "-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync"); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("pgtest: initdb: %v: %s", err, out)
	}
	var last error
	for range 5 {
		port, err := testnet.Port()
		if err != nil {
			return nil, err
		}
		opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=50", port, dir)
		out, err := s.run(ctx, "pg_ctl", "-D", data, "-o", opts, "-l", filepath.Join(dir, "log"), "-w", "-t", "60", "start")
		if err == nil {
			s.Port = port
			s.URL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", port)
			return s, nil
		}
		last = fmt.Errorf("%v: %s", err, out)
		log, _ := os.ReadFile(filepath.Join(dir, "log"))
		if !strings.Contains(string(log), "in use") {
			break
		}
	}
	os.RemoveAll(dir)
	return nil, fmt.Errorf("pgtest: pg_ctl start: %w", last)
}

// ownerFile holds the pid of the test process that made a cluster.
const ownerFile = "owner.pid"

// sweepOrphans stops and removes the clusters of test processes that were
// killed before Close (a test binary's timeout does that), so their
// servers do not pile up on a machine that runs the tests again.
func sweepOrphans(ctx context.Context, bin string) {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "strata-pg-*"))
	for _, dir := range dirs {
		raw, err := os.ReadFile(filepath.Join(dir, ownerFile))
		if err != nil {
			continue // not ours, or still being made
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(raw)))
		if err != nil || pid == os.Getpid() || alive(pid) {
			continue // a live process owns it
		}
		orphan := &Server{dir: dir, bin: bin}
		if st, err := os.Stat(dir); err == nil {
			if sys, ok := st.Sys().(*syscall.Stat_t); ok && os.Geteuid() == 0 && sys.Uid != 0 {
				orphan.cred = &syscall.Credential{Uid: sys.Uid, Gid: sys.Gid}
			}
		}
		_, _ = orphan.run(ctx, "pg_ctl", "-D", filepath.Join(dir, "data"), "-m", "immediate", "-w", "-t", "10", "stop")
		os.RemoveAll(dir)
	}
}

func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}

func (s *Server) run(ctx context.Context, prog string, args ...string) ([]byte, error) {
	cmd := exec.CommandContext(ctx, filepath.Join(s.bin, prog), args...)
	if s.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: s.cred}
	}
	cmd.Dir = s.dir
	return cmd.CombinedOutput()
}

// Database makes a new empty database and returns its URL.
func (s *Server) Database(ctx context.Context) (string, error) {
	s.mu.Lock()
	s.n++
	name := fmt.Sprintf("strata_test_%d_%d", os.Getpid(), s.n)
	s.mu.Unlock()
	db, err := sql.Open("pgx", s.URL)
	if err != nil {
		return "", err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgtest: create database: %w", err)
	}
	return replaceDB(s.URL, name), nil
}

func replaceDB(url, name string) string {
	q := ""
	if i := strings.IndexByte(url, '?'); i >= 0 {
		url, q = url[:i], url[i:]
	}
	if i := strings.LastIndexByte(url, '/'); i > len("postgres://") {
		url = url[:i]
	}
	return url + "/" + name + q
}

// Stop stops the server now (as a crash would: immediate mode), keeping
// its files so Restart can bring it back.
func (s *Server) Stop(ctx context.Context) error {
	if s.ext {
		return errors.New("pgtest: an external server is not stopped")
	}
	out, err := s.run(ctx, "pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "immediate", "-w", "stop")
	if err != nil {
		return fmt.Errorf("pgtest: stop: %v: %s", err, out)
	}
	return nil
}

// Restart starts a stopped server on its port again.
func (s *Server) Restart(ctx context.Context) error {
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c max_connections=50", s.Port, s.dir)
	out, err := s.run(ctx, "pg_ctl", "-D", filepath.Join(s.dir, "data"), "-o", opts, "-l", filepath.Join(s.dir, "log"), "-w", "-t", "60", "start")
	if err != nil {
		return fmt.Errorf("pgtest: restart: %v: %s", err, out)
	}
	return nil
}

// Close stops the server and removes its files.
func (s *Server) Close() {
	if s.ext {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, _ = s.run(ctx, "pg_ctl", "-D", filepath.Join(s.dir, "data"), "-m", "fast", "-w", "stop")
	os.RemoveAll(s.dir)
}
