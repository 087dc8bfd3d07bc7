package node

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/stratapool/strata/core/chain"
)

// Spec is one node of a Set.
type Spec struct {
	Client *Client
	// Priority orders nodes: the lowest ready one gives work.
	Priority int
	// ZMQ is the node's hashblock publisher (tcp://host:port), or empty.
	ZMQ string
	// LongPoll asks the node for templates by longpoll while it is active.
	LongPoll bool
}

// SetConfig configures a Set.
type SetConfig struct {
	Nodes []Spec
	// Refresh is the heartbeat: a new template at least this often, so a
	// quiet mempool never looks like a dead node.
	Refresh time.Duration
	// Probe is how often ready nodes are checked. A node that does not
	// answer within 2*Probe is slow: work moves to another node that
	// answers, if there is one. It is called down only when the call fails
	// (its client's timeout), so that one late answer does not gate a pool
	// that has no other node.
	Probe time.Duration
	Log   *slog.Logger
	// OnTemplate receives each new template, in order, on the Set's own
	// goroutine: it must not block for long.
	OnTemplate func(*chain.Template)
	// OnChange is called on the Set's goroutine after the active node or a
	// node's health changed.
	OnChange func()

	// catchUp overrides catchUpWindow (tests).
	catchUp time.Duration
}

// Defaults for SetConfig.
const (
	DefaultRefresh = 30 * time.Second
	DefaultProbe   = 500 * time.Millisecond
	// maxBackoff bounds how long an unhealthy node goes unprobed.
	maxBackoff = 10 * time.Second
	// failbackProbes is how many probes in a row a better node must pass
	// before work moves back to it.
	failbackProbes = 2
	// duplicateWindow: a template from the same node with the same tip and
	// longpoll id as the last one within this window is the same work (ZMQ
	// and longpoll both fired for one block).
	duplicateWindow = time.Second
	// catchUpWindow is how long the active node may stay one block behind
	// another before work moves: a block reaches nodes seconds apart, but
	// one stuck behind would have every miner on a stale tip until the
	// next block.
	catchUpWindow = 3 * time.Second
)

// Status is a node's state for the statistics.
type Status struct {
	Name      string
	Priority  int
	Health    Health
	Active    bool
	LastError string
	LastOK    time.Time
	Height    int64
	RTT       time.Duration
	// Slow: ready, but its probe is late (see SetConfig.Probe).
	Slow bool
}

type member struct {
	Spec
	index int

	// Guarded by Set.mu.
	health Health
	okRun  int // consecutive good probes
	// fetchFails counts getblocktemplate failures in a row; until
	// benchedUntil the node is not chosen even if its probes pass.
	fetchFails   int
	benchedUntil time.Time
	lastErr      error
	lastOK       time.Time
	height       int64
	// behindSince is when the node was first seen below the best ready
	// height; zero while it is level.
	behindSince time.Time
	rtt         time.Duration
	// probing is when the probe under way started (zero between probes);
	// slow is set when it runs past 2*Probe.
	probing time.Time
	slow    bool
}

// Set serves templates from the best ready node of several.
type Set struct {
	cfg     SetConfig
	log     *slog.Logger
	members []*member
	trigger chan struct{} // a new template is wanted now; coalescing
	changed chan struct{} // some node's health changed; coalescing

	mu     sync.Mutex // guards the members' health fields and active
	active *member

	// Owned by the Run goroutine.
	last      *chain.Template
	lastEmit  time.Time
	heartbeat *time.Timer // fires Refresh after the last template
}

// NewSet makes a Set; Run starts it.
func NewSet(cfg SetConfig) *Set {
	if cfg.Refresh <= 0 {
		cfg.Refresh = DefaultRefresh
	}
	if cfg.Probe <= 0 {
		cfg.Probe = DefaultProbe
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.catchUp <= 0 {
		cfg.catchUp = catchUpWindow
	}
	s := &Set{cfg: cfg, log: cfg.Log, trigger: make(chan struct{}, 1), changed: make(chan struct{}, 1)}
	for i, spec := range cfg.Nodes {
		s.members = append(s.members, &member{Spec: spec, index: i})
	}
	return s
}

// Refresh asks for a new template from the active node now.
func (s *Set) Refresh() {
	select {
	case s.trigger <- struct{}{}:
	default:
	}
}

func (s *Set) signalChange() {
	select {
	case s.changed <- struct{}{}:
	default:
	}
}

// Active is the node work comes from, or nil.
func (s *Set) Active() *Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.active == nil {
		return nil
	}
	return s.active.Client
}

// Ready lists every ready node, for block submission.
func (s *Set) Ready() []*Client {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Client
	for _, m := range s.members {
		if m.health == HealthReady {
			out = append(out, m.Client)
		}
	}
	return out
}

// Statuses reports every node's state.
func (s *Set) Statuses() []Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Status, len(s.members))
	for i, m := range s.members {
		out[i] = Status{Name: m.Client.Name(), Priority: m.Priority, Health: m.health, Active: m == s.active,
			LastOK: m.lastOK, Height: m.height, RTT: m.rtt, Slow: m.slow}
		if m.lastErr != nil {
			out[i].LastError = m.lastErr.Error()
		}
	}
	return out
}

// Clients are the nodes' clients, in the order of Statuses.
func (s *Set) Clients() []*Client {
	out := make([]*Client, len(s.members))
	for i, m := range s.members {
		out[i] = m.Client
	}
	return out
}

// Run probes the nodes, follows ZMQ and longpolls, and hands templates to
// OnTemplate until ctx ends.
func (s *Set) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	for _, m := range s.members {
		wg.Go(func() { s.probeLoop(ctx, m) })
		if m.ZMQ != "" {
			wg.Go(func() {
				err := SubscribeHashBlock(ctx, m.ZMQ, s.log.With("node", m.Client.Name()), func(HashBlock) { s.Refresh() })
				if err != nil && ctx.Err() == nil {
					s.log.Error("zmq subscriber stopped", "node", m.Client.Name(), "err", err)
				}
			})
		}
	}

	s.heartbeat = time.NewTimer(s.cfg.Refresh)
	defer s.heartbeat.Stop()
	// Templates from fetches and longpolls. Fetches run on their own
	// goroutines so a node that hangs cannot hold up a failover.
	templates := make(chan *chain.Template)
	fetched := make(chan *member)
	var poll poller
	defer poll.stop()
	var current *member
	inflight := map[*member]bool{}
	again := false // a fetch was wanted while one was in flight
	fetch := func(m *member) {
		if m == nil {
			return
		}
		if inflight[m] {
			again = true
			return
		}
		inflight[m] = true
		wg.Go(func() {
			s.fetch(ctx, m, templates)
			select {
			case fetched <- m:
			case <-ctx.Done():
			}
		})
	}
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-s.changed:
			next := s.pickActive()
			if next != current {
				poll.stop()
				s.switchTo(current, next)
				current = next
				fetch(current)
				if current != nil && current.LongPoll {
					pctx := poll.start(ctx)
					m, id := current, s.lastID(current)
					wg.Go(func() { s.longPoll(pctx, m, id, templates) })
				}
			}
			if s.cfg.OnChange != nil {
				s.cfg.OnChange()
			}
		case <-s.trigger:
			fetch(current)
		case <-s.heartbeat.C:
			s.heartbeat.Reset(s.cfg.Refresh)
			fetch(current)
		case m := <-fetched:
			delete(inflight, m)
			if again && m == current {
				again = false
				fetch(current)
			}
		case t := <-templates:
			if current != nil && t.Node == current.Client.Name() {
				s.emit(t)
			}
		}
	}
}

// poller holds the cancel of the running longpoll, if any.
type poller struct{ cancel context.CancelFunc }

func (p *poller) start(ctx context.Context) context.Context {
	pctx, cancel := context.WithCancel(ctx)
	p.cancel = cancel
	return pctx
}

func (p *poller) stop() {
	if p.cancel != nil {
		p.cancel()
		p.cancel = nil
	}
}

func (s *Set) lastID(m *member) string {
	if s.last != nil && s.last.Node == m.Client.Name() {
		return s.last.LongPollID
	}
	return ""
}

func (s *Set) switchTo(from, to *member) {
	s.mu.Lock()
	s.active = to
	s.mu.Unlock()
	switch {
	case to == nil:
		s.log.Error("no node can give work", "was", nameOf(from))
	case from == nil:
		s.log.Info("work comes from node", "node", to.Client.Name())
	default:
		s.log.Warn("work moves to another node", "from", from.Client.Name(), "to", to.Client.Name())
	}
}

func nameOf(m *member) string {
	if m == nil {
		return ""
	}
	return m.Client.Name()
}

// pickActive chooses the ready node with the lowest priority. A better node
// than the active one must have passed failbackProbes probes in a row, a
// node behind the best ready height is not chosen (the active one is kept
// one block behind for catchUpWindow), and a slow one only when no other
// is ready.
func (s *Set) pickActive() *member {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := time.Now()
	top := s.topLocked(now)
	if best := s.pickLocked(top, now, false); best != nil {
		return best
	}
	return s.pickLocked(top, now, true)
}

// topLocked is the best height of the nodes that may give work; it marks
// when each fell behind it.
func (s *Set) topLocked(now time.Time) int64 {
	var top int64
	for _, m := range s.members {
		if m.health == HealthReady && !now.Before(m.benchedUntil) {
			top = max(top, m.height)
		}
	}
	for _, m := range s.members {
		switch {
		case m.height >= top:
			m.behindSince = time.Time{}
		case m.behindSince.IsZero():
			m.behindSince = now
		}
	}
	return top
}

// levelLocked: m is at the top, or it is the active node and fell one
// block behind less than the catch-up window ago.
func (s *Set) levelLocked(m *member, top int64, now time.Time) bool {
	return m.height >= top || (m == s.active && m.height == top-1 && now.Sub(m.behindSince) < s.cfg.catchUp)
}

func (s *Set) pickLocked(top int64, now time.Time, slowToo bool) *member {
	var best *member
	// A better node must prove itself before work moves back to it, unless
	// the active node is no longer fit to keep it.
	activeFit := s.active != nil && s.active.health == HealthReady && !s.active.slow && s.levelLocked(s.active, top, now)
	for _, m := range s.members {
		if m.health != HealthReady || !s.levelLocked(m, top, now) || now.Before(m.benchedUntil) || (m.slow && !slowToo) {
			continue
		}
		if m != s.active && activeFit && m.okRun < failbackProbes {
			continue
		}
		if best == nil || m.Priority < best.Priority {
			best = m
		}
	}
	return best
}

// fetch asks a node for a template and sends it to out. A node that fails
// is marked so at once, without waiting for its next probe.
func (s *Set) fetch(ctx context.Context, m *member, out chan<- *chain.Template) {
	t, err := m.Client.GetBlockTemplate(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.mu.Lock()
			m.fetchFails++
			bench := min(time.Second<<min(m.fetchFails-1, 5), 30*time.Second)
			m.benchedUntil = time.Now().Add(bench)
			s.mu.Unlock()
			s.log.Warn("getblocktemplate failed", "node", m.Client.Name(), "retry_in", bench, "err", err)
			s.setHealth(m, classify(err, nil), err, nil, 0)
		}
		return
	}
	s.mu.Lock()
	m.fetchFails, m.benchedUntil = 0, time.Time{}
	s.mu.Unlock()
	select {
	case out <- t:
	case <-ctx.Done():
	}
}

func (s *Set) emit(t *chain.Template) {
	if last := s.last; last != nil && last.Node == t.Node && last.PrevHash == t.PrevHash && t.LongPollID != "" &&
		last.LongPollID == t.LongPollID && time.Since(s.lastEmit) < duplicateWindow {
		return
	}
	s.last, s.lastEmit = t, time.Now()
	s.heartbeat.Reset(s.cfg.Refresh)
	if s.cfg.OnTemplate != nil {
		s.cfg.OnTemplate(t)
	}
}

// longPoll keeps a longpoll open on m and sends what it returns.
func (s *Set) longPoll(ctx context.Context, m *member, id string, out chan<- *chain.Template) {
	backoff := time.Second
	for ctx.Err() == nil {
		t, err := m.Client.LongPoll(ctx, id)
		if err != nil {
			if ctx.Err() == nil {
				s.log.Debug("longpoll failed", "node", m.Client.Name(), "err", err)
			}
			sleep(ctx, backoff)
			backoff = min(2*backoff, maxBackoff)
			continue
		}
		backoff = time.Second
		id = t.LongPollID
		select {
		case out <- t:
		case <-ctx.Done():
		}
	}
}

// probeLoop checks a node's health: often while it is ready, with backoff
// while it is not.
func (s *Set) probeLoop(ctx context.Context, m *member) {
	backoff := s.cfg.Probe
	for ctx.Err() == nil {
		start := time.Now()
		s.mu.Lock()
		m.probing = start
		s.mu.Unlock()
		late := time.AfterFunc(2*s.cfg.Probe, func() { s.setSlow(m, start) })
		info, err := m.Client.GetBlockchainInfo(ctx)
		late.Stop()
		if ctx.Err() != nil {
			return
		}
		h := classify(err, info)
		s.setHealth(m, h, err, info, time.Since(start))
		if h == HealthReady {
			backoff = s.cfg.Probe
		} else {
			backoff = min(2*backoff, maxBackoff)
		}
		sleep(ctx, backoff)
	}
}

// setSlow marks m slow if the probe that started at start is still out.
func (s *Set) setSlow(m *member, start time.Time) {
	s.mu.Lock()
	mark := m.probing.Equal(start) && !m.slow && m.health == HealthReady
	if mark {
		m.slow, m.okRun = true, 0 // work comes back only after failbackProbes good probes
	}
	s.mu.Unlock()
	if mark {
		s.log.Warn("node slow to answer: work goes to another node if one answers", "node", m.Client.Name(),
			"waited", 2*s.cfg.Probe)
		s.signalChange()
	}
}

// setHealth records a probe's outcome and tells Run when the state changed.
func (s *Set) setHealth(m *member, h Health, err error, info *ChainInfo, rtt time.Duration) {
	s.mu.Lock()
	old, prevHeight, wasSlow := m.health, m.height, m.slow
	m.health, m.lastErr = h, err
	m.probing, m.slow = time.Time{}, false
	if h == HealthReady {
		m.okRun++
		m.lastOK = time.Now()
		m.rtt = rtt
		if info != nil {
			m.height = info.Blocks
		}
	} else {
		m.okRun = 0
	}
	benchOver := !m.benchedUntil.IsZero() && time.Now().After(m.benchedUntil)
	if benchOver && h == HealthReady {
		m.benchedUntil = time.Time{} // eligible again; the next fetch decides
	}
	now := time.Now()
	top := s.topLocked(now)
	needPick := old != h || wasSlow || (h == HealthReady && m.okRun == failbackProbes && s.active != m) ||
		(h == HealthReady && s.active != m && ((info != nil && info.Blocks != prevHeight) || benchOver)) ||
		(s.active != nil && !s.levelLocked(s.active, top, now)) // left behind: every probe asks until work moves
	s.mu.Unlock()
	if old != h {
		args := []any{"node", m.Client.Name(), "from", old.String(), "to", h.String()}
		if err != nil {
			args = append(args, "err", err.Error())
		}
		if h == HealthReady {
			s.log.Info("node health", args...)
		} else {
			s.log.Warn("node health", args...)
		}
	}
	if needPick {
		s.signalChange()
	}
}

func sleep(ctx context.Context, d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
}
