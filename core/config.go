package core

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/internal/config"
)

// Config is the core's configuration. DefaultConfig fills it for a node on
// the same machine; a TOML file, STRATA_* variables and flags override it.
type Config struct {
	Network  chain.Network  `toml:"network" help:"bitcoin network: mainnet, testnet3, testnet4, signet or regtest"`
	DataDir  string         `toml:"data_dir" help:"directory for found blocks and the accounts store"`
	Flood    bool           `toml:"flood" help:"stress tests only: difficulty forced so low that every submit is a valid share"`
	Pool     PoolConfig     `toml:"pool"`
	Share    ShareConfig    `toml:"share"`
	Template TemplateConfig `toml:"template"`
	Link     LinkConfig     `toml:"link"`
	Nodes    []NodeConfig   `toml:"node"`
	Stats    StatsConfig    `toml:"stats"`
	Accounts AccountsConfig `toml:"accounts"`
}

// AccountsConfig is where shares, statistics, blocks and balances are kept.
type AccountsConfig struct {
	Store        string        `toml:"store" help:"sqlite (a file in data_dir) or postgres"`
	SQLitePath   string        `toml:"sqlite_path" help:"the SQLite file (default: accounts.db in data_dir)"`
	PostgresURL  string        `toml:"postgres_url" secret:"true" help:"postgres://user:password@host:port/db for the postgres store"`
	PPLNSWindow  float64       `toml:"pplns_window" help:"PPLNS window in multiples of the network difficulty"`
	Maturity     int64         `toml:"maturity" help:"confirmations before a found block's reward is credited"`
	KeepShares   time.Duration `toml:"keep_shares" help:"how long share batches are kept once every found block is split"`
	ReplayWindow time.Duration `toml:"replay_window" help:"after a restart, shares committed this long before the last one are not credited again when an edge replays them (for 10 minutes)"`
}

// PoolConfig says whom blocks pay and what goes into the coinbase.
type PoolConfig struct {
	Mode             job.PayoutMode `toml:"mode" help:"pool: the coinbase pays the pool, shares are credited (PPLNS); solo: it pays the miner who finds the block"`
	Address          string         `toml:"address" help:"the pool's address: all rewards in pool mode, the fee in solo mode"`
	FeePercent       float64        `toml:"fee_percent" help:"pool fee, percent of each block's reward"`
	Tag              string         `toml:"tag" help:"text put in every coinbase"`
	CoinbaseMaxBytes int            `toml:"coinbase_max_bytes" help:"largest coinbase built (stock S19 firmware takes about 730 bytes)"`
	Extranonce2Size  int            `toml:"extranonce2_size" help:"bytes of extranonce2 each miner rolls, 4 to 8"`
}

// ShareConfig is what a share must satisfy beyond its difficulty.
type ShareConfig struct {
	VersionMask string        `toml:"version_mask" help:"BIP310 version bits miners may roll, in hex; miners that never negotiate one are held to it"`
	NTimeFuture time.Duration `toml:"ntime_future" help:"how far ahead of the core's clock a share's ntime may be"`
}

// TemplateConfig says how fresh work must be.
type TemplateConfig struct {
	Refresh time.Duration `toml:"refresh" help:"ask for a new template this often even when the node is quiet"`
	MaxAge  time.Duration `toml:"max_age" help:"stop handing out work when the newest template is older than this"`
}

// LinkConfig is where edges connect.
type LinkConfig struct {
	Listen         string        `toml:"listen" help:"address edges connect to"`
	KeysFile       string        `toml:"keys_file" help:"file of \"<edge name> <key>\" lines, made by strata keygen; * names any edge"`
	AllowPlaintext bool          `toml:"allow_plaintext" help:"accept unauthenticated edges on loopback"`
	PingInterval   time.Duration `toml:"ping_interval" help:"how often each end of a link pings; three missed is a dead link"`
}

// NodeConfig is one Bitcoin node to get work from and submit blocks to.
type NodeConfig struct {
	Name         string        `toml:"name" help:"name in logs and statistics (default: the RPC host)"`
	RPCURL       string        `toml:"rpc_url" help:"JSON-RPC URL (default: http://127.0.0.1 on the network's RPC port)"`
	RPCUser      string        `toml:"rpc_user" help:"RPC user; leave empty to use the cookie file"`
	RPCPassword  string        `toml:"rpc_password" secret:"true" help:"RPC password"`
	CookieFile   string        `toml:"cookie_file" help:"cookie file (default: found in ~/.bitcoin for the network)"`
	ZMQHashBlock string        `toml:"zmq_hashblock" help:"ZMQ hashblock publisher, tcp://host:port, for instant new blocks"`
	Priority     int           `toml:"priority" help:"lower is preferred; work comes from the best ready node"`
	Timeout      time.Duration `toml:"timeout" help:"deadline of each RPC call"`
}

// StatsConfig is the statistics and health endpoint.
type StatsConfig struct {
	Listen string `toml:"listen" help:"HTTP address of the API, /metrics and the status page; empty to disable"`
}

// Defaults.
const (
	DefaultLinkListen  = "127.0.0.1:7100"
	DefaultStatsListen = "127.0.0.1:8080"
	DefaultTag         = "/strata/"
)

// DefaultConfig is a regtest pool on one machine: a local node found by its
// cookie, edges and statistics on loopback.
func DefaultConfig() Config {
	c := Config{
		Network: chain.Regtest,
		DataDir: "data",
		Pool: PoolConfig{
			Mode:             job.PoolMode,
			Tag:              DefaultTag,
			CoinbaseMaxBytes: 730,
			Extranonce2Size:  8,
		},
		Share:    ShareConfig{VersionMask: "1fffe000", NTimeFuture: 7000 * time.Second},
		Template: TemplateConfig{Refresh: 30 * time.Second, MaxAge: 2 * time.Minute},
		Link:     LinkConfig{Listen: DefaultLinkListen, PingInterval: 5 * time.Second},
		Stats:    StatsConfig{Listen: DefaultStatsListen},
		Accounts: AccountsConfig{Store: "sqlite", PPLNSWindow: 2, Maturity: 100, KeepShares: 72 * time.Hour,
			ReplayWindow: 30 * time.Second},
	}
	var n NodeConfig
	n.SetDefaults()
	c.Nodes = []NodeConfig{n}
	return c
}

// SetDefaults gives a node added by the file, a variable or a flag its defaults.
func (n *NodeConfig) SetDefaults() { n.Timeout = 10 * time.Second }

// Limits the configuration is checked against.
const (
	maxTagLen        = 64
	minCoinbaseBytes = 150
	maxCoinbaseBytes = 100_000
)

// Validate checks every setting; an error names the key at fault.
func (c *Config) Validate() error { return c.validate(false) }

// ValidateEmbedded checks the settings of a core run with its edge in one
// process (strata run), which makes the link key itself.
func (c *Config) ValidateEmbedded() error { return c.validate(true) }

// validate is Validate; haveKeys says link keys come from elsewhere than
// link.keys_file (strata run makes its own).
func (c *Config) validate(haveKeys bool) error {
	var errs []error
	add := func(key, format string, args ...any) { errs = append(errs, config.Errorf(key, format, args...)) }

	if c.DataDir == "" {
		add("data_dir", "must be set")
	}
	if c.Flood && c.Network == chain.Mainnet {
		add("flood", "is for stress tests on regtest, testnet or signet, not mainnet")
	}
	p := c.Pool
	switch {
	case p.Address != "":
		if _, _, err := chain.PayoutScript(p.Address, c.Network); err != nil {
			add("pool.address", "%v", err)
		}
	case p.Mode == job.PoolMode:
		add("pool.address", "must be set in pool mode: blocks pay it")
	case p.FeePercent > 0:
		add("pool.address", "must be set when pool.fee_percent is above 0: the fee pays it")
	}
	if p.FeePercent < 0 || p.FeePercent >= 100 {
		add("pool.fee_percent", "must be at least 0 and below 100, got %g", p.FeePercent)
	}
	if len(p.Tag) > maxTagLen || strings.IndexFunc(p.Tag, func(r rune) bool { return r < 0x20 || r > 0x7e }) >= 0 {
		add("pool.tag", "must be at most %d printable ASCII characters", maxTagLen)
	}
	if p.CoinbaseMaxBytes < minCoinbaseBytes || p.CoinbaseMaxBytes > maxCoinbaseBytes {
		add("pool.coinbase_max_bytes", "must be between %d and %d, got %d", minCoinbaseBytes, maxCoinbaseBytes, p.CoinbaseMaxBytes)
	}
	if p.Extranonce2Size < 4 || p.Extranonce2Size > 8 {
		add("pool.extranonce2_size", "must be between 4 and 8, got %d", p.Extranonce2Size)
	}

	if _, err := c.Share.Mask(); err != nil {
		add("share.version_mask", "%v", err)
	}
	if c.Share.NTimeFuture < time.Minute || c.Share.NTimeFuture > 2*time.Hour {
		add("share.ntime_future", "must be between 1m and 2h (the network's limit), got %s", c.Share.NTimeFuture)
	}
	if c.Template.Refresh < time.Second {
		add("template.refresh", "must be at least 1s, got %s", c.Template.Refresh)
	}
	if c.Template.MaxAge <= c.Template.Refresh {
		add("template.max_age", "must be longer than template.refresh (%s), got %s", c.Template.Refresh, c.Template.MaxAge)
	}

	if err := checkHostPort(c.Link.Listen); err != nil {
		add("link.listen", "%v", err)
	}
	if c.Link.KeysFile == "" && !c.Link.AllowPlaintext && !haveKeys {
		add("link.keys_file", "must be set (strata keygen makes one), unless link.allow_plaintext is set for loopback edges")
	}
	if c.Link.PingInterval < 100*time.Millisecond {
		add("link.ping_interval", "must be at least 100ms, got %s", c.Link.PingInterval)
	}

	if len(c.Nodes) == 0 {
		add("node", "at least one [[node]] is needed")
	}
	for i, n := range c.Nodes {
		key := func(k string) string {
			if i == 0 {
				return "node." + k
			}
			return fmt.Sprintf("node.%d.%s", i, k)
		}
		if n.RPCURL != "" {
			if u, err := url.Parse(n.RPCURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
				add(key("rpc_url"), "want http://host:port, got %q", n.RPCURL)
			}
		}
		if (n.RPCUser == "") != (n.RPCPassword == "") {
			add(key("rpc_user"), "rpc_user and rpc_password go together; leave both empty to use the cookie file")
		}
		if n.RPCUser != "" && n.CookieFile != "" {
			add(key("cookie_file"), "set either the cookie file or rpc_user and rpc_password, not both")
		}
		if n.ZMQHashBlock != "" {
			if u, err := url.Parse(n.ZMQHashBlock); err != nil || u.Scheme != "tcp" || checkHostPort(u.Host) != nil {
				add(key("zmq_hashblock"), "want tcp://host:port, got %q", n.ZMQHashBlock)
			}
		}
		if n.Timeout < 100*time.Millisecond {
			add(key("timeout"), "must be at least 100ms, got %s", n.Timeout)
		}
	}
	if c.Stats.Listen != "" {
		if err := checkHostPort(c.Stats.Listen); err != nil {
			add("stats.listen", "%v", err)
		}
	}
	a := c.Accounts
	switch a.Store {
	case "sqlite":
	case "postgres":
		if u, err := url.Parse(a.PostgresURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			add("accounts.postgres_url", "want postgres://user:password@host:port/database for the postgres store")
		}
	default:
		add("accounts.store", "want sqlite or postgres, got %q", a.Store)
	}
	if a.PPLNSWindow <= 0 || a.PPLNSWindow > 100 {
		add("accounts.pplns_window", "must be above 0 and at most 100, got %g", a.PPLNSWindow)
	}
	if a.Maturity < 1 || a.Maturity > 10_000 {
		add("accounts.maturity", "must be 1 to 10000, got %d", a.Maturity)
	}
	if a.KeepShares < time.Hour {
		add("accounts.keep_shares", "must be at least 1h, got %s", a.KeepShares)
	}
	if a.ReplayWindow < time.Second || a.ReplayWindow > time.Hour {
		add("accounts.replay_window", "must be between 1s and 1h, got %s", a.ReplayWindow)
	}
	return errors.Join(errs...)
}

// Mask parses the version mask.
func (s ShareConfig) Mask() (uint32, error) {
	m, err := strconv.ParseUint(strings.TrimPrefix(s.VersionMask, "0x"), 16, 32)
	if err != nil || len(strings.TrimPrefix(s.VersionMask, "0x")) != 8 {
		return 0, fmt.Errorf("want 8 hex digits such as 1fffe000, got %q", s.VersionMask)
	}
	return uint32(m), nil
}

// checkHostPort accepts "host:port" and ":port" with a numeric port.
func checkHostPort(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("want host:port, got %q", s)
	}
	if _, err := net.LookupPort("tcp", port); err != nil || port == "" {
		return fmt.Errorf("bad port in %q", s)
	}
	return nil
}
