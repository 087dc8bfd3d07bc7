package core

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/stratapool/strata/core/block"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/internal/testwallet"
	"github.com/stratapool/strata/wire"
)

var linkKey = []byte("strata-core-test-key-32-bytes!!!")

// regtestCore starts a btcd regtest node with a few blocks, killed when
// the test ends, and gives a core configuration on it paying a wallet
// made from seed, with a data directory of its own.
func regtestCore(t *testing.T, seed byte) (Config, *regtest.Node, *testwallet.Wallet) {
	t.Helper()
	if testing.Short() {
		t.Skip("needs btcd")
	}
	ctx := context.Background()
	w := testwallet.New(seed, &chaincfg.RegressionNetParams)
	n, err := regtest.Start(ctx, regtest.Options{Dir: t.TempDir(), MiningAddr: w.LegacyAddress()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Kill)
	if _, err := n.Generate(ctx, 3); err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Pool.Address = w.SegwitAddress()
	cfg.Nodes[0].RPCURL, cfg.Nodes[0].RPCUser, cfg.Nodes[0].RPCPassword = n.RPCURL, n.User, n.Password
	return cfg, n, w
}

// TestCoreFindsBlockAndGates runs a whole core against btcd with an edge
// at the other end of a real link: shares that solve a block make btcd's
// tip move and a new clean job follow; btcd stopping closes the gate, and
// the edge is told why.
func TestCoreFindsBlockAndGates(t *testing.T) {
	ctx := context.Background()
	cfg, n, w := regtestCore(t, 4)
	cfg.Link.PingInterval = time.Second
	cfg.Stats.Listen = ""
	// A second node that never becomes ready must still be offered the block.
	laggard := startLaggard(t)
	cfg.Nodes = append(cfg.Nodes, NodeConfig{Name: "laggard", RPCURL: laggard.url, RPCUser: "u", RPCPassword: "p", Priority: 1, Timeout: 2 * time.Second})
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	c, err := New(cfg, Options{Keys: func(string) ([]byte, bool) { return linkKey, true }, Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	rctx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- c.Run(rctx) }()
	defer func() { cancel(); <-done }()

	nc, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	conn, _, err := wire.Client(nc, wire.ClientConfig{Name: "eu-1", Key: linkKey, Caps: wire.AllCaps})
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// The test edge answers pings, as an edge does, and keeps every
	// message so that waiting for one does not lose another.
	var mu sync.Mutex
	var inbox []wire.Message
	closed := false
	go func() {
		for {
			m, err := conn.ReadMessage()
			mu.Lock()
			if err != nil {
				closed = true
				mu.Unlock()
				return
			}
			inbox = append(inbox, m)
			mu.Unlock()
			if p, ok := m.(*wire.Ping); ok {
				conn.Send(&wire.Pong{Nonce: p.Nonce, SentUnixNano: p.SentUnixNano})
			}
		}
	}()
	next := func(match func(wire.Message) bool, within time.Duration) wire.Message {
		t.Helper()
		deadline := time.Now().Add(within)
		for {
			mu.Lock()
			for i, m := range inbox {
				if match(m) {
					inbox = append(inbox[:i:i], inbox[i+1:]...)
					mu.Unlock()
					return m
				}
			}
			gone := closed
			mu.Unlock()
			if gone {
				t.Fatal("link closed")
			}
			if time.Now().After(deadline) {
				t.Fatalf("nothing matching within %s", within)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	j := next(func(m wire.Message) bool { return m.Type() == wire.TypeJob }, 10*time.Second).(*wire.Job)
	if j.Height != 4 {
		t.Fatalf("job at height %d, want 4", j.Height)
	}
	next(func(m wire.Message) bool { ws, ok := m.(*wire.WorkState); return ok && ws.Ready() }, 5*time.Second)

	conn.Send(&wire.SessionOpen{Session: 7, Difficulty: 1e-12, Worker: w.SegwitAddress() + ".rig"})
	if r := next(func(m wire.Message) bool { return m.Type() == wire.TypeAuthResult }, 5*time.Second).(*wire.AuthResult); r.Status != wire.AuthOK {
		t.Fatalf("authorize: %+v", r)
	}
	var recs []wire.SubmitRecord
	for i := range uint32(64) {
		recs = append(recs, wire.SubmitRecord{Session: 7, Job: j.ID, Extranonce2: uint64(i), NTime: j.NTime, Nonce: i})
	}
	conn.Send(&wire.SubmitBatch{Records: recs})
	v := next(func(m wire.Message) bool { return m.Type() == wire.TypeVerdict }, 5*time.Second).(*wire.VerdictBatch)
	blocks := 0
	for _, x := range v.Verdicts {
		blocks += map[bool]int{true: 1}[x == wire.VerdictBlock]
		if !x.Accepted() {
			t.Errorf("share refused: %s", x)
		}
	}
	if blocks != 1 {
		t.Fatalf("%d block verdicts, want 1", blocks)
	}
	if err := n.WaitHeight(ctx, 4, 5*time.Second); err != nil {
		t.Fatalf("btcd did not take the block: %v", err)
	}
	next(func(m wire.Message) bool { j2, ok := m.(*wire.Job); return ok && j2.Height == 5 && j2.Clean }, 5*time.Second)
	// The block's final record follows its confirmation; the new job may
	// come first (btcd's longpoll returns at once).
	var recs2 []block.Record
	for deadline := time.Now().Add(10 * time.Second); ; {
		recs2, err = block.ReadJournal(filepath.Join(cfg.DataDir, "blocks.jsonl"))
		if err == nil && len(recs2) == 1 && recs2[0].Status == block.StatusAccepted {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("journal %+v %v", recs2, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if recs2[0].Worker != w.SegwitAddress()+".rig" {
		t.Errorf("block credited to %q", recs2[0].Worker)
	}
	if got := laggard.submits.Load(); got != 1 {
		t.Errorf("the node that was not ready was offered %d blocks, want 1", got)
	}
	best, _ := c.Nodes.Active().GetBestBlockHash(ctx)
	if best.String() != recs2[0].Hash {
		t.Errorf("tip %s, journal %s", best, recs2[0].Hash)
	}

	// btcd goes away: the gate closes and the edge hears why.
	n.Kill()
	next(func(m wire.Message) bool {
		ws, ok := m.(*wire.WorkState)
		return ok && ws.Reason == wire.WorkNoNode && strings.Contains(ws.Detail, "down")
	}, 10*time.Second)
	if c.Work.State().Ready() {
		t.Error("the core's own state is still ready")
	}
}

func TestCoreStartupErrors(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Pool.Address = testRegtestAddress
	cfg.Link.AllowPlaintext = true
	cfg.DataDir = "/proc/strata-cannot-write-here"
	if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "data_dir") {
		t.Errorf("unwritable data dir: %v", err)
	}
	busy, _ := testnet.Listen()
	defer busy.Close()
	cfg.DataDir = t.TempDir()
	cfg.Link.Listen = busy.Addr().String()
	if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "in use") || !strings.Contains(err.Error(), "link.listen") {
		t.Errorf("port in use: %v", err)
	}
	cfg.Link.Listen = "127.0.0.1:0"
	cfg.Link.AllowPlaintext = false
	cfg.Link.KeysFile = filepath.Join(t.TempDir(), "missing")
	if _, err := New(cfg, Options{}); err == nil || !strings.Contains(err.Error(), "link.keys_file") {
		t.Errorf("missing keys file: %v", err)
	}
}

// laggard is a node still loading its block index: it answers every call
// with Bitcoin Core's -28 and counts the blocks it is offered.
type laggard struct {
	url     string
	submits atomic.Int32
}

func startLaggard(t *testing.T) *laggard {
	t.Helper()
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	l := &laggard{url: "http://" + ln.Addr().String()}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
		}
		_ = json.NewDecoder(r.Body).Decode(&req)
		if req.Method == "submitblock" {
			l.submits.Add(1)
		}
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"result":null,"error":{"code":-28,"message":"Loading block index..."},"id":%s}`, cmp.Or(string(req.ID), "null"))
	})}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return l
}
