package core

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/internal/config"
)

const testRegtestAddress = "bcrt1qw4m8w7re0fahclt707qgrq5rsjzcdpug8fg5y3"

func validConfig() Config {
	c := DefaultConfig()
	c.Pool.Address = testRegtestAddress
	c.Link.KeysFile = "/etc/strata/keys"
	return c
}

func TestDefaultConfigNeedsAddressAndKeys(t *testing.T) {
	c := DefaultConfig()
	err := c.Validate()
	for _, key := range []string{"pool.address", "link.keys_file"} {
		if err == nil || !strings.Contains(err.Error(), key) {
			t.Errorf("default config: %v, want an error naming %s", err, key)
		}
	}
	v := validConfig()
	if err := v.Validate(); err != nil {
		t.Fatalf("valid config refused: %v", err)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		key    string
		mutate func(*Config)
	}{
		{"data_dir", func(c *Config) { c.DataDir = "" }},
		{"pool.address", func(c *Config) { c.Pool.Address = "bc1qw4m8w7re0fahclt707qgrq5rsjzcdpug0x22gt" }}, // mainnet on regtest
		{"pool.address", func(c *Config) { c.Pool.Address = "not-an-address" }},
		{"pool.address", func(c *Config) { c.Pool.Mode, c.Pool.Address, c.Pool.FeePercent = job.SoloMode, "", 1 }},
		{"pool.fee_percent", func(c *Config) { c.Pool.FeePercent = 100 }},
		{"pool.fee_percent", func(c *Config) { c.Pool.FeePercent = -1 }},
		{"pool.tag", func(c *Config) { c.Pool.Tag = "tab\there" }},
		{"pool.tag", func(c *Config) { c.Pool.Tag = strings.Repeat("x", 65) }},
		{"pool.coinbase_max_bytes", func(c *Config) { c.Pool.CoinbaseMaxBytes = 100 }},
		{"pool.extranonce2_size", func(c *Config) { c.Pool.Extranonce2Size = 9 }},
		{"pool.extranonce2_size", func(c *Config) { c.Pool.Extranonce2Size = 3 }},
		{"share.version_mask", func(c *Config) { c.Share.VersionMask = "1fffe" }},
		{"share.version_mask", func(c *Config) { c.Share.VersionMask = "zzzzzzzz" }},
		{"share.ntime_future", func(c *Config) { c.Share.NTimeFuture = 3 * time.Hour }},
		{"template.refresh", func(c *Config) { c.Template.Refresh = 0 }},
		{"template.max_age", func(c *Config) { c.Template.MaxAge = c.Template.Refresh }},
		{"link.listen", func(c *Config) { c.Link.Listen = "7100" }},
		{"link.keys_file", func(c *Config) { c.Link.KeysFile = "" }},
		{"link.ping_interval", func(c *Config) { c.Link.PingInterval = time.Millisecond }},
		{"node", func(c *Config) { c.Nodes = nil }},
		{"node.rpc_url", func(c *Config) { c.Nodes[0].RPCURL = "127.0.0.1:8332" }},
		{"node.rpc_user", func(c *Config) { c.Nodes[0].RPCUser = "alice" }},
		{"node.cookie_file", func(c *Config) {
			c.Nodes[0].RPCUser, c.Nodes[0].RPCPassword, c.Nodes[0].CookieFile = "a", "b", "/c"
		}},
		{"node.zmq_hashblock", func(c *Config) { c.Nodes[0].ZMQHashBlock = "127.0.0.1:28332" }},
		{"node.1.timeout", func(c *Config) { c.Nodes = append(c.Nodes, NodeConfig{}) }},
		{"stats.listen", func(c *Config) { c.Stats.Listen = "localhost" }},
	}
	for _, tc := range cases {
		c := validConfig()
		tc.mutate(&c)
		err := c.Validate()
		var ke *config.KeyError
		if !errors.As(err, &ke) || !strings.Contains(err.Error(), "config: "+tc.key+":") {
			t.Errorf("%s: got %v", tc.key, err)
		}
	}
}

func TestConfigAllowsPlaintextWithoutKeys(t *testing.T) {
	c := validConfig()
	c.Link.KeysFile, c.Link.AllowPlaintext = "", true
	c.Stats.Listen = ""
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	c.Pool.Mode, c.Pool.Address = job.SoloMode, ""
	if err := c.Validate(); err != nil {
		t.Fatalf("solo mode without a fee needs no address: %v", err)
	}
}
