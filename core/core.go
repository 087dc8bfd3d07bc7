package core

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/stratapool/strata/core/account"
	"github.com/stratapool/strata/core/block"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/link"
	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/core/stats"
	"github.com/stratapool/strata/core/work"
	"github.com/stratapool/strata/wire"
)

// Options are what a core needs besides its configuration.
type Options struct {
	Log *slog.Logger
	// Keys gives edges' link keys; nil reads link.keys_file.
	Keys func(name string) ([]byte, bool)
	// Listener, if set, is where edges connect instead of link.listen.
	Listener net.Listener
	// Software names the build in the edges' logs.
	Software string
	// Accounts, if set, replace the configured store (tests that watch
	// the credits).
	Accounts link.Accounts
	// Build describes the binary on the status page and in /metrics.
	Build stats.Build
	// StatsListener, if set, is where the statistics are served instead
	// of stats.listen.
	StatsListener net.Listener
}

// Core is the pool's core, wired together.
type Core struct {
	cfg       Config
	log       *slog.Logger
	listener  net.Listener
	Nodes     *node.Set
	Work      *work.Manager
	Validator *share.Validator
	Submitter *block.Submitter
	Journal   *block.Journal
	Link      *link.Server
	Archive   *job.Archive
	// Accounts keep the credits; nil when Options.Accounts replaced them.
	Accounts *account.Accounts
	Stats    *stats.Server
	statsLn  net.Listener
	// archiveQueue carries new jobs to the archive's writer.
	archiveQueue chan *job.Job
}

// New builds a core from its configuration: it opens the data directory,
// the found-blocks journal and the link listener, and reports a problem as
// one line that says what to do.
func New(cfg Config, opts Options) (*Core, error) {
	if err := cfg.validate(opts.Keys != nil); err != nil {
		return nil, err
	}
	log := opts.Log
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if err := checkDataDir(cfg.DataDir); err != nil {
		return nil, err
	}
	c := &Core{cfg: cfg, log: log}

	var poolScript []byte
	if cfg.Pool.Address != "" {
		poolScript, _, _ = chain.PayoutScript(cfg.Pool.Address, cfg.Network) // Validate checked it
	}
	builder, err := job.NewBuilder(job.Config{
		Mode: cfg.Pool.Mode, PoolScript: poolScript, FeePPM: int64(math.Round(cfg.Pool.FeePercent * 10_000)),
		Tag: cfg.Pool.Tag, Extranonce1Size: extranonce1Size, Extranonce2Size: cfg.Pool.Extranonce2Size,
		MaxCoinbase: cfg.Pool.CoinbaseMaxBytes,
	})
	if err != nil {
		return nil, err
	}
	mask, _ := cfg.Share.Mask() // Validate checked it
	c.Validator = share.NewValidator(share.Config{Extranonce1Size: extranonce1Size, Extranonce2Size: cfg.Pool.Extranonce2Size,
		PoolVersionMask: mask, NTimeFuture: cfg.Share.NTimeFuture})

	// Jobs from before a restart: the shares edges spooled meanwhile are
	// judged on them.
	if c.Archive, err = job.OpenArchive(filepath.Join(cfg.DataDir, "jobs"), archiveKeep); err != nil {
		return nil, fmt.Errorf("%w: check data_dir", err)
	}
	restored, err := c.Archive.Restore(builder)
	if err != nil {
		log.Warn("some archived jobs could not be restored", "err", err)
	}
	for _, j := range restored {
		c.Validator.AddJob(j)
	}
	if len(restored) > 0 {
		log.Info("jobs restored from before the restart", "jobs", len(restored), "height", restored[len(restored)-1].Height)
	}
	c.archiveQueue = make(chan *job.Job, archiveKeep)

	specs, err := nodeSpecs(cfg)
	if err != nil {
		return nil, err
	}
	accounts := opts.Accounts
	if accounts == nil {
		if c.Accounts, err = openAccounts(cfg, log, c); err != nil {
			return nil, err
		}
		accounts = c.Accounts
		defer func() {
			if c.listener == nil { // New failed after opening the store
				c.Accounts.Store().Close()
			}
		}()
	}
	if c.Journal, err = block.OpenJournal(filepath.Join(cfg.DataDir, "blocks.jsonl")); err != nil {
		return nil, fmt.Errorf("%w: check data_dir", err)
	}
	c.Submitter = block.NewSubmitter(block.SubmitterConfig{
		// Every node, not only the ready ones: a node marked down by a
		// probe a moment ago may take the block now, and a block nobody
		// was offered is lost. One that fails answers at once, or within
		// its RPC timeout.
		Nodes: func() []block.Node {
			var out []block.Node
			for _, n := range c.Nodes.Clients() {
				out = append(out, n)
			}
			return out
		},
		Journal: c.Journal, Log: log.With("part", "blocks"), Rejected: c.Validator.ReleaseBlock,
		Done: func(r block.Record) {
			c.Nodes.Refresh()
			if c.Accounts != nil {
				c.Accounts.BlockSubmitted(r.Hash, r.Height, blockStatus(r.Status), r.Reason)
			}
		},
	})

	keys := opts.Keys
	if keys == nil && cfg.Link.KeysFile != "" {
		ring, err := wire.LoadKeyring(cfg.Link.KeysFile)
		if err != nil {
			return nil, fmt.Errorf("link.keys_file: %w", err)
		}
		keys = ring.Lookup
	}
	registry, err := link.OpenRegistry(filepath.Join(cfg.DataDir, "edges.json"), 255)
	if err != nil {
		return nil, err
	}
	var bans link.Bans
	if c.Accounts != nil {
		bans = accountBans{c.Accounts}
	}
	c.Link, err = link.New(link.Config{
		Keys: keys, AllowPlaintext: cfg.Link.AllowPlaintext, PingInterval: cfg.Link.PingInterval,
		Extranonce1Size: extranonce1Size, Extranonce2Size: cfg.Pool.Extranonce2Size,
		Network: cfg.Network, Mode: cfg.Pool.Mode, Validator: c.Validator, Submitter: c.Submitter,
		Registry: registry, Ready: func() bool { return c.Work.State().Ready() },
		Software: opts.Software, Log: log.With("part", "link"), Accounts: accounts, FloodDifficulty: cfg.floodDifficulty(),
		Rejected: c.rejected, Bans: bans,
	})
	if err != nil {
		return nil, err
	}
	c.Work = work.NewManager(work.Config{
		Builder: builder, Validator: c.Validator, Publish: func(j *job.Job) {
			c.Link.Publish(j)
			select {
			case c.archiveQueue <- j:
			default:
				log.Warn("job archive behind: a job was not archived", "job", uint32(j.ID))
			}
		},
		StateChanged: func(s work.State) {
			c.Link.SetWorkState(wire.WorkState{Reason: s.Reason, Detail: s.Detail})
		},
		Nodes: func() []node.Status { return c.Nodes.Statuses() }, MaxAge: cfg.Template.MaxAge,
		Store: c.storeHealthy, Log: log.With("part", "work"),
	})
	c.Nodes = node.NewSet(node.SetConfig{
		Nodes: specs, Refresh: cfg.Template.Refresh, Log: log.With("part", "nodes"),
		OnTemplate: c.Work.OnTemplate, OnChange: c.Work.Evaluate,
	})

	c.Stats = stats.New(stats.Source{
		Network: cfg.Network, Mode: cfg.Pool.Mode, Flood: cfg.Flood, Build: opts.Build, Started: time.Now(),
		Work: c.Work, Link: c.Link, Accounts: c.Accounts, Verdicts: c.Validator.Counts,
		Nodes: func() []stats.NodeInfo {
			statuses, clients := c.Nodes.Statuses(), c.Nodes.Clients()
			out := make([]stats.NodeInfo, len(statuses))
			for i := range statuses {
				out[i] = stats.NodeInfo{Status: statuses[i], Latency: clients[i].Latency()}
			}
			return out
		},
	}, log.With("part", "stats"))
	c.statsLn = opts.StatsListener
	if c.statsLn == nil && cfg.Stats.Listen != "" {
		if c.statsLn, err = net.Listen("tcp", cfg.Stats.Listen); err != nil {
			return nil, listenError("stats.listen", cfg.Stats.Listen, err)
		}
	}
	c.listener = opts.Listener
	if c.listener == nil {
		if c.listener, err = net.Listen("tcp", cfg.Link.Listen); err != nil {
			if c.statsLn != nil {
				c.statsLn.Close()
			}
			return nil, listenError("link.listen", cfg.Link.Listen, err)
		}
	}
	return c, nil
}

// StatsAddr is where the statistics are served, or nil.
func (c *Core) StatsAddr() net.Addr {
	if c.statsLn == nil {
		return nil
	}
	return c.statsLn.Addr()
}

// FloodDifficulty is what flood mode holds every session at: so low that
// any hash is a valid share (the target is the largest there is).
const FloodDifficulty = 1.0 / (1 << 48)

func (c Config) floodDifficulty() float64 {
	if c.Flood {
		return FloodDifficulty
	}
	return 0
}

// archiveKeep is how many recent jobs the archive keeps: the edges accept
// submits for their last 16.
const archiveKeep = 16

// extranonce1Size is the pool's part of the extranonce: an edge id byte and
// 24 bits of session.
const extranonce1Size = 4

// LinkAddr is where edges connect.
func (c *Core) LinkAddr() net.Addr { return c.listener.Addr() }

// Run runs the core until ctx ends.
func (c *Core) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	errs := make(chan error, 6)
	for _, run := range []func(context.Context) error{
		c.Nodes.Run,
		c.Work.Run,
		func(ctx context.Context) error { return c.Link.Serve(ctx, c.listener) },
		c.archiveJobs,
		c.runAccounts,
		c.serveStats,
	} {
		wg.Go(func() {
			if err := run(ctx); err != nil && !errors.Is(err, context.Canceled) {
				errs <- err
			}
		})
	}
	statsAt := "off"
	if c.statsLn != nil {
		statsAt = "http://" + c.statsLn.Addr().String() + "/"
	}
	c.log.Info("core running", "network", c.cfg.Network.String(), "mode", c.cfg.Pool.Mode.String(),
		"link", c.listener.Addr().String(), "nodes", len(c.cfg.Nodes), "stats", statsAt)
	var err error
	select {
	case <-ctx.Done():
	case err = <-errs:
	}
	wg.Wait()
	if cerr := c.Journal.Close(); err == nil && cerr != nil {
		err = cerr
	}
	if c.Accounts != nil {
		if cerr := c.Accounts.Store().Close(); err == nil && cerr != nil {
			err = cerr
		}
	}
	return err
}

// serveStats serves the statistics until ctx ends.
func (c *Core) serveStats(ctx context.Context) error {
	if c.statsLn == nil {
		return nil
	}
	return c.Stats.Serve(ctx, c.statsLn)
}

// runAccounts commits credits until ctx ends; the link stops first, so
// the last batches are answered.
func (c *Core) runAccounts(ctx context.Context) error {
	if c.Accounts == nil {
		return nil
	}
	return c.Accounts.Run(ctx)
}

func (c *Core) rejected(rejects []share.Credit) {
	if c.Accounts != nil {
		c.Accounts.Rejected(rejects)
	}
}

func (c *Core) storeHealthy() (bool, string) {
	if c.Accounts == nil {
		return true, ""
	}
	return c.Accounts.Healthy()
}

// openAccounts opens the configured store and the accounts on it. A store
// that cannot be opened now (a PostgreSQL not up yet, a damaged SQLite
// file) is left to the accounts' Run, which tries again until it can: the
// core runs gated and says why on /readyz and the status page rather than
// stopping.
func openAccounts(cfg Config, log *slog.Logger, c *Core) (*account.Accounts, error) {
	var open func(ctx context.Context) (account.Store, error)
	switch cfg.Accounts.Store {
	case "postgres":
		open = func(ctx context.Context) (account.Store, error) {
			st, err := account.OpenPostgres(ctx, cfg.Accounts.PostgresURL)
			if err != nil {
				return nil, fmt.Errorf("accounts.postgres_url: %w; check the server is up and the URL", err)
			}
			return st, nil
		}
	default:
		path := cfg.Accounts.SQLitePath
		if path == "" {
			path = filepath.Join(cfg.DataDir, "accounts.db")
		}
		open = func(ctx context.Context) (account.Store, error) {
			st, err := account.OpenSQLite(ctx, path)
			if err != nil {
				return nil, fmt.Errorf("accounts.sqlite_path: %w", err)
			}
			return st, nil
		}
	}
	acfg := account.Config{
		Mode: cfg.Pool.Mode, FeePPM: int64(math.Round(cfg.Pool.FeePercent * 10_000)),
		WindowFactor: cfg.Accounts.PPLNSWindow, ReplayWindow: cfg.Accounts.ReplayWindow,
		KeepShares: cfg.Accounts.KeepShares, Maturity: cfg.Accounts.Maturity,
		Chain: chainOf{c}, Log: log.With("part", "accounts"),
		HealthChanged: func() {
			if c.Work != nil {
				c.Work.Evaluate()
			}
		},
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := open(ctx)
	if err == nil {
		acfg.Store = st
		a, err := account.Open(ctx, acfg)
		if err == nil {
			return a, nil
		}
		st.Close()
		acfg.Store = nil
	}
	log.Error("accounts store cannot be opened: the core runs gated and tries again", "err", err)
	return account.OpenLater(acfg, open), nil
}

// chainOf answers maturity questions from the active node.
type chainOf struct{ c *Core }

func (ch chainOf) client() (*node.Client, error) {
	if ch.c.Nodes == nil {
		return nil, errors.New("no node yet")
	}
	cl := ch.c.Nodes.Active()
	if cl == nil {
		return nil, errors.New("no ready node")
	}
	return cl, nil
}

func (ch chainOf) Height(ctx context.Context) (int64, error) {
	cl, err := ch.client()
	if err != nil {
		return 0, err
	}
	var h int64
	err = cl.Call(ctx, "getblockcount", nil, &h)
	return h, err
}

func (ch chainOf) BlockHash(ctx context.Context, height int64) (string, error) {
	cl, err := ch.client()
	if err != nil {
		return "", err
	}
	var h string
	err = cl.Call(ctx, "getblockhash", []any{height}, &h)
	return h, err
}

// accountBans keeps the bans edges report in the accounts.
type accountBans struct{ a *account.Accounts }

func (b accountBans) Ban(m *wire.Ban, edge string) bool {
	now := time.Now()
	return b.a.Ban(account.Ban{Target: m.Target, Reason: m.Reason.String(),
		Until: now.Add(time.Duration(m.Seconds) * time.Second), Time: now})
}

func (b accountBans) Active(now time.Time) []wire.Ban {
	kept := b.a.Bans(now)
	out := make([]wire.Ban, 0, len(kept))
	for _, k := range kept {
		reason := wire.BanOperator // a reason this build does not know
		for r := range wire.NumBanReasons {
			if r.String() == k.Reason {
				reason = r
			}
		}
		out = append(out, wire.BanFor(k.Target, reason, k.Until.Sub(now)))
	}
	return out
}

// blockStatus maps the submitter's answer to the accounts' states.
func blockStatus(s block.Status) account.BlockStatus {
	switch s {
	case block.StatusAccepted:
		return account.BlockAccepted
	case block.StatusRejected:
		return account.BlockRejected
	case block.StatusOrphaned:
		return account.BlockOrphaned
	}
	return account.BlockSubmitted
}

// archiveJobs writes new jobs to the archive, off the path to the miners.
func (c *Core) archiveJobs(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return nil
		case j := <-c.archiveQueue:
			if err := c.Archive.Save(j); err != nil {
				c.log.Warn("job not archived", "job", uint32(j.ID), "err", err)
			}
		}
	}
}

// nodeSpecs turns the [[node]] tables into clients, filling in the
// network's defaults: the local RPC port, the cookie file.
func nodeSpecs(cfg Config) ([]node.Spec, error) {
	var specs []node.Spec
	for i, n := range cfg.Nodes {
		url := n.RPCURL
		if url == "" {
			url = "http://127.0.0.1:" + strconv.Itoa(cfg.Network.DefaultRPCPort())
		}
		cookie := n.CookieFile
		if n.RPCUser == "" && cookie == "" {
			cookie = node.DefaultCookieFile(cfg.Network)
		}
		client, err := node.NewClient(node.ClientConfig{Name: n.Name, URL: url, User: n.RPCUser,
			Password: n.RPCPassword, CookieFile: cookie, Timeout: n.Timeout})
		if err != nil {
			return nil, fmt.Errorf("node %d: %w", i+1, err)
		}
		specs = append(specs, node.Spec{Client: client, Priority: n.Priority, ZMQ: n.ZMQHashBlock, LongPoll: true})
	}
	return specs, nil
}

// checkDataDir makes the data directory and checks it can be written.
func checkDataDir(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("data_dir %s cannot be created: %v; set data_dir to a directory this user can write", dir, err)
	}
	f, err := os.CreateTemp(dir, ".write-test-*")
	if err != nil {
		return fmt.Errorf("data_dir %s is not writable: %v; fix its permissions or set data_dir", dir, err)
	}
	name := f.Name()
	f.Close()
	return os.Remove(name)
}

// listenError explains a failed listen in one line.
func listenError(key, addr string, err error) error {
	if errors.Is(err, syscall.EADDRINUSE) {
		return fmt.Errorf("%s %s is in use by another program: stop it or set %s to another address", key, addr, key)
	}
	return fmt.Errorf("%s %s: %v", key, addr, err)
}
