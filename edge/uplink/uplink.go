package uplink

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/wire"
)

// Config configures an uplink.
type Config struct {
	// Name identifies the edge to the core; Key is its link key (nil for
	// plain text, with AllowPlaintext, to a core on loopback).
	Name           string
	Key            []byte
	AllowPlaintext bool
	// Cores are tried in order, round and round.
	Cores []string
	// Hold is how long miners keep working while the core is unreachable
	// before they are told to reconnect; SpoolMax bounds the submits kept
	// meanwhile.
	Hold     time.Duration
	SpoolMax int
	// FlushEvery and MaxBatch say when a SUBMIT goes out (1 ms, 256).
	FlushEvery time.Duration
	MaxBatch   int
	Software   string
	Log        *slog.Logger
	// Stats, if set, is sent to the core every StatsEvery.
	Stats      func() []wire.Stat
	StatsEvery time.Duration
}

// Verdict is the core's answer to one submit.
type Verdict struct {
	Token   any
	ID      []byte
	Verdict wire.Verdict
}

// Handler receives what the core sends. Its methods are called on the
// uplink's goroutines and must not block.
type Handler interface {
	// LinkUp: the link is up. again is set on a reconnect: the handler
	// re-opens its sessions and then calls Resume.
	LinkUp(w *wire.Welcome, again bool)
	LinkDown(err error)
	// HoldExpired: the core stayed away past the hold window.
	HoldExpired()
	Job(j *wire.Job)
	WorkState(ws *wire.WorkState)
	AuthResult(token any, m *wire.AuthResult)
	Verdicts(vs []Verdict)
	// Event is any other message: SHOW_MESSAGE, RECONNECT, DROP, BAN,
	// BLOCK_FOUND.
	Event(m wire.Message)
}

// Counters are the uplink's totals.
type Counters struct {
	Submits, Batches, Spooled, SpoolDropped, Replayed, Refused atomic.Uint64
	Reconnects                                                 atomic.Uint64
	// Bans counts bans queued for the core; BansDropped those refused by a
	// full queue, BansUnsent those queued with no link able to carry them
	// (down, or without CapBans). Neither loses a ban: it stays in force at
	// the edge, which reports its bans again at every link.
	Bans, BansDropped, BansUnsent atomic.Uint64
	// Overflowed counts session events (open, update, close, resume) that
	// found the queue full and waited beside it rather than block their
	// event loop; OverflowWaits those that found that full too and waited.
	Overflowed, OverflowWaits atomic.Uint64
}

// Uplink is the edge's link to the core.
type Uplink struct {
	cfg     Config
	h       Handler
	log     *slog.Logger
	in      chan event
	alloc   allocator
	pending *ring

	mu     sync.Mutex // guards tokens and asked
	tokens map[wire.SessionID]any
	// asked are the sessions whose authorization went out on the current
	// link and has no answer yet: at the link's end they hear it is lost.
	asked map[wire.SessionID]struct{}

	up       atomic.Bool
	stats    Counters
	spoolLen atomic.Int64

	// Session events that found the queue full wait in over, in order,
	// behind what the queue holds, and the writer takes them once it has
	// emptied the queue: a session's events keep their order and no event
	// loop blocks on a full queue.
	overMu   sync.Mutex // guards over
	overRoom *sync.Cond // on overMu: over has room again
	over     []event
	overflow atomic.Bool   // over holds events: submits are refused meanwhile
	overNote chan struct{} // wakes the writer for over
}

// event is one thing for the writer, in order.
type event struct {
	kind   eventKind
	e      entry // submits
	token  any
	open   wire.SessionOpen
	update wire.SessionUpdate
	close  wire.SessionClose
	ban    wire.Ban
}

type eventKind uint8

const (
	evSubmit eventKind = iota
	evOpen
	evUpdate
	evClose
	evBan
	evResume
)

// inQueue bounds events waiting for the writer; a full queue refuses
// submits (the miner is told the pool is busy) rather than block a loop.
const inQueue = 1 << 15

// overMax bounds the session events waiting beside a full queue: a few
// for each session an edge can hold (each opens and closes once, and
// changes difficulty at most every few seconds). Past it a session event
// waits for room, the one case where a loop may block.
const overMax = 1 << 17

// New makes an uplink; Run starts it.
func New(cfg Config, h Handler) *Uplink {
	if cfg.FlushEvery <= 0 {
		cfg.FlushEvery = time.Millisecond
	}
	if cfg.MaxBatch <= 0 || cfg.MaxBatch > wire.MaxSubmitBatch {
		cfg.MaxBatch = 256
	}
	if cfg.Hold <= 0 {
		cfg.Hold = 60 * time.Second
	}
	if cfg.StatsEvery <= 0 {
		cfg.StatsEvery = 10 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	u := &Uplink{cfg: cfg, h: h, log: cfg.Log, in: make(chan event, inQueue), pending: newRing(),
		tokens: map[wire.SessionID]any{}, asked: map[wire.SessionID]struct{}{}, overNote: make(chan struct{}, 1)}
	u.overRoom = sync.NewCond(&u.overMu)
	return u
}

// Counters are the uplink's totals.
func (u *Uplink) Counters() *Counters { return &u.stats }

// Spooled is how many submits wait for the link.
func (u *Uplink) Spooled() int { return int(u.spoolLen.Load()) }

// InFlight is how many submits have no verdict yet: queued, spooled or
// sent. A draining edge waits for it to reach zero.
func (u *Uplink) InFlight() int { return len(u.in) + u.Spooled() + u.pending.inFlight() }

// Up reports whether the link to the core is up.
func (u *Uplink) Up() bool { return u.up.Load() }

// Allocate gives a session its number and extranonce1, and the core's
// extranonce2 slot.
func (u *Uplink) Allocate(resume []byte) (wire.SessionID, []byte, int, bool) {
	id, en1, ok := u.alloc.allocate(resume)
	return id, en1, u.alloc.slot(), ok
}

// Release frees a session number.
func (u *Uplink) Release(id wire.SessionID) { u.alloc.release(id) }

// Submit queues a share; false when the queue is full, or session events
// wait beside it (a share must not pass its session's update).
func (u *Uplink) Submit(token any, r *wire.SubmitRecord, id []byte) bool {
	if u.overflow.Load() {
		u.stats.Refused.Add(1)
		return false
	}
	ev := event{kind: evSubmit}
	ev.e.token, ev.e.rec = token, *r
	ev.e.setID(id)
	select {
	case u.in <- ev:
		u.stats.Submits.Add(1)
		return true
	default:
		u.stats.Refused.Add(1)
		return false
	}
}

// Open asks the core to authorize a session; its AUTH_RESULT comes to the
// handler with token.
func (u *Uplink) Open(token any, m *wire.SessionOpen) {
	u.mu.Lock()
	u.tokens[m.Session] = token
	u.mu.Unlock()
	u.session(event{kind: evOpen, token: token, open: *m})
}

// Update reports a session's new difficulty or mask.
func (u *Uplink) Update(m *wire.SessionUpdate) { u.session(event{kind: evUpdate, update: *m}) }

// Close reports a session's end.
func (u *Uplink) Close(m *wire.SessionClose) {
	u.mu.Lock()
	delete(u.tokens, m.Session)
	delete(u.asked, m.Session)
	u.mu.Unlock()
	u.session(event{kind: evClose, close: *m})
}

// session queues a session event without blocking the caller's event
// loop: with the queue full, or events already waiting beside it, it
// waits in over.
func (u *Uplink) session(ev event) {
	u.overMu.Lock()
	defer u.overMu.Unlock()
	if len(u.over) == 0 {
		select {
		case u.in <- ev:
			return
		default:
		}
	}
	if len(u.over) >= overMax {
		u.stats.OverflowWaits.Add(1)
		for len(u.over) >= overMax {
			u.overRoom.Wait()
		}
	}
	u.over = append(u.over, ev)
	u.overflow.Store(true)
	u.stats.Overflowed.Add(1)
	select {
	case u.overNote <- struct{}{}:
	default:
	}
}

// overflowed hands the writer the session events waiting beside the
// queue, once it has taken everything queued before them.
func (u *Uplink) overflowed() []event {
	if !u.overflow.Load() {
		return nil
	}
	u.overMu.Lock()
	defer u.overMu.Unlock()
	if len(u.in) > 0 {
		return nil // the writer comes back after each queued event
	}
	evs := u.over
	u.over = nil
	u.overflow.Store(false)
	u.overRoom.Broadcast()
	return evs
}

// putBack returns session events the writer took and could not send to
// the front of over.
func (u *Uplink) putBack(evs []event) {
	if len(evs) == 0 {
		return
	}
	u.overMu.Lock()
	u.over = append(evs, u.over...)
	u.overflow.Store(true)
	u.overMu.Unlock()
	select {
	case u.overNote <- struct{}{}:
	default:
	}
}

// Ban queues a ban for the core. It never blocks (it is called from event
// loops): with the queue full the ban is dropped and counted, and goes out
// with the edge's other bans at the next link.
func (u *Uplink) Ban(m *wire.Ban) {
	// One the codec would refuse must not reach the writer: a failed send
	// ends the link.
	var scratch [96]byte
	if _, err := m.AppendBinary(scratch[:0]); err != nil || u.overflow.Load() {
		u.stats.BansDropped.Add(1)
		return
	}
	select {
	case u.in <- event{kind: evBan, ban: *m}:
		u.stats.Bans.Add(1)
	default:
		u.stats.BansDropped.Add(1)
	}
}

// Resume replays the spool; the handler calls it after re-opening its
// sessions on a new link.
func (u *Uplink) Resume() { u.session(event{kind: evResume}) }

// Run keeps the link up until ctx ends.
func (u *Uplink) Run(ctx context.Context) error {
	var (
		spool     []entry
		downSince = time.Now()
		holdFired bool
		backoff   = 250 * time.Millisecond
		linked    bool
		next      int
	)
	for ctx.Err() == nil {
		conn, w, err := u.dial(ctx, u.cfg.Cores[next%len(u.cfg.Cores)])
		next++
		if err != nil {
			u.log.Warn("core unreachable", "core", u.cfg.Cores[(next-1)%len(u.cfg.Cores)], "err", err, "retry_in", backoff)
			spool = u.idle(ctx, backoff, spool, &downSince, &holdFired)
			backoff = min(2*backoff, 10*time.Second)
			continue
		}
		backoff = 250 * time.Millisecond
		u.alloc.setWelcome(w)
		u.up.Store(true)
		u.log.Info("linked to core", "core", conn.RemoteAddr().String(), "edge_id", w.EdgeID)
		u.h.LinkUp(w, linked)
		if !linked {
			// First link: nothing to re-open; replay what waited, if anything.
			go u.Resume()
		}
		linked = true
		spool, err = u.serve(ctx, conn, w, spool)
		u.up.Store(false)
		u.stats.Reconnects.Add(1)
		downSince, holdFired = time.Now(), false
		u.log.Warn("core link lost", "err", err)
		u.unanswered()
		u.h.LinkDown(err)
		// Submits sent and not answered may have been credited: replay
		// them, marked, after the ones that never went out.
		for _, e := range u.pending.reset() {
			e.replay = true
			spool = u.spoolAdd(spool, e)
		}
	}
	return ctx.Err()
}

func (u *Uplink) dial(ctx context.Context, addr string) (*wire.Conn, *wire.Welcome, error) {
	d := net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	nc, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, nil, err
	}
	return wire.Client(nc, wire.ClientConfig{Name: u.cfg.Name, Key: u.cfg.Key, AllowPlaintext: u.cfg.AllowPlaintext,
		Caps: wire.AllCaps, Software: u.cfg.Software})
}

// idle waits out a backoff while the link is down, spooling submits and
// answering what cannot wait.
func (u *Uplink) idle(ctx context.Context, d time.Duration, spool []entry, downSince *time.Time, holdFired *bool) []entry {
	t := time.NewTimer(d)
	defer t.Stop()
	for {
		if !*holdFired && time.Since(*downSince) > u.cfg.Hold {
			*holdFired = true
			u.log.Warn("core away past the hold window: miners told to reconnect", "hold", u.cfg.Hold)
			u.h.HoldExpired()
		}
		select {
		case <-ctx.Done():
			return spool
		case <-t.C:
			return spool
		case ev := <-u.in:
			spool = u.offline(ev, spool)
		case <-u.overNote:
		}
		for _, ev := range u.overflowed() {
			spool = u.offline(ev, spool)
		}
	}
}

// unanswered tells the sessions whose authorization the lost link never
// answered, as offline tells those that ask while there is no link: their
// miners would otherwise wait for an answer that cannot come.
func (u *Uplink) unanswered() {
	u.mu.Lock()
	type lost struct {
		id    wire.SessionID
		token any
	}
	var left []lost
	for id := range u.asked {
		if token, ok := u.tokens[id]; ok {
			left = append(left, lost{id, token})
		}
	}
	clear(u.asked)
	u.mu.Unlock()
	for _, l := range left {
		u.h.AuthResult(l.token, &wire.AuthResult{Session: l.id, Status: wire.AuthNotReady,
			Message: "the link to the pool's core was lost; try again shortly"})
	}
}

// offline handles an event while there is no link.
func (u *Uplink) offline(ev event, spool []entry) []entry {
	switch ev.kind {
	case evSubmit:
		return u.spoolAdd(spool, ev.e)
	case evOpen:
		// No core to authorize with: the miner hears so now.
		u.h.AuthResult(ev.token, &wire.AuthResult{Session: ev.open.Session, Status: wire.AuthNotReady,
			Message: "the pool's core is unreachable; try again shortly"})
	case evBan:
		// The handler reports every ban in force when the link is back.
		u.stats.BansUnsent.Add(1)
	}
	// Updates and closes are carried by the re-open when the link is back.
	return spool
}

func (u *Uplink) spoolAdd(spool []entry, e entry) []entry {
	if len(spool) >= u.cfg.SpoolMax {
		u.stats.SpoolDropped.Add(1)
		u.h.Verdicts([]Verdict{{Token: e.token, ID: append([]byte(nil), e.id[:e.idLen]...), Verdict: wire.VerdictUnavailable}})
		return spool
	}
	u.stats.Spooled.Add(1)
	u.spoolLen.Store(int64(len(spool) + 1))
	return append(spool, e)
}

// errStall ends a link the core stopped answering.
var errStall = errors.New("uplink: the core stopped answering submits")

// serve runs one link: a reader goroutine, and the writer here. It returns
// the spool left when the link ends.
func (u *Uplink) serve(ctx context.Context, conn *wire.Conn, w *wire.Welcome, spool []entry) ([]entry, error) {
	rctx, cancel := context.WithCancel(ctx)
	defer cancel()
	readErr := make(chan error, 1)
	go func() {
		err := u.read(rctx, conn, w)
		// A core silent past the read deadline has likely stopped reading
		// too: closing frees a writer blocked on the full socket.
		conn.Close()
		readErr <- err
	}()
	defer conn.Close()

	var (
		batch   wire.SubmitBatch
		entries []entry
		flush   = time.NewTimer(time.Hour)
		ping    = time.NewTicker(time.Duration(w.PingIntervalMillis) * time.Millisecond)
		stats   = time.NewTicker(u.cfg.StatsEvery)
		resumed bool
		nonce   uint64
	)
	flush.Stop()
	// A write the core does not take in time ends the link too: a core
	// whose reader is stuck may still be sending jobs, which keep the read
	// deadline from firing.
	timeout := silence(w)
	write := func(m wire.Message) error {
		_ = conn.SetWriteDeadline(time.Now().Add(timeout))
		return conn.Send(m)
	}
	defer ping.Stop()
	defer stats.Stop()
	send := func() error {
		if len(entries) == 0 {
			return nil
		}
		if u.pending.room() < len(entries) {
			return errStall
		}
		batch.Records = batch.Records[:0]
		for i := range entries {
			batch.Records = append(batch.Records, entries[i].rec)
		}
		u.pending.add(entries)
		entries = entries[:0]
		u.stats.Batches.Add(1)
		return write(&batch)
	}
	queue := func(e entry) error {
		entries = append(entries, e)
		if len(entries) == 1 {
			flush.Reset(u.cfg.FlushEvery)
		}
		if len(entries) >= u.cfg.MaxBatch {
			return send()
		}
		return nil
	}
	handle := func(ev *event) error {
		switch ev.kind {
		case evSubmit:
			if !resumed {
				spool = u.spoolAdd(spool, ev.e) // behind the spool until it is replayed
				return nil
			}
			return queue(ev.e)
		case evResume:
			resumed = true
			if len(spool) > 0 {
				u.log.Info("replaying spooled submits", "submits", len(spool))
			}
			for i, e := range spool {
				u.stats.Replayed.Add(1)
				if err := queue(e); err != nil {
					// The ones queued went with the link (pending or
					// entries); the rest stay spooled, each once.
					spool = spool[:copy(spool, spool[i+1:])]
					u.spoolLen.Store(int64(len(spool)))
					return err
				}
			}
			spool = spool[:0]
			u.spoolLen.Store(0)
			return nil
		case evBan:
			if !conn.Caps().Has(wire.CapBans) {
				u.stats.BansUnsent.Add(1) // a core that does not share bans
				return nil
			}
			// Bans keep their order with the session messages.
			if err := send(); err != nil {
				return err
			}
			return write(&ev.ban)
		default:
			// Session messages keep their order with the submits.
			if err := send(); err != nil {
				return err
			}
			if ev.kind == evOpen && !ev.open.Resumed {
				u.mu.Lock()
				u.asked[ev.open.Session] = struct{}{}
				u.mu.Unlock()
			}
			return write(sessionMessage(ev))
		}
	}
	for {
		var err error
		select {
		case <-ctx.Done():
			conn.Goodbye(wire.GoodbyeShutdown, "edge stopping")
			return append(spool, entries...), ctx.Err()
		case err = <-readErr:
			return append(spool, entries...), err
		case <-flush.C:
			err = send()
		case <-ping.C:
			nonce++
			err = write(&wire.Ping{Nonce: nonce, SentUnixNano: time.Now().UnixNano()})
		case <-stats.C:
			if u.cfg.Stats != nil {
				err = write(&wire.Stats{Entries: u.cfg.Stats()})
			}
		case ev := <-u.in:
			err = handle(&ev)
		case <-u.overNote:
		}
		if err == nil {
			evs := u.overflowed()
			for i := range evs {
				if err = handle(&evs[i]); err != nil {
					// What it did not reach waits for the next link, or
					// for the miners to hear there is none.
					u.putBack(evs[i+1:])
					break
				}
			}
		}
		if err != nil {
			return append(spool, entries...), err
		}
	}
}

// silence is how long a core may go without a frame, or without taking
// one, before its link is given up: three of its ping intervals.
func silence(w *wire.Welcome) time.Duration {
	return 3 * time.Duration(w.PingIntervalMillis) * time.Millisecond
}

func sessionMessage(ev *event) wire.Message {
	switch ev.kind {
	case evOpen:
		return &ev.open
	case evUpdate:
		return &ev.update
	}
	return &ev.close
}

// read handles the core's frames until the link ends.
func (u *Uplink) read(ctx context.Context, conn *wire.Conn, w *wire.Welcome) error {
	var (
		verdicts wire.VerdictBatch
		taken    []entry
		job      wire.Job
		auth     wire.AuthResult
		ping     wire.Ping
		state    wire.WorkState
	)
	timeout := silence(w)
	for ctx.Err() == nil {
		_ = conn.SetReadDeadline(time.Now().Add(timeout))
		typ, payload, err := conn.ReadFrame()
		if err != nil {
			return err
		}
		switch typ {
		case wire.TypeVerdict:
			if err := verdicts.Decode(payload); err != nil {
				return err
			}
			var ok bool
			taken, ok = u.pending.take(verdicts.FirstSeq, len(verdicts.Verdicts), taken[:0])
			if !ok {
				return fmt.Errorf("%w: verdicts for submits %d..%d never sent", wire.ErrUnexpected,
					verdicts.FirstSeq, verdicts.FirstSeq+uint64(len(verdicts.Verdicts)))
			}
			u.h.Verdicts(answers(taken, verdicts.Verdicts))
		case wire.TypeJob:
			if err := job.Decode(payload); err != nil {
				return err
			}
			j := job // a copy the handler keeps
			j.Coinb1 = append([]byte(nil), job.Coinb1...)
			j.Coinb2 = append([]byte(nil), job.Coinb2...)
			j.Coinb2Tail = append([]byte(nil), job.Coinb2Tail...)
			j.Branch = append([][32]byte(nil), job.Branch...)
			u.h.Job(&j)
		case wire.TypeAuthResult:
			if err := auth.Decode(payload); err != nil {
				return err
			}
			u.mu.Lock()
			token, ok := u.tokens[auth.Session]
			delete(u.asked, auth.Session)
			u.mu.Unlock()
			if ok {
				a := auth
				a.PayoutScript = append([]byte(nil), auth.PayoutScript...)
				u.h.AuthResult(token, &a)
			}
		case wire.TypeWorkState:
			if err := state.Decode(payload); err != nil {
				return err
			}
			s := state
			u.h.WorkState(&s)
		case wire.TypePing:
			if err := ping.Decode(payload); err != nil {
				return err
			}
			if err := conn.Send(&wire.Pong{Nonce: ping.Nonce, SentUnixNano: ping.SentUnixNano}); err != nil {
				return err
			}
		case wire.TypePong:
		case wire.TypeGoodbye:
			var bye wire.Goodbye
			if err := bye.Decode(payload); err != nil {
				return err
			}
			return bye.Err()
		default:
			m, err := wire.Decode(typ, payload)
			if err != nil {
				return err
			}
			u.h.Event(m)
		}
	}
	return ctx.Err()
}

// answers pairs taken submits with their verdicts. A replayed share the
// core calls a duplicate was credited before the link dropped: it is
// answered as accepted.
func answers(taken []entry, vs []wire.Verdict) []Verdict {
	out := make([]Verdict, len(taken))
	ids := make([]byte, 0, 8*len(taken))
	for i := range taken {
		e := &taken[i]
		start := len(ids)
		ids = append(ids, e.id[:e.idLen]...)
		v := vs[i]
		if e.replay && v == wire.VerdictDuplicate {
			v = wire.VerdictAccepted
		}
		out[i] = Verdict{Token: e.token, ID: ids[start:len(ids):len(ids)], Verdict: v}
	}
	return out
}
