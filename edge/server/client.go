package server

import (
	"crypto/tls"
	"math"
	"net/netip"
	"sync"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/stratapool/strata/edge/session"
	"github.com/stratapool/strata/edge/timewheel"
	"github.com/stratapool/strata/wire"
)

// client is one miner's connection: a gnet connection on an event loop, or
// a TLS connection on its own goroutine.
type client struct {
	srv  *Server
	sess *session.Session
	lis  *listener
	ip   netip.Addr
	// counted says the client is in the per-IP count (after a PROXY
	// header, if any, named its address).
	counted bool

	// gnet
	gc    gnet.Conn
	loop  *loop
	idx   int
	timer *timewheel.Entry[*client]
	// awaitProxy: the PROXY header has not been read yet.
	awaitProxy bool

	// TLS: mu makes the session's one user at a time the reader or a
	// delivery.
	tls *tlsClient

	reason wire.CloseReason
	closed bool
}

// tlsClient is what a TLS connection adds: a lock that makes the reader
// and deliveries from the uplink take turns with the session, and a writer
// goroutine so that no miner's socket blocks anyone else.
type tlsClient struct {
	conn *tls.Conn
	wake chan struct{}

	mu      sync.Mutex // guards the session, the client's state and below
	out     []byte     // scratch for replies
	pending []byte     // written, not yet sent
	spare   []byte
}

func (t *tlsClient) signal() {
	select {
	case t.wake <- struct{}{}:
	default:
	}
}

// The client is the session's Upstream: it speaks for the session to the
// uplink, with itself as the token that brings answers back.

func (c *client) Allocate(resume []byte) (wire.SessionID, []byte, int, bool) {
	return c.srv.up.Allocate(resume)
}
func (c *client) Release(id wire.SessionID) { c.srv.up.Release(id) }
func (c *client) Open(s *session.Session, m *wire.SessionOpen) {
	c.srv.up.Open(c, m)
}
func (c *client) Update(s *session.Session, m *wire.SessionUpdate) { c.srv.up.Update(m) }
func (c *client) Close(s *session.Session, reason wire.CloseReason) {
	c.srv.up.Close(&wire.SessionClose{Session: s.ID, Reason: reason})
}
func (c *client) Submit(s *session.Session, r wire.SubmitRecord, id []byte) bool {
	return c.srv.up.Submit(c, &r, id)
}
func (c *client) Rejected()                { c.srv.stats.LocalRejects.Add(1) }
func (c *client) Known(id wire.JobID) bool { return c.srv.known(id) }
func (c *client) Job() *session.Job        { return c.srv.job.Load() }
func (c *client) Flood() float64           { return math.Float64frombits(c.srv.flood.Load()) }

// admit counts the client against its address's limits. An IPv4 address
// on a dual-stack socket is counted, banned and reported to the core as
// IPv4, as the other edges see it.
func (c *client) admit(ip netip.Addr, now time.Time) (wire.CloseReason, bool) {
	ip = ip.Unmap()
	ok, banned := c.srv.lim.admit(ip, now)
	switch {
	case banned:
		return wire.CloseBanned, false
	case !ok:
		return wire.CloseTooManyPerIP, false
	}
	c.ip, c.counted = ip, true
	return 0, true
}

// write sends bytes to the miner. It runs on the client's owner: its event
// loop, or with the TLS client's lock held. A miner that leaves more than
// the limit unread is closed.
func (c *client) write(b []byte) {
	if c.closed || len(b) == 0 {
		return
	}
	c.srv.stats.BytesOut.Add(uint64(len(b)))
	limit := c.srv.cfg.Limits.MaxOutbound
	if c.tls != nil {
		t := c.tls
		t.pending = append(t.pending, b...)
		if limit > 0 && len(t.pending) > limit {
			c.closeWith(wire.CloseSlowReader)
			return
		}
		t.signal()
		return
	}
	_, _ = c.gc.Write(b)
	if limit > 0 && c.gc.OutboundBuffered() > limit {
		c.closeWith(wire.CloseSlowReader)
	}
}

// exec runs f on the client's owner and writes what it returns.
func (c *client) exec(f func(out []byte) []byte) {
	if c.tls != nil {
		t := c.tls
		t.mu.Lock()
		defer t.mu.Unlock()
		if c.closed {
			return
		}
		out := f(t.out[:0])
		c.write(out)
		t.out = out[:0]
		return
	}
	lp := c.loop
	lp.execute(func() {
		if c.closed {
			return
		}
		out := f(lp.out[:0])
		c.write(out)
		lp.out = out[:0]
	})
}

// closeWith closes the connection for reason; what was written before is
// still sent.
func (c *client) closeWith(reason wire.CloseReason) {
	if c.closed {
		return
	}
	c.closed, c.reason = true, reason
	if c.tls != nil {
		if reason == wire.CloseSlowReader {
			_ = c.tls.conn.Close() // nothing more will be read by this miner
		}
		c.tls.signal() // the writer flushes and closes
		return
	}
	_ = c.gc.Close()
}

// ban closes a miner that passed the invalid-share limit and bans its
// address, here and, through the core, at every other edge.
func (c *client) ban(reason wire.BanReason, now time.Time) {
	s := c.srv
	s.log.Warn("miner banned", "reason", reason, "remote", c.sess.Remote, "worker", c.sess.Worker)
	if s.lim.ban(c.ip, now, reason) {
		ban := wire.BanFor(c.ip.String(), reason, s.cfg.Limits.BanTime)
		s.up.Ban(&ban)
	}
	c.closeWith(wire.CloseBanned)
}

// fed closes the connection when the session's Feed says so: a ban for
// malformed requests past the limit, or the reason given.
func (c *client) fed(err error, now time.Time) {
	switch reason := closeReason(err); reason {
	case wire.CloseBanned:
		c.ban(wire.BanMalformed, now)
	default:
		c.closeWith(reason)
	}
}

// finish is the end of a connection: counted, its address released, the
// session closed with the core.
func (c *client) finish() {
	s := c.srv
	s.stats.Closes[c.reason].Add(1)
	s.stats.Connections.Add(-1)
	if c.sess.Authorized() {
		s.stats.Authorized.Add(-1)
	}
	if c.counted {
		s.lim.release(c.ip)
		c.counted = false
	}
	c.sess.Close(c.reason)
}
