// Package load is strata bench: N simulated miners against any Stratum v1
// pool (Strata, ckpool, goPool, ...), opened at a ramp rate with the
// handshakes real miners use, each sending shares at a target rate, and a
// report of what came back: accepted and rejected rates, rejects by
// reason, submit-to-reply latency, and how long a new job takes to reach
// the last miner.
//
// Shares are real: each one's header is built from the pool's job and
// hashed. At the pool's difficulty the miner searches nonces until the
// hash meets the share target (SHA256d work, so the rate is what this
// machine can hash). Against a pool in flood mode, where every hash is a
// share, it takes the first nonce whose hash is not a block, so a stress
// test measures the pool rather than the hashing.
//
// Every run is bounded: a duration (at most an hour) and, optionally, a
// number of shares; it connects only to the addresses it is given.
package load

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"time"
)

// Config is one run.
type Config struct {
	// Targets are the pool's addresses: host:port, stratum+tcp://host:port
	// or stratum+ssl://host:port. Connections go round-robin.
	Targets     []string
	Connections int
	// Ramp is new connections per second (0: all at once).
	Ramp float64
	// Settle is how long after the ramp the steady part begins, for the
	// rates and latencies reported as steady: a pool takes a moment to
	// catch up with thousands of handshakes.
	Settle time.Duration
	// Rate is each connection's target shares per second.
	Rate     float64
	Duration time.Duration
	// MaxShares ends the run after this many submits (0: no limit).
	MaxShares int64
	// User is the username; ".b<n>" is added per connection unless Shared.
	User     string
	Password string
	Shared   bool
	// Handshakes are the openings connections take in turn (see
	// Handshakes); empty means all of them.
	Handshakes []string
	// Flood: the pool holds every miner at a difficulty where any hash is a
	// share; shares are taken without searching.
	Flood bool
	// BlockEvery, in flood mode on regtest, sends a share that is a block
	// this often (0: never), so that new jobs reach the miners during the
	// run and their spread is measured.
	BlockEvery time.Duration
	// Insecure skips certificate checks on TLS targets (self-signed).
	Insecure bool
	// Progress, if set, gets a line a second.
	Progress io.Writer
}

// MaxDuration bounds a run.
const MaxDuration = time.Hour

// Limits on a run's size: each connection is a file, and a process may
// open 20,000.
const maxConnections = 19_000

type target struct {
	addr string
	tls  bool
}

func (c *Config) check() ([]target, error) {
	var errs []error
	if len(c.Targets) == 0 {
		errs = append(errs, errors.New("no pool address: give host:port or stratum+tcp://host:port"))
	}
	var ts []target
	for _, t := range c.Targets {
		tt, err := parseTarget(t)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		ts = append(ts, tt)
	}
	if c.Connections < 1 || c.Connections > maxConnections {
		errs = append(errs, fmt.Errorf("connections must be 1 to %d, got %d", maxConnections, c.Connections))
	}
	if c.Duration <= 0 || c.Duration > MaxDuration {
		errs = append(errs, fmt.Errorf("duration must be above 0 and at most %s, got %s", MaxDuration, c.Duration))
	}
	if c.Rate < 0 || c.Rate > 1000 {
		errs = append(errs, fmt.Errorf("rate must be 0 to 1000 shares/s per connection, got %g", c.Rate))
	}
	if c.Ramp < 0 {
		errs = append(errs, fmt.Errorf("ramp must not be negative, got %g", c.Ramp))
	}
	if c.BlockEvery < 0 || (c.BlockEvery > 0 && !c.Flood) {
		errs = append(errs, errors.New("block-every needs flood mode (a pool on regtest where any hash is a share)"))
	}
	if c.MaxShares < 0 {
		errs = append(errs, fmt.Errorf("max shares must not be negative, got %d", c.MaxShares))
	}
	if c.User == "" {
		errs = append(errs, errors.New("a user is needed: the pool's payout address (with .worker if wanted)"))
	}
	for _, h := range c.Handshakes {
		if _, ok := handshakes[h]; !ok {
			errs = append(errs, fmt.Errorf("unknown handshake %q: want one of %s", h, strings.Join(Handshakes(), ", ")))
		}
	}
	return ts, errors.Join(errs...)
}

func parseTarget(s string) (target, error) {
	if !strings.Contains(s, "://") {
		if _, _, err := net.SplitHostPort(s); err != nil {
			return target{}, fmt.Errorf("pool address %q: want host:port", s)
		}
		return target{addr: s}, nil
	}
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return target{}, fmt.Errorf("pool address %q: want stratum+tcp://host:port", s)
	}
	if _, _, err := net.SplitHostPort(u.Host); err != nil {
		return target{}, fmt.Errorf("pool address %q: want a port", s)
	}
	switch u.Scheme {
	case "stratum+tcp", "tcp", "stratum":
		return target{addr: u.Host}, nil
	case "stratum+ssl", "stratum+tls", "ssl", "tls":
		return target{addr: u.Host, tls: true}, nil
	}
	return target{}, fmt.Errorf("pool address %q: scheme %q is not stratum+tcp or stratum+ssl", s, u.Scheme)
}

func (t target) dial(insecure bool) (net.Conn, error) {
	d := &net.Dialer{Timeout: 10 * time.Second}
	if t.tls {
		host, _, _ := net.SplitHostPort(t.addr)
		return tls.DialWithDialer(d, "tcp", t.addr, &tls.Config{ServerName: host, InsecureSkipVerify: insecure})
	}
	return d.Dial("tcp", t.addr)
}
