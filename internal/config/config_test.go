package config

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

type mode string

func (m *mode) UnmarshalText(b []byte) error {
	switch s := string(b); s {
	case "pool", "solo":
		*m = mode(s)
		return nil
	}
	return errors.New(`want "pool" or "solo"`)
}

func (m mode) MarshalText() ([]byte, error) { return []byte(m), nil }

type node struct {
	URL      string        `toml:"rpc_url" help:"node RPC URL"`
	Password string        `toml:"rpc_password" secret:"true"`
	Priority int           `toml:"priority"`
	Timeout  time.Duration `toml:"timeout"`
}

func (n *node) SetDefaults() { n.Timeout = 5 * time.Second }

type common struct {
	LogLevel string `toml:"log_level" help:"log level"`
}

type testConfig struct {
	common
	Network string   `toml:"network" help:"chain"`
	Flood   bool     `toml:"flood"`
	Cores   []string `toml:"cores"`
	Link    struct {
		Listen   string        `toml:"listen" help:"where edges connect"`
		MaxBatch uint16        `toml:"max_batch"`
		Ping     time.Duration `toml:"ping_interval"`
		Fee      float64       `toml:"fee"`
	} `toml:"link"`
	Mode  mode   `toml:"mode"`
	Nodes []node `toml:"node"`
}

func (c *testConfig) Validate() error {
	if c.Link.Fee > 100 {
		return Errorf("link.fee", "must be at most 100, got %g", c.Link.Fee)
	}
	return nil
}

func defaults() *testConfig {
	c := &testConfig{Network: "regtest", Mode: "pool"}
	c.LogLevel = "info"
	c.Link.Listen = "127.0.0.1:7100"
	c.Link.MaxBatch = 256
	c.Link.Ping = 5 * time.Second
	c.Nodes = []node{{URL: "http://127.0.0.1:18443", Timeout: 5 * time.Second}}
	return c
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "c.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func parseFlags(t *testing.T, cfg any, args ...string) *Flags {
	t.Helper()
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	fs.SetOutput(new(bytes.Buffer))
	f := Bind(fs, cfg, map[string]string{"rpc-url": "node.rpc_url"})
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestPrecedence(t *testing.T) {
	file := writeFile(t, `
network = "testnet4"
log_level = "debug"
cores = ["a:1", "b:2"]
mode = "solo"
[link]
listen = "0.0.0.0:7100"
fee = 1.5
[[node]]
rpc_url = "http://file-1"
priority = 1
[[node]]
rpc_url = "http://file-2"
`)
	cfg := defaults()
	flags := parseFlags(t, cfg, "--link.listen", "0.0.0.0:9000", "--flood", "--rpc-url", "http://flag")
	warnings, err := Load(cfg, Source{
		File:  file,
		Flags: flags,
		Env: []string{
			"STRATA_NETWORK=signet",
			"STRATA_LINK_LISTEN=env:1",
			"STRATA_NODE_1_RPC_PASSWORD=hunter2",
			"STRATA_NODE_2_RPC_URL=http://env-3",
			"STRATA_LINK_PING_INTERVAL=2s",
			"STRATA_NOPE=1",
			"STRATA_CONFIG=/x",
			"PATH=/bin",
		},
		IgnoreEnv: []string{"STRATA_CONFIG"},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(warnings) != 1 || !strings.Contains(warnings[0], "STRATA_NOPE") {
		t.Errorf("warnings = %q", warnings)
	}
	checks := []struct {
		name      string
		got, want any
	}{
		{"env over file", cfg.Network, "signet"},
		{"file over default", cfg.LogLevel, "debug"},
		{"flag over env", cfg.Link.Listen, "0.0.0.0:9000"},
		{"bool flag", cfg.Flood, true},
		{"alias flag", cfg.Nodes[0].URL, "http://flag"},
		{"file list", cfg.Cores, []string{"a:1", "b:2"}},
		{"text unmarshaler", cfg.Mode, mode("solo")},
		{"float", cfg.Link.Fee, 1.5},
		{"untouched default", cfg.Link.MaxBatch, uint16(256)},
		{"duration from env", cfg.Link.Ping, 2 * time.Second},
		{"indexed env", cfg.Nodes[1].Password, "hunter2"},
		{"file element", cfg.Nodes[0].Priority, 1},
		{"file element default", cfg.Nodes[1].Timeout, 5 * time.Second},
		{"env appends element", cfg.Nodes[2].URL, "http://env-3"},
		{"appended element default", cfg.Nodes[2].Timeout, 5 * time.Second},
	}
	for _, c := range checks {
		if !reflect.DeepEqual(c.got, c.want) {
			t.Errorf("%s: got %v, want %v", c.name, c.got, c.want)
		}
	}
}

func TestErrorsNameTheKey(t *testing.T) {
	cases := []struct {
		name    string
		file    string
		env     []string
		args    []string
		wantKey string
		want    string
	}{
		{"file type", "network = 5", nil, nil, "network", "want a string"},
		{"file unknown key", "netwrk = \"x\"", nil, nil, "netwrk", "unknown key"},
		{"file unknown nested", "[link]\nlisten_addr = \"x\"", nil, nil, "link.listen_addr", "unknown key"},
		{"file table as value", "link = 5", nil, nil, "link", "want a table"},
		{"file bad duration", "[link]\nping_interval = 5", nil, nil, "link.ping_interval", "duration"},
		{"file overflow", "[link]\nmax_batch = 70000", nil, nil, "link.max_batch", "out of range"},
		{"file negative unsigned", "[link]\nmax_batch = -1", nil, nil, "link.max_batch", "out of range"},
		{"file bad enum", "mode = \"both\"", nil, nil, "mode", "pool"},
		{"file element key", "[[node]]\nrpc_uri = \"x\"", nil, nil, "node.rpc_uri", "unknown key"},
		{"file second element", "[[node]]\nrpc_url = \"a\"\n[[node]]\npriority = \"high\"", nil, nil, "node.1.priority", "whole number"},
		{"env bad bool", "", []string{"STRATA_FLOOD=sometimes"}, nil, "flood", "true or false"},
		{"env bad duration", "", []string{"STRATA_NODE_TIMEOUT=5"}, nil, "node.timeout", "duration"},
		{"env gap in elements", "", []string{"STRATA_NODE_5_RPC_URL=x"}, nil, "node.5.rpc_url", "does not exist"},
		{"flag bad number", "", nil, []string{"--link.fee", "lots"}, "link.fee", "number"},
		{"validate", "", nil, []string{"--link.fee", "150"}, "link.fee", "at most 100"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cfg := defaults()
			src := Source{Env: c.env, Flags: parseFlags(t, cfg, c.args...)}
			if c.file != "" {
				src.File = writeFile(t, c.file)
			}
			_, err := Load(cfg, src)
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != c.wantKey || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("got %v, want a %q error on key %s", err, c.want, c.wantKey)
			}
		})
	}
	if _, err := Load(defaults(), Source{File: "/does/not/exist.toml"}); err == nil || !strings.Contains(err.Error(), "exist.toml") {
		t.Errorf("missing file: %v", err)
	}
	if _, err := Load(defaults(), Source{File: writeFile(t, "network = ")}); err == nil || !strings.Contains(err.Error(), "c.toml") {
		t.Errorf("bad TOML: %v", err)
	}
}

func TestPrintLoadsBack(t *testing.T) {
	cfg := defaults()
	cfg.Cores = []string{"x:1", "quote\"and\\back"}
	cfg.Link.Fee = 2
	cfg.Nodes = append(cfg.Nodes, node{URL: "http://second\tnode", Priority: 2, Timeout: time.Minute})
	var out bytes.Buffer
	if err := Print(&out, cfg); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"[link]", "[[node]]", "# where edges connect [STRATA_LINK_LISTEN]", `ping_interval = "5s"`, "fee = 2.0"} {
		if !strings.Contains(text, want) {
			t.Errorf("printed config lacks %q:\n%s", want, text)
		}
	}
	back := &testConfig{}
	if _, err := Load(back, Source{File: writeFile(t, text)}); err != nil {
		t.Fatalf("printed config does not load: %v\n%s", err, text)
	}
	if !reflect.DeepEqual(back, cfg) {
		t.Fatalf("round trip differs:\n got %+v\nwant %+v", back, cfg)
	}
}

func TestPrintRedactsSecrets(t *testing.T) {
	cfg := defaults()
	cfg.Nodes[0].Password = "hunter2"
	var out bytes.Buffer
	if err := Print(&out, cfg); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(out.String(), "hunter2") || !strings.Contains(out.String(), Redacted) {
		t.Fatalf("secret printed:\n%s", out.String())
	}
}

func TestBindShowsDefaultsAndEnv(t *testing.T) {
	cfg := defaults()
	cfg.Nodes[0].Password = "hunter2"
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	Bind(fs, cfg, nil)
	var usage bytes.Buffer
	fs.SetOutput(&usage)
	fs.PrintDefaults()
	u := usage.String()
	for _, want := range []string{"-link.listen", `(default "127.0.0.1:7100")`, "[STRATA_LINK_LISTEN]", "-node.rpc-url", "-flood"} {
		if !strings.Contains(u, want) {
			t.Errorf("usage lacks %q", want)
		}
	}
	if strings.Contains(u, "hunter2") {
		t.Error("usage shows a secret")
	}
}

func TestFields(t *testing.T) {
	cfg := defaults()
	var keys []string
	for _, f := range Fields(cfg) {
		keys = append(keys, f.Key)
	}
	want := "log_level network flood cores link.listen link.max_batch link.ping_interval link.fee mode node.rpc_url node.rpc_password node.priority node.timeout"
	if strings.Join(keys, " ") != want {
		t.Errorf("keys:\n got %s\nwant %s", strings.Join(keys, " "), want)
	}
	f := Fields(cfg)[len(keys)-1]
	if f.Env() != "STRATA_NODE_TIMEOUT" || f.Flag() != "node.timeout" || f.Value() != `"5s"` {
		t.Errorf("field: %s %s %s", f.Env(), f.Flag(), f.Value())
	}
}

func TestInlineFields(t *testing.T) {
	type a struct {
		X int `toml:"x"`
	}
	type b struct {
		Y string `toml:"y"`
	}
	var both struct {
		A a `toml:",inline"`
		B b `toml:",inline"`
	}
	_, err := Load(&both, Source{Env: []string{"STRATA_X=3", "STRATA_Y=why"}})
	if err != nil || both.A.X != 3 || both.B.Y != "why" {
		t.Fatalf("inline fields: %+v, %v", both, err)
	}
}
