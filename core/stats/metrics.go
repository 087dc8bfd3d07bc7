package stats

import (
	"strconv"
	"time"

	"github.com/stratapool/strata/internal/metric"
	"github.com/stratapool/strata/wire"
	"github.com/valyala/fasthttp"
)

// metrics writes /metrics: base units, counters ending in _total, no label
// per worker (a pool of 10,000 miners would make 10,000 series).
func (s *Server) metrics(ctx *fasthttp.RequestCtx) {
	now := time.Now()
	var w metric.Writer
	w.B = make([]byte, 0, 16<<10)
	b := s.src.Build
	w.Gauge("strata_build_info", "The running build: 1, with its version in labels.",
		metric.Sample{Labels: metric.Labels("version", b.Version, "commit", b.Commit, "go_version", b.GoVersion,
			"pgo", strconv.FormatBool(b.PGO), "network", s.src.Network.String(), "mode", s.src.Mode.String()), Value: 1})
	w.Gauge("strata_uptime_seconds", "Seconds since the core started.", metric.V(now.Sub(s.src.Started).Seconds()))

	st := s.src.Work.State()
	w.Gauge("strata_work_ready", "1 while work is handed out, 0 while the gate is closed.", metric.V(b2f(st.Ready())))
	var states []metric.Sample
	for r := wire.WorkReason(0); r < wire.NumWorkReasons; r++ {
		states = append(states, metric.L("reason", r.String(), b2f(st.Reason == r)))
	}
	w.Gauge("strata_work_state", "1 for the gate's current state.", states...)
	if j := s.src.Work.Job(); j != nil {
		w.Gauge("strata_template_height", "Height of the block the current job builds.", metric.V(float64(j.Height)))
		w.Gauge("strata_network_difficulty", "Difficulty of the current job's block.", metric.V(j.NetworkDifficulty))
		if j.Template != nil {
			w.Gauge("strata_template_age_seconds", "Seconds since the current template was fetched.", metric.V(now.Sub(j.Template.FetchedAt).Seconds()))
		}
	}
	built, refused := s.src.Work.Counts()
	w.Counter("strata_jobs_total", "Jobs built from templates, and templates refused.",
		metric.L("result", "built", float64(built)), metric.L("result", "refused", float64(refused)))

	if s.src.Verdicts != nil {
		var shares []metric.Sample
		for v, n := range s.src.Verdicts() {
			shares = append(shares, metric.L("result", wire.Verdict(v).String(), float64(n)))
		}
		w.Counter("strata_shares_total", "Shares judged, by result.", shares...)
	}
	if a := s.src.Accounts; a != nil {
		p := a.Pool(now)
		w.Counter("strata_accepted_difficulty_total", "Difficulty credited to accepted shares: rate() × 2^32 is the hashrate.",
			metric.V(p.AcceptedDifficulty))
		w.Gauge("strata_hashrate_hashes_per_second", "Pool hashrate over the last 5 minutes, from accepted shares.", metric.V(p.Hashrate5m))
		w.Gauge("strata_workers", "Workers the pool knows.", metric.V(float64(p.Workers)))
		w.Gauge("strata_workers_online", "Workers with a share in the last 10 minutes.", metric.V(float64(p.Online)))
		w.Gauge("strata_best_share_difficulty", "The pool's best share ever.", metric.V(p.BestEver))
		w.Counter("strata_blocks_found_total", "Blocks found since the start.", metric.V(float64(p.BlocksFound)))
		ok, _ := a.Healthy()
		commits, credited, failures, last := a.Counters()
		w.Gauge("strata_accounts_healthy", "1 while the accounts store commits.", metric.V(b2f(ok)))
		w.Counter("strata_accounts_commits_total", "Transactions committed by the accounts.", metric.V(float64(commits)))
		w.Counter("strata_accounts_credited_total", "Shares credited by the accounts.", metric.V(float64(credited)))
		w.Counter("strata_accounts_failures_total", "Transactions the store refused.", metric.V(float64(failures)))
		w.Gauge("strata_accounts_last_write_seconds", "Duration of the last transaction.", metric.V(last.Seconds()))
	}
	if s.src.Link != nil {
		edges := s.src.Link.Edges()
		w.Gauge("strata_edges", "Edges linked to the core.", metric.V(float64(len(edges))))
		var conns, authorized float64
		for _, e := range edges {
			conns += float64(e.Stats[wire.StatConnections.String()])
			authorized += float64(e.Stats[wire.StatAuthorized.String()])
		}
		w.Gauge("strata_miner_connections", "Miner connections on all edges.", metric.V(conns))
		w.Gauge("strata_miner_sessions_authorized", "Authorized miner sessions on all edges.", metric.V(authorized))
		c := s.src.Link.Counters()
		w.Counter("strata_link_submits_total", "Shares received from edges.", metric.V(float64(c.Submits.Load())))
		w.Counter("strata_link_commit_failures_total", "Batches whose credits could not be committed.", metric.V(float64(c.CommitFailures.Load())))
	}
	if s.src.Nodes != nil {
		var up, height []metric.Sample
		var hs []metric.LabeledSnapshot
		var errs []metric.Sample
		for _, n := range s.src.Nodes() {
			up = append(up, metric.L("node", n.Name, b2f(n.Health.String() == "ready")))
			height = append(height, metric.L("node", n.Name, float64(n.Height)))
			for m, l := range n.Latency {
				labels := metric.Labels("node", n.Name, "method", m)
				hs = append(hs, metric.LabeledSnapshot{Labels: labels, Snapshot: l.Snapshot})
				errs = append(errs, metric.Sample{Labels: labels, Value: float64(l.Errors)})
			}
		}
		w.Gauge("strata_node_up", "1 for a node that is ready.", up...)
		w.Gauge("strata_node_height", "Each node's best height.", height...)
		w.Histogram("strata_node_rpc_duration_seconds", "JSON-RPC round trips to each node, by method (longpolls not counted).", hs...)
		w.Counter("strata_node_rpc_errors_total", "JSON-RPC calls that failed, by node and method.", errs...)
	}
	ctx.SetContentType("text/plain; version=0.0.4; charset=utf-8")
	ctx.SetBody(w.B)
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}
