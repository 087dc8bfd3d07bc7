// Package stats serves the pool's numbers over HTTP with fasthttp: a JSON
// API for dashboards (/api/...), /metrics in Prometheus' text format,
// /healthz and /readyz for orchestrators, and a status page in HTML.
// Responses are compressed (gzip or deflate, klauspost/compress through
// fasthttp) when the client asks.
//
// Every number comes from the core's parts as they are: nothing here keeps
// state of its own, so an answer costs a read of counters and, for the
// worker list, a sort.
package stats

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"time"

	"github.com/stratapool/strata/core/account"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/link"
	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/core/work"
	"github.com/stratapool/strata/wire"
	"github.com/valyala/fasthttp"
)

// Build describes the running binary.
type Build struct {
	Version   string `json:"version"`
	Commit    string `json:"commit"`
	GoVersion string `json:"go_version"`
	PGO       bool   `json:"pgo"`
}

// Source is what the statistics read: the core's parts.
type Source struct {
	Network chain.Network
	Mode    job.PayoutMode
	Flood   bool
	Build   Build
	Started time.Time

	Work     *work.Manager
	Nodes    func() []NodeInfo
	Link     *link.Server
	Accounts *account.Accounts
	// Verdicts counts every share judged, by verdict.
	Verdicts func() [wire.NumVerdicts]uint64
}

// NodeInfo is a node's state with its RPC latencies.
type NodeInfo struct {
	node.Status
	Latency map[string]node.LatencyStats
}

// Server serves the statistics.
type Server struct {
	src Source
	log *slog.Logger
	srv *fasthttp.Server
}

// New makes a server for src.
func New(src Source, log *slog.Logger) *Server {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Server{src: src, log: log}
	s.srv = &fasthttp.Server{
		Handler:            fasthttp.CompressHandlerLevel(s.route, fasthttp.CompressBestSpeed),
		Name:               "strata",
		ReadTimeout:        10 * time.Second,
		WriteTimeout:       10 * time.Second,
		IdleTimeout:        time.Minute,
		MaxRequestBodySize: 4 << 10,
		NoDefaultDate:      true,
	}
	return s
}

// Serve answers on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	stop := context.AfterFunc(ctx, func() { _ = s.srv.Shutdown() })
	defer stop()
	err := s.srv.Serve(ln)
	if ctx.Err() != nil {
		return nil
	}
	if err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("stats: %w", err)
	}
	return nil
}
