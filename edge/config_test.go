package edge

import (
	"strings"
	"testing"
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
