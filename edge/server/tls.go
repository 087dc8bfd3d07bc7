package server

import (
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"sync"
	"time"

	"github.com/stratapool/strata/edge/proxyproto"
	"github.com/stratapool/strata/edge/session"
	"github.com/stratapool/strata/wire"
)

const (
	// handshakeTimeout bounds a TLS handshake and a PROXY header.
	handshakeTimeout = 10 * time.Second
	// writeTimeout bounds one write to a TLS miner; a miner that reads
	// nothing for this long is a slow reader.
	writeTimeout  = 30 * time.Second
	tlsReadBuffer = 4096
)

// serveTLS accepts on a TLS listener until ctx ends.
func (s *Server) serveTLS(ctx context.Context, ln net.Listener, l *listener, ready *sync.WaitGroup) error {
	ready.Done()
	stop := context.AfterFunc(ctx, func() { _ = ln.Close() })
	defer stop()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		raw, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				time.Sleep(10 * time.Millisecond)
				continue
			}
			return err
		}
		s.stats.Accepts.Add(1)
		if !s.lim.accept(time.Now()) {
			s.stats.Closes[wire.CloseRateLimited].Add(1)
			_ = raw.Close()
			continue
		}
		conns.Go(func() { s.serveTLSConn(ctx, raw, l) })
	}
}

// serveTLSConn drives one TLS miner: this goroutine reads, a second writes.
func (s *Server) serveTLSConn(ctx context.Context, raw net.Conn, l *listener) {
	defer raw.Close()
	if tc, ok := raw.(*net.TCPConn); ok {
		setTCP(tc, &l.cfg)
	}
	remote := addrPort(raw.RemoteAddr())
	var conn net.Conn = raw
	if l.cfg.ProxyProtocol {
		hdr, rest, err := readProxy(raw)
		if err != nil {
			s.stats.Closes[wire.CloseProtocolError].Add(1)
			return
		}
		if !hdr.Local {
			remote = hdr.Source
		}
		conn = &prefixConn{Conn: raw, pre: rest}
	}
	now := time.Now()
	c := &client{srv: s, lis: l}
	if reason, ok := c.admit(remote.Addr(), now); !ok {
		s.stats.Closes[reason].Add(1)
		return
	}
	tc := tls.Server(conn, l.cfg.TLS)
	hctx, cancel := context.WithTimeout(ctx, handshakeTimeout)
	err := tc.HandshakeContext(hctx)
	cancel()
	if err != nil {
		s.stats.Closes[wire.CloseTLSError].Add(1)
		s.lim.release(c.ip)
		return
	}
	t := &tlsClient{conn: tc, wake: make(chan struct{}, 1)}
	c.tls = t
	c.sess = session.New(&l.cfg.Session, c, remote.String(), now)
	s.tlsMu.Lock()
	s.tls[c] = struct{}{}
	s.tlsMu.Unlock()
	s.stats.Connections.Add(1)

	var writer sync.WaitGroup
	writer.Go(func() { c.writeLoop() })
	c.readLoop()

	s.tlsMu.Lock()
	delete(s.tls, c)
	s.tlsMu.Unlock()
	t.mu.Lock()
	c.finish()
	t.mu.Unlock()
	t.signal()
	writer.Wait()
}

func (c *client) readLoop() {
	s, t := c.srv, c.tls
	buf := make([]byte, tlsReadBuffer)
	for {
		if idle := s.cfg.Limits.Idle; idle > 0 {
			_ = t.conn.SetReadDeadline(time.Now().Add(idle))
		}
		n, err := t.conn.Read(buf)
		t.mu.Lock()
		if n > 0 && !c.closed {
			s.stats.BytesIn.Add(uint64(n))
			now := time.Now()
			out, ferr := c.sess.Feed(t.out[:0], buf[:n], now)
			c.write(out)
			t.out = out[:0]
			if ferr != nil {
				c.fed(ferr, now)
			}
		}
		if err != nil && !c.closed {
			c.closed, c.reason = true, s.readErrorReason(err)
		}
		done := c.closed
		t.mu.Unlock()
		if done {
			return
		}
	}
}

// writeLoop sends what the session wrote; once the client is closed it
// flushes what is left and closes the connection.
func (c *client) writeLoop() {
	t := c.tls
	for range t.wake {
		t.mu.Lock()
		buf, closing := t.pending, c.closed
		t.pending = t.spare[:0]
		t.mu.Unlock()
		if len(buf) > 0 {
			_ = t.conn.SetWriteDeadline(time.Now().Add(writeTimeout))
			if _, err := t.conn.Write(buf); err != nil {
				t.mu.Lock()
				if !c.closed {
					c.closed, c.reason = true, wire.CloseSlowReader
				}
				t.mu.Unlock()
				closing = true
			}
		}
		t.mu.Lock()
		t.spare = buf[:0]
		t.mu.Unlock()
		if closing {
			_ = t.conn.Close()
			return
		}
	}
}

// readErrorReason names why a read ended.
func (s *Server) readErrorReason(err error) wire.CloseReason {
	var ne net.Error
	switch {
	case s.stopping.Load():
		return wire.CloseShutdown
	case errors.Is(err, io.EOF):
		return wire.CloseClientEOF
	case errors.As(err, &ne) && ne.Timeout():
		return wire.CloseIdle
	}
	return wire.CloseReadError
}

// tickTLS runs vardiff for the TLS sessions (their idle timeout is the read
// deadline).
func (s *Server) tickTLS(ctx context.Context) {
	t := time.NewTicker(s.cfg.TimerPeriod)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			for _, c := range s.tlsClients() {
				c.tls.mu.Lock()
				if !c.closed {
					c.sess.Tick(now)
				}
				c.tls.mu.Unlock()
			}
		}
	}
}

func (s *Server) tlsClients() []*client {
	s.tlsMu.Lock()
	defer s.tlsMu.Unlock()
	list := make([]*client, 0, len(s.tls))
	for c := range s.tls {
		list = append(list, c)
	}
	return list
}

// readProxy reads a PROXY header off a connection; rest is what came after
// it in the same reads.
func readProxy(conn net.Conn) (proxyproto.Header, []byte, error) {
	_ = conn.SetReadDeadline(time.Now().Add(handshakeTimeout))
	defer conn.SetReadDeadline(time.Time{})
	buf := make([]byte, 0, maxProxyHeader)
	for {
		n, err := conn.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		hdr, used, perr := proxyproto.Parse(buf)
		switch {
		case perr == nil:
			return hdr, buf[used:], nil
		case !errors.Is(perr, proxyproto.ErrIncomplete) || len(buf) == cap(buf):
			return hdr, nil, perr
		case err != nil:
			return hdr, nil, err
		}
	}
}

// prefixConn reads bytes already read off the connection first.
type prefixConn struct {
	net.Conn
	pre []byte
}

func (p *prefixConn) Read(b []byte) (int, error) {
	if len(p.pre) > 0 {
		n := copy(b, p.pre)
		p.pre = p.pre[n:]
		return n, nil
	}
	return p.Conn.Read(b)
}

// setTCP applies a listener's socket settings to a standard connection.
func setTCP(tc *net.TCPConn, l *Listener) {
	if l.ReadBuffer > 0 {
		_ = tc.SetReadBuffer(l.ReadBuffer)
	}
	if l.WriteBuffer > 0 {
		_ = tc.SetWriteBuffer(l.WriteBuffer)
	}
	if l.KeepAlive > 0 {
		_ = tc.SetKeepAliveConfig(net.KeepAliveConfig{Enable: true, Idle: l.KeepAlive, Interval: l.KeepAlive})
	}
}
