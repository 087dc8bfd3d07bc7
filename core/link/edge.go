package link

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// writeTimeout bounds a send to an edge: an edge that stops reading is
// dropped rather than allowed to hold anything up.
const writeTimeout = 10 * time.Second

// outQueue is how many jobs and state changes may wait for an edge; an
// edge that falls this far behind is dropped.
const outQueue = 256

// edge is one linked edge. Its reader goroutine owns sessions and seq.
type edge struct {
	s       *Server
	id      uint16
	name    string
	remote  string
	since   time.Time
	welcome wire.Welcome
	conn    *wire.Conn

	sessions map[wire.SessionID]*share.Session
	seq      uint64 // the link's next submit sequence number

	// out carries jobs and work states to the writer, in order; bans the
	// bans other edges made, apart, so that a burst of them cannot fill
	// out and drop the edge.
	out  chan wire.Message
	bans chan wire.Ban

	rtt      atomic.Int64
	submits  atomic.Uint64
	nsess    atomic.Int64
	statsMu  sync.Mutex // guards stats
	stats    map[string]uint64
	lastRead atomic.Int64
	// sendFailed: a send failed and the link is closing.
	sendFailed atomic.Bool
}

func newEdge(s *Server, id uint16, name string) *edge {
	return &edge{s: s, id: id, name: name, since: time.Now(), sessions: map[wire.SessionID]*share.Session{},
		out: make(chan wire.Message, outQueue), bans: make(chan wire.Ban, banQueue)}
}

// banQueue is how many bans from other edges may wait for an edge.
const banQueue = 1024

// takesBans reports whether bans are shared with this edge: the core keeps
// them and the link agreed BAN.
func (e *edge) takesBans() bool { return e.s.cfg.Bans != nil && e.conn.Caps().Has(wire.CapBans) }

// enqueue queues a job or a state change for the edge, in order. It never
// blocks: an edge too far behind is dropped.
func (e *edge) enqueue(m wire.Message) {
	select {
	case e.out <- m:
	default:
		e.s.log.Warn("edge too far behind: link closed", "edge", e.name)
		e.conn.Close()
	}
}

// writer sends what enqueue queued until the link ends.
func (e *edge) writer(done <-chan struct{}) {
	for {
		select {
		case <-done:
			return
		case m := <-e.out:
			e.send(m)
		case b := <-e.bans:
			e.send(&b)
		}
	}
}

// send writes one message and flushes it, dropping the edge on failure.
func (e *edge) send(m wire.Message) {
	_ = e.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
	if err := e.conn.Send(m); err != nil {
		// Once per link: the verdicts still in flight fail after it, and
		// the edge replays their shares.
		if e.sendFailed.CompareAndSwap(false, true) {
			e.s.log.Warn("edge send failed: link closed", "edge", e.name, "type", m.Type().String(), "err", err)
		}
		e.conn.Close()
	}
}

// run reads the edge's frames until the link ends.
func (e *edge) run(ctx context.Context) {
	e.remote = e.conn.RemoteAddr().String()
	e.lastRead.Store(time.Now().UnixNano())
	done := make(chan struct{})
	defer close(done)
	go e.writer(done)
	go e.keepalive(ctx, done)

	var (
		open   wire.SessionOpen
		update wire.SessionUpdate
		closeM wire.SessionClose
		ping   wire.Ping
		pong   wire.Pong
		stats  wire.Stats
		ban    wire.Ban
	)
	for {
		typ, payload, err := e.conn.ReadFrame()
		if err != nil {
			e.logEnd(err)
			return
		}
		e.lastRead.Store(time.Now().UnixNano())
		switch typ {
		case wire.TypeSubmit:
			err = e.submit(payload)
		case wire.TypeSessionOpen:
			if err = open.Decode(payload); err == nil {
				e.openSession(&open)
			}
		case wire.TypeSessionUpdate:
			if err = update.Decode(payload); err == nil {
				err = e.updateSession(&update)
			}
		case wire.TypeSessionClose:
			if err = closeM.Decode(payload); err == nil {
				if _, ok := e.sessions[closeM.Session]; ok {
					delete(e.sessions, closeM.Session)
					e.nsess.Add(-1)
				}
			}
		case wire.TypePing:
			if err = ping.Decode(payload); err == nil {
				pong = wire.Pong{Nonce: ping.Nonce, SentUnixNano: ping.SentUnixNano}
				e.send(&pong)
			}
		case wire.TypePong:
			if err = pong.Decode(payload); err == nil {
				e.rtt.Store(time.Now().UnixNano() - pong.SentUnixNano)
			}
		case wire.TypeStats:
			if err = stats.Decode(payload); err == nil {
				e.keepStats(&stats)
			}
		case wire.TypeBan:
			if err = ban.Decode(payload); err == nil {
				e.s.stats.BansReported.Add(1)
				if e.s.cfg.Bans != nil && e.s.cfg.Bans.Ban(&ban, e.name) {
					e.s.log.Info("edge banned an address", "edge", e.name, "target", ban.Target,
						"reason", ban.Reason.String(), "seconds", ban.Seconds)
					e.s.shareBan(&ban, e)
				}
			}
		case wire.TypeGoodbye:
			var bye wire.Goodbye
			if bye.Decode(payload) == nil {
				e.s.log.Info("edge said goodbye", "edge", e.name, "reason", bye.Reason.String(), "detail", bye.Detail)
			}
			e.conn.Close()
			return
		default:
			err = wire.ErrUnexpected
		}
		if err != nil {
			e.s.log.Warn("edge sent bad input: link closed", "edge", e.name, "type", typ.String(), "err", err)
			e.conn.Goodbye(wire.GoodbyeProtocolError, err.Error())
			return
		}
	}
}

func (e *edge) logEnd(err error) {
	switch {
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		e.s.log.Info("edge disconnected", "edge", e.name)
	case errors.Is(err, wire.ErrMalformed):
		e.s.log.Warn("edge sent bad input: link closed", "edge", e.name, "err", err)
	default:
		e.s.log.Info("edge link ended", "edge", e.name, "err", err)
	}
}

// keepalive pings the edge and closes a link silent for three intervals.
func (e *edge) keepalive(ctx context.Context, done <-chan struct{}) {
	interval := e.s.cfg.PingInterval
	t := time.NewTicker(interval)
	defer t.Stop()
	var n uint64
	for {
		select {
		case <-ctx.Done():
			return
		case <-done:
			return
		case <-t.C:
		}
		if time.Since(time.Unix(0, e.lastRead.Load())) > 3*interval {
			e.s.log.Warn("edge silent: link closed", "edge", e.name)
			e.conn.Goodbye(wire.GoodbyeTimeout, "no frame for three ping intervals")
			return
		}
		n++
		e.send(&wire.Ping{Nonce: n, SentUnixNano: time.Now().UnixNano()})
	}
}

// openSession authorizes a miner and answers AUTH_RESULT.
func (e *edge) openSession(m *wire.SessionOpen) {
	reply := wire.AuthResult{Session: m.Session}
	if uint64(m.Session) > uint64(e.welcome.MaxSession()) {
		reply.Status, reply.Message = wire.AuthBadWorkerName, "session number out of range"
		e.send(&reply)
		return
	}
	res := authorize(m.Worker, e.s.cfg.Network, e.s.cfg.Mode)
	// A gated pool takes no new miner; a session the edge re-opens on a
	// new link was authorized before and is already working: refusing it
	// would make the edge drop a miner over a gate its gate_hold rides out.
	if res.status == wire.AuthOK && !m.Resumed && !e.s.cfg.Ready() {
		res = authResult{status: wire.AuthNotReady, message: "the pool has no work to give right now"}
	}
	reply.Status, reply.Message, reply.PayoutScript = res.status, res.message, res.payout
	if res.status == wire.AuthOK {
		en1 := binary.BigEndian.AppendUint64(nil, e.welcome.Extranonce1(m.Session))
		sess := &share.Session{
			ID:           m.Session,
			Extranonce1:  en1[8-int(e.welcome.Extranonce1Size):],
			Authorized:   true,
			Address:      res.address,
			Worker:       res.worker,
			PayoutScript: res.payout,
			VersionMask:  m.VersionMask,
		}
		sess, err := sess.WithDifficulty(0, e.difficulty(m.Difficulty))
		if err != nil {
			reply.Status, reply.Message = wire.AuthBadWorkerName, "bad difficulty"
		} else {
			if _, had := e.sessions[m.Session]; !had {
				e.nsess.Add(1)
			}
			e.sessions[m.Session] = sess
		}
	}
	e.send(&reply)
}

// difficulty is what a session is credited at: the edge's, or in flood
// mode the flood difficulty whatever the edge says.
func (e *edge) difficulty(d float64) float64 {
	if f := e.s.cfg.FloodDifficulty; f > 0 {
		return f
	}
	return d
}

// updateSession applies a vardiff report: a new snapshot of the session.
func (e *edge) updateSession(m *wire.SessionUpdate) error {
	old, ok := e.sessions[m.Session]
	if !ok {
		return nil // closed meanwhile, or never authorized
	}
	next, err := old.WithDifficulty(m.FromJob, e.difficulty(m.Difficulty))
	if err != nil {
		return err
	}
	next.VersionMask = m.VersionMask
	e.sessions[m.Session] = next
	return nil
}

func (e *edge) keepStats(m *wire.Stats) {
	e.statsMu.Lock()
	defer e.statsMu.Unlock()
	if e.stats == nil {
		e.stats = map[string]uint64{}
	}
	for _, st := range m.Entries {
		e.stats[st.Key.String()] = st.Value
	}
}

func (e *edge) status() EdgeStatus {
	st := EdgeStatus{ID: e.id, Name: e.name, Remote: e.remote, Connected: e.since,
		RTT: time.Duration(e.rtt.Load()), Sessions: int(e.nsess.Load()), Submits: e.submits.Load(), Stats: map[string]uint64{}}
	e.statsMu.Lock()
	for k, v := range e.stats {
		st.Stats[k] = v
	}
	e.statsMu.Unlock()
	return st
}
