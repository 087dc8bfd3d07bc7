package e2e

import (
	"bufio"
	"context"
	"crypto/tls"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/stratapool/strata/bench/miner"
	"github.com/stratapool/strata/core"
	"github.com/stratapool/strata/core/account"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/edge"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/internal/testwallet"
	"github.com/stratapool/strata/wire"
)

var linkKey = []byte("strata-e2e-test-link-key-32bytes")

// shareDifficulty is what the test listeners give miners: a share in about
// 4,000 hashes. On regtest every such share is also a block.
const shareDifficulty = 1e-6

// ledger reads the core's accounts store: what the pool credited.
type ledger struct{ p *pool }

// get finds a credited share by hash, with the worker it was credited to.
func (l ledger) get(hash [32]byte) (account.Share, string, bool) {
	l.p.t.Helper()
	st := l.p.core.Accounts.Store()
	ctx := context.Background()
	var found account.Share
	ok := false
	err := st.BatchesSince(ctx, time.Time{}, func(b *account.Batch) error {
		return account.DecodeShares(b.Data, b.Time, func(s *account.Share) bool {
			if s.Hash == hash {
				found, ok = *s, true
				return false
			}
			return true
		})
	})
	if err != nil {
		l.p.t.Fatal(err)
	}
	if !ok {
		return found, "", false
	}
	workers, err := st.Workers(ctx)
	if err != nil {
		l.p.t.Fatal(err)
	}
	for _, w := range workers {
		if w.ID == found.Worker {
			return found, w.Name, true
		}
	}
	return found, "", true
}

func (l ledger) has(hash [32]byte) bool {
	_, _, ok := l.get(hash)
	return ok
}

// pool is a btcd node, a core and an edge, all on loopback.
type pool struct {
	t      *testing.T
	node   *regtest.Node
	wallet *testwallet.Wallet
	ledger ledger

	coreCfg  core.Config
	coreAddr string
	// stats is the core's statistics address, http://host:port.
	stats    string
	core     *core.Core
	stopCore func()

	edge       *edge.Edge
	plain, tls string
}

type options struct {
	mode  job.PayoutMode
	fee   float64
	hold  time.Duration
	edgeF func(*edge.Config)
}

func startPool(t *testing.T, o options) *pool {
	t.Helper()
	if testing.Short() {
		t.Skip("needs btcd")
	}
	ctx := context.Background()
	p := &pool{t: t, wallet: testwallet.New(9, &chaincfg.RegressionNetParams)}
	p.ledger = ledger{p}
	n, err := regtest.Start(ctx, regtest.Options{Dir: t.TempDir(), MiningAddr: p.wallet.LegacyAddress()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Kill)
	p.node = n
	if _, err := n.Generate(ctx, 3); err != nil {
		t.Fatal(err)
	}

	cfg := core.DefaultConfig()
	cfg.DataDir = t.TempDir()
	cfg.Pool.Mode = o.mode
	cfg.Pool.Address = p.wallet.SegwitAddress()
	cfg.Pool.FeePercent = o.fee
	cfg.Link.PingInterval = time.Second
	cfg.Template.Refresh, cfg.Template.MaxAge = 10*time.Minute, 20*time.Minute // no new jobs but the ones a test causes
	statsAddr, _ := testnet.Addr()
	cfg.Stats.Listen = statsAddr
	cfg.Nodes[0].RPCURL, cfg.Nodes[0].RPCUser, cfg.Nodes[0].RPCPassword = n.RPCURL, n.User, n.Password
	p.coreCfg = cfg
	p.stats = "http://" + statsAddr
	p.startCore()

	ecfg := edge.DefaultConfig()
	ecfg.Name = "e2e"
	ecfg.Uplink.Cores = []string{p.coreAddr}
	if o.hold > 0 {
		ecfg.Uplink.Hold = o.hold
	}
	ecfg.Limits.PerIP, ecfg.Limits.AcceptRate = 0, 0
	p.plain, _ = testnet.Addr()
	p.tls, _ = testnet.Addr()
	l := ecfg.Listeners[0]
	l.AllowFractional = true
	l.MinDifficulty, l.StartDifficulty, l.MaxDifficulty = 1e-9, shareDifficulty, 1e9
	plain, secure := l, l
	plain.Address = p.plain
	secure.Address, secure.TLS = p.tls, true
	ecfg.Listeners = []edge.ListenerConfig{plain, secure}
	if o.edgeF != nil {
		o.edgeF(&ecfg)
	}
	e, err := edge.New(ecfg, edge.Options{Key: linkKey})
	if err != nil {
		t.Fatal(err)
	}
	p.edge = e
	ectx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(ectx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("edge: %v", err)
		}
	})
	select {
	case <-e.Ready():
	case <-time.After(10 * time.Second):
		t.Fatal("edge not listening")
	}
	p.waitJob()
	return p
}

// startCore runs the core; the first start picks its link address, later
// ones reuse it as a restarted core would.
func (p *pool) startCore() {
	t := p.t
	var ln net.Listener
	var err error
	if p.coreAddr == "" {
		ln, err = testnet.Listen()
	} else {
		for range 100 {
			if ln, err = net.Listen("tcp", p.coreAddr); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	p.coreAddr = ln.Addr().String()
	c, err := core.New(p.coreCfg, core.Options{Keys: func(string) ([]byte, bool) { return linkKey, true },
		Listener: ln})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- c.Run(ctx) }()
	var once sync.Once
	p.core = c
	p.stopCore = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("core: %v", err)
			}
			ln.Close()
		})
	}
	t.Cleanup(p.stopCore)
}

// waitJob waits until the edge has a job from the core.
func (p *pool) waitJob() {
	p.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for p.edge.Server.CurrentJob() == nil {
		if time.Now().After(deadline) {
			p.t.Fatal("no job reached the edge")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *pool) height() int64 {
	h, err := p.node.Height(context.Background())
	if err != nil {
		p.t.Fatal(err)
	}
	return h
}

// socket is a raw Stratum connection for replays.
type socket struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dialRaw(t *testing.T, addr string, secure bool) *socket {
	t.Helper()
	var c net.Conn
	var err error
	if secure {
		c, err = tls.Dial("tcp", addr, &tls.Config{InsecureSkipVerify: true})
	} else {
		c, err = net.DialTimeout("tcp", addr, 5*time.Second)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &socket{t: t, conn: c, r: bufio.NewReader(c)}
}

func (s *socket) send(line string) {
	s.t.Helper()
	if _, err := s.conn.Write([]byte(line + "\n")); err != nil {
		s.t.Fatal(err)
	}
}

func (s *socket) line() string {
	s.t.Helper()
	s.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	l, err := s.r.ReadString('\n')
	if err != nil {
		s.t.Fatalf("read: %v", err)
	}
	return strings.TrimSuffix(l, "\n")
}

func (s *socket) expect(want ...string) {
	s.t.Helper()
	for _, w := range want {
		if got := s.line(); got != w {
			s.t.Fatalf("got  %s\nwant %s", got, w)
		}
	}
}

// dialMiner connects a mining client and runs a handshake.
func (p *pool) dialMiner(secure bool, user string, mask uint32) *miner.Client {
	t := p.t
	t.Helper()
	addr := p.plain
	var tcfg *tls.Config
	if secure {
		addr, tcfg = p.tls, &tls.Config{InsecureSkipVerify: true}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	c, err := miner.Dial(ctx, addr, tcfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.Start()
	if mask != 0 {
		if err := c.Configure(ctx, mask); err != nil {
			t.Fatal(err)
		}
	}
	if err := c.Subscribe(ctx, "e2e-miner/1.0", ""); err != nil {
		t.Fatal(err)
	}
	if err := c.Authorize(ctx, user, "x"); err != nil {
		t.Fatal(err)
	}
	return c
}

// findShare mines the client's current job for a share at its difficulty.
func findShare(t *testing.T, c *miner.Client, n uint64) miner.Share {
	t.Helper()
	return search(t, c, n, false)
}

// findShareNotBlock finds a share whose hash misses the network target
// (the miner's difficulty must be below the network's).
func findShareNotBlock(t *testing.T, c *miner.Client, n uint64) miner.Share {
	t.Helper()
	return search(t, c, n, true)
}

func search(t *testing.T, c *miner.Client, n uint64, notBlock bool) miner.Share {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		j, _, d := c.Work()
		if j != nil && d > 0 {
			target, err := miner.TargetFor(d)
			if err != nil {
				t.Fatal(err)
			}
			network, err := miner.TargetFromBits(j.Bits)
			if err != nil {
				t.Fatal(err)
			}
			for k := uint64(0); k < 64; k++ {
				en2 := miner.Extranonce2(n<<8|k, c.Extranonce2Size)
				for start := uint32(0); start < 1<<20; start += 1 << 12 {
					s, ok := miner.Search(j, c.Extranonce1, en2, &target, c.VersionMask(), start, 1<<12)
					if ok && !(notBlock && network.Meets(s.Hash)) {
						return s
					}
					if !ok {
						break
					}
					start = s.Nonce + 1 - 1<<12 // go on after this share
				}
			}
			t.Fatalf("no share at difficulty %g", d)
		}
		if time.Now().After(deadline) {
			t.Fatal("no work")
		}
		select {
		case <-c.Updates():
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func tlsErrorReason() wire.CloseReason { return wire.CloseTLSError }

// waitWork waits for the client's first job and difficulty.
func waitWork(t *testing.T, c *miner.Client) (*miner.Job, float64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if j, _, d := c.Work(); j != nil && d > 0 {
			return j, d
		}
		if time.Now().After(deadline) {
			t.Fatal("no work")
		}
		select {
		case <-c.Updates():
		case <-time.After(50 * time.Millisecond):
		}
	}
}
