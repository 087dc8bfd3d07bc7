package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/stratapool/strata/core"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/edge"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/wire"
)

// runSettings is what `strata run` reads: the core's and the edge's
// settings side by side (their keys do not overlap), logging, and what
// only the embedded pool has.
type runSettings struct {
	Core core.Config `toml:",inline"`
	Edge edge.Config `toml:",inline"`
	Log  logConfig   `toml:"log"`
	// DemoMiners start simulated miners on this machine that find blocks.
	DemoMiners int `toml:"demo_miners" help:"start this many built-in simulated miners (regtest), so blocks are found while you watch"`
	// BTCDRPC and BTCDP2P are where the embedded btcd listens.
	BTCDRPC string `toml:"btcd_rpc" help:"RPC address of the btcd regtest node strata run starts when no node is configured"`
	BTCDP2P string `toml:"btcd_p2p" help:"P2P address of that btcd"`
	// CPUProfile records a CPU profile of the whole run (make pgo).
	CPUProfile string `toml:"cpu_profile" help:"write a CPU profile of the whole run to this file (make pgo uses it)"`
}

// regtestPlaceholder stands for the address strata run makes when none is
// given on regtest, while the settings are checked.
const regtestPlaceholder = "bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080"

func (s *runSettings) Validate() error {
	var errs []error
	c := s.Core
	if c.Pool.Address == "" && c.Network == chain.Regtest {
		c.Pool.Address = regtestPlaceholder
	}
	if err := c.ValidateEmbedded(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, s.Edge.ValidateEmbedded(), s.Log.validate())
	if s.DemoMiners < 0 || s.DemoMiners > 64 {
		errs = append(errs, fmt.Errorf("config: demo_miners: must be 0 to 64, got %d", s.DemoMiners))
	}
	if s.DemoMiners > 0 && s.Core.Network != chain.Regtest {
		errs = append(errs, errors.New("config: demo_miners: only on regtest, where a CPU finds blocks"))
	}
	return errors.Join(errs...)
}

func defaultRunSettings() *runSettings {
	s := &runSettings{Core: core.DefaultConfig(), Edge: edge.DefaultConfig(), Log: defaultLog(),
		BTCDRPC: "127.0.0.1:18334", BTCDP2P: "127.0.0.1:18444"}
	s.Edge.Name = "local"
	return s
}

func runRun(args []string, out, errOut io.Writer) error {
	s := defaultRunSettings()
	if printed, err := settings("run", args, s, coreAliases, out, errOut); err != nil || printed {
		return err
	}
	log := s.Log.logger(errOut)
	procsForLoops(s.Edge.Loops, log)
	stop, err := startCPUProfile(s.CPUProfile)
	if err != nil {
		return err
	}
	defer stop()
	p := &pool{s: s, out: out, log: log}
	return runUntilSignal(log, p.run, p.drain)
}

// pool is strata run: a regtest btcd (unless a node is configured), the
// core and an edge in this process, and optionally demo miners.
type pool struct {
	s   *runSettings
	out io.Writer
	log *slog.Logger

	mu   sync.Mutex // guards edge
	edge *edge.Edge
	// ready is closed once the pool serves miners; Stratum and Status
	// are its addresses then.
	ready   chan struct{}
	Stratum string
	Status  string
}

// embeddedNode reports whether strata run should start its own btcd:
// regtest, and no node given by URL, user or cookie.
func (s *runSettings) embeddedNode() bool {
	if s.Core.Network != chain.Regtest || len(s.Core.Nodes) != 1 {
		return false
	}
	n := s.Core.Nodes[0]
	return n.RPCURL == "" && n.RPCUser == "" && n.CookieFile == ""
}

func (p *pool) run(ctx context.Context) error {
	s := p.s
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	if err := os.MkdirAll(s.Core.DataDir, 0o755); err != nil {
		return fmt.Errorf("data_dir %s cannot be created: %v; set data_dir to a directory this user can write", s.Core.DataDir, err)
	}
	if s.Core.Pool.Address == "" && s.Core.Network == chain.Regtest {
		addr, err := newRegtestAddress()
		if err != nil {
			return err
		}
		s.Core.Pool.Address = addr
		p.log.Info("no pool.address given: a regtest address was made for this run", "address", addr)
	}
	if s.embeddedNode() {
		node, err := p.startNode(ctx)
		if err != nil {
			return err
		}
		defer func() {
			if err := node.Stop(); err != nil {
				p.log.Warn("btcd did not stop cleanly", "err", err)
			}
		}()
		n := &s.Core.Nodes[0]
		n.RPCURL, n.RPCUser, n.RPCPassword = node.RPCURL, node.User, node.Password
		if s.DemoMiners > 0 {
			// A demo's blocks are found by CPUs: start miners at a
			// difficulty they reach, whatever the listener says.
			for i := range s.Edge.Listeners {
				l := &s.Edge.Listeners[i]
				l.AllowFractional = true
				l.MinDifficulty = min(l.MinDifficulty, demoDifficulty)
			}
		}
	}

	// The core and the edge share a key made for this run.
	key, err := wire.NewKey()
	if err != nil {
		return err
	}
	s.Edge.Uplink.Cores = []string{linkAddr(s.Core.Link.Listen)}
	c, err := core.New(s.Core, core.Options{Log: p.log, Software: "strata " + version, Build: buildStats(),
		Keys: func(string) ([]byte, bool) { return key, true }})
	if err != nil {
		return err
	}
	e, err := edge.New(s.Edge, edge.Options{Log: p.log, Key: key, Software: "strata " + version})
	if err != nil {
		return err
	}
	p.mu.Lock()
	p.edge = e
	p.mu.Unlock()

	var wg sync.WaitGroup
	errs := make(chan error, 3)
	wg.Go(func() {
		if err := c.Run(ctx); err != nil {
			errs <- fmt.Errorf("core: %w", err)
		}
	})
	wg.Go(func() {
		if err := e.Run(ctx); err != nil {
			errs <- fmt.Errorf("edge: %w", err)
		}
	})
	select {
	case <-e.Ready():
	case err := <-errs:
		cancel()
		wg.Wait()
		return err
	}
	if err := e.Server.ReadyErr(); err != nil {
		cancel()
		wg.Wait()
		return err
	}
	// Ready means miners get work: the link is up and a job has come.
	for e.Server.CurrentJob() == nil {
		select {
		case err := <-errs:
			cancel()
			wg.Wait()
			return err
		case <-ctx.Done():
			wg.Wait()
			return nil
		case <-time.After(20 * time.Millisecond):
		}
	}
	p.Stratum = stratumURL(s.Edge.Listeners[0])
	if a := c.StatsAddr(); a != nil {
		p.Status = "http://" + a.String() + "/"
	}
	fmt.Fprintf(p.out, "Strata is running (%s, %s mode).\n  Stratum: %s  (user: <your %s address>.<worker>)\n",
		s.Core.Network, s.Core.Pool.Mode, p.Stratum, s.Core.Network)
	if p.Status != "" {
		fmt.Fprintf(p.out, "  Status:  %s\n", p.Status)
	}
	if s.Core.Flood {
		fmt.Fprintln(p.out, "  Flood mode: every submit is a valid share (stress tests only).")
	}
	if s.DemoMiners > 0 {
		fmt.Fprintf(p.out, "  %d demo miners are mining to %s.\n", s.DemoMiners, s.Core.Pool.Address)
		wg.Go(func() {
			runDemoMiners(ctx, s.DemoMiners, dialAddr(s.Edge.Listeners[0].Address), s.Core.Pool.Address, p.log)
		})
	}
	fmt.Fprintln(p.out, "Ctrl-C stops it.")
	close(p.readyOnce())

	var err2 error
	select {
	case <-ctx.Done():
	case err2 = <-errs:
	}
	cancel()
	wg.Wait()
	return err2
}

// demoDifficulty is what demo miners work at: a share (on regtest, a
// block) in about a million hashes.
const demoDifficulty = 0.0002

func (p *pool) readyOnce() chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ready == nil {
		p.ready = make(chan struct{})
	}
	return p.ready
}

// drain is SIGTERM: miners are told to reconnect and their shares in
// flight are answered before the pool stops.
func (p *pool) drain(ctx context.Context) error {
	p.mu.Lock()
	e := p.edge
	p.mu.Unlock()
	if e == nil {
		return nil
	}
	return e.Drain(ctx)
}

// startNode runs btcd on regtest in the data directory and mines the
// first 101 blocks, so that the first coinbase has matured.
func (p *pool) startNode(ctx context.Context) (*regtest.Node, error) {
	s := p.s
	dir := filepath.Join(s.Core.DataDir, "btcd")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	for _, a := range []struct{ key, addr string }{{"btcd_rpc", s.BTCDRPC}, {"btcd_p2p", s.BTCDP2P}} {
		ln, err := net.Listen("tcp", a.addr)
		if err != nil {
			return nil, fmt.Errorf("%s %s is in use by another program: stop it, set %s to another address, or point strata at your own node with --rpc-url", a.key, a.addr, a.key)
		}
		ln.Close()
	}
	fmt.Fprintln(p.out, "Starting a btcd regtest node (the first run builds it)...")
	logFile, err := os.Create(filepath.Join(dir, "btcd.out"))
	if err != nil {
		return nil, fmt.Errorf("data_dir: %w", err)
	}
	node, err := regtest.Start(ctx, regtest.Options{Dir: dir, RPCAddr: s.BTCDRPC, P2PAddr: s.BTCDP2P,
		MiningAddr: s.Core.Pool.Address, Output: logFile, StartTimeout: 5 * time.Minute})
	if err != nil {
		logFile.Close()
		return nil, fmt.Errorf("btcd: %w (its output is in %s)", err, logFile.Name())
	}
	if _, err := node.Generate(ctx, 101); err != nil {
		node.Kill()
		return nil, fmt.Errorf("btcd: mining the first blocks: %w", err)
	}
	p.log.Info("btcd regtest node ready", "rpc", node.RPCURL, "height", 101)
	return node, nil
}

// newRegtestAddress makes a p2wpkh address for a key nobody keeps: a regtest
// pool's rewards are test coins.
func newRegtestAddress() (string, error) {
	k, err := btcec.NewPrivateKey()
	if err != nil {
		return "", err
	}
	a, err := address.NewAddressWitnessPubKeyHash(address.Hash160(k.PubKey().SerializeCompressed()), chain.Regtest.Params())
	if err != nil {
		return "", err
	}
	return a.EncodeAddress(), nil
}

// linkAddr is where the in-process edge reaches the core.
func linkAddr(listen string) string {
	host, port, err := net.SplitHostPort(listen)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return net.JoinHostPort("127.0.0.1", port)
	}
	return listen
}

// dialAddr is a listener's address as a local client dials it.
func dialAddr(listen string) string { return linkAddr(listen) }

// stratumURL is how a miner is pointed at a listener.
func stratumURL(l edge.ListenerConfig) string {
	host, port, _ := net.SplitHostPort(l.Address)
	if host == "" || host == "0.0.0.0" || host == "::" {
		host = localIP()
	}
	scheme := "stratum+tcp"
	if l.TLS {
		scheme = "stratum+ssl"
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}

// localIP is this machine's address on its network, for miners on the
// same LAN; loopback when it has none.
func localIP() string {
	c, err := net.Dial("udp", "192.0.2.1:9") // no packet is sent
	if err != nil {
		return "127.0.0.1"
	}
	defer c.Close()
	ip := c.LocalAddr().(*net.UDPAddr).IP.String()
	if strings.HasPrefix(ip, "127.") {
		return "127.0.0.1"
	}
	return ip
}
