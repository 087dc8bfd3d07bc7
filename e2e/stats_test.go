package e2e

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/core/stats"
)

func (p *pool) get(t *testing.T, path string) (int, []byte) {
	t.Helper()
	resp, err := http.Get(p.stats + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, b
}

func (p *pool) getJSON(t *testing.T, path string, v any) {
	t.Helper()
	code, b := p.get(t, path)
	if code != 200 {
		t.Fatalf("%s: %d %s", path, code, b)
	}
	if err := json.Unmarshal(b, v); err != nil {
		t.Fatalf("%s: %v: %s", path, err, b)
	}
}

// TestStatsEndpoints asks every endpoint of a running core with a miner
// that found a block, then stops the node: /readyz says why.
func TestStatsEndpoints(t *testing.T) {
	p := startPool(t, options{})
	user := p.wallet.SegwitAddress() + ".rig1"
	c := p.dialMiner(false, user, 0x1fffe000)
	p.mineBlock(t, c, user)
	// The accounts' statistics reach the API at once; the edge's counts
	// come with its next STATS (every 10 s): not waited for here.

	var o stats.Overview
	p.getJSON(t, "/api/overview", &o)
	if o.Network != "regtest" || o.Mode != "pool" || !o.Work.Ready || o.Height == 0 || o.Pool.Accepted < 1 ||
		o.Pool.Workers != 1 || o.Pool.BlocksFound != 1 || o.Shares["block"] != 1 || o.Edges != 1 || !o.Accounts.Healthy {
		t.Errorf("overview %+v", o)
	}
	var wp stats.WorkersPage
	p.getJSON(t, "/api/workers?offset=0&limit=10", &wp)
	if wp.Total != 1 || len(wp.Workers) != 1 || wp.Workers[0].Name != user || wp.Workers[0].Hashrate5m <= 0 {
		t.Errorf("workers %+v", wp)
	}
	var wd stats.WorkerDetail
	p.getJSON(t, "/api/worker/"+user, &wd)
	if wd.Name != user || len(wd.Minutes) == 0 || wd.BestEver <= 0 {
		t.Errorf("worker %+v", wd)
	}
	var blocks struct{ Blocks []stats.BlockView }
	p.getJSON(t, "/api/blocks", &blocks)
	if len(blocks.Blocks) != 1 || blocks.Blocks[0].Worker != user || blocks.Blocks[0].Reward != 50_0000_0000 {
		t.Errorf("blocks %+v", blocks)
	}
	var edges []stats.EdgeView
	p.getJSON(t, "/api/edges", &edges)
	if len(edges) != 1 || edges[0].Name != "e2e" || edges[0].Sessions != 1 {
		t.Errorf("edges %+v", edges)
	}
	var nodes struct {
		Nodes []stats.NodeView
		Work  stats.WorkView
	}
	p.getJSON(t, "/api/node", &nodes)
	if len(nodes.Nodes) != 1 || !nodes.Nodes[0].Active || nodes.Nodes[0].RPC["getblocktemplate"].Calls == 0 ||
		nodes.Nodes[0].RPC["submitblock"].Calls != 1 || !nodes.Work.Ready {
		t.Errorf("node %+v", nodes)
	}
	var bal struct{ Balances []map[string]any }
	p.getJSON(t, "/api/balances", &bal)
	if code, _ := p.get(t, "/api/balance/nobody"); code != 404 {
		t.Errorf("unknown balance: %d", code)
	}
	for path, want := range map[string]int{"/healthz": 200, "/readyz": 200, "/": 200, "/api/worker/nobody": 404,
		"/nowhere": 404, "/api/workers?limit=0": 400, "/api/workers?offset=-1": 400, "/api/blocks?limit=abc": 400} {
		if code, body := p.get(t, path); code != want {
			t.Errorf("%s: %d, want %d: %s", path, code, want, body)
		}
	}
	if _, page := p.get(t, "/"); !strings.Contains(string(page), user) || !strings.Contains(string(page), "Found blocks") {
		t.Errorf("status page lacks the worker or the blocks")
	}
	if resp, err := http.Post(p.stats+"/metrics", "text/plain", nil); err != nil || resp.StatusCode != 405 {
		t.Errorf("POST: %v %v", err, resp)
	}

	// Compressed when asked.
	req, _ := http.NewRequest("GET", p.stats+"/metrics", nil)
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := (&http.Transport{DisableCompression: true}).RoundTrip(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.Header.Get("Content-Encoding") != "gzip" {
		t.Fatalf("metrics not compressed: %v", resp.Header)
	}
	zr, err := gzip.NewReader(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	checkMetrics(t, zr)
	resp.Body.Close()

	// The node goes away: not ready, and why.
	p.node.Kill()
	deadline := time.Now().Add(15 * time.Second)
	for {
		code, body := p.get(t, "/readyz")
		if code == 503 && strings.Contains(string(body), "no_node") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("readyz %d %s with the node gone", code, body)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if code, _ := p.get(t, "/healthz"); code != 200 {
		t.Errorf("healthz %d: the core is alive", code)
	}
}

// checkMetrics reads the Prometheus text: every family has its HELP and
// TYPE, counters end in _total, the names the dashboards use are there,
// and no series has a worker label.
func checkMetrics(t *testing.T, r io.Reader) {
	t.Helper()
	types := map[string]string{}
	seen := map[string]bool{}
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if rest, ok := strings.CutPrefix(line, "# TYPE "); ok {
			f := strings.Fields(rest)
			types[f[0]] = f[1]
			if f[1] == "counter" && !strings.HasSuffix(f[0], "_total") {
				t.Errorf("counter %s does not end in _total", f[0])
			}
			continue
		}
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		name := line[:strings.IndexAny(line, "{ ")]
		if !strings.HasPrefix(name, "strata_") {
			t.Errorf("metric %s without the strata_ prefix", name)
		}
		if strings.Contains(line, "worker=") {
			t.Errorf("per-worker series: %s", line)
		}
		base := strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(name, "_bucket"), "_sum"), "_count")
		if types[name] == "" && types[base] == "" {
			t.Errorf("%s has no TYPE", name)
		}
		seen[name] = true
	}
	for _, want := range []string{"strata_build_info", "strata_shares_total", "strata_accepted_difficulty_total",
		"strata_template_age_seconds", "strata_node_rpc_duration_seconds_bucket", "strata_work_ready",
		"strata_blocks_found_total", "strata_hashrate_hashes_per_second"} {
		if !seen[want] {
			t.Errorf("no %s in /metrics", want)
		}
	}
}
