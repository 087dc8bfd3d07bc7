package edge

import (
	"errors"
	"fmt"
	"net"
	"os"
	"time"

	"github.com/stratapool/strata/internal/config"
)

// Config is the edge's configuration.
type Config struct {
	Name      string           `toml:"name" help:"this edge's name: the core picks its key and edge id by it"`
	Loops     int              `toml:"loops" help:"gnet event loops for plain TCP; 0 for one per CPU core"`
	Uplink    UplinkConfig     `toml:"uplink"`
	Limits    LimitsConfig     `toml:"limits"`
	Listeners []ListenerConfig `toml:"listener"`
}

// LimitsConfig protects the edge from floods and misbehaving miners.
type LimitsConfig struct {
	PerIP       int           `toml:"per_ip" help:"connections allowed from one address; 0 for no cap"`
	AcceptRate  float64       `toml:"accept_rate" help:"new connections accepted per second; 0 for no cap"`
	AcceptBurst int           `toml:"accept_burst" help:"new connections accepted at once above accept_rate"`
	Idle        time.Duration `toml:"idle" help:"close a miner that sends nothing for this long"`
	MaxOutbound int           `toml:"max_outbound" help:"close a miner that leaves this many bytes unread"`
	BanInvalid  int           `toml:"ban_invalid" help:"ban a miner after this many invalid shares and malformed requests within ban_window; 0 never"`
	BanWindow   time.Duration `toml:"ban_window" help:"window for ban_invalid"`
	BanTime     time.Duration `toml:"ban_time" help:"how long a banned address is refused"`
	Stagger     time.Duration `toml:"stagger" help:"spread a reconnect request to every miner over this long"`
	GateHold    time.Duration `toml:"gate_hold" help:"when the core has had no work this long, tell miners to reconnect (to their backup pool)"`
}

// UplinkConfig is the link to the core.
type UplinkConfig struct {
	Cores          []string      `toml:"cores" help:"core link addresses, host:port, tried in order"`
	KeyFile        string        `toml:"key_file" help:"this edge's link key, made by strata keygen"`
	AllowPlaintext bool          `toml:"allow_plaintext" help:"connect without a key to a core on loopback"`
	Hold           time.Duration `toml:"hold" help:"while the core is unreachable, keep miners on the last job this long, then tell them to reconnect"`
	SpoolMax       int           `toml:"spool_max" help:"submits kept while the core is unreachable; more are dropped and counted"`
}

// ListenerConfig is one Stratum port.
type ListenerConfig struct {
	Address         string        `toml:"address" help:"host:port miners connect to"`
	TLS             bool          `toml:"tls" help:"speak Stratum over TLS; without tls_cert and tls_key a self-signed certificate is made"`
	TLSCert         string        `toml:"tls_cert" help:"certificate file for a TLS port"`
	TLSKey          string        `toml:"tls_key" help:"private key file of tls_cert"`
	StartDifficulty float64       `toml:"start_difficulty" help:"difficulty a new miner starts at"`
	MinDifficulty   float64       `toml:"min_difficulty" help:"lowest difficulty vardiff or a miner may set"`
	MaxDifficulty   float64       `toml:"max_difficulty" help:"highest difficulty vardiff or a miner may set; 0 for no limit"`
	AllowFractional bool          `toml:"allow_fractional" help:"allow difficulty below 1, for small hobby miners"`
	SharesPerMinute float64       `toml:"shares_per_minute" help:"share rate vardiff aims at for each miner"`
	Retarget        time.Duration `toml:"retarget" help:"how often vardiff reconsiders a miner's difficulty"`
	Extranonce2Size int           `toml:"extranonce2_size" help:"extranonce2 bytes given to miners, 1 to the core's size; 0 for the core's (some rental services want 4)"`
	ProxyProtocol   bool          `toml:"proxy_protocol" help:"expect a PROXY v1/v2 header from a load balancer before the miner's bytes"`
	ReadBuffer      int           `toml:"read_buffer" help:"socket receive buffer in bytes; 0 for the system's"`
	WriteBuffer     int           `toml:"write_buffer" help:"socket send buffer in bytes; 0 for the system's"`
	KeepAlive       time.Duration `toml:"keep_alive" help:"TCP keep-alive period; 0 for off"`
}

// Defaults.
const (
	DefaultStratumListen = "0.0.0.0:3333"
	DefaultCore          = "127.0.0.1:7100"
)

// DefaultConfig is an edge beside its core, with one Stratum port for
// miners on the local network.
func DefaultConfig() Config {
	name, err := os.Hostname()
	if err != nil || name == "" {
		name = "edge"
	}
	var l ListenerConfig
	l.SetDefaults()
	return Config{
		Name: name,
		Uplink: UplinkConfig{
			Cores:    []string{DefaultCore},
			Hold:     60 * time.Second,
			SpoolMax: 100_000,
		},
		Limits: LimitsConfig{
			PerIP: 256, AcceptRate: 500, AcceptBurst: 2000, Idle: 10 * time.Minute, MaxOutbound: 512 << 10,
			BanInvalid: 0, BanWindow: time.Minute, BanTime: 10 * time.Minute,
			Stagger: 30 * time.Second, GateHold: 60 * time.Second,
		},
		Listeners: []ListenerConfig{l},
	}
}

// SetDefaults gives a listener added by the file, a variable or a flag its defaults.
func (l *ListenerConfig) SetDefaults() {
	l.Address = DefaultStratumListen
	l.StartDifficulty = 1024
	l.MinDifficulty = 1
	l.SharesPerMinute = 20
	l.Retarget = 90 * time.Second
	l.KeepAlive = 2 * time.Minute
}

// maxNameLen is the longest edge name the wire protocol carries.
const maxNameLen = 64

// Validate checks every setting; an error names the key at fault.
func (c *Config) Validate() error { return c.validate(false) }

// ValidateEmbedded checks the settings of an edge run beside its core in
// one process, which gets its link key from the core, not from a file.
func (c *Config) ValidateEmbedded() error { return c.validate(true) }

// validate checks the settings; haveKey says the link key comes from the
// caller (strata run), not from uplink.key_file.
func (c *Config) validate(haveKey bool) error {
	var errs []error
	add := func(key, format string, args ...any) { errs = append(errs, config.Errorf(key, format, args...)) }

	if c.Name == "" || len(c.Name) > maxNameLen {
		add("name", "must be 1 to %d bytes", maxNameLen)
	}
	if len(c.Uplink.Cores) == 0 {
		add("uplink.cores", "at least one core address is needed")
	}
	for _, a := range c.Uplink.Cores {
		if _, _, err := net.SplitHostPort(a); err != nil {
			add("uplink.cores", "want host:port, got %q", a)
		}
	}
	if c.Uplink.KeyFile == "" && !c.Uplink.AllowPlaintext && !haveKey {
		add("uplink.key_file", "must be set (strata keygen makes one), unless uplink.allow_plaintext is set for a core on loopback")
	}
	if c.Uplink.Hold < 0 {
		add("uplink.hold", "must not be negative, got %s", c.Uplink.Hold)
	}
	if c.Uplink.SpoolMax < 0 {
		add("uplink.spool_max", "must not be negative, got %d", c.Uplink.SpoolMax)
	}
	if c.Loops < 0 || c.Loops > 1024 {
		add("loops", "must be 0 (one per core) to 1024, got %d", c.Loops)
	}
	lim := &c.Limits
	nonNegative := func(key string, v int64, show any) {
		if v < 0 {
			add(key, "must not be negative, got %v", show)
		}
	}
	nonNegative("limits.per_ip", int64(lim.PerIP), lim.PerIP)
	nonNegative("limits.accept_burst", int64(lim.AcceptBurst), lim.AcceptBurst)
	nonNegative("limits.ban_invalid", int64(lim.BanInvalid), lim.BanInvalid)
	if lim.AcceptRate < 0 {
		add("limits.accept_rate", "must not be negative, got %g", lim.AcceptRate)
	}
	if lim.AcceptRate > 0 && lim.AcceptBurst < 1 {
		add("limits.accept_burst", "must be at least 1 with an accept_rate")
	}
	if lim.MaxOutbound < 4096 {
		add("limits.max_outbound", "must be at least 4096 bytes, got %d", lim.MaxOutbound)
	}
	nonNegative("limits.idle", int64(lim.Idle), lim.Idle)
	nonNegative("limits.ban_time", int64(lim.BanTime), lim.BanTime)
	nonNegative("limits.stagger", int64(lim.Stagger), lim.Stagger)
	nonNegative("limits.gate_hold", int64(lim.GateHold), lim.GateHold)
	if lim.BanInvalid > 0 && lim.BanWindow <= 0 {
		add("limits.ban_window", "must be above 0 with ban_invalid, got %s", lim.BanWindow)
	}
	if len(c.Listeners) == 0 {
		add("listener", "at least one [[listener]] is needed")
	}
	seen := map[string]bool{}
	for i, l := range c.Listeners {
		key := func(k string) string {
			if i == 0 {
				return "listener." + k
			}
			return fmt.Sprintf("listener.%d.%s", i, k)
		}
		if _, _, err := net.SplitHostPort(l.Address); err != nil {
			add(key("address"), "want host:port, got %q", l.Address)
		} else if seen[l.Address] {
			add(key("address"), "%s is used by another listener", l.Address)
		}
		seen[l.Address] = true
		if (l.TLSCert == "") != (l.TLSKey == "") {
			add(key("tls_cert"), "tls_cert and tls_key go together")
		}
		if l.TLSCert != "" && !l.TLS {
			add(key("tls"), "must be true for a port with tls_cert")
		}
		if l.SharesPerMinute <= 0 || l.SharesPerMinute > 600 {
			add(key("shares_per_minute"), "must be above 0 and at most 600, got %g", l.SharesPerMinute)
		}
		if l.Retarget < time.Second {
			add(key("retarget"), "must be at least 1s, got %s", l.Retarget)
		}
		if l.Extranonce2Size < 0 || l.Extranonce2Size > 8 {
			add(key("extranonce2_size"), "must be 0 (the core's) or 1 to 8, got %d", l.Extranonce2Size)
		}
		nonNegative(key("read_buffer"), int64(l.ReadBuffer), l.ReadBuffer)
		nonNegative(key("write_buffer"), int64(l.WriteBuffer), l.WriteBuffer)
		nonNegative(key("keep_alive"), int64(l.KeepAlive), l.KeepAlive)
		floor := 1.0
		if l.AllowFractional {
			floor = 0
		}
		switch {
		case l.MinDifficulty <= 0 || l.MinDifficulty < floor:
			add(key("min_difficulty"), "must be at least 1 (or above 0 with allow_fractional), got %g", l.MinDifficulty)
		case l.MaxDifficulty != 0 && l.MaxDifficulty < l.MinDifficulty:
			add(key("max_difficulty"), "must be 0 or at least min_difficulty (%g), got %g", l.MinDifficulty, l.MaxDifficulty)
		case l.StartDifficulty < l.MinDifficulty || (l.MaxDifficulty != 0 && l.StartDifficulty > l.MaxDifficulty):
			add(key("start_difficulty"), "must be within min_difficulty and max_difficulty, got %g", l.StartDifficulty)
		}
	}
	return errors.Join(errs...)
}
