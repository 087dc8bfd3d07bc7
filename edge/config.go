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
	Uplink    UplinkConfig     `toml:"uplink"`
	Listeners []ListenerConfig `toml:"listener"`
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
	Address         string  `toml:"address" help:"host:port miners connect to"`
	TLSCert         string  `toml:"tls_cert" help:"certificate file; with tls_key, the port speaks Stratum over TLS"`
	TLSKey          string  `toml:"tls_key" help:"private key file of tls_cert"`
	StartDifficulty float64 `toml:"start_difficulty" help:"difficulty a new miner starts at"`
	MinDifficulty   float64 `toml:"min_difficulty" help:"lowest difficulty vardiff or a miner may set"`
	MaxDifficulty   float64 `toml:"max_difficulty" help:"highest difficulty vardiff or a miner may set; 0 for no limit"`
	AllowFractional bool    `toml:"allow_fractional" help:"allow difficulty below 1, for small hobby miners"`
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
		Listeners: []ListenerConfig{l},
	}
}

// SetDefaults gives a listener added by the file, a variable or a flag its defaults.
func (l *ListenerConfig) SetDefaults() {
	l.Address = DefaultStratumListen
	l.StartDifficulty = 1024
	l.MinDifficulty = 1
}

// maxNameLen is the longest edge name the wire protocol carries.
const maxNameLen = 64

// Validate checks every setting; an error names the key at fault.
func (c *Config) Validate() error {
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
	if c.Uplink.KeyFile == "" && !c.Uplink.AllowPlaintext {
		add("uplink.key_file", "must be set (strata keygen makes one), unless uplink.allow_plaintext is set for a core on loopback")
	}
	if c.Uplink.Hold < 0 {
		add("uplink.hold", "must not be negative, got %s", c.Uplink.Hold)
	}
	if c.Uplink.SpoolMax < 0 {
		add("uplink.spool_max", "must not be negative, got %d", c.Uplink.SpoolMax)
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
