package server

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"net"
	"net/netip"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/stratapool/strata/edge/session"
	"github.com/stratapool/strata/edge/uplink"
	"github.com/stratapool/strata/wire"
)

// Config configures a Server.
type Config struct {
	Listeners []Listener
	Limits    Limits
	Uplink    uplink.Config
	// Loops is the number of gnet event loops (default: one per core).
	Loops int
	// TimerPeriod is how often each connection's idle timeout and vardiff
	// window are checked (default 5 s).
	TimerPeriod time.Duration
	Log         *slog.Logger
}

// listener is a configured port, as the server uses it.
type listener struct {
	cfg  Listener
	port int
}

// recentJobs is how many job ids the edge accepts submits for.
const recentJobs = 16

// Server holds miners' connections.
type Server struct {
	cfg   Config
	log   *slog.Logger
	up    *uplink.Uplink
	lim   *limiter
	lis   []*listener
	stats Counters

	job    atomic.Pointer[session.Job]
	recent [recentJobs]atomic.Uint64 // job id + 1; 0 is empty
	nrec   atomic.Uint64

	loopsMu  sync.Mutex // guards loops
	loops    map[gnet.EventLoop]*loop
	tlsMu    sync.Mutex // guards tlsClients
	tls      map[*client]struct{}
	stopping atomic.Bool

	state    atomic.Pointer[wire.WorkState]
	flood    atomic.Uint64 // the core's flood difficulty, float64 bits
	gatedAt  atomic.Int64  // unix nanos when the gate closed; 0 open
	engine   gnet.Engine
	ready    chan struct{}
	readyErr error
}

// New makes a server; Run starts it.
func New(cfg Config) (*Server, error) {
	if len(cfg.Listeners) == 0 {
		return nil, errors.New("server: no listener")
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.TimerPeriod <= 0 {
		cfg.TimerPeriod = 5 * time.Second
	}
	s := &Server{cfg: cfg, log: cfg.Log, lim: newLimiter(cfg.Limits), loops: map[gnet.EventLoop]*loop{},
		tls: map[*client]struct{}{}, ready: make(chan struct{})}
	for _, l := range cfg.Listeners {
		_, port, err := net.SplitHostPort(l.Address)
		if err != nil {
			return nil, fmt.Errorf("server: listener %q: %w", l.Address, err)
		}
		p, _ := strconv.Atoi(port)
		s.lis = append(s.lis, &listener{cfg: l, port: p})
	}
	ucfg := cfg.Uplink
	ucfg.Stats = s.wireStats
	s.up = uplink.New(ucfg, s)
	return s, nil
}

// Counters are the server's totals.
func (s *Server) Counters() *Counters { return &s.stats }

// CurrentJob is the newest job from the core, or nil.
func (s *Server) CurrentJob() *session.Job { return s.job.Load() }

// Uplink is the server's link to the core.
func (s *Server) Uplink() *uplink.Uplink { return s.up }

// Ready is closed once every listener listens, or one failed: ReadyErr
// says which.
func (s *Server) Ready() <-chan struct{} { return s.ready }

// ReadyErr is why the listeners could not all be opened, once Ready is
// closed.
func (s *Server) ReadyErr() error { return s.readyErr }

// Run serves until ctx ends.
func (s *Server) Run(ctx context.Context) error {
	var wg sync.WaitGroup
	defer wg.Wait()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Go(func() { s.up.Run(ctx) })

	var plain []string
	var tlsLis []*listener
	for _, l := range s.lis {
		if l.cfg.TLS != nil {
			tlsLis = append(tlsLis, l)
		} else {
			plain = append(plain, "tcp://"+l.cfg.Address)
		}
	}
	errs := make(chan error, 1+len(tlsLis))
	var tlsReady sync.WaitGroup
	for _, l := range tlsLis {
		ln, err := net.Listen("tcp", l.cfg.Address)
		if err != nil {
			s.readyErr = fmt.Errorf("listener %s: %w", l.cfg.Address, err)
			close(s.ready)
			return s.readyErr
		}
		tlsReady.Add(1)
		wg.Go(func() { errs <- s.serveTLS(ctx, ln, l, &tlsReady) })
	}
	wg.Go(func() { s.tickTLS(ctx) })
	wg.Go(func() { s.watchGate(ctx) })
	if len(plain) > 0 {
		h := newHandler(s)
		loops := s.cfg.Loops
		opts := []gnet.Option{gnet.WithMulticore(loops == 0), gnet.WithReusePort(true), gnet.WithTicker(true),
			gnet.WithLogger(gnetLogger{s.log})}
		if loops > 0 {
			opts = append(opts, gnet.WithNumEventLoop(loops))
		}
		wg.Go(func() {
			err := gnet.Rotate(h, plain, opts...)
			if err != nil && ctx.Err() == nil {
				errs <- err
			}
		})
		select {
		case <-h.booted:
		case err := <-errs:
			s.readyErr = err
			close(s.ready)
			return err
		}
		s.engine = h.engine
	}
	tlsReady.Wait()
	close(s.ready)
	select {
	case <-ctx.Done():
	case err := <-errs:
		cancel()
		s.stop()
		return err
	}
	s.stop()
	return nil
}

func (s *Server) stop() {
	s.stopping.Store(true)
	if s.engine.Validate() == nil {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = s.engine.Stop(sctx)
	}
	for _, c := range s.tlsClients() {
		c.tls.mu.Lock()
		c.closeWith(wire.CloseShutdown)
		c.tls.mu.Unlock()
	}
}

// listenerFor finds the plain listener a connection came in on.
func (s *Server) listenerFor(local net.Addr) *listener {
	port := addrPort(local).Port()
	var first *listener
	for _, l := range s.lis {
		if l.cfg.TLS != nil {
			continue
		}
		if first == nil {
			first = l
		}
		if l.port == int(port) {
			return l
		}
	}
	return first
}

// eachOwner runs f for every client on the client's owner (its event loop,
// or with its TLS lock held), with a scratch buffer f may grow and return.
// wg, if set, is done when every client has been visited.
func (s *Server) eachOwner(wg *sync.WaitGroup, f func(c *client, out []byte) []byte) {
	if wg == nil {
		wg = &sync.WaitGroup{}
	}
	s.loopsMu.Lock()
	for _, lp := range s.loops {
		wg.Add(1)
		lp.execute(func() {
			defer wg.Done()
			for i := 0; i < len(lp.clients); i++ {
				c := lp.clients[i]
				if !c.closed {
					lp.out = f(c, lp.out[:0])[:0]
				}
			}
		})
	}
	s.loopsMu.Unlock()
	if tc := s.tlsClients(); len(tc) > 0 {
		wg.Go(func() {
			for _, c := range tc {
				c.tls.mu.Lock()
				if !c.closed {
					c.tls.out = f(c, c.tls.out[:0])[:0]
				}
				c.tls.mu.Unlock()
			}
		})
	}
}

// watchGate sends miners away once the core has had no work for them for
// longer than the hold.
func (s *Server) watchGate(ctx context.Context) {
	hold := s.cfg.Limits.GateHold
	if hold <= 0 {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			at := s.gatedAt.Load()
			if at > 0 && now.Sub(time.Unix(0, at)) > hold && s.gatedAt.CompareAndSwap(at, -1) {
				s.log.Warn("no work from the core for too long: miners told to reconnect", "hold", hold)
				s.reconnectAll("", 0, 5, wire.CloseNoWork, s.cfg.Limits.Stagger)
			}
		}
	}
}

// known reports whether a job id is one of the recent jobs.
func (s *Server) known(id wire.JobID) bool {
	v := uint64(id) + 1
	for i := range s.recent {
		if s.recent[i].Load() == v {
			return true
		}
	}
	return false
}

// --- the uplink's Handler ---

// LinkUp reports the edge's bans, re-opens every authorized session on a
// new link, then lets the spool replay.
func (s *Server) LinkUp(w *wire.Welcome, again bool) {
	s.flood.Store(math.Float64bits(w.FloodDifficulty))
	if w.FloodDifficulty > 0 {
		s.log.Warn("the core is in flood mode: every miner is held at its difficulty", "difficulty", w.FloodDifficulty)
	}
	// On every link: the core learns the bans made while it was away, and
	// after an edge restart sends back what this edge forgot.
	bans := s.lim.bans(time.Now())
	for i := range bans {
		s.up.Ban(&bans[i])
	}
	if !again {
		return
	}
	go func() {
		var wg sync.WaitGroup
		s.eachOwner(&wg, func(c *client, out []byte) []byte {
			open, updates, ok := c.sess.Reopen()
			if ok {
				s.up.Open(c, &open)
				for i := range updates {
					s.up.Update(&updates[i])
				}
			}
			return out
		})
		wg.Wait()
		s.up.Resume()
	}()
}

// LinkDown: miners keep working on the job they have.
func (s *Server) LinkDown(error) {}

// HoldExpired tells every miner to reconnect, spread over the stagger.
func (s *Server) HoldExpired() { s.reconnectAll("", 0, 5, wire.CloseNoWork, s.cfg.Limits.Stagger) }

// Drain sends every miner away (client.reconnect, spread over window) and
// waits until the shares they sent have their verdicts, or ctx ends.
func (s *Server) Drain(ctx context.Context, window time.Duration) error {
	s.reconnectAll("", 0, 1, wire.CloseReconnect, window)
	t := time.NewTicker(5 * time.Millisecond)
	defer t.Stop()
	quiet := 0
	for quiet < 3 {
		select {
		case <-ctx.Done():
			return fmt.Errorf("server: drain: %d connections, %d shares without a verdict: %w",
				s.stats.Connections.Load(), s.up.InFlight(), ctx.Err())
		case <-t.C:
		}
		if s.stats.Connections.Load() == 0 && s.up.InFlight() == 0 {
			quiet++
		} else {
			quiet = 0
		}
	}
	return nil
}

// Job fans a new job out to every session.
func (s *Server) Job(w *wire.Job) {
	start := time.Now()
	j := session.NewJob(w)
	if w.Clean {
		for i := range s.recent {
			s.recent[i].Store(0)
		}
	}
	s.recent[s.nrec.Add(1)%recentJobs].Store(uint64(w.ID) + 1)
	s.job.Store(j)
	s.stats.Jobs.Add(1)
	var wg sync.WaitGroup
	s.eachOwner(&wg, func(c *client, out []byte) []byte {
		prefix, line, ok := c.sess.NotifyParts(out, j)
		if !ok {
			return prefix
		}
		// One write: the shared line is copied behind the prefix, unchanged.
		out = append(prefix, line...)
		c.write(out)
		return out
	})
	go func() {
		wg.Wait()
		s.stats.NotifyMicros.Store(uint64(time.Since(start).Microseconds()))
		s.stats.Fanouts.Add(1)
	}()
}

// WorkState notes whether the core hands out work; a gate closed for too
// long sends miners to their backup pools.
func (s *Server) WorkState(ws *wire.WorkState) {
	s.state.Store(ws)
	if ws.Ready() {
		s.gatedAt.Store(0)
		return
	}
	if s.gatedAt.CompareAndSwap(0, time.Now().UnixNano()) {
		s.log.Warn("core has no work to give", "reason", ws.Reason.String(), "detail", ws.Detail)
	}
}

// AuthResult answers a session's authorize.
func (s *Server) AuthResult(token any, m *wire.AuthResult) {
	c, ok := token.(*client)
	if !ok {
		return
	}
	now := time.Now()
	c.exec(func(out []byte) []byte {
		wasAuthorized := c.sess.Authorized()
		out = c.sess.AuthResult(out, m, s.job.Load(), now)
		if !wasAuthorized && c.sess.Authorized() {
			s.stats.Authorized.Add(1)
		}
		if wasAuthorized && m.Status != wire.AuthOK {
			// A re-open the core refused: the miner must start again.
			s.log.Warn("the core refused a re-opened session: miner closed", "session", uint64(c.sess.ID),
				"status", m.Status.String(), "detail", m.Message)
			c.closeWith(wire.CloseDropped)
		}
		return out
	})
}

// Verdicts answers submits, each on its session's owner.
func (s *Server) Verdicts(vs []uplink.Verdict) {
	now := time.Now()
	byLoop := map[*loop][]uplink.Verdict{}
	for _, v := range vs {
		c, ok := v.Token.(*client)
		if !ok {
			continue
		}
		if c.loop != nil {
			byLoop[c.loop] = append(byLoop[c.loop], v)
			continue
		}
		c.exec(func(out []byte) []byte { return s.verdict(c, v, out, now) })
	}
	for lp, list := range byLoop {
		lp.execute(func() {
			// One write per miner: its answers together, in their order.
			slices.SortStableFunc(list, func(a, b uplink.Verdict) int {
				return cmp.Compare(a.Token.(*client).idx, b.Token.(*client).idx)
			})
			for i := 0; i < len(list); {
				c := list[i].Token.(*client)
				lp.out = lp.out[:0]
				for ; i < len(list) && list[i].Token.(*client) == c; i++ {
					lp.out = s.verdict(c, list[i], lp.out, now)
				}
				if len(lp.out) > 0 {
					c.write(lp.out)
				}
			}
		})
	}
}

func (s *Server) verdict(c *client, v uplink.Verdict, out []byte, now time.Time) []byte {
	if c.closed {
		return out
	}
	out, ban := c.sess.Verdict(out, v.ID, v.Verdict, now)
	if ban {
		c.write(out)
		c.ban(wire.BanInvalidShares, now)
		return out[:0]
	}
	return out
}

// Event handles the core's operator messages.
func (s *Server) Event(m wire.Message) {
	switch m := m.(type) {
	case *wire.ShowMessage:
		s.eachOwner(nil, func(c *client, out []byte) []byte {
			if m.Session == 0 || c.sess.ID == m.Session {
				c.write(c.sess.ShowMessage(out, m.Text))
			}
			return out[:0]
		})
	case *wire.Reconnect:
		if m.Session == 0 {
			s.reconnectAll(m.Host, int(m.Port), int(m.WaitSeconds), wire.CloseReconnect, s.cfg.Limits.Stagger)
			return
		}
		s.eachOwner(nil, func(c *client, out []byte) []byte {
			if c.sess.ID == m.Session {
				c.write(c.sess.Reconnect(out, m.Host, int(m.Port), int(m.WaitSeconds)))
			}
			return out[:0]
		})
	case *wire.Drop:
		until := time.Now().Add(time.Duration(m.BanSeconds) * time.Second)
		s.eachOwner(nil, func(c *client, out []byte) []byte {
			if c.sess.ID == m.Session {
				// The core names the session, not its address: the ban goes
				// back to the core so that the other edges refuse it too.
				if m.BanSeconds > 0 && s.lim.banUntil(c.ip, until, wire.BanOperator) {
					s.up.Ban(&wire.Ban{Target: c.ip.String(), Reason: wire.BanOperator, Seconds: m.BanSeconds})
				}
				c.closeWith(wire.CloseDropped)
			}
			return out
		})
	case *wire.Ban:
		s.applyBan(m)
	case *wire.BlockFound:
		s.log.Info("block found", "height", m.Height, "worker", m.Worker)
	}
}

// applyBan refuses an address the core says another edge (or this one,
// before a restart) banned. Its connections open now are left alone: the
// edge that made the ban closed the offender, and keeps its other
// connections from the address, as this edge does after its own bans.
func (s *Server) applyBan(m *wire.Ban) {
	ip, err := netip.ParseAddr(m.Target)
	if err != nil {
		s.log.Warn("ban from the core ignored: not an address", "target", m.Target, "err", err)
		return
	}
	until := time.Now().Add(time.Duration(m.Seconds) * time.Second)
	if s.lim.banUntil(ip.Unmap(), until, m.Reason) {
		s.log.Debug("address banned by the core", "target", m.Target, "reason", m.Reason.String(), "seconds", m.Seconds)
	}
}

// reconnectAll asks every miner to reconnect, spread over the stagger
// window so that they do not all come back at once.
func (s *Server) reconnectAll(host string, port, wait int, reason wire.CloseReason, stagger time.Duration) {
	s.eachOwner(nil, func(c *client, out []byte) []byte {
		delay := time.Duration(rand.Int64N(int64(stagger) + 1))
		time.AfterFunc(delay, func() {
			c.exec(func(out []byte) []byte {
				out = c.sess.Reconnect(out, host, port, wait)
				c.write(out)
				c.closeWith(reason)
				return out[:0]
			})
		})
		return out
	})
}

// wireStats is what the edge tells the core about itself.
func (s *Server) wireStats() []wire.Stat {
	var closes uint64
	for i := range s.stats.Closes {
		closes += s.stats.Closes[i].Load()
	}
	uc := s.up.Counters()
	return []wire.Stat{
		{Key: wire.StatConnections, Value: uint64(max(s.stats.Connections.Load(), 0))},
		{Key: wire.StatAuthorized, Value: uint64(max(s.stats.Authorized.Load(), 0))},
		{Key: wire.StatSubmits, Value: uc.Submits.Load()},
		{Key: wire.StatSpooled, Value: uint64(s.up.Spooled())},
		{Key: wire.StatSpoolDropped, Value: uc.SpoolDropped.Load()},
		{Key: wire.StatBytesIn, Value: s.stats.BytesIn.Load()},
		{Key: wire.StatBytesOut, Value: s.stats.BytesOut.Load()},
		{Key: wire.StatAccepts, Value: s.stats.Accepts.Load()},
		{Key: wire.StatCloses, Value: closes},
		{Key: wire.StatLocalRejects, Value: s.stats.LocalRejects.Load()},
		{Key: wire.StatNotifyLatency, Value: s.stats.NotifyMicros.Load()},
		{Key: wire.StatBanned, Value: uint64(s.lim.inForce(time.Now()))},
		{Key: wire.StatBanCloses, Value: s.stats.Closes[wire.CloseBanned].Load()},
		{Key: wire.StatBansDropped, Value: uc.BansDropped.Load()},
		{Key: wire.StatEventsWaited, Value: uc.Overflowed.Load()},
	}
}
