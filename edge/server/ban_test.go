package server

import (
	"fmt"
	"net"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/wire"
)

// fakeCore is a core reduced to what the ban tests need: it welcomes the
// edge, authorizes every session, refuses every share as too easy, keeps
// the bans the edge sends, and sends what a test asks.
type fakeCore struct {
	t  *testing.T
	ln net.Listener

	mu    sync.Mutex // guards everything below
	conn  *wire.Conn // the newest link
	links int
	opens []wire.SessionOpen
	bans  [][]wire.Ban // by link
	pong  uint64       // the newest PONG's nonce
	nonce uint64
	all   []*wire.Conn
}

// startFakeCore listens on a free port and serves.
func startFakeCore(t *testing.T) *fakeCore {
	c := newFakeCore(t)
	go c.accept()
	return c
}

// newFakeCore listens on a free port; an edge that dials it waits in the
// handshake until accept runs.
func newFakeCore(t *testing.T) *fakeCore {
	t.Helper()
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCore{t: t, ln: ln}
	t.Cleanup(func() {
		ln.Close()
		c.mu.Lock()
		defer c.mu.Unlock()
		for _, conn := range c.all {
			conn.Close()
		}
	})
	return c
}

func (c *fakeCore) addr() string { return c.ln.Addr().String() }

func (c *fakeCore) accept() {
	for {
		nc, err := c.ln.Accept()
		if err != nil {
			return
		}
		go c.serve(nc)
	}
}

func (c *fakeCore) serve(nc net.Conn) {
	conn, _, err := wire.Server(nc, wire.ServerConfig{AllowPlaintext: true, Caps: wire.AllCaps,
		Admit: func(*wire.Hello) (wire.Welcome, error) {
			return wire.Welcome{EdgeID: 3, SessionBits: 24, Extranonce1Size: 4, Extranonce2Size: 8, MaxBatch: 4096,
				PingIntervalMillis: 500}, nil
		}})
	if err != nil {
		return
	}
	defer conn.Close()
	c.mu.Lock()
	c.conn, c.all = conn, append(c.all, conn)
	c.links++
	link := c.links - 1
	c.bans = append(c.bans, nil)
	c.mu.Unlock()
	conn.Send(&wire.WorkState{Reason: wire.WorkReady})
	conn.Send(&wire.Job{ID: 0x1a, Clean: true, Coinb1: []byte{1}, Coinb2: []byte{2}})
	var seq uint64
	for {
		m, err := conn.ReadMessage()
		if err != nil {
			return
		}
		c.mu.Lock()
		switch m := m.(type) {
		case *wire.SessionOpen:
			c.opens = append(c.opens, *m)
			conn.Send(&wire.AuthResult{Session: m.Session, Status: wire.AuthOK})
		case *wire.SubmitBatch:
			vb := wire.VerdictBatch{FirstSeq: seq}
			for range m.Records {
				vb.Verdicts = append(vb.Verdicts, wire.VerdictLowDifficulty)
			}
			seq += uint64(len(m.Records))
			conn.Send(&vb)
		case *wire.Ban:
			c.bans[link] = append(c.bans[link], *m)
		case *wire.Ping:
			conn.Send(&wire.Pong{Nonce: m.Nonce, SentUnixNano: m.SentUnixNano})
		case *wire.Pong:
			c.pong = max(c.pong, m.Nonce)
		}
		c.mu.Unlock()
	}
}

// linked waits for the edge's n-th link.
func (c *fakeCore) linked(n int) {
	c.t.Helper()
	c.waitFor(fmt.Sprintf("link %d", n), func() bool { return c.links >= n })
}

// send sends m on the newest link.
func (c *fakeCore) send(m wire.Message) {
	c.t.Helper()
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if err := conn.Send(m); err != nil {
		c.t.Fatalf("send %s: %v", m.Type(), err)
	}
}

// sync returns once the edge has handled everything sent before: it reads
// the link in order and answers a PING after what came ahead of it.
func (c *fakeCore) sync() {
	c.t.Helper()
	c.mu.Lock()
	c.nonce++
	n := c.nonce
	c.mu.Unlock()
	c.send(&wire.Ping{Nonce: n, SentUnixNano: time.Now().UnixNano()})
	c.waitFor("the edge's PONG", func() bool { return c.pong >= n })
}

// bansOn is what the edge reported on link i (from 0), sorted by target.
func (c *fakeCore) bansOn(i int) []wire.Ban {
	c.mu.Lock()
	defer c.mu.Unlock()
	if i >= len(c.bans) {
		return nil
	}
	out := slices.Clone(c.bans[i])
	slices.SortFunc(out, func(a, b wire.Ban) int { return strings.Compare(a.Target, b.Target) })
	return out
}

// waitFor waits, with the core's lock held for each look, until cond.
func (c *fakeCore) waitFor(what string, cond func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		c.mu.Lock()
		ok := cond()
		c.mu.Unlock()
		if ok {
			return
		}
		if time.Now().After(deadline) {
			c.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// dropLink closes the newest link; the edge dials again.
func (c *fakeCore) dropLink() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.conn.Close()
}

// line reads the miner's next line.
func (m *miner) line() string {
	m.t.Helper()
	m.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	l, err := m.r.ReadString('\n')
	if err != nil {
		m.t.Fatalf("reading a line: %v", err)
	}
	return l
}

// from dials the PROXY listener as a miner at ip.
func from(t *testing.T, s *testServer, ip string) *miner {
	t.Helper()
	m := dial(t, s.proxy)
	fam := "TCP4"
	if strings.Contains(ip, ":") {
		fam = "TCP6"
	}
	if _, err := m.conn.Write([]byte("PROXY " + fam + " " + ip + " " + ip + " 4028 3333\r\n")); err != nil {
		t.Fatal(err)
	}
	return m
}

// login subscribes and authorizes, and waits for the first job.
func (m *miner) login(worker string) {
	m.t.Helper()
	m.send(`{"id":1,"method":"mining.subscribe","params":["test/1"]}`,
		`{"id":2,"method":"mining.authorize","params":["`+worker+`","x"]}`)
	for range 10 {
		if strings.Contains(m.line(), `"method":"mining.notify"`) {
			return
		}
	}
	m.t.Fatal("no job after 10 lines")
}

func banLimits(banTime time.Duration) Limits {
	l := testLimits()
	l.BanTime = banTime
	return l
}

// TestInvalidSharesBanGoesToCore: a miner banned for invalid shares is
// closed, refused, and its address goes to the core for the ban time, in
// whole seconds rounded up.
func TestInvalidSharesBanGoesToCore(t *testing.T) {
	core := startFakeCore(t)
	sc := sessionConfig()
	sc.BanInvalid, sc.BanWindow = 3, time.Minute
	s := startServerWith(t, banLimits(time.Minute+500*time.Millisecond), core.addr(), sc)
	core.linked(1)
	bystander := from(t, s, "192.0.2.6")
	healthyConn(t, bystander)

	bad := from(t, s, "192.0.2.7")
	bad.login("w.bad")
	for i := range 3 {
		bad.send(fmt.Sprintf(`{"id":%d,"method":"mining.submit","params":["w.bad","1a","0000000000000001","5f5e1000","%08x"]}`, 3+i, i))
	}
	for range 3 {
		if l := bad.line(); !strings.Contains(l, `"error":[23,`) {
			t.Fatalf("answer %q, want a low-difficulty error", l)
		}
	}
	bad.closed()
	waitCount(t, s.Server, wire.CloseBanned, 1)
	core.waitFor("the ban", func() bool { return len(core.bans[0]) > 0 })
	want := []wire.Ban{{Target: "192.0.2.7", Reason: wire.BanInvalidShares, Seconds: 61}}
	if got := core.bansOn(0); !slices.Equal(got, want) {
		t.Errorf("core got %+v, want %+v", got, want)
	}
	from(t, s, "192.0.2.7").closed()
	waitCount(t, s.Server, wire.CloseBanned, 2)
	healthyConn(t, bystander)
}

// TestMalformedRequestsBan: lines that are not requests and submits whose
// fields are not what the pool gave count against the invalid-share limit
// as refused shares do; the one that passes it bans the address as
// malformed. Methods the edge does not know are answered and not counted:
// miners send extensions.
func TestMalformedRequestsBan(t *testing.T) {
	core := startFakeCore(t)
	sc := sessionConfig()
	sc.BanInvalid, sc.BanWindow = 3, time.Minute
	s := startServerWith(t, banLimits(time.Minute), core.addr(), sc)
	core.linked(1)

	garbage := from(t, s, "192.0.2.20")
	garbage.login("w.garbage")
	for i := range 5 {
		garbage.send(fmt.Sprintf(`{"id":%d,"method":"mining.extension_of_tomorrow","params":[]}`, 10+i))
		if l := garbage.line(); !strings.Contains(l, `"error":[20,"Unknown method`) {
			t.Fatalf("answer %q, want an unknown-method error", l)
		}
	}
	garbage.send(`{"id":20,"method":"mining.submit","params":`, `{"id":21,"method":"mining.submit","params":`)
	for range 2 {
		if l := garbage.line(); !strings.Contains(l, `"error":[20,`) {
			t.Fatalf("answer %q, want a parse error", l)
		}
	}
	healthyConn(t, garbage) // two are under the limit
	garbage.send(`{"id":22,"method":`)
	if l := garbage.line(); !strings.Contains(l, `"error":[20,`) {
		t.Fatalf("answer %q, want a parse error", l)
	}
	garbage.closed()
	waitCount(t, s.Server, wire.CloseBanned, 1)

	// A low-difficulty share and two malformed ones: the malformed one
	// passes the limit.
	mixed := from(t, s, "192.0.2.21")
	mixed.login("w.mixed")
	mixed.send(`{"id":3,"method":"mining.submit","params":["w.mixed","1a","0000000000000001","5f5e1000","00000001"]}`)
	if l := mixed.line(); !strings.Contains(l, `"error":[23,`) {
		t.Fatalf("answer %q, want a low-difficulty error", l)
	}
	mixed.send(`{"id":4,"method":"mining.submit","params":["w.mixed","1a","0000000000000001","5f5e1000","not hex!"]}`,
		`{"id":5,"method":"mining.submit","params":["w.mixed","1a","01","5f5e1000","00000002"]}`)
	for _, want := range []string{"nonce must be hex", "extranonce2 must be"} {
		if l := mixed.line(); !strings.Contains(l, want) {
			t.Fatalf("answer %q, want %q", l, want)
		}
	}
	mixed.closed()
	waitCount(t, s.Server, wire.CloseBanned, 2)

	core.waitFor("both bans", func() bool { return len(core.bans[0]) == 2 })
	want := []wire.Ban{{Target: "192.0.2.20", Reason: wire.BanMalformed, Seconds: 60},
		{Target: "192.0.2.21", Reason: wire.BanMalformed, Seconds: 60}}
	if got := core.bansOn(0); !slices.Equal(got, want) {
		t.Errorf("core got %+v, want %+v", got, want)
	}
	from(t, s, "192.0.2.20").closed()
	waitCount(t, s.Server, wire.CloseBanned, 3)

	// What the edge tells the core about its bans.
	got := map[wire.StatKey]uint64{}
	for _, st := range s.wireStats() {
		got[st.Key] = st.Value
	}
	if got[wire.StatBanned] != 2 || got[wire.StatBanCloses] != 3 || got[wire.StatBansDropped] != 0 {
		t.Errorf("stats: banned %d, ban closes %d, bans dropped %d; want 2, 3, 0",
			got[wire.StatBanned], got[wire.StatBanCloses], got[wire.StatBansDropped])
	}
	if got[wire.StatLocalRejects] != 2 { // the two malformed submits
		t.Errorf("stats: %d local rejects, want 2", got[wire.StatLocalRejects])
	}
}

// TestBanFromCore: an address the core bans is refused new connections;
// the ones it has open, other addresses, and the link stay.
func TestBanFromCore(t *testing.T) {
	core := startFakeCore(t)
	s := startServerWith(t, banLimits(10*time.Minute), core.addr(), sessionConfig())
	core.linked(1)
	open := from(t, s, "192.0.2.8")
	healthyConn(t, open)

	core.send(&wire.Ban{Target: "192.0.2.8", Reason: wire.BanInvalidShares, Seconds: 600})
	core.send(&wire.Ban{Target: "not an address", Reason: wire.BanOperator, Seconds: 600})
	core.send(&wire.Ban{Target: "::ffff:192.0.2.9", Reason: wire.BanOperator, Seconds: 600}) // as a dual-stack edge sees it
	core.sync()

	from(t, s, "192.0.2.8").closed()
	waitCount(t, s.Server, wire.CloseBanned, 1)
	from(t, s, "192.0.2.9").closed()
	waitCount(t, s.Server, wire.CloseBanned, 2)
	healthyConn(t, from(t, s, "192.0.2.10"))
	healthyConn(t, open)
	if !s.Uplink().Up() || s.Uplink().Counters().Reconnects.Load() != 0 {
		t.Error("the link went down")
	}

	// Every listener refuses it, the plain and TLS ones included.
	plain := dial(t, s.plain)
	healthyConn(t, plain)
	core.send(&wire.Ban{Target: "127.0.0.1", Reason: wire.BanOperator, Seconds: 600})
	core.sync()
	dial(t, s.plain).closed()
	dial(t, s.tls).closed()
	waitCount(t, s.Server, wire.CloseBanned, 4)
	healthyConn(t, plain) // open before the ban

	// An edge with bans off takes none from the core either.
	core2 := startFakeCore(t)
	off := startServerWith(t, banLimits(0), core2.addr(), sessionConfig())
	core2.linked(1)
	core2.send(&wire.Ban{Target: "192.0.2.8", Reason: wire.BanInvalidShares, Seconds: 600})
	core2.sync()
	healthyConn(t, from(t, off, "192.0.2.8"))
	if n := off.stats.Closes[wire.CloseBanned].Load(); n != 0 {
		t.Errorf("%d banned closes with bans off", n)
	}
}

// TestDropBansForItsSeconds: a DROP with a ban refuses the address for the
// seconds it says, not the edge's ban time, and the edge tells the core
// the address.
func TestDropBansForItsSeconds(t *testing.T) {
	core := startFakeCore(t)
	s := startServerWith(t, banLimits(10*time.Minute), core.addr(), sessionConfig())
	core.linked(1)
	m := from(t, s, "192.0.2.11")
	m.login("w.dropped")
	var id wire.SessionID
	core.waitFor("the open", func() bool {
		if len(core.opens) > 0 {
			id = core.opens[0].Session
		}
		return id != 0
	})
	core.send(&wire.Drop{Session: id, Reason: wire.DropOperator, BanSeconds: 2})
	m.closed()
	waitCount(t, s.Server, wire.CloseDropped, 1)
	// The ban is in place before the close.
	now := time.Now()
	got := s.lim.bans(now)
	if len(got) != 1 || got[0].Target != "192.0.2.11" || got[0].Seconds < 1 || got[0].Seconds > 2 {
		t.Fatalf("bans after the drop: %+v, want 192.0.2.11 for at most 2 s", got)
	}
	if over := s.lim.bans(now.Add(2 * time.Second)); len(over) != 0 {
		t.Errorf("bans 2 s on: %+v, want none", over)
	}
	from(t, s, "192.0.2.11").closed()
	waitCount(t, s.Server, wire.CloseBanned, 1)
	core.waitFor("the ban", func() bool { return len(core.bans[0]) > 0 })
	want := []wire.Ban{{Target: "192.0.2.11", Reason: wire.BanOperator, Seconds: 2}}
	if got := core.bansOn(0); !slices.Equal(got, want) {
		t.Errorf("core got %+v, want %+v", got, want)
	}
}

// TestLinkUpReportsBans: at every link, the first and the later ones, the
// edge reports the bans in force with the time they have left.
func TestLinkUpReportsBans(t *testing.T) {
	core := newFakeCore(t) // not answering yet: no link before the bans are in place
	s := startServerWith(t, banLimits(10*time.Minute), core.addr(), sessionConfig())
	now := time.Now()
	s.lim.banUntil(netip.MustParseAddr("192.0.2.12"), now.Add(90*time.Second), wire.BanInvalidShares)
	s.lim.banUntil(netip.MustParseAddr("2001:db8::1"), now.Add(5*time.Minute), wire.BanOperator)
	s.lim.banUntil(netip.MustParseAddr("192.0.2.13"), now.Add(-time.Second), wire.BanOperator) // over
	go core.accept()
	core.linked(1)
	check := func(link int) {
		t.Helper()
		core.waitFor("two bans", func() bool { return len(core.bans) > link && len(core.bans[link]) >= 2 })
		core.sync()
		got := core.bansOn(link)
		if len(got) != 2 || got[0].Target != "192.0.2.12" || got[0].Reason != wire.BanInvalidShares ||
			got[1].Target != "2001:db8::1" || got[1].Reason != wire.BanOperator {
			t.Fatalf("link %d: bans %+v", link, got)
		}
		// Time left, rounded up: no more than was given, and not much less.
		left := time.Since(now)
		for i, full := range []time.Duration{90 * time.Second, 5 * time.Minute} {
			if s := time.Duration(got[i].Seconds) * time.Second; s > full || s < full-left-time.Second {
				t.Errorf("link %d: %s for %v, given %v, %v ago", link, got[i].Target, s, full, left)
			}
		}
	}
	check(0)
	core.dropLink()
	core.linked(2)
	check(1)
}
