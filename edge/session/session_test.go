package session

import (
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/edge/vardiff"
	"github.com/stratapool/strata/wire"
)

type submitted struct {
	rec wire.SubmitRecord
	id  string
}

// fakeUp is the link to the core, recorded.
type fakeUp struct {
	noLink   bool
	released []wire.SessionID
	opens    []wire.SessionOpen
	updates  []wire.SessionUpdate
	closes   []wire.CloseReason
	submits  []submitted
	job      *Job
	busy     bool
	flood    float64
	rejected int
	// countOnly counts submits instead of keeping them.
	countOnly bool
	counted   int
}

func (f *fakeUp) Allocate(resume []byte) (wire.SessionID, []byte, int, bool) {
	if f.noLink {
		return 0, nil, 0, false
	}
	if len(resume) == 4 && resume[0] == 0x01 {
		return wire.SessionID(resume[3]), resume, 8, true
	}
	return 1, []byte{0x01, 0x00, 0x00, 0x01}, 8, true
}
func (f *fakeUp) Release(id wire.SessionID)                 { f.released = append(f.released, id) }
func (f *fakeUp) Open(s *Session, m *wire.SessionOpen)      { f.opens = append(f.opens, *m) }
func (f *fakeUp) Update(s *Session, m *wire.SessionUpdate)  { f.updates = append(f.updates, *m) }
func (f *fakeUp) Close(s *Session, reason wire.CloseReason) { f.closes = append(f.closes, reason) }
func (f *fakeUp) Submit(s *Session, r wire.SubmitRecord, id []byte) bool {
	if f.busy {
		return false
	}
	if f.countOnly {
		f.counted++ // no copy of the id: the allocation test's upstream
		return true
	}
	f.submits = append(f.submits, submitted{r, string(id)})
	return true
}
func (f *fakeUp) Rejected()                { f.rejected++ }
func (f *fakeUp) Known(id wire.JobID) bool { return f.job != nil && id == f.job.ID }
func (f *fakeUp) Flood() float64           { return f.flood }
func (f *fakeUp) Job() *Job                { return f.job }

var t0 = time.Unix(1_700_000_000, 0)

func testJob(id wire.JobID, clean bool) *Job {
	return NewJob(&wire.Job{ID: id, Clean: clean, Version: 0x20000000, Bits: 0x17034219, NTime: 0x6543210f,
		Coinb1: []byte{0x01}, Coinb2: []byte{0x02}})
}

func testConfig() *Config {
	return &Config{Vardiff: vardiff.Config{TargetPerMinute: 20, Retarget: 30 * time.Second, Min: 1, Max: 1 << 30},
		StartDifficulty: 1024, VersionMask: DefaultVersionMask, Extranonce2Size: 8, BanInvalid: 5, BanWindow: time.Minute}
}

type harness struct {
	t  *testing.T
	up *fakeUp
	s  *Session
}

func newHarness(t *testing.T, cfg *Config) *harness {
	up := &fakeUp{job: testJob(0x1a, true)}
	return &harness{t: t, up: up, s: New(cfg, up, "192.0.2.7:4028", t0)}
}

// send feeds lines and returns the replies.
func (h *harness) send(lines ...string) string {
	h.t.Helper()
	out, err := h.s.Feed(nil, []byte(strings.Join(lines, "\n")+"\n"), t0)
	if err != nil {
		h.t.Fatalf("feed: %v", err)
	}
	return string(out)
}

func (h *harness) authOK() string {
	out := h.s.AuthResult(nil, &wire.AuthResult{Session: h.s.ID, Status: wire.AuthOK}, h.up.job, t0)
	return string(out)
}

func expect(t *testing.T, got string, want ...string) {
	t.Helper()
	w := strings.Join(want, "\n")
	if len(want) > 0 {
		w += "\n"
	}
	if got != w {
		t.Fatalf("replies:\n%s\nwant:\n%s", got, w)
	}
}

const notify1a = `{"id":null,"method":"mining.notify","params":["1a","0000000000000000000000000000000000000000000000000000000000000000","01","02",[],"20000000","17034219","6543210f",true]}`

func TestBitaxe(t *testing.T) {
	h := newHarness(t, testConfig())
	expect(t, h.send(`{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}`),
		`{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}`)
	expect(t, h.send(`{"id":2,"method":"mining.subscribe","params":["bitaxe/BM1370/v2.9.0"]}`),
		`{"id":2,"result":[[["mining.set_difficulty","01000001"],["mining.notify","01000001"]],"01000001",8],"error":null}`)
	expect(t, h.send(`{"id":3,"method":"mining.authorize","params":["bc1qexample.bitaxe","x"]}`))
	if len(h.up.opens) != 1 || h.up.opens[0].Worker != "bc1qexample.bitaxe" || h.up.opens[0].VersionMask != 0x1fffe000 ||
		h.up.opens[0].Difficulty != 1024 || h.up.opens[0].Agent != "bitaxe/BM1370/v2.9.0" || h.up.opens[0].Remote != "192.0.2.7:4028" {
		t.Fatalf("session open %+v", h.up.opens)
	}
	expect(t, h.authOK(),
		`{"id":3,"result":true,"error":null}`,
		`{"id":null,"method":"mining.set_difficulty","params":[1024]}`,
		notify1a)
	expect(t, h.send(`{"id":4,"method":"mining.suggest_difficulty","params":[1000]}`), `{"id":4,"result":true,"error":null}`)
	expect(t, h.send(`{"id":5,"method":"mining.extranonce.subscribe","params":[]}`), `{"id":5,"result":true,"error":null}`)
	expect(t, h.send(`{"id":6,"method":"mining.submit","params":["bc1qexample.bitaxe","1a","00000000000000a1","6543210f","1d00ffff","00a2e000"]}`))
	want := wire.SubmitRecord{Session: 1, Job: 0x1a, Extranonce2: 0xa1, NTime: 0x6543210f, Nonce: 0x1d00ffff, VersionBits: 0x00a2e000, HasVersion: true}
	if len(h.up.submits) != 1 || h.up.submits[0].rec != want || h.up.submits[0].id != "6" {
		t.Fatalf("submitted %+v", h.up.submits)
	}
	out, ban := h.s.Verdict(nil, []byte("6"), wire.VerdictAccepted, t0)
	expect(t, string(out), `{"id":6,"result":true,"error":null}`)
	if ban {
		t.Error("an accepted share banned the miner")
	}
	// The suggestion goes out with the next job, and the core learns from
	// which job it counts.
	prefix, line, ok := h.s.NotifyParts(nil, testJob(0x1b, false))
	if !ok || string(prefix) != `{"id":null,"method":"mining.set_difficulty","params":[1000]}`+"\n" || !strings.Contains(string(line), `"1b"`) {
		t.Fatalf("next notify: %s %s", prefix, line)
	}
	if len(h.up.updates) != 1 || h.up.updates[0].FromJob != 0x1b || h.up.updates[0].Difficulty != 1000 {
		t.Fatalf("update %+v", h.up.updates)
	}
	// With no change, the next job goes out alone.
	if prefix, _, _ := h.s.NotifyParts(nil, testJob(0x1c, false)); len(prefix) != 0 {
		t.Errorf("unneeded set_difficulty: %s", prefix)
	}
}

func TestAntminer(t *testing.T) {
	h := newHarness(t, testConfig())
	expect(t, h.send(`{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0"]}`),
		`{"id":1,"result":[[["mining.set_difficulty","01000001"],["mining.notify","01000001"]],"01000001",8],"error":null}`)
	expect(t, h.send(`{"id":2,"method":"mining.authorize","params":["user.worker","x"]}`))
	h.authOK()
	expect(t, h.send(`{"id":3,"method":"mining.multi_version","params":[1]}`), `{"id":3,"result":true,"error":null}`)
	// Its answer to our ping, and Bitaxe's: neither is an error.
	expect(t, h.send(`{"id":7,"result":"pong","error":null}`, `{"id":8,"method":"pong","params":[]}`))
	// A 5-parameter submit.
	h.send(`{"id":4,"method":"mining.submit","params":["user.worker","1a","0000000000000001","6543210f","1d00ffff"]}`)
	if got := h.up.submits[0].rec; got.HasVersion || got.Extranonce2 != 1 {
		t.Errorf("5-param submit %+v", got)
	}
}

func TestConfigureVariants(t *testing.T) {
	h := newHarness(t, testConfig())
	expect(t, h.send(`{"id":0,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":16}]}`),
		`{"id":0,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}`)
	h = newHarness(t, testConfig())
	expect(t, h.send(`{"id":1,"method":"mining.configure","params":[["version-rolling","minimum-difficulty","subscribe-extranonce","info"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":16,"minimum-difficulty.value":2048}]}`),
		`{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000","minimum-difficulty":true,"subscribe-extranonce":true,"info":false},"error":null}`)
	if h.s.target() != 2048 {
		t.Errorf("minimum difficulty 2048 not honoured: %g", h.s.target())
	}
	// A mask that leaves fewer bits than the miner needs: false.
	h = newHarness(t, testConfig())
	expect(t, h.send(`{"id":2,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"00006000","version-rolling.min-bit-count":16}]}`),
		`{"id":2,"result":{"version-rolling":false},"error":null}`)
}

func TestIDsEchoedExactly(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["w","x"]}`)
	h.authOK()
	expect(t, h.send(
		`{"id":"auth","method":"mining.ping","params":[]}`,
		`{"id":0,"method":"mining.ping","params":[]}`,
		`{"id":null,"method":"mining.ping","params":[]}`,
		`{"id":18446744073709551616000,"method":"mining.ping","params":[]}`,
		`{"id":1.50,"method":"mining.ping","params":[]}`),
		`{"id":"auth","result":"pong","error":null}`,
		`{"id":0,"result":"pong","error":null}`,
		`{"id":null,"result":"pong","error":null}`,
		`{"id":18446744073709551616000,"result":"pong","error":null}`,
		`{"id":1.50,"result":"pong","error":null}`)
	// A CPU miner that sends every submit with id 4: each gets its answer.
	h.send(`{"id":4,"method":"mining.submit","params":["w","1a","0000000000000001","6543210f","00000001"]}`,
		`{"id":4,"method":"mining.submit","params":["w","1a","0000000000000002","6543210f","00000002"]}`)
	if len(h.up.submits) != 2 || h.up.submits[0].id != "4" || h.up.submits[1].id != "4" {
		t.Fatalf("submits %+v", h.up.submits)
	}
}

func TestAuthorizeBeforeSubscribe(t *testing.T) {
	h := newHarness(t, testConfig())
	expect(t, h.send(`{"id":"auth","method":"mining.authorize","params":["w","d=4096"]}`))
	// Authorized, not subscribed: no job yet.
	expect(t, h.authOK(), `{"id":"auth","result":true,"error":null}`)
	expect(t, h.send(`{"id":0,"method":"mining.subscribe","params":["bfgminer/5.5.0"]}`),
		`{"id":0,"result":[[["mining.set_difficulty","01000001"],["mining.notify","01000001"]],"01000001",8],"error":null}`,
		`{"id":null,"method":"mining.set_difficulty","params":[4096]}`,
		notify1a)
	if h.up.opens[0].Difficulty != 4096 {
		t.Errorf("d=4096 not in the session open: %+v", h.up.opens[0])
	}
	expect(t, h.send(`{"id":5,"method":"mining.get_transactions","params":["1a"]}`), `{"id":5,"result":[],"error":null}`)
}

func TestPasswordOptions(t *testing.T) {
	cases := []struct {
		pass  string
		diff  float64
		fixed bool
	}{
		{"x", 1024, false},
		{"d=65536", 65536, true},
		{"x,diff=300", 300, true},
		{"md=5000;x", 5000, false},
		{"mindiff=10", 1024, false},
		{"d=0.5", 1, true},        // no fractional on this listener
		{"d=1e12", 1 << 30, true}, // the listener's maximum
		{"d=abc", 1024, false},
	}
	for _, c := range cases {
		h := newHarness(t, testConfig())
		h.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["w","`+c.pass+`"]}`)
		if h.up.opens[0].Difficulty != c.diff || h.s.fixed != c.fixed {
			t.Errorf("%q: difficulty %g fixed %v, want %g %v", c.pass, h.up.opens[0].Difficulty, h.s.fixed, c.diff, c.fixed)
		}
	}
}

func TestFractionalListenerAndSuggestTarget(t *testing.T) {
	cfg := testConfig()
	cfg.Vardiff.Min, cfg.Vardiff.AllowFractional, cfg.StartDifficulty = 0.0001, true, 0.01
	h := newHarness(t, cfg)
	h.send(`{"id":1,"method":"mining.subscribe","params":["NerdMiner"]}`,
		// 0x00000000ffff... * 2^...: a target 4 times the difficulty-1 target.
		`{"id":2,"method":"mining.suggest_target","params":["00000003fffc0000000000000000000000000000000000000000000000000000"]}`,
		`{"id":3,"method":"mining.authorize","params":["w","x"]}`)
	out := h.authOK()
	if !strings.Contains(out, `"params":[0.25]`) {
		t.Errorf("suggested target not applied:\n%s", out)
	}
	// NerdMiner repeats its suggestion every 30 s: no change, no noise.
	expect(t, h.send(`{"id":4,"method":"mining.suggest_target","params":["00000003fffc0000000000000000000000000000000000000000000000000000"]}`),
		`{"id":4,"result":true,"error":null}`)
	if prefix, _, _ := h.s.NotifyParts(nil, testJob(0x1b, false)); len(prefix) != 0 {
		t.Errorf("a repeated suggestion changed the difficulty: %s", prefix)
	}
}

func TestRefusals(t *testing.T) {
	h := newHarness(t, testConfig())
	expect(t, h.send(`{"id":1,"method":"mining.submit","params":["w","1a","00","6543210f","1d00ffff"]}`),
		`{"id":1,"result":null,"error":[25,"Not subscribed",null]}`)
	h.send(`{"id":2,"method":"mining.subscribe","params":[]}`)
	expect(t, h.send(`{"id":3,"method":"mining.submit","params":["w","1a","00","6543210f","1d00ffff"]}`),
		`{"id":3,"result":null,"error":[24,"Unauthorized worker",null]}`)
	h.send(`{"id":4,"method":"mining.authorize","params":["w","x"]}`)
	h.authOK()
	expect(t, h.send(
		`{"id":5,"method":"mining.submit","params":["w","ff","0000000000000001","6543210f","1d00ffff"]}`,
		`{"id":6,"method":"mining.submit","params":["w","1a","01","6543210f","1d00ffff"]}`,
		`{"id":7,"method":"mining.submit","params":["w","1a","0000000000000001","xyz","1d00ffff"]}`,
		`{"id":8,"method":"mining.fly","params":[]}`,
		`{"id":9,"method":"mining.submit","params":["w",1,2,3,4]}`,
		`{"id":10,"method":"mining.authorize","params":["other","x"]}`,
		`{"id":11,"method":"mining.suggest_difficulty","params":["high"]}`),
		`{"id":5,"result":null,"error":[21,"Job not found",null]}`,
		`{"id":6,"result":null,"error":[20,"Malformed share: extranonce2 must be the size given at subscribe",null]}`,
		`{"id":7,"result":null,"error":[20,"Malformed share: ntime must be hex",null]}`,
		`{"id":8,"result":null,"error":[20,"Unknown method mining.fly",null]}`,
		`{"id":9,"result":null,"error":[20,"stratum: params of the wrong type or count: mining.submit param 2 is not a string",null]}`,
		`{"id":10,"result":null,"error":[24,"Unauthorized worker: this connection is for w",null]}`,
		`{"id":11,"result":null,"error":[20,"mining.suggest_difficulty takes a positive difficulty",null]}`)
	h.up.busy = true
	expect(t, h.send(`{"id":12,"method":"mining.submit","params":["w","1a","0000000000000001","6543210f","1d00ffff"]}`),
		`{"id":12,"result":null,"error":[20,"Pool busy: share not taken, please resubmit",null]}`)
	// Every submit answered here is counted (1, 3, 5, 6, 7, 12); id 9 never
	// parsed as a submit.
	if h.up.rejected != 6 {
		t.Errorf("%d local rejects counted, want 6", h.up.rejected)
	}
	// A refused authorization.
	h2 := newHarness(t, testConfig())
	h2.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["tb1q","x"]}`)
	expect(t, string(h2.s.AuthResult(nil, &wire.AuthResult{Status: wire.AuthWrongNetwork, Message: "address is for testnet3"}, nil, t0)),
		`{"id":2,"result":null,"error":[24,"Unauthorized worker: address is for testnet3",null]}`)
	// No link to the core yet.
	h3 := newHarness(t, testConfig())
	h3.up.noLink = true
	expect(t, h3.send(`{"id":1,"method":"mining.subscribe","params":[]}`),
		`{"id":1,"result":null,"error":[20,"Pool not ready: no link to the core",null]}`)
}

func TestCloseReasons(t *testing.T) {
	// A TLS ClientHello on the plain port closes at once.
	s := New(testConfig(), &fakeUp{}, "", t0)
	if _, err := s.Feed(nil, []byte{0x16, 0x03, 0x01, 0x02, 0x00}, t0); err == nil || err.(*ErrClose).Reason != wire.CloseTLSError {
		t.Errorf("TLS hello: %v", err)
	}
	s = New(testConfig(), &fakeUp{}, "", t0)
	if _, err := s.Feed(nil, []byte("GET / HTTP/1.1\r\n"), t0); err == nil || err.(*ErrClose).Reason != wire.CloseProtocolError {
		t.Errorf("HTTP: %v", err)
	}
	s = New(testConfig(), &fakeUp{}, "", t0)
	if _, err := s.Feed(nil, []byte(strings.Repeat("x", 9000)), t0); err == nil || err.(*ErrClose).Reason != wire.CloseLineTooLong {
		t.Errorf("long line: %v", err)
	}
	// Close tells the core and frees the number, once.
	h := newHarness(t, testConfig())
	h.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["w","x"]}`)
	h.s.Close(wire.CloseIdle)
	h.s.Close(wire.CloseIdle)
	if len(h.up.closes) != 1 || len(h.up.released) != 1 {
		t.Errorf("closes %v released %v", h.up.closes, h.up.released)
	}
}

func TestBan(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["w","x"]}`)
	h.authOK()
	for i := range 4 {
		if _, ban := h.s.Verdict(nil, []byte("1"), wire.VerdictLowDifficulty, t0.Add(time.Duration(i)*time.Second)); ban {
			t.Fatalf("banned after %d invalid shares", i+1)
		}
	}
	// Stale shares after a block are not the miner's fault.
	if _, ban := h.s.Verdict(nil, []byte("1"), wire.VerdictStale, t0); ban {
		t.Fatal("a stale share counted")
	}
	if _, ban := h.s.Verdict(nil, []byte("1"), wire.VerdictDuplicate, t0); !ban {
		t.Fatal("the fifth invalid share did not ban")
	}
	// Outside the window the count starts again.
	h2 := newHarness(t, testConfig())
	h2.send(`{"id":1,"method":"mining.subscribe","params":[]}`)
	for i := range 10 {
		if _, ban := h2.s.Verdict(nil, []byte("1"), wire.VerdictLowDifficulty, t0.Add(time.Duration(i)*20*time.Second)); ban {
			t.Fatal("invalid shares spread over minutes banned the miner")
		}
	}
}

func TestVardiffThroughNotify(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["w","x"]}`)
	h.authOK()
	// 200 shares in 30 s at difficulty 1024: far too many.
	now := t0
	for range 200 {
		now = now.Add(150 * time.Millisecond)
		h.s.Verdict(nil, []byte("1"), wire.VerdictAccepted, now)
	}
	if h.s.next <= 1024 {
		t.Fatalf("no retarget up after 200 quick shares: next %g", h.s.next)
	}
	prefix, _, _ := h.s.NotifyParts(nil, testJob(0x2a, true))
	if !strings.Contains(string(prefix), "set_difficulty") || h.up.updates[len(h.up.updates)-1].FromJob != 0x2a {
		t.Errorf("the new difficulty did not go out with the next job: %s %+v", prefix, h.up.updates)
	}
	// Silence: timer-driven retargets bring it down.
	before := h.s.Difficulty()
	for range 3 {
		now = now.Add(30 * time.Second)
		h.s.Retarget(now)
	}
	h.s.NotifyParts(nil, testJob(0x2b, false))
	if h.s.Difficulty() >= before {
		t.Errorf("difficulty %g after silence, was %g", h.s.Difficulty(), before)
	}
}

func TestSoloLines(t *testing.T) {
	j := NewJob(&wire.Job{ID: 5, PayoutSlot: true, Coinb1: []byte{1}, Coinb2: []byte{2}, Coinb2Tail: []byte{3}})
	a := j.Line([]byte{0xaa, 0xbb}, false)
	b := j.Line([]byte{0xcc}, false)
	if !strings.Contains(string(a), `"0202aabb03"`) {
		t.Errorf("payout not spliced: %s", a)
	}
	if !strings.Contains(string(b), `"0201cc03"`) {
		t.Errorf("payout not spliced: %s", b)
	}
	if &j.Line([]byte{0xaa, 0xbb}, false)[0] != &a[0] {
		t.Error("the line of a payout group is encoded again")
	}
}

func TestReopenReplaysDifficultySteps(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(`{"id":1,"method":"mining.subscribe","params":["a"]}`, `{"id":2,"method":"mining.authorize","params":["w","x"]}`)
	if _, _, ok := h.s.Reopen(); ok {
		t.Fatal("a session awaiting authorization re-opened")
	}
	h.authOK()
	h.send(`{"id":3,"method":"mining.suggest_difficulty","params":[5000]}`)
	h.s.NotifyParts(nil, testJob(0x30, false))
	h.send(`{"id":4,"method":"mining.suggest_difficulty","params":[9000]}`)
	h.s.NotifyParts(nil, testJob(0x31, false))
	open, updates, ok := h.s.Reopen()
	if !ok || open.Difficulty != 1024 || !open.Resumed || open.Worker != "w" || len(updates) != 2 ||
		updates[0].FromJob != 0x30 || updates[0].Difficulty != 5000 || updates[1].FromJob != 0x31 || updates[1].Difficulty != 9000 {
		t.Fatalf("reopen: %+v %+v", open, updates)
	}
	// Only the last few steps are kept.
	for i := range 6 {
		h.send(`{"id":5,"method":"mining.suggest_difficulty","params":[` + string(rune('1'+i)) + `0000]}`)
		h.s.NotifyParts(nil, testJob(wire.JobID(0x40+i), false))
	}
	if _, updates, _ := h.s.Reopen(); len(updates) != maxSteps-1 {
		t.Errorf("%d steps kept, want %d", len(updates)+1, maxSteps)
	}
}

func TestExtranonce2SizeWithinTheCoreSlot(t *testing.T) {
	for _, tc := range []struct {
		size     int
		en1      string
		en2      int
		submitEn string
	}{
		{4, "0100000100000000", 4, "0000a1b2"},  // rental services: the rest pads extranonce1
		{0, "01000001", 8, "00000000000000a1"},  // 0 is the whole slot
		{12, "01000001", 8, "00000000000000a1"}, // more than the slot is the slot
	} {
		cfg := testConfig()
		cfg.Extranonce2Size = tc.size
		h := newHarness(t, cfg)
		want := `{"id":1,"result":[[["mining.set_difficulty","` + tc.en1 + `"],["mining.notify","` + tc.en1 + `"]],"` + tc.en1 + `",` +
			string(rune('0'+tc.en2)) + `],"error":null}`
		expect(t, h.send(`{"id":1,"method":"mining.subscribe","params":[]}`), want)
		h.send(`{"id":2,"method":"mining.authorize","params":["w","x"]}`)
		h.authOK()
		h.send(`{"id":3,"method":"mining.submit","params":["w","1a","` + tc.submitEn + `","6543210f","1d00ffff"]}`)
		if len(h.up.submits) != 1 {
			t.Errorf("size %d: extranonce2 %s refused", tc.size, tc.submitEn)
		}
	}
}

// In the core's flood mode every session is held at the flood difficulty:
// the listener's start, a suggestion, a password option or vardiff change
// nothing.
func TestFloodHoldsTheDifficulty(t *testing.T) {
	h := newHarness(t, testConfig())
	h.up.flood = 1.0 / (1 << 48)
	h.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["w","d=4096"]}`)
	expect(t, h.authOK(), `{"id":2,"result":true,"error":null}`,
		`{"id":null,"method":"mining.set_difficulty","params":[0.000000000000003552713678800501]}`, notify1a)
	h.send(`{"id":3,"method":"mining.suggest_difficulty","params":[1000]}`)
	h.s.Retarget(t0.Add(time.Hour))
	if prefix, _, _ := h.s.NotifyParts(nil, testJob(0x1b, false)); len(prefix) != 0 {
		t.Errorf("difficulty moved in flood mode: %s", prefix)
	}
}

// TestSubmitAllocatesNothing: a share from an authorized miner, parsed and
// passed on, and its verdict answered, allocate nothing (the edge's hot
// path, per miner line).
func TestSubmitAllocatesNothing(t *testing.T) {
	h := newHarness(t, testConfig())
	h.send(`{"id":1,"method":"mining.subscribe","params":[]}`, `{"id":2,"method":"mining.authorize","params":["w","x"]}`)
	h.authOK()
	h.up.countOnly = true
	line := []byte(`{"id":3,"method":"mining.submit","params":["w","1a","0000000000000001","6543210f","1d00ffff","00002000"]}` + "\n")
	out := make([]byte, 0, 512)
	allocs := testing.AllocsPerRun(200, func() {
		var err error
		if out, err = h.s.Feed(out[:0], line, t0); err != nil || len(out) != 0 {
			t.Fatalf("feed: %q %v", out, err)
		}
		out, _ = h.s.Verdict(out[:0], []byte("3"), wire.VerdictAccepted, t0)
	})
	if allocs != 0 || h.up.counted == 0 {
		t.Errorf("%.1f allocations per submit and verdict, want 0 (%d submits)", allocs, h.up.counted)
	}
}
