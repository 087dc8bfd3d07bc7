package edge

import (
	"strings"
	"testing"
	"time"
)

func validConfig() Config {
	c := DefaultConfig()
	c.Uplink.KeyFile = "/etc/strata/edge.key"
	return c
}

func TestDefaultConfig(t *testing.T) {
	c := DefaultConfig()
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "uplink.key_file") {
		t.Errorf("default config without a key: %v", err)
	}
	v := validConfig()
	if err := v.Validate(); err != nil {
		t.Fatal(err)
	}
	if v.Name == "" || v.Listeners[0].Address != DefaultStratumListen {
		t.Errorf("defaults: %+v", v)
	}
}

func TestConfigErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		key    string
		mutate func(*Config)
	}{
		{"name", func(c *Config) { c.Name = "" }},
		{"name", func(c *Config) { c.Name = strings.Repeat("n", 65) }},
		{"uplink.cores", func(c *Config) { c.Uplink.Cores = nil }},
		{"uplink.cores", func(c *Config) { c.Uplink.Cores = []string{"core"} }},
		{"uplink.key_file", func(c *Config) { c.Uplink.KeyFile = "" }},
		{"uplink.hold", func(c *Config) { c.Uplink.Hold = -1 }},
		{"uplink.spool_max", func(c *Config) { c.Uplink.SpoolMax = -1 }},
		{"listener", func(c *Config) { c.Listeners = nil }},
		{"listener.address", func(c *Config) { c.Listeners[0].Address = "3333" }},
		{"listener.1.address", func(c *Config) { c.Listeners = append(c.Listeners, c.Listeners[0]) }},
		{"listener.tls_cert", func(c *Config) { c.Listeners[0].TLSKey = "/k" }},
		{"listener.min_difficulty", func(c *Config) { c.Listeners[0].MinDifficulty = 0.5 }},
		{"listener.max_difficulty", func(c *Config) { c.Listeners[0].MaxDifficulty = 0.5 }},
		{"listener.start_difficulty", func(c *Config) { c.Listeners[0].StartDifficulty = 0.5 }},
		{"listener.tls", func(c *Config) { c.Listeners[0].TLSCert, c.Listeners[0].TLSKey = "/c", "/k" }},
		{"listener.shares_per_minute", func(c *Config) { c.Listeners[0].SharesPerMinute = 0 }},
		{"listener.retarget", func(c *Config) { c.Listeners[0].Retarget = time.Millisecond }},
		{"listener.extranonce2_size", func(c *Config) { c.Listeners[0].Extranonce2Size = 9 }},
		{"listener.read_buffer", func(c *Config) { c.Listeners[0].ReadBuffer = -1 }},
		{"listener.keep_alive", func(c *Config) { c.Listeners[0].KeepAlive = -time.Second }},
		{"loops", func(c *Config) { c.Loops = -1 }},
		{"limits.per_ip", func(c *Config) { c.Limits.PerIP = -1 }},
		{"limits.accept_rate", func(c *Config) { c.Limits.AcceptRate = -1 }},
		{"limits.accept_burst", func(c *Config) { c.Limits.AcceptBurst = 0 }},
		{"limits.max_outbound", func(c *Config) { c.Limits.MaxOutbound = 100 }},
		{"limits.idle", func(c *Config) { c.Limits.Idle = -1 }},
		{"limits.ban_window", func(c *Config) { c.Limits.BanInvalid, c.Limits.BanWindow = 5, 0 }},
	}
	for _, tc := range cases {
		c := validConfig()
		tc.mutate(&c)
		if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "config: "+tc.key+":") {
			t.Errorf("%s: got %v", tc.key, err)
		}
	}
	c := validConfig()
	c.Listeners[0].AllowFractional = true
	c.Listeners[0].MinDifficulty, c.Listeners[0].StartDifficulty = 0.001, 0.01
	if err := c.Validate(); err != nil {
		t.Errorf("fractional listener refused: %v", err)
	}
}
