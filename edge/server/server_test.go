package server

import (
	"bufio"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/stratapool/strata/edge/session"
	"github.com/stratapool/strata/edge/uplink"
	"github.com/stratapool/strata/edge/vardiff"
	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/internal/tlscert"
	"github.com/stratapool/strata/wire"
)

// These tests run the server on real sockets with no core behind it: what
// they check happens before a miner needs the core. The tests with a core
// are in the e2e package.

func sessionConfig() session.Config {
	return session.Config{
		Vardiff:         vardiff.Config{Min: 1, Max: 1 << 20, TargetPerMinute: 20, Retarget: time.Minute},
		StartDifficulty: 1024, VersionMask: session.DefaultVersionMask, Extranonce2Size: 8,
	}
}

type testServer struct {
	*Server
	plain, tls, proxy string
}

func startServer(t *testing.T, limits Limits) *testServer {
	t.Helper()
	return startServerWith(t, limits, "", sessionConfig())
}

// startServerWith runs a server linked to the core at core ("": none) with
// sc on every listener. A port another process took since testnet gave it
// out is tried again with new ones.
func startServerWith(t *testing.T, limits Limits, core string, sc session.Config) *testServer {
	t.Helper()
	for try := 1; ; try++ {
		ts, err := tryServer(t, limits, core, sc)
		if err == nil {
			return ts
		}
		if try == 5 || !errors.Is(err, syscall.EADDRINUSE) {
			t.Fatal(err)
		}
	}
}

func tryServer(t *testing.T, limits Limits, core string, sc session.Config) (*testServer, error) {
	t.Helper()
	var addrs [4]string
	for i := range addrs {
		a, err := testnet.Addr()
		if err != nil {
			t.Fatal(err)
		}
		addrs[i] = a
	}
	tcfg, _, err := tlscert.ServerConfig("", "", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	listen := []Listener{
		{Address: addrs[0], Session: sc, ReadBuffer: 1 << 16, WriteBuffer: 4096, KeepAlive: time.Minute},
		{Address: addrs[1], Session: sc, TLS: tcfg},
		{Address: addrs[2], Session: sc, ProxyProtocol: true},
	}
	if core == "" {
		core = addrs[3] // nothing listens
	}
	s, err := New(Config{Listeners: listen, Limits: limits, Loops: 2, TimerPeriod: 250 * time.Millisecond,
		Uplink: uplink.Config{Name: "test", Cores: []string{core}, AllowPlaintext: true}})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stop := func() error {
		cancel()
		select {
		case err := <-done:
			return err
		case <-time.After(10 * time.Second):
			return errors.New("server did not stop")
		}
	}
	select {
	case <-s.Ready():
		if s.readyErr != nil {
			_ = stop()
			return nil, s.readyErr
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server not ready")
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return &testServer{Server: s, plain: addrs[0], tls: addrs[1], proxy: addrs[2]}, nil
}

func testLimits() Limits {
	l := DefaultLimits()
	l.PerIP = 0
	l.AcceptRate = 0
	return l
}

type miner struct {
	t    *testing.T
	conn net.Conn
	r    *bufio.Reader
}

func dial(t *testing.T, addr string) *miner {
	t.Helper()
	c, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &miner{t: t, conn: c, r: bufio.NewReader(c)}
}

func dialTLS(t *testing.T, addr string) *miner {
	t.Helper()
	c, err := tls.DialWithDialer(&net.Dialer{Timeout: 5 * time.Second}, "tcp", addr, &tls.Config{InsecureSkipVerify: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return &miner{t: t, conn: c, r: bufio.NewReader(c)}
}

func (m *miner) send(lines ...string) {
	m.t.Helper()
	if _, err := io.WriteString(m.conn, strings.Join(lines, "\n")+"\n"); err != nil {
		m.t.Fatal(err)
	}
}

func (m *miner) expect(want string) {
	m.t.Helper()
	m.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	got, err := m.r.ReadString('\n')
	if err != nil {
		m.t.Fatalf("waiting for %s: %v", want, err)
	}
	if got != want+"\n" {
		m.t.Fatalf("got %q\nwant %q", got, want)
	}
}

// closed waits for the server to close the connection.
func (m *miner) closed() {
	m.t.Helper()
	m.conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	for {
		_, err := m.r.ReadByte()
		if err == nil {
			continue
		}
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			m.t.Fatal("connection still open")
		}
		return
	}
}

func waitCount(t *testing.T, s *Server, r wire.CloseReason, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s.stats.Closes[r].Load() < n {
		if time.Now().After(deadline) {
			t.Fatalf("%s closes: %d, want %d", r, s.stats.Closes[r].Load(), n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// healthy checks a well-behaved miner is still served.
func healthy(t *testing.T, addr string) {
	t.Helper()
	m := dial(t, addr)
	m.send(`{"id":"x","method":"mining.multi_version","params":[1]}`)
	m.expect(`{"id":"x","result":true,"error":null}`)
}

func TestBadInputGetsErrorsOrCountedCloses(t *testing.T) {
	s := startServer(t, testLimits())
	bystander := dial(t, s.plain)

	m := dial(t, s.plain)
	m.send(`{"id":1,"method":"mining.nonsense","params":[]}`)
	m.expect(`{"id":1,"result":null,"error":[20,"Unknown method mining.nonsense",null]}`)
	m.send(`{"id":2,"method":"mining.subscribe","params":["cgminer/4.10"]}`)
	m.expect(`{"id":2,"result":null,"error":[20,"Pool not ready: no link to the core",null]}`)
	m.send(`{"id":3,"method":"mining.submit","params":["w","zz","00","00","00"]}`)
	m.expect(`{"id":3,"result":null,"error":[25,"Not subscribed",null]}`)
	m.send(`{"id":4,"method":"mining.authorize","params":[1,2]}`)
	m.expect(`{"id":4,"result":null,"error":[24,"Unauthorized worker: no user name",null]}`)

	// Bytes that are not Stratum close the connection, counted.
	tlsHello := dial(t, s.plain)
	tlsHello.conn.Write([]byte{0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xfc, 0x03, 0x03})
	tlsHello.closed()
	waitCount(t, s.Server, wire.CloseTLSError, 1)

	http := dial(t, s.plain)
	http.send("GET / HTTP/1.1")
	http.closed()
	waitCount(t, s.Server, wire.CloseProtocolError, 1)

	long := dial(t, s.plain)
	long.conn.Write([]byte(`{"id":1,"method":"mining.subscribe","params":["` + strings.Repeat("a", 9000)))
	long.closed()
	waitCount(t, s.Server, wire.CloseLineTooLong, 1)

	bystander.send(`{"id":9,"method":"mining.multi_version","params":[1]}`)
	bystander.expect(`{"id":9,"result":true,"error":null}`)
}

func TestPerIPCapAndAcceptRate(t *testing.T) {
	l := testLimits()
	l.PerIP = 2
	s := startServer(t, l)
	a, b := dial(t, s.plain), dial(t, s.plain)
	healthyConn(t, a)
	healthyConn(t, b)
	third := dial(t, s.plain)
	third.closed()
	waitCount(t, s.Server, wire.CloseTooManyPerIP, 1)
	// A place freed is a place taken.
	a.conn.Close()
	waitCount(t, s.Server, wire.CloseClientEOF, 1)
	healthy(t, s.plain)

	l = testLimits()
	l.AcceptRate, l.AcceptBurst = 0.5, 3
	s = startServer(t, l)
	for range 3 {
		healthyConn(t, dial(t, s.plain))
	}
	dial(t, s.plain).closed()
	waitCount(t, s.Server, wire.CloseRateLimited, 1)
}

func healthyConn(t *testing.T, m *miner) {
	t.Helper()
	m.send(`{"id":0,"method":"mining.multi_version","params":[1]}`)
	m.expect(`{"id":0,"result":true,"error":null}`)
}

func TestIdleTimeout(t *testing.T) {
	l := testLimits()
	l.Idle = 300 * time.Millisecond
	s := startServer(t, l)
	m := dial(t, s.plain)
	healthyConn(t, m)
	start := time.Now()
	m.closed()
	if d := time.Since(start); d < l.Idle {
		t.Errorf("closed after %v, before the idle timeout", d)
	}
	waitCount(t, s.Server, wire.CloseIdle, 1)
	// TLS miners have the same timeout.
	tm := dialTLS(t, s.tls)
	healthyConn(t, tm)
	tm.closed()
	waitCount(t, s.Server, wire.CloseIdle, 2)
}

func TestSlowReaderClosed(t *testing.T) {
	l := testLimits()
	l.MaxOutbound = 64 << 10
	s := startServer(t, l)
	bystander := dial(t, s.plain)
	for _, addr := range []string{s.plain, s.tls} {
		var m *miner
		if addr == s.tls {
			m = dialTLS(t, addr)
		} else {
			m = dial(t, addr)
			m.conn.(*net.TCPConn).SetReadBuffer(4096)
		}
		// Ask and never read the answers, until the server gives up.
		line := []byte(strings.Repeat(`{"id":1,"method":"mining.nonsense","params":[]}`+"\n", 100))
		m.conn.SetWriteDeadline(time.Now().Add(20 * time.Second))
		for range 2000 {
			if _, err := m.conn.Write(line); err != nil {
				break
			}
			if s.stats.Closes[wire.CloseSlowReader].Load() > 0 && addr == s.plain {
				break
			}
		}
	}
	waitCount(t, s.Server, wire.CloseSlowReader, 2)
	healthyConn(t, bystander)
}

func TestProxyProtocol(t *testing.T) {
	l := testLimits()
	l.PerIP = 1
	s := startServer(t, l)
	a := dial(t, s.proxy)
	a.conn.Write([]byte("PROXY TCP4 192.0.2.1 192.0.2.9 4028 3333\r\n"))
	healthyConn(t, a)
	// The cap applies to the miner's address, not the balancer's.
	b := dial(t, s.proxy)
	b.conn.Write([]byte("PROXY TCP4 192.0.2.1 192.0.2.9 4029 3333\r\n"))
	b.closed()
	waitCount(t, s.Server, wire.CloseTooManyPerIP, 1)
	// A v2 header, sent in two pieces.
	c := dial(t, s.proxy)
	v2 := []byte("\r\n\r\n\x00\r\nQUIT\n\x21\x11\x00\x0c\xc0\x00\x02\x02\xc0\x00\x02\x09\x0f\xbc\x0d\x05")
	c.conn.Write(v2[:7])
	time.Sleep(20 * time.Millisecond)
	c.conn.Write(v2[7:])
	healthyConn(t, c)
	// No header: closed.
	d := dial(t, s.proxy)
	d.send(`{"id":1,"method":"mining.subscribe","params":[]}`)
	d.closed()
	waitCount(t, s.Server, wire.CloseProtocolError, 1)
}

func TestTLSListener(t *testing.T) {
	s := startServer(t, testLimits())
	m := dialTLS(t, s.tls)
	m.send(`{"id":"a","method":"mining.ping","params":[]}`, `{"id":2,"method":"mining.subscribe","params":[]}`)
	m.expect(`{"id":"a","result":"pong","error":null}`)
	m.expect(`{"id":2,"result":null,"error":[20,"Pool not ready: no link to the core",null]}`)
	// Plain text on the TLS port fails the handshake, counted.
	p := dial(t, s.tls)
	p.send(`{"id":1,"method":"mining.subscribe","params":[]}`)
	p.closed()
	waitCount(t, s.Server, wire.CloseTLSError, 1)
	// A line over the limit closes a TLS miner as well.
	m.conn.Write([]byte(strings.Repeat("x", 9000)))
	m.closed()
	waitCount(t, s.Server, wire.CloseLineTooLong, 1)
	if n := s.stats.Connections.Load(); n != 0 {
		// Counts settle once the server has seen the closes.
		deadline := time.Now().Add(5 * time.Second)
		for s.stats.Connections.Load() != 0 && time.Now().Before(deadline) {
			time.Sleep(5 * time.Millisecond)
		}
		if n := s.stats.Connections.Load(); n != 0 {
			t.Errorf("connections %d after every miner left", n)
		}
	}
}

// TestStatsCarryTheUplinksCounters: what the edge tells the core includes
// the session events that waited beside a full queue to the core.
func TestStatsCarryTheUplinksCounters(t *testing.T) {
	s := startServer(t, testLimits())
	s.Uplink().Counters().Overflowed.Add(3)
	got := map[wire.StatKey]uint64{}
	for _, st := range s.wireStats() {
		got[st.Key] = st.Value
	}
	if v, ok := got[wire.StatEventsWaited]; !ok || v != 3 {
		t.Errorf("session_events_waited %d (sent: %v), want 3", v, ok)
	}
}
