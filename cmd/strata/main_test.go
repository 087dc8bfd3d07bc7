package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stratapool/strata/wire"
)

const regtestAddress = "bcrt1qw4m8w7re0fahclt707qgrq5rsjzcdpug8fg5y3"

func runCmd(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

func TestHelpListsEveryCommand(t *testing.T) {
	for _, args := range [][]string{{"--help"}, {"help"}, {"-h"}} {
		code, out, _ := runCmd(t, args...)
		if code != exitOK {
			t.Errorf("%v: exit %d", args, code)
		}
		for _, c := range []string{"core", "edge", "run", "bench", "keygen", "version"} {
			if !strings.Contains(out, "  "+c+" ") {
				t.Errorf("%v: help does not list %s:\n%s", args, c, out)
			}
		}
	}
	if code, _, errOut := runCmd(t); code != exitUsage || !strings.Contains(errOut, "Commands:") {
		t.Errorf("no arguments: exit %d", code)
	}
	if code, _, errOut := runCmd(t, "mine"); code != exitUsage || !strings.Contains(errOut, `unknown command "mine"`) {
		t.Errorf("unknown command: exit %d, %s", code, errOut)
	}
	for _, c := range []string{"core", "edge", "run", "bench", "keygen"} {
		code, out, _ := runCmd(t, "help", c)
		if code != exitOK || !strings.Contains(out, "Usage: strata "+c) {
			t.Errorf("help %s: exit %d\n%s", c, code, out)
		}
	}
}

func TestCommandHelpShowsSettings(t *testing.T) {
	code, out, _ := runCmd(t, "core", "--help")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"-config", "-print-config", "-node.rpc-url", "STRATA_NODE_RPC_URL", "-rpc-url", "-pool.address", "-log.level"} {
		if !strings.Contains(out, want) {
			t.Errorf("core --help lacks %q", want)
		}
	}
}

func TestVersion(t *testing.T) {
	code, out, _ := runCmd(t, "version")
	if code != exitOK {
		t.Fatalf("exit %d", code)
	}
	for _, want := range []string{"strata ", "commit ", "go      go1.", "pgo     "} {
		if !strings.Contains(out, want) {
			t.Errorf("version lacks %q:\n%s", want, out)
		}
	}
	if code, _, _ := runCmd(t, "version", "extra"); code != exitUsage {
		t.Errorf("version with an argument: exit %d", code)
	}
}

func TestPrintConfigLoadsBack(t *testing.T) {
	dir := t.TempDir()
	code, out, errOut := runCmd(t, "core", "--print-config", "--pool.address", regtestAddress,
		"--link.allow-plaintext", "--rpc-url", "http://127.0.0.1:18443", "--log.level", "debug")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	for _, want := range []string{`address = "` + regtestAddress + `"`, "allow_plaintext = true", `rpc_url = "http://127.0.0.1:18443"`, `level = "DEBUG"`, "[[node]]", "[log]"} {
		if !strings.Contains(out, want) {
			t.Errorf("printed config lacks %q:\n%s", want, out)
		}
	}
	file := filepath.Join(dir, "core.toml")
	if err := os.WriteFile(file, []byte(out), 0o600); err != nil {
		t.Fatal(err)
	}
	code, again, errOut := runCmd(t, "core", "--config", file, "--print-config")
	if code != exitOK || again != out {
		t.Fatalf("printed config does not load back to itself (exit %d, %s):\n%s", code, errOut, again)
	}
}

func TestInvalidSettingsNameTheKey(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.toml")
	os.WriteFile(bad, []byte("[pool]\nfee_percent = \"high\"\n"), 0o600)
	cases := []struct {
		args []string
		env  [2]string
		want string
	}{
		{[]string{"core", "--pool.fee-percent", "x"}, [2]string{}, "pool.fee_percent"},
		{[]string{"core", "--config", bad}, [2]string{}, "pool.fee_percent"},
		{[]string{"core", "--config", filepath.Join(dir, "missing.toml")}, [2]string{}, "missing.toml"},
		{[]string{"core"}, [2]string{"STRATA_NETWORK", "dogecoin"}, "network"},
		{[]string{"core"}, [2]string{"STRATA_NODE_TIMEOUT", "soon"}, "node.timeout"},
		{[]string{"core", "--pool.address", "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"}, [2]string{}, "pool.address"},
		{[]string{"edge", "--listener.address", "nowhere"}, [2]string{}, "listener.address"},
		{[]string{"edge", "--log.format", "xml"}, [2]string{}, "log.format"},
		{[]string{"run", "--uplink.cores", "core"}, [2]string{}, "uplink.cores"},
		{[]string{"core", "--no-such-flag"}, [2]string{}, "no-such-flag"},
		{[]string{"core", "stray"}, [2]string{}, "stray"},
	}
	for _, c := range cases {
		if c.env[0] != "" {
			t.Setenv(c.env[0], c.env[1])
		}
		code, _, errOut := runCmd(t, c.args...)
		if code != exitUsage || !strings.Contains(errOut, c.want) {
			t.Errorf("%v %v: exit %d, %q; want exit 2 naming %s", c.args, c.env, code, errOut, c.want)
		}
		if c.env[0] != "" {
			os.Unsetenv(c.env[0])
		}
	}
}

func TestEnvironmentSettings(t *testing.T) {
	t.Setenv("STRATA_POOL_ADDRESS", regtestAddress)
	t.Setenv("STRATA_LINK_ALLOW_PLAINTEXT", "true")
	t.Setenv("STRATA_NODE_COOKIE_FILE", "/var/lib/bitcoind/regtest/.cookie")
	t.Setenv("STRATA_NODE_1_RPC_URL", "http://backup:18443")
	t.Setenv("STRATA_EDGE_TYPO", "1")
	code, out, errOut := runCmd(t, "core", "--print-config")
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(out, `cookie_file = "/var/lib/bitcoind/regtest/.cookie"`) || strings.Count(out, "[[node]]") != 2 {
		t.Errorf("environment not applied:\n%s", out)
	}
	if !strings.Contains(errOut, "STRATA_EDGE_TYPO") {
		t.Errorf("unknown variable not reported: %q", errOut)
	}
}

func TestConfigFileFromEnvironment(t *testing.T) {
	file := filepath.Join(t.TempDir(), "edge.toml")
	os.WriteFile(file, []byte("name = \"eu-1\"\n[uplink]\nallow_plaintext = true\n"), 0o600)
	t.Setenv(envConfigFile, file)
	code, out, errOut := runCmd(t, "edge", "--print-config")
	if code != exitOK || !strings.Contains(out, `name = "eu-1"`) {
		t.Fatalf("exit %d %s\n%s", code, errOut, out)
	}
}

func TestKeygen(t *testing.T) {
	code, out, _ := runCmd(t, "keygen", "-name", "eu-1")
	fields := strings.Fields(out)
	if code != exitOK || len(fields) != 2 || fields[0] != "eu-1" {
		t.Fatalf("keygen: exit %d, %q", code, out)
	}
	if _, err := wire.ParseKey(fields[1]); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(t.TempDir(), "keys")
	for _, name := range []string{"eu-1", "us-1"} {
		if code, _, errOut := runCmd(t, "keygen", "-name", name, "-o", file); code != exitOK {
			t.Fatalf("keygen -o: %s", errOut)
		}
	}
	st, err := os.Stat(file)
	if err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode: %v %v", st.Mode(), err)
	}
	ring, err := wire.LoadKeyring(file)
	if err != nil || ring.Len() != 2 {
		t.Fatalf("keyring: %v", err)
	}
	if k, err := wire.LoadKey(file, "us-1"); err != nil || len(k) != wire.KeySize {
		t.Fatalf("edge key: %v", err)
	}
	open := filepath.Join(t.TempDir(), "open")
	os.WriteFile(open, nil, 0o644)
	if code, _, errOut := runCmd(t, "keygen", "-o", open); code == exitOK || !strings.Contains(errOut, "chmod 600") {
		t.Errorf("keygen appended to a world-readable file: %s", errOut)
	}
	if code, _, _ := runCmd(t, "keygen", "-name", "has space"); code != exitUsage {
		t.Errorf("keygen with a bad name: exit %d", code)
	}
}
