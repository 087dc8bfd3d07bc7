package uplink

import (
	"context"
	"net"
	"runtime"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/wire"
)

var key = []byte("uplink-test-key-0123456789abcdef")

// fakeCore is a core reduced to its link: it welcomes the edge, authorizes
// every session, accepts every share (a duplicate for one it has seen) and
// records what it got.
type fakeCore struct {
	t       *testing.T
	ln      net.Listener
	mu      sync.Mutex
	opens   []wire.SessionOpen
	updates []wire.SessionUpdate
	submits []wire.SubmitRecord
	batches int
	seen    map[wire.SubmitRecord]bool
	conns   []*wire.Conn
	crash   bool // on the first SUBMIT: credit it, then die without answering
	// freeze: the next link is welcomed, then neither read nor written,
	// as by a core stopped with SIGSTOP or a partition that drops packets.
	freeze bool
	caps   wire.Caps
	// silent: session opens are not answered.
	silent bool
	bans   []wire.Ban
	// order is the session messages and bans, as they came.
	order []wire.Type
}

func startFakeCore(t *testing.T, addr string) *fakeCore {
	t.Helper()
	var ln net.Listener
	var err error
	if addr == "" {
		ln, err = testnet.Listen()
	} else {
		for range 50 { // the port may take a moment to be free again
			if ln, err = net.Listen("tcp", addr); err == nil {
				break
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
	c := &fakeCore{t: t, ln: ln, seen: map[wire.SubmitRecord]bool{}, caps: wire.AllCaps}
	go c.accept()
	t.Cleanup(c.stop)
	return c
}

func (c *fakeCore) stop() {
	c.ln.Close()
	c.mu.Lock()
	for _, conn := range c.conns {
		conn.Close()
	}
	c.mu.Unlock()
}

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
	c.mu.Lock()
	caps, freeze := c.caps, c.freeze
	c.freeze = false
	c.mu.Unlock()
	conn, _, err := wire.Server(nc, wire.ServerConfig{Key: func(string) ([]byte, bool) { return key, true }, Caps: caps,
		Admit: func(*wire.Hello) (wire.Welcome, error) {
			return wire.Welcome{EdgeID: 3, SessionBits: 24, Extranonce1Size: 4, Extranonce2Size: 8, MaxBatch: 4096, PingIntervalMillis: 500}, nil
		}})
	if err != nil {
		return
	}
	c.mu.Lock()
	c.conns = append(c.conns, conn)
	c.mu.Unlock()
	conn.Send(&wire.WorkState{Reason: wire.WorkReady})
	conn.Send(&wire.Job{ID: 0x1a, Clean: true, Coinb1: []byte{1}, Coinb2: []byte{2}})
	if freeze {
		return // the conn stays open until stop
	}
	var seq uint64
	for {
		m, err := conn.ReadMessage()
		if err != nil {
			return
		}
		switch m.(type) {
		case *wire.SessionOpen, *wire.SessionUpdate, *wire.SessionClose, *wire.Ban:
			c.mu.Lock()
			c.order = append(c.order, m.Type())
			c.mu.Unlock()
		}
		switch m := m.(type) {
		case *wire.Ban:
			c.mu.Lock()
			c.bans = append(c.bans, *m)
			c.mu.Unlock()
		case *wire.SessionOpen:
			c.mu.Lock()
			c.opens = append(c.opens, *m)
			silent := c.silent
			c.mu.Unlock()
			if !silent {
				conn.Send(&wire.AuthResult{Session: m.Session, Status: wire.AuthOK})
			}
		case *wire.SessionUpdate:
			c.mu.Lock()
			c.updates = append(c.updates, *m)
			c.mu.Unlock()
		case *wire.SubmitBatch:
			c.mu.Lock()
			c.batches++
			vb := wire.VerdictBatch{FirstSeq: seq}
			for _, r := range m.Records {
				c.submits = append(c.submits, r)
				v := wire.VerdictAccepted
				if c.seen[r] {
					v = wire.VerdictDuplicate
				}
				c.seen[r] = true
				vb.Verdicts = append(vb.Verdicts, v)
			}
			crash := c.crash
			c.mu.Unlock()
			seq += uint64(len(m.Records))
			if crash {
				c.stop() // credited, but the verdicts never leave
				return
			}
			conn.Send(&vb)
		case *wire.Ping:
			conn.Send(&wire.Pong{Nonce: m.Nonce, SentUnixNano: m.SentUnixNano})
		}
	}
}

func (c *fakeCore) count() (opens, submits, batches int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.opens), len(c.submits), c.batches
}

// handler records what the uplink hands up, and re-opens one session on a
// reconnect.
type handler struct {
	u        *Uplink
	mu       sync.Mutex
	ups      int
	downs    int
	holds    int
	jobs     int
	auths    []wire.AuthResult
	verdicts []Verdict
	reopen   *wire.SessionOpen
}

// LinkUp counts the link only once the re-open and the resume are queued,
// so a test that waits for the count submits behind them, as a miner's
// share on a live edge would arrive after the link came back. They are
// queued from another goroutine, as the edge's server does: LinkUp runs on
// the uplink's own goroutine, the only one that drains the queue, so
// queueing from it deadlocks the uplink when the queue is full.
func (h *handler) LinkUp(w *wire.Welcome, again bool) {
	h.mu.Lock()
	reopen := h.reopen
	h.mu.Unlock()
	if !again {
		h.mu.Lock()
		h.ups++
		h.mu.Unlock()
		return
	}
	go func() {
		if reopen != nil {
			h.u.Open("sess", reopen)
		}
		h.u.Resume()
		h.mu.Lock()
		h.ups++
		h.mu.Unlock()
	}()
}
func (h *handler) LinkDown(error)            { h.mu.Lock(); h.downs++; h.mu.Unlock() }
func (h *handler) HoldExpired()              { h.mu.Lock(); h.holds++; h.mu.Unlock() }
func (h *handler) Job(*wire.Job)             { h.mu.Lock(); h.jobs++; h.mu.Unlock() }
func (h *handler) WorkState(*wire.WorkState) {}
func (h *handler) Event(wire.Message)        {}
func (h *handler) AuthResult(t any, m *wire.AuthResult) {
	h.mu.Lock()
	h.auths = append(h.auths, *m)
	h.mu.Unlock()
}
func (h *handler) Verdicts(vs []Verdict) {
	h.mu.Lock()
	h.verdicts = append(h.verdicts, vs...)
	h.mu.Unlock()
}

func (h *handler) snapshot() (ups, downs, holds, verdicts int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.ups, h.downs, h.holds, len(h.verdicts)
}

func startUplink(t *testing.T, core string, hold time.Duration) (*Uplink, *handler) {
	h := &handler{}
	u := New(Config{Name: "eu-1", Key: key, Cores: []string{core}, Hold: hold, SpoolMax: 1000}, h)
	h.u = u
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { u.Run(ctx); close(done) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			// Fail here, with the stacks, rather than hang to the suite's timeout.
			buf := make([]byte, 1<<20)
			t.Errorf("the uplink did not stop within 10 s of its context ending:\n%s", buf[:runtime.Stack(buf, true)])
		}
	})
	return u, h
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestBatchesAndVerdicts(t *testing.T) {
	core := startFakeCore(t, "")
	u, h := startUplink(t, core.ln.Addr().String(), time.Minute)
	waitFor(t, "the link", u.Up)
	id, en1, slot, ok := u.Allocate(nil)
	if !ok || slot != 8 || len(en1) != 4 || en1[0] != 3 || en1[3] != byte(id) {
		t.Fatalf("allocate: %d %x %d %v", id, en1, slot, ok)
	}
	u.Open("s1", &wire.SessionOpen{Session: id, Difficulty: 1, Worker: "w"})
	waitFor(t, "authorization", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return len(h.auths) == 1 })
	for i := range 600 {
		if !u.Submit("s1", &wire.SubmitRecord{Session: id, Job: 0x1a, Nonce: uint32(i)}, []byte{'"', byte('a' + i%26), '"'}) {
			t.Fatal("submit refused")
		}
	}
	waitFor(t, "600 verdicts", func() bool { _, _, _, v := h.snapshot(); return v == 600 })
	_, submits, batches := core.count()
	if submits != 600 || batches < 3 || batches > 60 {
		t.Errorf("%d submits in %d batches", submits, batches)
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for i, v := range h.verdicts {
		if v.Token != "s1" || string(v.ID) != string([]byte{'"', byte('a' + i%26), '"'}) || v.Verdict != wire.VerdictAccepted {
			t.Fatalf("verdict %d: %+v", i, v)
		}
	}
}

// TestSpoolReplayAfterCoreRestart: the core goes away while shares flow;
// they wait in the spool, the session is re-opened on the new link before
// they are replayed, and shares the core took but never answered come back
// as accepted, not as duplicates.
func TestSpoolReplayAfterCoreRestart(t *testing.T) {
	core := startFakeCore(t, "")
	addr := core.ln.Addr().String()
	u, h := startUplink(t, addr, time.Minute)
	waitFor(t, "the link", u.Up)
	id, _, _, _ := u.Allocate(nil)
	open := &wire.SessionOpen{Session: id, Difficulty: 1, Worker: "w"}
	h.mu.Lock()
	h.reopen = open
	h.mu.Unlock()
	u.Open("sess", open)
	waitFor(t, "authorization", func() bool { h.mu.Lock(); defer h.mu.Unlock(); return len(h.auths) == 1 })

	// The core restarts, takes a batch, and dies before answering it.
	core.stop()
	waitFor(t, "the link to drop", func() bool { _, downs, _, _ := h.snapshot(); return downs == 1 })
	core2 := startFakeCore(t, addr)
	core2.mu.Lock()
	core2.crash = true
	core2.mu.Unlock()
	waitFor(t, "a new link", func() bool { ups, _, _, _ := h.snapshot(); return ups == 2 })
	u.Submit("sess", &wire.SubmitRecord{Session: id, Job: 0x1a, Nonce: 1}, []byte("7"))
	waitFor(t, "the crash", func() bool { _, downs, _, _ := h.snapshot(); return downs == 2 })
	// No core at all: submits wait in the spool.
	for i := 2; i <= 5; i++ {
		u.Submit("sess", &wire.SubmitRecord{Session: id, Job: 0x1a, Nonce: uint32(i)}, []byte("7"))
	}
	waitFor(t, "the spool", func() bool { return u.Spooled() >= 5 })
	core3 := startFakeCore(t, addr)
	core3.mu.Lock()
	core3.seen[wire.SubmitRecord{Session: id, Job: 0x1a, Nonce: 1}] = true // it was credited before
	core3.mu.Unlock()
	waitFor(t, "all five answered", func() bool { _, _, _, v := h.snapshot(); return v == 5 })
	h.mu.Lock()
	for _, v := range h.verdicts {
		if v.Verdict != wire.VerdictAccepted || string(v.ID) != "7" {
			t.Errorf("verdict %+v, want accepted", v)
		}
	}
	h.mu.Unlock()
	core3.mu.Lock()
	defer core3.mu.Unlock()
	if len(core3.opens) != 1 || core3.opens[0].Session != id {
		t.Fatalf("the session was not re-opened first: %+v", core3.opens)
	}
	if len(core3.submits) != 5 {
		t.Errorf("core got %d submits after the restart, want 5", len(core3.submits))
	}
	if u.Counters().Replayed.Load() != 5 || u.Spooled() != 0 {
		t.Errorf("replayed %d, spool %d", u.Counters().Replayed.Load(), u.Spooled())
	}
}

// TestFrozenCore: a core that stops reading and answering, as one
// stopped with SIGSTOP, while shares flow. The link must end, within three
// ping intervals or once the in-flight ring is full, and the uplink link
// again, so that the event loops calling Open and Submit are not held.
// (Whether the writer blocks on the full socket first depends on the
// kernel's buffers: on loopback here the ring fills first; the reader's
// close and the write deadline free a writer that does block.)
func TestFrozenCore(t *testing.T) {
	core := startFakeCore(t, "")
	core.mu.Lock()
	core.freeze = true
	core.mu.Unlock()
	u, h := startUplink(t, core.ln.Addr().String(), time.Minute)
	waitFor(t, "a link to the frozen core", func() bool { ups, _, _, _ := h.snapshot(); return ups == 1 })

	// Submit until the link ends or the writer is stuck: the queue full
	// and no batch sent for 200 ms.
	frozeAt := time.Now()
	var batches uint64
	progressAt := frozeAt
	for i := 0; time.Since(frozeAt) < 5*time.Second; {
		if _, downs, _, _ := h.snapshot(); downs == 1 {
			break
		}
		// Fields that neither compress nor pack small: 30-odd bytes each on
		// the wire, the most a socket has to take.
		x := uint64(i+1) * 0x9e3779b97f4a7c15
		r := wire.SubmitRecord{Session: wire.SessionID(x >> 40), Job: wire.JobID(x >> 20), Nonce: uint32(x), NTime: uint32(x >> 32),
			Extranonce2: x ^ x<<29, VersionBits: uint32(x>>7) & 0x1fffe000, HasVersion: true}
		if u.Submit("s1", &r, []byte("1")) {
			i++
			continue
		}
		if n := u.Counters().Batches.Load(); n != batches {
			batches, progressAt = n, time.Now()
		} else if time.Since(progressAt) > 200*time.Millisecond {
			break
		}
		time.Sleep(time.Millisecond)
	}
	t.Logf("submitted for %s: %d batches sent", time.Since(frozeAt), batches)
	// The writer is stuck and the queue full: a miner's event loop that
	// authorizes, changes a difficulty or closes a session goes on at once.
	returned := make(chan struct{})
	go func() {
		u.Open("s7", &wire.SessionOpen{Session: 7, Difficulty: 1, Worker: "w"})
		u.Update(&wire.SessionUpdate{Session: 7, Difficulty: 2})
		u.Close(&wire.SessionClose{Session: 1})
		close(returned)
	}()
	select {
	case <-returned:
	case <-time.After(time.Second):
		t.Fatal("a session event blocked on the full queue")
	}
	waitFor(t, "the link to the frozen core to end", func() bool { _, downs, _, _ := h.snapshot(); return downs == 1 })
	// The open waited beside the queue, and its miner hears about it.
	waitFor(t, "an answer to the open", func() bool {
		h.mu.Lock()
		defer h.mu.Unlock()
		return slices.ContainsFunc(h.auths, func(a wire.AuthResult) bool { return a.Session == 7 })
	})
	if d := time.Since(frozeAt); d > 5*time.Second {
		t.Errorf("the link ended %s after the core froze; its pings are 500 ms apart", d)
	}
	waitFor(t, "a link to a working core", func() bool { ups, _, _, _ := h.snapshot(); return ups == 2 })
	opened := make(chan struct{})
	go func() { u.Open("s2", &wire.SessionOpen{Session: 2, Difficulty: 1, Worker: "w"}); close(opened) }()
	select {
	case <-opened:
	case <-time.After(5 * time.Second):
		t.Fatal("Open blocked with the link back up")
	}
}

func TestHoldExpiresAndOfflineAuthorize(t *testing.T) {
	u, h := startUplink(t, "127.0.0.1:1", 300*time.Millisecond) // nothing listens
	waitFor(t, "the hold to expire", func() bool { _, _, holds, _ := h.snapshot(); return holds == 1 })
	if _, _, _, ok := u.Allocate(nil); ok {
		t.Error("a session number before the core gave an edge id")
	}
	if u.Up() {
		t.Error("up without a core")
	}
}

func TestAllocatorResume(t *testing.T) {
	var a allocator
	a.setWelcome(&wire.Welcome{EdgeID: 3, SessionBits: 24, Extranonce1Size: 4})
	id, en1, ok := a.allocate(nil)
	if !ok || id != 1 || string(en1) != "\x03\x00\x00\x01" {
		t.Fatalf("first: %d %x", id, en1)
	}
	// Resuming a free number of this edge gives it back.
	if id, _, _ := a.allocate([]byte{3, 0, 0x10, 0}); id != 0x1000 {
		t.Errorf("resume of 0x1000 gave %d", id)
	}
	// Another edge's, or one in use, gets a new number.
	if id, _, _ := a.allocate([]byte{4, 0, 0, 9}); id == 9 {
		t.Error("resumed another edge's extranonce1")
	}
	if id, _, _ := a.allocate([]byte{3, 0, 0, 1}); id == 1 {
		t.Error("resumed a number in use")
	}
	a.release(1)
	if id, _, _ := a.allocate([]byte{3, 0, 0, 1}); id != 1 {
		t.Error("a released number could not be resumed")
	}
	// Small splits fill up and refuse.
	var small allocator
	small.setWelcome(&wire.Welcome{EdgeID: 1, SessionBits: 3, Extranonce1Size: 1})
	seen := map[wire.SessionID]bool{}
	for range 7 {
		id, _, ok := small.allocate(nil)
		if !ok || seen[id] || id == 0 || id > 7 {
			t.Fatalf("allocate: %d %v", id, ok)
		}
		seen[id] = true
	}
	if _, _, ok := small.allocate(nil); ok {
		t.Error("allocated past the space")
	}
}

// TestBanReachesCore: bans go to a core that agreed CapBans, in their
// order with the session messages around them.
func TestBanReachesCore(t *testing.T) {
	core := startFakeCore(t, "")
	u, _ := startUplink(t, core.ln.Addr().String(), time.Minute)
	waitFor(t, "the link", u.Up)
	id, _, _, _ := u.Allocate(nil)
	first := wire.Ban{Target: "192.0.2.1", Reason: wire.BanInvalidShares, Seconds: 600}
	second := wire.Ban{Target: "2001:db8::7", Reason: wire.BanOperator, Seconds: 1}
	u.Open("s", &wire.SessionOpen{Session: id, Difficulty: 1, Worker: "w"})
	u.Ban(&first)
	u.Update(&wire.SessionUpdate{Session: id, FromJob: 0x1a, Difficulty: 2})
	u.Ban(&second)
	u.Close(&wire.SessionClose{Session: id, Reason: wire.CloseClientEOF})
	waitFor(t, "five messages", func() bool { core.mu.Lock(); defer core.mu.Unlock(); return len(core.order) >= 5 })

	core.mu.Lock()
	defer core.mu.Unlock()
	want := []wire.Type{wire.TypeSessionOpen, wire.TypeBan, wire.TypeSessionUpdate, wire.TypeBan, wire.TypeSessionClose}
	if !slices.Equal(core.order, want) {
		t.Errorf("core got %v, want %v", core.order, want)
	}
	if len(core.bans) != 2 || core.bans[0] != first || core.bans[1] != second {
		t.Errorf("core got bans %+v", core.bans)
	}
	c := u.Counters()
	if c.Bans.Load() != 2 || c.BansDropped.Load() != 0 || c.BansUnsent.Load() != 0 {
		t.Errorf("bans %d, dropped %d, unsent %d", c.Bans.Load(), c.BansDropped.Load(), c.BansUnsent.Load())
	}
}

// TestBanQueueFull: with the queue full a ban is dropped and counted; the
// caller, an event loop, is never held.
func TestBanQueueFull(t *testing.T) {
	u := New(Config{Name: "eu-1", Key: key, Cores: []string{"127.0.0.1:1"}}, &handler{}) // never run: nothing drains
	b := wire.Ban{Target: "192.0.2.1", Reason: wire.BanInvalidShares, Seconds: 60}
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range inQueue + 10 {
			u.Ban(&b)
		}
		u.Ban(&wire.Ban{Target: "192.0.2.1", Reason: wire.BanInvalidShares}) // no seconds: the codec refuses it
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("Ban blocked on a full queue")
	}
	c := u.Counters()
	if c.Bans.Load() != inQueue || c.BansDropped.Load() != 11 {
		t.Errorf("queued %d, dropped %d; want %d, 11", c.Bans.Load(), c.BansDropped.Load(), inQueue)
	}
	if len(u.in) != inQueue {
		t.Errorf("queue holds %d", len(u.in))
	}
}

// TestBanNotSentWhileDown: a ban queued with the link down is not kept for
// later (the edge reports its bans at every link), and one for a core
// without CapBans is not sent (it would end the link).
func TestBanNotSentWhileDown(t *testing.T) {
	addr, err := testnet.Addr()
	if err != nil {
		t.Fatal(err)
	}
	u, _ := startUplink(t, addr, time.Minute) // nothing listens yet
	u.Ban(&wire.Ban{Target: "192.0.2.1", Reason: wire.BanInvalidShares, Seconds: 60})
	waitFor(t, "the ban to be dropped", func() bool { return u.Counters().BansUnsent.Load() == 1 })
	core := startFakeCore(t, addr)
	waitFor(t, "the link", u.Up)
	id, _, _, _ := u.Allocate(nil)
	u.Open("s", &wire.SessionOpen{Session: id, Difficulty: 1, Worker: "w"})
	waitFor(t, "the open", func() bool { opens, _, _ := core.count(); return opens == 1 })
	core.mu.Lock()
	if len(core.bans) != 0 || !slices.Equal(core.order, []wire.Type{wire.TypeSessionOpen}) {
		t.Errorf("core got %v, bans %+v", core.order, core.bans)
	}
	core.mu.Unlock()

	old := startFakeCore(t, "")
	old.mu.Lock()
	old.caps = wire.CapCompression // before anyone dials it
	old.mu.Unlock()
	u2, _ := startUplink(t, old.ln.Addr().String(), time.Minute)
	waitFor(t, "the link", u2.Up)
	u2.Ban(&wire.Ban{Target: "192.0.2.1", Reason: wire.BanInvalidShares, Seconds: 60})
	id, _, _, _ = u2.Allocate(nil)
	u2.Open("s", &wire.SessionOpen{Session: id, Difficulty: 1, Worker: "w"})
	waitFor(t, "the open", func() bool { opens, _, _ := old.count(); return opens == 1 })
	old.mu.Lock()
	if len(old.bans) != 0 || !slices.Equal(old.order, []wire.Type{wire.TypeSessionOpen}) {
		t.Errorf("a core without CapBans got %v, bans %+v", old.order, old.bans)
	}
	old.mu.Unlock()
	if c := u2.Counters(); c.BansUnsent.Load() != 1 || c.Reconnects.Load() != 0 {
		t.Errorf("unsent %d, reconnects %d", c.BansUnsent.Load(), c.Reconnects.Load())
	}
}

// TestSessionEventsWaitBesideAFullQueue: with the queue full, session
// events wait beside it rather than block their event loop; submits are
// refused meanwhile, so none passes its session's update; the writer gets
// the events after everything queued before them, in order.
func TestSessionEventsWaitBesideAFullQueue(t *testing.T) {
	u := New(Config{Name: "eu-1", Key: key, Cores: []string{"127.0.0.1:1"}}, &handler{}) // never run: the test drains
	r := wire.SubmitRecord{Session: 1, Job: 0x1a}
	for range inQueue {
		if !u.Submit("s1", &r, []byte("1")) {
			t.Fatal("a submit refused before the queue is full")
		}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		u.Open("s2", &wire.SessionOpen{Session: 2, Difficulty: 1, Worker: "w"})
		u.Update(&wire.SessionUpdate{Session: 2, Difficulty: 2})
		u.Close(&wire.SessionClose{Session: 1})
		u.Resume()
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a session event blocked on the full queue")
	}
	if c := u.Counters(); c.Overflowed.Load() != 4 || c.OverflowWaits.Load() != 0 {
		t.Errorf("overflowed %d, waited %d; want 4, 0", c.Overflowed.Load(), c.OverflowWaits.Load())
	}
	// Room in the queue, but a submit now would pass session 2's update.
	<-u.in
	if u.Submit("s2", &wire.SubmitRecord{Session: 2, Job: 0x1a}, []byte("2")) {
		t.Error("a submit taken while session events wait beside the queue")
	}
	if evs := u.overflowed(); evs != nil {
		t.Fatalf("%d session events handed out before the submits queued ahead of them", len(evs))
	}
	var kinds []eventKind
	for len(u.in) > 0 {
		ev := <-u.in
		kinds = append(kinds, ev.kind)
		if len(u.in) > 0 && u.overflowed() != nil {
			t.Fatal("session events handed out with submits still queued ahead of them")
		}
	}
	for _, ev := range u.overflowed() {
		kinds = append(kinds, ev.kind)
	}
	want := append(slices.Repeat([]eventKind{evSubmit}, inQueue-1), evOpen, evUpdate, evClose, evResume)
	if !slices.Equal(kinds, want) {
		t.Errorf("the writer got %d events, the last %v; want %d, the last %v", len(kinds), kinds[max(0, len(kinds)-5):],
			len(want), want[len(want)-5:])
	}
	if !u.Submit("s2", &wire.SubmitRecord{Session: 2, Job: 0x1a}, []byte("2")) {
		t.Error("a submit refused once the session events went out")
	}
}

// TestAuthorizationLostWithTheLink: a miner whose authorization went out
// on a link that ended before the core answered hears so, as one that
// asks with no link does, rather than wait for an answer that cannot
// come; a re-open of a session already authorized needs no answer.
func TestAuthorizationLostWithTheLink(t *testing.T) {
	core := startFakeCore(t, "")
	core.mu.Lock()
	core.silent = true
	core.mu.Unlock()
	u, h := startUplink(t, core.ln.Addr().String(), time.Minute)
	waitFor(t, "the link", u.Up)
	u.Open("s1", &wire.SessionOpen{Session: 1, Difficulty: 1, Worker: "w"})
	u.Open("s2", &wire.SessionOpen{Session: 2, Difficulty: 1, Worker: "w", Resumed: true})
	u.Open("s3", &wire.SessionOpen{Session: 3, Difficulty: 1, Worker: "w"})
	u.Close(&wire.SessionClose{Session: 3})
	waitFor(t, "the opens at the core", func() bool { opens, _, _ := core.count(); return opens == 3 })
	h.mu.Lock()
	if len(h.auths) != 0 {
		t.Fatalf("answers before the link ended: %+v", h.auths)
	}
	h.mu.Unlock()
	core.stop()
	waitFor(t, "the link to end", func() bool { _, downs, _, _ := h.snapshot(); return downs == 1 })
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.auths) != 1 || h.auths[0].Session != 1 || h.auths[0].Status != wire.AuthNotReady {
		t.Errorf("answers after the link ended: %+v; want session 1 not ready", h.auths)
	}
}
