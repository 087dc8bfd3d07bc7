package link

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stratapool/strata/core/block"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/wire"
)

const (
	regtestAddr = "bcrt1qw4m8w7re0fahclt707qgrq5rsjzcdpug8fg5y3"
	mainnetAddr = "bc1qw4m8w7re0fahclt707qgrq5rsjzcdpug0x22gt"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

type harness struct {
	srv  *Server
	addr string
	val  *share.Validator
	job  *job.Job
}

// startServer runs a link server with a job; mutate adjusts its config.
func startServer(t *testing.T, bits uint32, mutate func(*Config)) *harness {
	t.Helper()
	v := share.NewValidator(share.Config{})
	reg, err := OpenRegistry(filepath.Join(t.TempDir(), "edges.json"), 255)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{
		Keys: func(string) ([]byte, bool) { return testKey, true }, Network: chain.Regtest, Mode: job.PoolMode,
		Validator: v, Registry: reg, PingInterval: time.Second, Workers: 2,
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := testnet.Listen()
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { srv.Serve(ctx, ln); close(done) }()
	t.Cleanup(func() { cancel(); <-done })

	tmpl := &chain.Template{Height: 200, Version: 0x20000000, Bits: bits, CurTime: uint32(time.Now().Unix()),
		MinTime: uint32(time.Now().Unix()) - 600, CoinbaseValue: 5_000_000_000, PrevHash: chain.DoubleSHA256([]byte("tip"))}
	mode := cfg.Mode
	b, _ := job.NewBuilder(job.Config{Mode: mode, PoolScript: []byte{0x51}, Extranonce1Size: 4, Extranonce2Size: 8})
	j, err := b.Build(tmpl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	v.AddJob(j)
	srv.Publish(j)
	srv.SetWorkState(wire.WorkState{Reason: wire.WorkReady})
	return &harness{srv: srv, addr: ln.Addr().String(), val: v, job: j}
}

type testEdge struct {
	t       *testing.T
	conn    *wire.Conn
	welcome *wire.Welcome
	msgs    chan wire.Message
}

func dialEdge(t *testing.T, h *harness, name string) (*testEdge, error) {
	t.Helper()
	nc, err := netDial(h.addr)
	if err != nil {
		t.Fatal(err)
	}
	conn, w, err := wire.Client(nc, wire.ClientConfig{Name: name, Key: testKey, Caps: wire.AllCaps, Timeout: 5 * time.Second})
	if err != nil {
		return nil, err
	}
	e := &testEdge{t: t, conn: conn, welcome: w, msgs: make(chan wire.Message, 100)}
	go func() {
		defer close(e.msgs)
		for {
			m, err := conn.ReadMessage()
			if err != nil {
				return
			}
			e.msgs <- m
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return e, nil
}

// next waits for the next message of type typ, skipping others.
func (e *testEdge) next(typ wire.Type) wire.Message {
	e.t.Helper()
	timeout := time.After(5 * time.Second)
	for {
		select {
		case m, ok := <-e.msgs:
			if !ok {
				e.t.Fatalf("link closed while waiting for %s", typ)
			}
			if m.Type() == typ {
				return m
			}
		case <-timeout:
			e.t.Fatalf("no %s within 5s", typ)
		}
	}
}

func (e *testEdge) open(session wire.SessionID, worker string, diff float64) *wire.AuthResult {
	e.t.Helper()
	if err := e.conn.Send(&wire.SessionOpen{Session: session, Difficulty: diff, Worker: worker, Agent: "test/1"}); err != nil {
		e.t.Fatal(err)
	}
	return e.next(wire.TypeAuthResult).(*wire.AuthResult)
}

func TestEdgeGetsStateAndJobs(t *testing.T) {
	h := startServer(t, 0x17034219, nil)
	e, err := dialEdge(t, h, "eu-1")
	if err != nil {
		t.Fatal(err)
	}
	if st := e.next(wire.TypeWorkState).(*wire.WorkState); !st.Ready() {
		t.Errorf("work state %+v", st)
	}
	if j := e.next(wire.TypeJob).(*wire.Job); j.ID != h.job.ID || !j.Clean {
		t.Errorf("job %+v", j)
	}
	if e.welcome.EdgeID != 1 || e.welcome.SessionBits != 24 || e.welcome.Extranonce2Size != 8 {
		t.Errorf("welcome %+v", e.welcome)
	}
	h.srv.SetWorkState(wire.WorkState{Reason: wire.WorkNoNode, Detail: "node1: down"})
	if st := e.next(wire.TypeWorkState).(*wire.WorkState); st.Reason != wire.WorkNoNode || st.Detail != "node1: down" {
		t.Errorf("gate not told: %+v", st)
	}
	deadline := time.Now().Add(3 * time.Second)
	for len(h.srv.Edges()) != 1 || h.srv.Edges()[0].Name != "eu-1" {
		if time.Now().After(deadline) {
			t.Fatalf("edges %+v", h.srv.Edges())
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestSessionsSharesAndVerdicts(t *testing.T) {
	var mu sync.Mutex
	var credited []share.Credit
	h := startServer(t, 0x17034219, func(c *Config) {
		c.Stats = func(cs []share.Credit) {
			mu.Lock()
			credited = append(credited, cs...)
			mu.Unlock()
		}
	})
	e, _ := dialEdge(t, h, "eu-1")
	if r := e.open(1, regtestAddr+".rig1", 1e-12); r.Status != wire.AuthOK || r.PayoutScript != nil {
		t.Fatalf("authorize: %+v", r)
	}
	if r := e.open(2, regtestAddr, 1e-12); r.Status != wire.AuthOK {
		t.Fatalf("authorize without a worker name: %+v", r)
	}
	recs := []wire.SubmitRecord{
		{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: 1},
		{Session: 2, Job: h.job.ID, NTime: h.job.NTime, Nonce: 2, HasVersion: true, VersionBits: 0x2000},
		{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: 1}, // the first again
		{Session: 9, Job: h.job.ID, NTime: h.job.NTime, Nonce: 3}, // never opened
		{Session: 2, Job: h.job.ID + 50, NTime: h.job.NTime, Nonce: 4},
		{Session: 2, Job: h.job.ID, NTime: h.job.NTime, Nonce: 5, HasVersion: true, VersionBits: 1},
	}
	if err := e.conn.Send(&wire.SubmitBatch{Records: recs}); err != nil {
		t.Fatal(err)
	}
	v := e.next(wire.TypeVerdict).(*wire.VerdictBatch)
	want := []wire.Verdict{wire.VerdictAccepted, wire.VerdictAccepted, wire.VerdictDuplicate,
		wire.VerdictNotSubscribed, wire.VerdictJobNotFound, wire.VerdictBadVersion}
	if v.FirstSeq != 0 || len(v.Verdicts) != len(want) {
		t.Fatalf("verdict batch %+v", v)
	}
	for i := range want {
		if v.Verdicts[i] != want[i] {
			t.Errorf("share %d: %s, want %s", i, v.Verdicts[i], want[i])
		}
	}
	// Sequence numbers continue across batches.
	e.conn.Send(&wire.SubmitBatch{Records: []wire.SubmitRecord{{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: 77}}})
	if v := e.next(wire.TypeVerdict).(*wire.VerdictBatch); v.FirstSeq != 6 || v.Verdicts[0] != wire.VerdictAccepted {
		t.Errorf("second batch %+v", v)
	}
	mu.Lock()
	defer mu.Unlock()
	bySession := map[wire.SessionID]int{}
	for _, c := range credited {
		bySession[c.Session]++
		if c.Address != regtestAddr || c.Difficulty != 1e-12 || c.Edge != e.welcome.EdgeID {
			t.Errorf("credit %+v", c)
		}
		if c.Session == 1 && c.Worker != regtestAddr+".rig1" {
			t.Errorf("session 1 credited to %q", c.Worker)
		}
	}
	if len(credited) != 3 || bySession[1] != 2 || bySession[2] != 1 {
		t.Errorf("credits by session %v", bySession)
	}
	if got := h.srv.Counters().Submits.Load(); got != 7 {
		t.Errorf("submits counted %d", got)
	}
}

func TestVardiffUpdateCreditsNewDifficulty(t *testing.T) {
	var mu sync.Mutex
	var credited []share.Credit
	h := startServer(t, 0x17034219, func(c *Config) {
		c.Stats = func(cs []share.Credit) { mu.Lock(); credited = append(credited, cs...); mu.Unlock() }
	})
	e, _ := dialEdge(t, h, "eu-1")
	e.open(1, regtestAddr, 1e-12)
	e.conn.Send(&wire.SessionUpdate{Session: 1, FromJob: h.job.ID, Difficulty: 2e-12, VersionMask: 0x1fffe000})
	e.conn.Send(&wire.SubmitBatch{Records: []wire.SubmitRecord{{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: 8}}})
	e.next(wire.TypeVerdict)
	mu.Lock()
	defer mu.Unlock()
	if len(credited) != 1 || credited[0].Difficulty != 2e-12 {
		t.Errorf("credit %+v, want the updated difficulty", credited)
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	ready := true
	var mu sync.Mutex
	h := startServer(t, 0x17034219, func(c *Config) {
		c.Ready = func() bool { mu.Lock(); defer mu.Unlock(); return ready }
	})
	e, _ := dialEdge(t, h, "eu-1")
	cases := []struct {
		user string
		want wire.AuthStatus
	}{
		{"nonsense", wire.AuthBadAddress},
		{mainnetAddr + ".rig", wire.AuthWrongNetwork},
		{regtestAddr + ".rig with space", wire.AuthBadWorkerName},
	}
	for i, c := range cases {
		if r := e.open(wire.SessionID(i+1), c.user, 1); r.Status != c.want || r.Message == "" {
			t.Errorf("%q: %s %q, want %s", c.user, r.Status, r.Message, c.want)
		}
	}
	mu.Lock()
	ready = false
	mu.Unlock()
	if r := e.open(9, regtestAddr, 1); r.Status != wire.AuthNotReady {
		t.Errorf("gated pool authorized: %s", r.Status)
	}
	// A session re-opened after a link drop keeps working through the gate.
	if err := e.conn.Send(&wire.SessionOpen{Session: 10, Resumed: true, Difficulty: 1, Worker: regtestAddr, Agent: "test/1"}); err != nil {
		t.Fatal(err)
	}
	if r := e.next(wire.TypeAuthResult).(*wire.AuthResult); r.Status != wire.AuthOK {
		t.Errorf("gated pool refused a re-opened session: %s %q", r.Status, r.Message)
	}
	if r := e.open(wire.SessionID(1<<25), regtestAddr, 1); r.Status == wire.AuthOK {
		t.Error("a session number beyond the edge's bits was authorized")
	}
}

func TestSoloModePayoutScript(t *testing.T) {
	h := startServer(t, 0x17034219, func(c *Config) { c.Mode = job.SoloMode })
	e, _ := dialEdge(t, h, "eu-1")
	r := e.open(1, regtestAddr+".bitaxe", 1)
	want, _, _ := chain.PayoutScript(regtestAddr, chain.Regtest)
	if r.Status != wire.AuthOK || string(r.PayoutScript) != string(want) {
		t.Errorf("solo authorize: %+v", r)
	}
}

// slowAccounts holds commits until released.
type slowAccounts struct {
	mu      sync.Mutex
	pending []func(error)
	err     error
}

func (a *slowAccounts) Commit(credits []share.Credit, done func(error)) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.pending = append(a.pending, done)
}

func (a *slowAccounts) release() int {
	a.mu.Lock()
	p, err := a.pending, a.err
	a.pending = nil
	a.mu.Unlock()
	for _, done := range p {
		done(err)
	}
	return len(p)
}

func TestVerdictsWaitForTheAccounts(t *testing.T) {
	acc := &slowAccounts{}
	h := startServer(t, 0x17034219, func(c *Config) { c.Accounts = acc })
	e, _ := dialEdge(t, h, "eu-1")
	e.open(1, regtestAddr, 1e-12)
	e.conn.Send(&wire.SubmitBatch{Records: []wire.SubmitRecord{{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: 1}}})
	select {
	case m := <-e.msgs:
		if m.Type() == wire.TypeVerdict {
			t.Fatal("a verdict went out before its credit was committed")
		}
	case <-time.After(300 * time.Millisecond):
	}
	deadline := time.Now().Add(3 * time.Second)
	for acc.release() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("nothing was committed")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if v := e.next(wire.TypeVerdict).(*wire.VerdictBatch); v.Verdicts[0] != wire.VerdictAccepted {
		t.Errorf("verdict %s", v.Verdicts[0])
	}

	// When the accounts cannot keep credits, accepted shares are answered
	// unavailable, never acknowledged.
	acc.mu.Lock()
	acc.err = errors.New("disk full")
	acc.mu.Unlock()
	e.conn.Send(&wire.SubmitBatch{Records: []wire.SubmitRecord{
		{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: 2},
		{Session: 1, Job: h.job.ID + 40, NTime: h.job.NTime, Nonce: 3},
	}})
	for acc.release() == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	v := e.next(wire.TypeVerdict).(*wire.VerdictBatch)
	if v.Verdicts[0] != wire.VerdictUnavailable || v.Verdicts[1] != wire.VerdictJobNotFound {
		t.Errorf("verdicts after a failed commit: %v", v.Verdicts)
	}
	if h.srv.Counters().CommitFailures.Load() != 1 {
		t.Error("failed commit not counted")
	}

	// The edge sends the refused share again (its answer lost with the
	// link): it is judged anew and credited, not called a duplicate, which
	// the edge would take for credited.
	acc.mu.Lock()
	acc.err = nil
	acc.mu.Unlock()
	// send submits one share and answers its commit, if it has one, until
	// its verdict comes.
	send := func(nonce uint32) wire.Verdict {
		t.Helper()
		e.conn.Send(&wire.SubmitBatch{Records: []wire.SubmitRecord{{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: nonce}}})
		for deadline := time.Now().Add(3 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
			acc.release()
			select {
			case m := <-e.msgs:
				if v, ok := m.(*wire.VerdictBatch); ok {
					return v.Verdicts[0]
				}
			default:
			}
		}
		t.Fatal("no verdict")
		return 0
	}
	if v := send(2); v != wire.VerdictAccepted {
		t.Errorf("a share whose commit failed, sent again: %s, want accepted", v)
	}
	if v := send(2); v != wire.VerdictDuplicate {
		t.Errorf("a credited share sent again: %s, want duplicate", v)
	}

	// When the accounts cannot tell whether they kept a share, it stays
	// seen: sent again, it is a duplicate, never credited twice.
	acc.mu.Lock()
	acc.err = fmt.Errorf("commit answer lost: %w", share.ErrInDoubt)
	acc.mu.Unlock()
	if v := send(9); v != wire.VerdictUnavailable {
		t.Fatalf("verdict in doubt: %s", v)
	}
	acc.mu.Lock()
	acc.err = nil
	acc.mu.Unlock()
	if v := send(9); v != wire.VerdictDuplicate {
		t.Errorf("a share in doubt, sent again: %s, want duplicate", v)
	}
}

func TestEdgeNameInUseAndStableID(t *testing.T) {
	h := startServer(t, 0x17034219, nil)
	a, _ := dialEdge(t, h, "eu-1")
	b, _ := dialEdge(t, h, "us-1")
	if a.welcome.EdgeID == b.welcome.EdgeID {
		t.Fatal("two edges got one id")
	}
	_, err := dialEdge(t, h, "eu-1")
	var bye *wire.GoodbyeError
	if !errors.As(err, &bye) || bye.Reason != wire.GoodbyeNameInUse {
		t.Fatalf("second eu-1: %v", err)
	}
	a.conn.Close()
	deadline := time.Now().Add(3 * time.Second)
	for {
		again, err := dialEdge(t, h, "eu-1")
		if err == nil {
			if again.welcome.EdgeID != a.welcome.EdgeID {
				t.Errorf("eu-1 came back as edge %d, was %d", again.welcome.EdgeID, a.welcome.EdgeID)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("eu-1 cannot come back: %v", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBadEdgeInputClosesLink(t *testing.T) {
	h := startServer(t, 0x17034219, nil)
	e, _ := dialEdge(t, h, "eu-1")
	// A SESSION_OPEN for session 0: well framed and sealed, but malformed.
	if err := e.conn.Send(&wire.Raw{T: wire.TypeSessionOpen, Payload: []byte{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f, 0, 0, 0}}); err != nil {
		t.Fatal(err)
	}
	bye := e.next(wire.TypeGoodbye).(*wire.Goodbye)
	if bye.Reason != wire.GoodbyeProtocolError {
		t.Errorf("goodbye %+v", bye)
	}
}

func TestRegistryPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "edges.json")
	r, _ := OpenRegistry(path, 3)
	a, _ := r.ID("a")
	b, _ := r.ID("b")
	r2, err := OpenRegistry(path, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := r2.ID("b"); got != b || a == b {
		t.Fatalf("ids %d %d, reopened b=%d", a, b, got)
	}
	r2.ID("c")
	if _, err := r2.ID("d"); err == nil {
		t.Error("more edges than ids")
	}
}

// fakeNode records submitted blocks.
type fakeNode struct {
	mu     sync.Mutex
	blocks int
}

func (f *fakeNode) Name() string { return "fake" }
func (f *fakeNode) SubmitBlock(context.Context, []byte, []byte) (string, error) {
	f.mu.Lock()
	f.blocks++
	f.mu.Unlock()
	return "", nil
}
func (f *fakeNode) GetBlockHeader(context.Context, chain.Hash) (*node.BlockHeader, error) {
	return &node.BlockHeader{Confirmations: 1}, nil
}

func TestBlockShareIsSubmitted(t *testing.T) {
	fake := &fakeNode{}
	found := make(chan block.Record, 1)
	h := startServer(t, 0x207fffff, func(c *Config) {
		c.Submitter = block.NewSubmitter(block.SubmitterConfig{
			Nodes: func() []block.Node { return []block.Node{fake} },
			Done:  func(r block.Record) { found <- r },
		})
	})
	e, _ := dialEdge(t, h, "eu-1")
	e.open(1, regtestAddr+".lucky", 1e-12)
	var recs []wire.SubmitRecord
	for n := range uint32(20) {
		recs = append(recs, wire.SubmitRecord{Session: 1, Job: h.job.ID, NTime: h.job.NTime, Nonce: n})
	}
	e.conn.Send(&wire.SubmitBatch{Records: recs})
	v := e.next(wire.TypeVerdict).(*wire.VerdictBatch)
	blocks := 0
	for _, x := range v.Verdicts {
		if x == wire.VerdictBlock {
			blocks++
		}
	}
	if blocks != 1 {
		t.Fatalf("%d block verdicts in %v", blocks, v.Verdicts)
	}
	select {
	case r := <-found:
		if r.Status != block.StatusAccepted || r.Worker != regtestAddr+".lucky" {
			t.Errorf("block record %+v", r)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the block was not submitted")
	}
}

// TestPooledBatchesCarryNothing sends batches whose shares fall on one
// worker, then on another: no credit of an earlier batch may come again.
func TestPooledBatchesCarryNothing(t *testing.T) {
	var mu sync.Mutex
	var credited []share.Credit
	h := startServer(t, 0x17034219, func(c *Config) {
		c.Stats = func(cs []share.Credit) { mu.Lock(); credited = append(credited, cs...); mu.Unlock() }
	})
	e, _ := dialEdge(t, h, "eu-1")
	e.open(1, regtestAddr, 1e-12)
	e.open(2, regtestAddr, 1e-12)
	for n := range uint32(20) {
		s := wire.SessionID(1 + n%2) // sessions 1 and 2 land on different workers
		e.conn.Send(&wire.SubmitBatch{Records: []wire.SubmitRecord{{Session: s, Job: h.job.ID, NTime: h.job.NTime, Nonce: 100 + n}}})
		e.next(wire.TypeVerdict)
	}
	mu.Lock()
	defer mu.Unlock()
	if len(credited) != 20 {
		t.Fatalf("%d credits for 20 accepted shares", len(credited))
	}
}

// memBans keeps bans in memory, as the accounts do.
type memBans struct {
	mu   sync.Mutex
	kept map[string]wire.Ban
	from []string
}

func (m *memBans) Ban(b *wire.Ban, edge string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.from = append(m.from, edge)
	if old, ok := m.kept[b.Target]; ok && old.Seconds >= b.Seconds {
		return false
	}
	m.kept[b.Target] = *b
	return true
}

func (m *memBans) Active(time.Time) []wire.Ban {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []wire.Ban
	for _, b := range m.kept {
		out = append(out, b)
	}
	return out
}

// A ban one edge reports is kept and passed to every other edge, not back
// to the one that made it; an echo that is not news goes nowhere; an edge
// that links later gets the bans in force.
func TestBansReachEveryEdge(t *testing.T) {
	bans := &memBans{kept: map[string]wire.Ban{}}
	h := startServer(t, 0x207fffff, func(c *Config) { c.Bans = bans })
	a, err := dialEdge(t, h, "a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := dialEdge(t, h, "b")
	if err != nil {
		t.Fatal(err)
	}
	// Both links are up once each has its job.
	a.next(wire.TypeJob)
	b.next(wire.TypeJob)
	ban := &wire.Ban{Target: "198.51.100.4", Reason: wire.BanInvalidShares, Seconds: 600}
	if err := a.conn.Send(ban); err != nil {
		t.Fatal(err)
	}
	if got := b.next(wire.TypeBan).(*wire.Ban); *got != *ban {
		t.Fatalf("edge b got %+v", got)
	}
	// b echoes it (as an edge does at every link): not news, not passed on.
	if err := b.conn.Send(ban); err != nil {
		t.Fatal(err)
	}
	c, err := dialEdge(t, h, "c")
	if err != nil {
		t.Fatal(err)
	}
	if got := c.next(wire.TypeBan).(*wire.Ban); *got != *ban {
		t.Fatalf("edge c got %+v at its link", got)
	}
	// Nothing came back to a: a copy for it would have gone out in the
	// same pass as b's, before c linked.
	for deadline := time.Now().Add(5 * time.Second); h.srv.stats.BansReported.Load() < 2; time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the echo never reached the core")
		}
	}
	for len(a.msgs) > 0 {
		if m := <-a.msgs; m.Type() == wire.TypeBan {
			t.Fatalf("edge a got its own ban back: %+v", m)
		}
	}
	if n := h.srv.stats.BansShared.Load(); n != 1 {
		t.Errorf("%d bans shared, want 1 (a's to b; c's came at its link)", n)
	}
	bans.mu.Lock()
	defer bans.mu.Unlock()
	if len(bans.from) != 2 || bans.from[0] != "a" || bans.from[1] != "b" {
		t.Errorf("reports from %v", bans.from)
	}
}

// replayedAccounts holds every credit already, as accounts reloaded after
// a restart hold the shares an edge replays.
type replayedAccounts struct{}

func (replayedAccounts) Commit(credits []share.Credit, done func(error)) {
	for i := range credits {
		credits[i].Verdict = wire.VerdictDuplicate
	}
	done(nil)
}

// TestPooledBatchesCarryNoCreditPlaces: a pooled batch whose part gets no
// shares this time must not bring back where its credits sat last time,
// or a replayed share's duplicate verdict lands on another share's place,
// or past the batch's end.
func TestPooledBatchesCarryNoCreditPlaces(t *testing.T) {
	h := startServer(t, 0x17034219, func(c *Config) { c.Accounts = replayedAccounts{} })
	e, _ := dialEdge(t, h, "eu-1")
	e.open(1, regtestAddr, 1e-12)
	e.open(2, regtestAddr, 1e-12) // sessions 1 and 2 land on different workers
	nonce := uint32(100)
	for _, sessions := range [][]wire.SessionID{{2, 1}, {2}, {1, 2}, {1}, {2, 1}, {1}, {2}} {
		var recs []wire.SubmitRecord
		for _, s := range sessions {
			recs = append(recs, wire.SubmitRecord{Session: s, Job: h.job.ID, NTime: h.job.NTime, Nonce: nonce})
			nonce++
		}
		e.conn.Send(&wire.SubmitBatch{Records: recs})
		v := e.next(wire.TypeVerdict).(*wire.VerdictBatch)
		if len(v.Verdicts) != len(recs) {
			t.Fatalf("batch %v: %d verdicts", sessions, len(v.Verdicts))
		}
		for i, got := range v.Verdicts {
			if got != wire.VerdictDuplicate {
				t.Errorf("batch %v, share %d: %s, want duplicate (the accounts held it)", sessions, i, got)
			}
		}
	}
}
