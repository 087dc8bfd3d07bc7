package stats

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/stratapool/strata/core/account"
	"github.com/stratapool/strata/core/link"
	"github.com/stratapool/strata/wire"
	"github.com/valyala/fasthttp"
)

func (s *Server) route(ctx *fasthttp.RequestCtx) {
	if !ctx.IsGet() && !ctx.IsHead() {
		ctx.Response.Header.Set("Allow", "GET, HEAD")
		s.fail(ctx, fasthttp.StatusMethodNotAllowed, "only GET and HEAD")
		return
	}
	path := string(ctx.Path())
	switch {
	case path == "/":
		s.page(ctx)
	case path == "/healthz":
		ctx.SetContentType("text/plain; charset=utf-8")
		ctx.SetBodyString("ok\n")
	case path == "/readyz":
		s.readyz(ctx)
	case path == "/metrics":
		s.metrics(ctx)
	case path == "/api/overview":
		s.json(ctx, s.overview(time.Now()))
	case path == "/api/workers":
		s.workers(ctx)
	case strings.HasPrefix(path, "/api/worker/"):
		s.worker(ctx, strings.TrimPrefix(path, "/api/worker/"))
	case path == "/api/blocks":
		s.blocks(ctx)
	case strings.HasPrefix(path, "/api/block/"):
		s.block(ctx, strings.TrimPrefix(path, "/api/block/"))
	case path == "/api/balances":
		s.balances(ctx)
	case strings.HasPrefix(path, "/api/balance/"):
		s.balance(ctx, strings.TrimPrefix(path, "/api/balance/"))
	case path == "/api/bans":
		s.bans(ctx)
	case path == "/api/edges":
		s.json(ctx, s.edges())
	case path == "/api/node":
		s.json(ctx, s.nodes())
	default:
		s.fail(ctx, fasthttp.StatusNotFound, "no such page: see / for the status page and /api/overview")
	}
}

func (s *Server) json(ctx *fasthttp.RequestCtx, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.fail(ctx, fasthttp.StatusInternalServerError, err.Error())
		return
	}
	ctx.SetContentType("application/json")
	ctx.Response.Header.Set("Cache-Control", "no-store")
	ctx.SetBody(b)
}

func (s *Server) fail(ctx *fasthttp.RequestCtx, code int, msg string) {
	ctx.SetStatusCode(code)
	b, _ := json.Marshal(map[string]string{"error": msg})
	ctx.SetContentType("application/json")
	ctx.SetBody(b)
}

// page reads offset and limit (defaultLimit when absent).
func page(ctx *fasthttp.RequestCtx) (offset, limit int, ok bool) {
	return pageOf(ctx, defaultLimit)
}

// pageOf reads offset (0 or more) and limit (1 to maxLimit, def when
// absent).
func pageOf(ctx *fasthttp.RequestCtx, def int) (offset, limit int, ok bool) {
	args := ctx.QueryArgs()
	offset, limit = 0, def
	if v := args.Peek("offset"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 0 {
			return 0, 0, false
		}
		offset = n
	}
	if v := args.Peek("limit"); len(v) > 0 {
		n, err := strconv.Atoi(string(v))
		if err != nil || n < 1 || n > maxLimit {
			return 0, 0, false
		}
		limit = n
	}
	return offset, limit, true
}

// storeCtx bounds the store reads of one request. The request's
// *fasthttp.RequestCtx is never the store's context: database/sql keeps
// the context it is given in a goroutine that can outlive the handler,
// and fasthttp forbids holding a RequestCtx past it (its Done races with
// Server.Shutdown, as the race detector shows).
func storeCtx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), storeTimeout)
}

func (s *Server) badPage(ctx *fasthttp.RequestCtx) {
	s.fail(ctx, fasthttp.StatusBadRequest, "offset must be 0 or more and limit 1 to "+strconv.Itoa(maxLimit))
}

// WorkView is the gate's state.
type WorkView struct {
	Ready  bool      `json:"ready"`
	Reason string    `json:"reason"`
	Detail string    `json:"detail,omitempty"`
	Since  time.Time `json:"since"`
}

// Overview is /api/overview.
type Overview struct {
	Network           string            `json:"network"`
	Mode              string            `json:"mode"`
	Flood             bool              `json:"flood,omitempty"`
	Height            uint32            `json:"height"`
	NetworkDifficulty float64           `json:"network_difficulty"`
	TemplateAge       float64           `json:"template_age_s"`
	Work              WorkView          `json:"work"`
	Pool              account.PoolView  `json:"pool"`
	Shares            map[string]uint64 `json:"shares"`
	Edges             int               `json:"edges"`
	Connections       uint64            `json:"connections"`
	Accounts          AccountsView      `json:"accounts"`
	Uptime            float64           `json:"uptime_s"`
	Build             Build             `json:"build"`
}

// AccountsView is the store's health.
type AccountsView struct {
	Healthy     bool    `json:"healthy"`
	Detail      string  `json:"detail,omitempty"`
	Commits     uint64  `json:"commits"`
	Credited    uint64  `json:"credited"`
	Failures    uint64  `json:"failures"`
	LastWriteMs float64 `json:"last_write_ms"`
}

func (s *Server) workView() WorkView {
	st := s.src.Work.State()
	return WorkView{Ready: st.Ready(), Reason: st.Reason.String(), Detail: st.Detail, Since: st.Since}
}

func (s *Server) overview(now time.Time) Overview {
	o := Overview{Network: s.src.Network.String(), Mode: s.src.Mode.String(), Flood: s.src.Flood, Work: s.workView(),
		Shares: map[string]uint64{}, Uptime: now.Sub(s.src.Started).Seconds(), Build: s.src.Build}
	if j := s.src.Work.Job(); j != nil {
		o.Height, o.NetworkDifficulty = j.Height, j.NetworkDifficulty
		if j.Template != nil {
			o.TemplateAge = now.Sub(j.Template.FetchedAt).Seconds()
		}
	}
	if s.src.Accounts != nil {
		o.Pool = s.src.Accounts.Pool(now)
		ok, detail := s.src.Accounts.Healthy()
		commits, credited, failures, last := s.src.Accounts.Counters()
		o.Accounts = AccountsView{Healthy: ok, Detail: detail, Commits: commits, Credited: credited, Failures: failures,
			LastWriteMs: float64(last.Microseconds()) / 1000}
	}
	if s.src.Verdicts != nil {
		for v, n := range s.src.Verdicts() {
			if n > 0 {
				o.Shares[wire.Verdict(v).String()] = n
			}
		}
	}
	if s.src.Link != nil {
		edges := s.src.Link.Edges()
		o.Edges = len(edges)
		for _, e := range edges {
			o.Connections += e.Stats[wire.StatConnections.String()]
		}
	}
	return o
}

func (s *Server) readyz(ctx *fasthttp.RequestCtx) {
	w := s.workView()
	ctx.SetContentType("text/plain; charset=utf-8")
	if w.Ready {
		ctx.SetBodyString("ready\n")
		return
	}
	ctx.SetStatusCode(fasthttp.StatusServiceUnavailable)
	ctx.SetBodyString("not ready: " + w.Reason + ": " + w.Detail + "\n")
}

// WorkersPage is /api/workers.
type WorkersPage struct {
	Total   int                  `json:"total"`
	Offset  int                  `json:"offset"`
	Limit   int                  `json:"limit"`
	Workers []account.WorkerView `json:"workers"`
}

func (s *Server) workers(ctx *fasthttp.RequestCtx) {
	offset, limit, ok := page(ctx)
	if !ok {
		s.badPage(ctx)
		return
	}
	p := WorkersPage{Offset: offset, Limit: limit, Workers: []account.WorkerView{}}
	if s.src.Accounts != nil {
		p.Workers, p.Total = s.src.Accounts.Workers(time.Now(), offset, limit)
	}
	s.json(ctx, p)
}

// WorkerDetail is /api/worker/{name}.
type WorkerDetail struct {
	account.WorkerView
	Minutes []MinuteView     `json:"minutes"`
	Balance *account.Balance `json:"balance,omitempty"`
}

// MinuteView is one minute of a worker's shares.
type MinuteView struct {
	Minute        time.Time `json:"minute"`
	Accepted      float64   `json:"accepted_difficulty"`
	Rejected      float64   `json:"rejected_difficulty"`
	AcceptedCount int64     `json:"accepted"`
	RejectedCount int64     `json:"rejected"`
}

func (s *Server) worker(ctx *fasthttp.RequestCtx, name string) {
	if s.src.Accounts == nil {
		s.fail(ctx, fasthttp.StatusNotFound, "no such worker")
		return
	}
	v, minutes, ok := s.src.Accounts.Worker(time.Now(), name)
	if !ok {
		s.fail(ctx, fasthttp.StatusNotFound, "no such worker: "+name)
		return
	}
	d := WorkerDetail{WorkerView: v, Minutes: make([]MinuteView, 0, len(minutes))}
	for _, m := range minutes {
		d.Minutes = append(d.Minutes, MinuteView{m.Minute, m.Accepted, m.Rejected, m.AcceptedCount, m.RejectedCount})
	}
	rctx, cancel := storeCtx()
	defer cancel()
	if b, err := s.src.Accounts.Store().Balance(rctx, v.Address); err == nil {
		d.Balance = &b
	}
	s.json(ctx, d)
}

// BlockView is a found block.
type BlockView struct {
	Hash          string    `json:"hash"`
	Height        uint32    `json:"height"`
	Worker        string    `json:"worker"`
	Address       string    `json:"address"`
	Reward        int64     `json:"reward"`
	Fee           int64     `json:"fee"`
	Status        string    `json:"status"`
	Confirmations int64     `json:"confirmations"`
	Detail        string    `json:"detail,omitempty"`
	FoundAt       time.Time `json:"found_at"`
}

func (s *Server) blockViews(offset, limit int) ([]BlockView, error) {
	out := []BlockView{}
	if s.src.Accounts == nil {
		return out, nil
	}
	ctx, cancel := storeCtx()
	defer cancel()
	blocks, err := s.src.Accounts.Store().Blocks(ctx, offset, limit)
	if err != nil {
		return nil, err
	}
	for i := range blocks {
		out = append(out, blockView(&blocks[i]))
	}
	return out, nil
}

func blockView(b *account.Block) BlockView {
	return BlockView{Hash: b.Hash, Height: b.Height, Worker: b.Worker, Address: b.Address, Reward: b.Reward, Fee: b.Fee,
		Status: b.Status.String(), Confirmations: b.Confirmations, Detail: b.Detail, FoundAt: b.FoundAt}
}

func (s *Server) blocks(ctx *fasthttp.RequestCtx) {
	offset, limit, ok := page(ctx)
	if !ok {
		s.badPage(ctx)
		return
	}
	b, err := s.blockViews(offset, limit)
	if err != nil {
		s.fail(ctx, fasthttp.StatusServiceUnavailable, err.Error())
		return
	}
	s.json(ctx, map[string]any{"offset": offset, "limit": limit, "blocks": b})
}

func (s *Server) balances(ctx *fasthttp.RequestCtx) {
	offset, limit, ok := page(ctx)
	if !ok {
		s.badPage(ctx)
		return
	}
	out := []account.Balance{}
	if s.src.Accounts != nil {
		rctx, cancel := storeCtx()
		defer cancel()
		b, err := s.src.Accounts.Store().Balances(rctx, offset, limit)
		if err != nil {
			s.fail(ctx, fasthttp.StatusServiceUnavailable, err.Error())
			return
		}
		out = append(out, b...)
	}
	s.json(ctx, map[string]any{"offset": offset, "limit": limit, "balances": out})
}

// BalanceDetail is /api/balance/{address}: the balance and a page of its
// ledger, newest first.
type BalanceDetail struct {
	Balance account.Balance       `json:"balance"`
	Offset  int                   `json:"offset"`
	Limit   int                   `json:"limit"`
	Ledger  []account.LedgerEntry `json:"ledger"`
}

func (s *Server) balance(ctx *fasthttp.RequestCtx, address string) {
	offset, limit, ok := pageOf(ctx, ledgerLimit)
	if !ok {
		s.badPage(ctx)
		return
	}
	if s.src.Accounts == nil {
		s.fail(ctx, fasthttp.StatusNotFound, "no such address")
		return
	}
	rctx, cancel := storeCtx()
	defer cancel()
	st := s.src.Accounts.Store()
	b, err := st.Balance(rctx, address)
	switch {
	case errors.Is(err, account.ErrNotFound):
		s.fail(ctx, fasthttp.StatusNotFound, "no balance for "+address)
		return
	case err != nil:
		s.fail(ctx, fasthttp.StatusServiceUnavailable, err.Error())
		return
	}
	ledger, err := st.Ledger(rctx, address, offset, limit)
	if err != nil {
		s.fail(ctx, fasthttp.StatusServiceUnavailable, err.Error())
		return
	}
	if ledger == nil {
		ledger = []account.LedgerEntry{}
	}
	s.json(ctx, BalanceDetail{Balance: b, Offset: offset, Limit: limit, Ledger: ledger})
}

// BansView is /api/bans: the bans in force, those ending first first.
type BansView struct {
	Bans []account.Ban `json:"bans"`
}

func (s *Server) bans(ctx *fasthttp.RequestCtx) {
	v := BansView{Bans: []account.Ban{}}
	if s.src.Accounts != nil {
		v.Bans = append(v.Bans, s.src.Accounts.Bans(time.Now())...)
	}
	s.json(ctx, v)
}

// EdgeView is a linked edge.
type EdgeView struct {
	ID        uint16            `json:"id"`
	Name      string            `json:"name"`
	Remote    string            `json:"remote"`
	Connected time.Time         `json:"connected"`
	RTTMs     float64           `json:"rtt_ms"`
	Sessions  int               `json:"sessions"`
	Submits   uint64            `json:"submits"`
	Stats     map[string]uint64 `json:"stats"`
}

func (s *Server) edges() []EdgeView {
	out := []EdgeView{}
	if s.src.Link == nil {
		return out
	}
	for _, e := range s.src.Link.Edges() {
		out = append(out, edgeView(e))
	}
	return out
}

func edgeView(e link.EdgeStatus) EdgeView {
	return EdgeView{e.ID, e.Name, e.Remote, e.Connected, float64(e.RTT.Microseconds()) / 1000, e.Sessions, e.Submits, e.Stats}
}

// NodeView is a node with its RPC latencies.
type NodeView struct {
	Name      string                `json:"name"`
	Priority  int                   `json:"priority"`
	Health    string                `json:"health"`
	Active    bool                  `json:"active"`
	Slow      bool                  `json:"slow,omitempty"`
	Height    int64                 `json:"height"`
	RTTMs     float64               `json:"rtt_ms"`
	LastOK    time.Time             `json:"last_ok"`
	LastError string                `json:"last_error,omitempty"`
	RPC       map[string]RPCLatency `json:"rpc"`
	Work      *WorkView             `json:"work,omitempty"`
}

// RPCLatency is one method's calls.
type RPCLatency struct {
	Calls  uint64  `json:"calls"`
	Errors uint64  `json:"errors"`
	P50Ms  float64 `json:"p50_ms"`
	P99Ms  float64 `json:"p99_ms"`
}

func (s *Server) nodes() map[string]any {
	out := []NodeView{}
	if s.src.Nodes != nil {
		for _, n := range s.src.Nodes() {
			v := NodeView{Name: n.Name, Priority: n.Priority, Health: n.Health.String(), Active: n.Active, Slow: n.Slow, Height: n.Height,
				RTTMs: float64(n.RTT.Microseconds()) / 1000, LastOK: n.LastOK, LastError: n.LastError, RPC: map[string]RPCLatency{}}
			for m, l := range n.Latency {
				if l.Count == 0 {
					continue
				}
				v.RPC[m] = RPCLatency{Calls: l.Count, Errors: l.Errors, P50Ms: l.Quantile(0.5) * 1000, P99Ms: l.Quantile(0.99) * 1000}
			}
			out = append(out, v)
		}
	}
	return map[string]any{"nodes": out, "work": s.workView()}
}
