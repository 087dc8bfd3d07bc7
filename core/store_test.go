package core

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/internal/testnet"
)

// A damaged accounts file: the core starts anyway, gated, and /readyz says
// why, naming the file; once the operator moves it away (or restores a
// good one) the core opens it and hands out work.
func TestCoreWithADamagedStoreRunsGated(t *testing.T) {
	ctx := context.Background()
	cfg, _, _ := regtestCore(t, 5)
	damaged := filepath.Join(cfg.DataDir, "accounts.db")
	if err := os.WriteFile(damaged, []byte(strings.Repeat("this is no database ", 300)), 0o644); err != nil {
		t.Fatal(err)
	}
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	statsLn, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, Options{Keys: func(string) ([]byte, bool) { return linkKey, true }, Listener: ln, StatsListener: statsLn})
	if err != nil {
		t.Fatalf("a damaged store stopped the core: %v", err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	defer func() { cancel(); <-done }()

	readyz := func() (int, string) {
		resp, err := http.Get("http://" + statsLn.Addr().String() + "/readyz")
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	waitFor := func(what string, ok func(int, string) bool) {
		t.Helper()
		var code int
		var body string
		for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
			if code, body = readyz(); ok(code, body) {
				return
			}
		}
		t.Fatalf("%s: /readyz answered %d %q", what, code, body)
	}
	waitFor("gated for the store", func(code int, body string) bool {
		return code == 503 && strings.Contains(body, "store_down") && strings.Contains(body, damaged)
	})
	if err := os.Rename(damaged, damaged+".bad"); err != nil {
		t.Fatal(err)
	}
	waitFor("open once the file is moved away", func(code int, body string) bool { return code == 200 })
}
