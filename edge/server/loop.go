package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"time"

	"github.com/panjf2000/gnet/v2"
	"github.com/stratapool/strata/edge/proxyproto"
	"github.com/stratapool/strata/edge/session"
	"github.com/stratapool/strata/edge/timewheel"
	"github.com/stratapool/strata/wire"
)

// The wheel visits each connection once per timer period in wheelSlots
// steps, so each step touches a fiftieth of the connections.
const (
	wheelSlots = 50
	// maxProxyHeader is more than any PROXY header (v1: 107 bytes; v2 with
	// the TLVs load balancers add: a few hundred).
	maxProxyHeader = 1024
)

// loop is what the server keeps per gnet event loop. Everything in it is
// used on that loop's goroutine only.
type loop struct {
	s       *Server
	el      gnet.EventLoop
	clients []*client
	wheel   *timewheel.Wheel[*client]
	// out is the loop's scratch for replies; a write copies it out.
	out []byte
}

// execute runs f on the loop's goroutine.
func (lp *loop) execute(f func()) {
	_ = lp.el.Execute(context.Background(), gnet.RunnableFunc(func(context.Context) error {
		f()
		return nil
	}))
}

func (lp *loop) add(c *client) {
	c.idx = len(lp.clients)
	lp.clients = append(lp.clients, c)
	c.timer = lp.wheel.Add(c)
}

func (lp *loop) remove(c *client) {
	last := lp.clients[len(lp.clients)-1]
	lp.clients[c.idx] = last
	last.idx = c.idx
	lp.clients[len(lp.clients)-1] = nil
	lp.clients = lp.clients[:len(lp.clients)-1]
	lp.wheel.Remove(c.timer)
}

// tick visits the connections whose turn has come: idle ones are closed,
// the others get their vardiff window checked.
func (lp *loop) tick(now time.Time) {
	idle := lp.s.cfg.Limits.Idle
	lp.wheel.Advance(now, func(e *timewheel.Entry[*client]) {
		c := e.Item
		if c.closed {
			return
		}
		if idle > 0 && now.Sub(c.sess.LastRead()) > idle {
			c.closeWith(wire.CloseIdle)
			return
		}
		c.sess.Tick(now)
	})
}

// handler is the gnet event handler.
type handler struct {
	gnet.BuiltinEventEngine
	s      *Server
	engine gnet.Engine
	booted chan struct{}
	swept  time.Time
}

func newHandler(s *Server) *handler { return &handler{s: s, booted: make(chan struct{})} }

func (h *handler) OnBoot(eng gnet.Engine) gnet.Action {
	h.engine = eng
	close(h.booted)
	return gnet.None
}

func (h *handler) loopOf(el gnet.EventLoop) *loop {
	s := h.s
	s.loopsMu.Lock()
	defer s.loopsMu.Unlock()
	lp, ok := s.loops[el]
	if !ok {
		lp = &loop{s: s, el: el, wheel: timewheel.New[*client](wheelSlots, s.wheelTick(), time.Now())}
		s.loops[el] = lp
	}
	return lp
}

func (h *handler) OnOpen(gc gnet.Conn) ([]byte, gnet.Action) {
	s := h.s
	now := time.Now()
	s.stats.Accepts.Add(1)
	if !s.lim.accept(now) {
		s.stats.Closes[wire.CloseRateLimited].Add(1)
		return nil, gnet.Close
	}
	l := s.listenerFor(gc.LocalAddr())
	c := &client{srv: s, lis: l, gc: gc, loop: h.loopOf(gc.EventLoop())}
	remote := addrPort(gc.RemoteAddr())
	if l.cfg.ProxyProtocol {
		c.awaitProxy = true
	} else if reason, ok := c.admit(remote.Addr(), now); !ok {
		s.stats.Closes[reason].Add(1)
		return nil, gnet.Close
	}
	setSocket(gc, &l.cfg)
	c.sess = session.New(&l.cfg.Session, c, remote.String(), now)
	gc.SetContext(c)
	c.loop.add(c)
	s.stats.Connections.Add(1)
	return nil, gnet.None
}

func (h *handler) OnTraffic(gc gnet.Conn) gnet.Action {
	c, ok := gc.Context().(*client)
	if !ok || c.closed {
		_, _ = gc.Discard(-1)
		return gnet.None
	}
	now := time.Now()
	if c.awaitProxy {
		buf, _ := gc.Peek(-1)
		hdr, n, err := proxyproto.Parse(buf)
		if errors.Is(err, proxyproto.ErrIncomplete) && len(buf) < maxProxyHeader {
			return gnet.None // the rest of the header is on its way
		}
		if err != nil {
			c.closeWith(wire.CloseProtocolError)
			return gnet.None
		}
		_, _ = gc.Discard(n)
		c.awaitProxy = false
		src := addrPort(gc.RemoteAddr())
		if !hdr.Local {
			src = hdr.Source
			c.sess.Remote = src.String()
		}
		if reason, ok := c.admit(src.Addr(), now); !ok {
			c.closeWith(reason)
			return gnet.None
		}
	}
	data, _ := gc.Next(-1)
	if len(data) == 0 {
		return gnet.None
	}
	c.srv.stats.BytesIn.Add(uint64(len(data)))
	lp := c.loop
	out, err := c.sess.Feed(lp.out[:0], data, now)
	if len(out) > 0 {
		c.write(out)
	}
	lp.out = out[:0]
	if err != nil {
		c.fed(err, now)
	}
	return gnet.None
}

func (h *handler) OnClose(gc gnet.Conn, err error) gnet.Action {
	c, ok := gc.Context().(*client)
	if !ok {
		return gnet.None
	}
	gc.SetContext(nil)
	if !c.closed {
		c.closed = true
		switch {
		case h.s.stopping.Load():
			c.reason = wire.CloseShutdown
		case err == nil || errors.Is(err, io.EOF):
			c.reason = wire.CloseClientEOF
		default:
			c.reason = wire.CloseReadError
		}
	}
	c.loop.remove(c)
	c.finish()
	return gnet.None
}

// OnTick runs on gnet's ticker goroutine: it hands each loop its wheel.
func (h *handler) OnTick() (time.Duration, gnet.Action) {
	s := h.s
	now := time.Now()
	s.loopsMu.Lock()
	for _, lp := range s.loops {
		lp.execute(func() { lp.tick(now) })
	}
	s.loopsMu.Unlock()
	if now.Sub(h.swept) > time.Minute {
		h.swept = now
		s.lim.sweep(now)
	}
	return s.wheelTick(), gnet.None
}

func (s *Server) wheelTick() time.Duration { return s.cfg.TimerPeriod / wheelSlots }

// setSocket applies a listener's socket settings to a connection.
func setSocket(gc gnet.Conn, l *Listener) {
	if l.ReadBuffer > 0 {
		_ = gc.SetReadBuffer(l.ReadBuffer)
	}
	if l.WriteBuffer > 0 {
		_ = gc.SetWriteBuffer(l.WriteBuffer)
	}
	if l.KeepAlive > 0 {
		_ = gc.SetKeepAlivePeriod(l.KeepAlive)
	}
}

// closeReason is the reason in a session's error.
func closeReason(err error) wire.CloseReason {
	var ce *session.ErrClose
	if errors.As(err, &ce) {
		return ce.Reason
	}
	return wire.CloseProtocolError
}

func addrPort(a net.Addr) netip.AddrPort {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.AddrPort()
	}
	ap, _ := netip.ParseAddrPort(a.String())
	return ap
}

// gnetLogger sends gnet's log lines to the server's logger.
type gnetLogger struct{ log *slog.Logger }

func (g gnetLogger) Debugf(f string, a ...any) { g.log.Debug("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Infof(f string, a ...any)  { g.log.Info("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Warnf(f string, a ...any)  { g.log.Warn("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Errorf(f string, a ...any) { g.log.Error("gnet: " + fmt.Sprintf(f, a...)) }
func (g gnetLogger) Fatalf(f string, a ...any) { g.log.Error("gnet: " + fmt.Sprintf(f, a...)) }
