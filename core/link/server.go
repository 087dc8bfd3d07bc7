package link

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/core/block"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// Accounts keeps credits. Commit queues them and returns; done is called,
// on any goroutine, once they are durable (nil) or cannot be (an error:
// their shares must then not be acknowledged). credits belongs to the
// caller again when done is called.
type Accounts interface {
	Commit(credits []share.Credit, done func(error))
}

// Bans keeps the bans edges make, so that every edge refuses the address
// and the ban outlasts a restart of either end.
type Bans interface {
	// Ban keeps a ban an edge reported; it reports whether it is news for
	// the other edges (a new target, or a later end).
	Ban(b *wire.Ban, edge string) bool
	// Active lists the bans in force, for an edge that links.
	Active(now time.Time) []wire.Ban
}

// Config configures a Server.
type Config struct {
	// Keys gives an edge name's link key; nil allows only plain text.
	Keys           func(name string) ([]byte, bool)
	AllowPlaintext bool
	PingInterval   time.Duration
	// Extranonce1Size and SessionBits split extranonce1 between the edge id
	// and the session; Extranonce2Size is the miners' slot.
	Extranonce1Size int
	Extranonce2Size int
	SessionBits     int
	Network         chain.Network
	Mode            job.PayoutMode
	Validator       *share.Validator
	// Workers is the number of validation workers (default GOMAXPROCS).
	Workers   int
	Submitter *block.Submitter
	// Accounts commit credits before verdicts go out; Stats see them after.
	Accounts Accounts
	Stats    func([]share.Credit)
	// Rejected, if set, sees the rejected shares of each batch (their
	// Verdict says why), for the statistics.
	Rejected func([]share.Credit)
	// Bans, if set, keeps the bans edges report and hands them to every
	// edge; without it a ban stays on the edge that made it.
	Bans     Bans
	Registry *Registry
	// Ready reports whether sessions may be authorized (the gate).
	Ready func() bool
	// FloodDifficulty, above 0, holds every session at this difficulty
	// (flood mode, for stress tests); edges are told in WELCOME.
	FloodDifficulty float64
	Software        string
	Log             *slog.Logger
}

// Server serves edges.
type Server struct {
	cfg     Config
	log     *slog.Logger
	workers []*worker
	ctx     context.Context

	mu    sync.Mutex // guards edges, job and state
	edges map[uint16]*edge
	job   *wire.Raw
	state wire.WorkState

	stats Counters
}

// Counters are the server's totals.
type Counters struct {
	EdgesAccepted  atomic.Uint64
	EdgesRefused   atomic.Uint64
	Submits        atomic.Uint64
	Credits        atomic.Uint64
	CommitFailures atomic.Uint64
	JobsSent       atomic.Uint64
	// BansReported are the bans edges sent; BansShared the copies sent to
	// other edges; BansDropped those an edge's full queue refused.
	BansReported, BansShared, BansDropped atomic.Uint64
	Verdicts                              [wire.NumVerdicts]atomic.Uint64
}

// New makes a server; Serve runs it.
func New(cfg Config) (*Server, error) {
	if cfg.Validator == nil {
		return nil, errors.New("link: no validator")
	}
	if cfg.Extranonce1Size == 0 {
		cfg.Extranonce1Size = 4
	}
	if cfg.Extranonce2Size == 0 {
		cfg.Extranonce2Size = 8
	}
	if cfg.SessionBits == 0 {
		cfg.SessionBits = 8*cfg.Extranonce1Size - 8
	}
	if cfg.PingInterval <= 0 {
		cfg.PingInterval = 5 * time.Second
	}
	if cfg.Workers <= 0 {
		cfg.Workers = runtime.GOMAXPROCS(0)
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Ready == nil {
		cfg.Ready = func() bool { return true }
	}
	s := &Server{cfg: cfg, log: cfg.Log, edges: map[uint16]*edge{},
		state: wire.WorkState{Reason: wire.WorkNoNode, Detail: "no job yet"}}
	return s, nil
}

// Counters are the server's totals.
func (s *Server) Counters() *Counters { return &s.stats }

// Serve accepts edges on ln until ctx ends.
func (s *Server) Serve(ctx context.Context, ln net.Listener) error {
	s.ctx = ctx
	var wg sync.WaitGroup
	defer wg.Wait()
	s.workers = make([]*worker, s.cfg.Workers)
	for i := range s.workers {
		s.workers[i] = newWorker(s, i)
		wg.Go(func() { s.workers[i].run(ctx) })
	}
	go func() {
		<-ctx.Done()
		ln.Close()
	}()
	for {
		nc, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				s.closeEdges()
				return ctx.Err()
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				continue
			}
			return fmt.Errorf("link: accept: %w", err)
		}
		wg.Go(func() { s.handle(ctx, nc) })
	}
}

func (s *Server) closeEdges() {
	s.mu.Lock()
	edges := s.snapshot()
	s.mu.Unlock()
	for _, e := range edges {
		e.conn.Goodbye(wire.GoodbyeShutdown, "core stopping")
	}
}

// handle runs one edge's handshake and then its link.
func (s *Server) handle(ctx context.Context, nc net.Conn) {
	var e *edge
	conn, hello, err := wire.Server(nc, wire.ServerConfig{
		Key:            s.cfg.Keys,
		AllowPlaintext: s.cfg.AllowPlaintext,
		Caps:           wire.AllCaps,
		Admit: func(h *wire.Hello) (wire.Welcome, error) {
			var err error
			e, err = s.admit(h)
			if err != nil {
				return wire.Welcome{}, err
			}
			return e.welcome, nil
		},
	})
	if err != nil {
		s.stats.EdgesRefused.Add(1)
		s.log.Warn("edge refused", "remote", nc.RemoteAddr().String(), "err", err)
		if e != nil {
			s.drop(e)
		}
		return
	}
	// The edge starts with the work state and the newest job; what is
	// published from now on queues behind them.
	s.mu.Lock()
	e.conn = conn
	e.enqueue(&wire.WorkState{Reason: s.state.Reason, Detail: s.state.Detail})
	if s.job != nil {
		e.enqueue(s.job)
	}
	s.mu.Unlock()
	s.stats.EdgesAccepted.Add(1)
	s.log.Info("edge connected", "edge", hello.Name, "id", e.id, "remote", nc.RemoteAddr().String(), "software", hello.Software)
	defer s.drop(e)
	if e.takesBans() {
		// The bans in force, sent here rather than queued: there may be
		// more of them than the queue holds.
		for _, b := range s.cfg.Bans.Active(time.Now()) {
			e.send(&b)
		}
	}
	e.run(ctx)
}

// admit gives an authenticated edge its id, refusing a name already linked.
func (s *Server) admit(h *wire.Hello) (*edge, error) {
	maxID := uint16(min(1<<(8*s.cfg.Extranonce1Size-s.cfg.SessionBits)-1, 0xffff))
	id, err := s.edgeID(h.Name, maxID)
	if err != nil {
		return nil, &wire.GoodbyeError{Reason: wire.GoodbyeOverloaded, Detail: err.Error()}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.edges[id]; ok {
		return nil, &wire.GoodbyeError{Reason: wire.GoodbyeNameInUse,
			Detail: fmt.Sprintf("edge %q is linked from %s", h.Name, old.remote)}
	}
	e := newEdge(s, id, h.Name)
	e.welcome = wire.Welcome{
		EdgeID: id, SessionBits: uint8(s.cfg.SessionBits),
		Extranonce1Size: uint8(s.cfg.Extranonce1Size), Extranonce2Size: uint8(s.cfg.Extranonce2Size),
		MaxBatch: wire.MaxSubmitBatch, PingIntervalMillis: uint32(s.cfg.PingInterval / time.Millisecond),
		TimeUnixNano: time.Now().UnixNano(), FloodDifficulty: s.cfg.FloodDifficulty, Software: s.cfg.Software,
	}
	s.edges[id] = e
	return e, nil
}

func (s *Server) edgeID(name string, maxID uint16) (uint16, error) {
	if s.cfg.Registry == nil {
		return 0, errors.New("link: no edge registry")
	}
	id, err := s.cfg.Registry.ID(name)
	if err == nil && id > maxID {
		err = fmt.Errorf("edge id %d is over the %d this extranonce split allows", id, maxID)
	}
	return id, err
}

func (s *Server) drop(e *edge) {
	s.mu.Lock()
	if s.edges[e.id] == e {
		delete(s.edges, e.id)
	}
	s.mu.Unlock()
}

// Publish sends a new job to every edge: encoded once, queued for each
// edge's writer so a slow edge holds up no other.
func (s *Server) Publish(j *job.Job) {
	raw, err := wire.NewRaw(j.Wire())
	if err != nil {
		s.log.Error("job does not encode", "job", j.ID, "err", err)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.job = raw
	edges := s.snapshot()
	for _, e := range edges {
		e.enqueue(raw)
	}
	s.stats.JobsSent.Add(uint64(len(edges)))
}

// SetWorkState tells every edge whether work may be handed out.
func (s *Server) SetWorkState(st wire.WorkState) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.state = st
	for _, e := range s.snapshot() {
		e.enqueue(&st)
	}
}

// Broadcast sends an operator message (SHOW_MESSAGE, RECONNECT, DROP) to
// every edge.
func (s *Server) Broadcast(m wire.Message) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, e := range s.snapshot() {
		e.enqueue(m)
	}
}

// shareBan passes a ban one edge made to every other edge that takes
// bans. An edge whose queue is full misses it, counted: it still gets
// every ban in force when it next links.
func (s *Server) shareBan(b *wire.Ban, from *edge) {
	s.mu.Lock()
	edges := s.snapshot()
	s.mu.Unlock()
	for _, e := range edges {
		if e == from || !e.takesBans() {
			continue
		}
		select {
		case e.bans <- *b:
			s.stats.BansShared.Add(1)
		default:
			s.stats.BansDropped.Add(1)
		}
	}
}

// snapshot lists the edges whose handshake is done; s.mu must be held.
func (s *Server) snapshot() []*edge {
	out := make([]*edge, 0, len(s.edges))
	for _, e := range s.edges {
		if e.conn != nil {
			out = append(out, e)
		}
	}
	return out
}

// EdgeStatus is an edge's state for the statistics.
type EdgeStatus struct {
	ID        uint16
	Name      string
	Remote    string
	Connected time.Time
	RTT       time.Duration
	Sessions  int
	Submits   uint64
	Stats     map[string]uint64
}

// Edges reports every linked edge.
func (s *Server) Edges() []EdgeStatus {
	s.mu.Lock()
	edges := s.snapshot()
	s.mu.Unlock()
	out := make([]EdgeStatus, 0, len(edges))
	for _, e := range edges {
		out = append(out, e.status())
	}
	return out
}
