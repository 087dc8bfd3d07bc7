package e2e

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/bench/miner"
)

// TestCompatReplays replays, through real sockets to an edge and a core on
// btcd, what real miners send (COMPAT.md), and checks every reply byte for
// byte. The extranonce1 a session is given and the job it is sent are the
// only parts read from the pool; the rest is written out here.
func TestCompatReplays(t *testing.T) {
	p := startPool(t, options{})
	addr := p.wallet.SegwitAddress()

	t.Run("bitaxe", func(t *testing.T) { p.replayBitaxe(t, false) })
	t.Run("bitaxe over tls", func(t *testing.T) { p.replayBitaxe(t, true) })

	t.Run("antminer", func(t *testing.T) {
		s := dialRaw(t, p.plain, false)
		s.send(`{"id":1,"method":"mining.subscribe","params":["bmminer/2.0.0"]}`)
		en1 := s.subscribed(1, 8)
		s.send(`{"id":2,"method":"mining.authorize","params":["` + addr + `.s9","x"]}`)
		notify := p.authorized(s, `2`)
		s.send(`{"id":3,"method":"mining.multi_version","params":[1]}`)
		s.expect(`{"id":3,"result":true,"error":null}`)
		// bmminer answers our ping one way, Bitaxe another: neither is an error.
		s.send(`{"id":7,"result":"pong","error":null}`)
		// A 5-parameter submit: no version rolling negotiated.
		share := solve(t, notify, en1, 8, 0)
		s.send(submitLine(`4`, addr+".s9", share))
		s.reply(`{"id":4,"result":true,"error":null}`)
		p.settle(t)
	})

	t.Run("configure variants", func(t *testing.T) {
		s := dialRaw(t, p.plain, false)
		s.send(`{"id":0,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":16}]}`)
		s.expect(`{"id":0,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}`)
		s = dialRaw(t, p.plain, false)
		s.send(`{"id":1,"method":"mining.configure","params":[["version-rolling","minimum-difficulty","subscribe-extranonce"],{"version-rolling.mask":"1fffe000","version-rolling.min-bit-count":16,"minimum-difficulty.value":2048}]}`)
		s.expect(`{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000","minimum-difficulty":true,"subscribe-extranonce":true},"error":null}`)
		s.send(`{"id":2,"method":"mining.subscribe","params":["braiins/2024"]}`)
		s.subscribed(2, 8)
		s.send(`{"id":3,"method":"mining.authorize","params":["` + addr + `.bos","x"]}`)
		s.expect(`{"id":3,"result":true,"error":null}`, `{"id":null,"method":"mining.set_difficulty","params":[2048]}`)
		p.expectNotify(s)
	})

	t.Run("cpuminer repeats id 4", func(t *testing.T) {
		s := dialRaw(t, p.plain, false)
		s.send(`{"id":1,"method":"mining.subscribe","params":["cpuminer/2.5.1"]}`)
		en1 := s.subscribed(1, 8)
		s.send(`{"id":2,"method":"mining.authorize","params":["` + addr + `.cpu","x"]}`)
		notify := p.authorized(s, `2`)
		a := solve(t, notify, en1, 8, 0)
		b := solveFrom(t, notify, en1, 8, 0, 1<<20)
		s.send(submitLine(`4`, addr+".cpu", a) + "\n" + submitLine(`4`, addr+".cpu", b))
		s.reply(`{"id":4,"result":true,"error":null}`)
		s.reply(`{"id":4,"result":true,"error":null}`)
		p.settle(t)
	})

	t.Run("bfgminer tries tls first", func(t *testing.T) {
		closes := p.edge.Server.Counters().Closes[tlsErrorReason()].Load()
		s := dialRaw(t, p.plain, false)
		s.conn.Write([]byte{0x16, 0x03, 0x01, 0x00, 0xa5, 0x01, 0x00, 0x00, 0xa1, 0x03, 0x03})
		s.conn.SetReadDeadline(time.Now().Add(5 * time.Second))
		if n, err := s.r.ReadByte(); err == nil {
			t.Fatalf("the plain port answered a TLS hello with %x", n)
		}
		if got := p.edge.Server.Counters().Closes[tlsErrorReason()].Load(); got != closes+1 {
			t.Errorf("tls_error closes %d, want %d", got, closes+1)
		}
		// It retries in plain text, with ids 0 and "auth".
		s = dialRaw(t, p.plain, false)
		s.send(`{"id":0,"method":"mining.subscribe","params":["bfgminer/5.5.0"]}`)
		s.subscribed(0, 8)
		s.send(`{"id":"auth","method":"mining.authorize","params":["` + addr + `.bfg","x"]}`)
		notify := p.authorized(s, `"auth"`)
		job, _ := notifyJob(t, notify)
		s.send(`{"id":5,"method":"mining.get_transactions","params":["` + job.ID + `"]}`)
		s.expect(`{"id":5,"result":[],"error":null}`)
		s.send(`{"id":18446744073709551616000,"method":"mining.ping","params":[]}`)
		s.expect(`{"id":18446744073709551616000,"result":"pong","error":null}`)
	})
}

// replayBitaxe is AxeOS's opening, then a share.
func (p *pool) replayBitaxe(t *testing.T, secure bool) {
	addr := p.wallet.SegwitAddress()
	addrPort := p.plain
	if secure {
		addrPort = p.tls
	}
	s := dialRaw(t, addrPort, secure)
	s.send(`{"id":1,"method":"mining.configure","params":[["version-rolling"],{"version-rolling.mask":"ffffffff"}]}`)
	s.expect(`{"id":1,"result":{"version-rolling":true,"version-rolling.mask":"1fffe000"},"error":null}`)
	s.send(`{"id":2,"method":"mining.subscribe","params":["bitaxe/BM1370/v2.9.0"]}`)
	en1 := s.subscribed(2, 8)
	s.send(`{"id":3,"method":"mining.authorize","params":["` + addr + `.bitaxe","x"]}`)
	notify := p.authorized(s, `3`)
	s.send(`{"id":4,"method":"mining.suggest_difficulty","params":[1000]}`)
	s.expect(`{"id":4,"result":true,"error":null}`)
	s.send(`{"id":5,"method":"mining.extranonce.subscribe","params":[]}`)
	s.expect(`{"id":5,"result":true,"error":null}`)
	share := solve(t, notify, en1, 8, 0x1fffe000)
	s.send(submitLine(`6`, addr+".bitaxe", share))
	s.reply(`{"id":6,"result":true,"error":null}`)
	if !p.ledger.has(share.Hash) {
		t.Error("the accepted share is not in the ledger")
	}
	p.settle(t)
}

// subscribed reads a subscribe result and returns the extranonce1 in it,
// after checking every other byte.
func (s *socket) subscribed(id, en2 int) []byte {
	s.t.Helper()
	line := s.line()
	var res struct {
		Result []json.RawMessage
	}
	if err := json.Unmarshal([]byte(line), &res); err != nil || len(res.Result) != 3 {
		s.t.Fatalf("subscribe result %s", line)
	}
	var en1 string
	json.Unmarshal(res.Result[1], &en1)
	want := fmt.Sprintf(`{"id":%d,"result":[[["mining.set_difficulty","%s"],["mining.notify","%s"]],"%s",%d],"error":null}`, id, en1, en1, en1, en2)
	if line != want {
		s.t.Fatalf("got  %s\nwant %s", line, want)
	}
	b, err := hex.DecodeString(en1)
	if err != nil || len(b) != 4 {
		s.t.Fatalf("extranonce1 %q", en1)
	}
	return b
}

// authorized checks the answer to an authorize: true, the difficulty,
// then the edge's current job, and returns the notify.
func (p *pool) authorized(s *socket, id string) string {
	s.t.Helper()
	s.expect(`{"id":`+id+`,"result":true,"error":null}`, `{"id":null,"method":"mining.set_difficulty","params":[0.000001]}`)
	return p.expectNotify(s)
}

// expectNotify checks the next line is the edge's current job as a
// session's first notify.
func (p *pool) expectNotify(s *socket) string {
	s.t.Helper()
	got := s.line()
	want := strings.TrimSuffix(string(p.edge.Server.CurrentJob().Line(nil, true)), "\n")
	if got != want {
		s.t.Fatalf("notify\ngot  %s\nwant %s", got, want)
	}
	return got
}

// reply reads up to the response to a request, letting through the
// notifications a found block sends meanwhile.
func (s *socket) reply(want string) {
	s.t.Helper()
	for range 10 {
		line := s.line()
		if strings.Contains(line, `"method":`) {
			continue
		}
		if line != want {
			s.t.Fatalf("got  %s\nwant %s", line, want)
		}
		return
	}
	s.t.Fatalf("no reply %s", want)
}

// settle waits until the edge has the job on the node's newest block, so
// the next replay sees a quiet pool.
func (p *pool) settle(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		h := p.height()
		if j := p.edge.Server.CurrentJob(); j != nil && int64(j.Wire.Height) == h+1 {
			time.Sleep(50 * time.Millisecond) // the fan-out of that job ends
			if j2 := p.edge.Server.CurrentJob(); j2 == j {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the edge has no job on block %d", h)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func notifyJob(t *testing.T, line string) (*miner.Job, error) {
	t.Helper()
	var m struct{ Params json.RawMessage }
	if err := json.Unmarshal([]byte(line), &m); err != nil {
		t.Fatal(err)
	}
	j, err := miner.ParseNotify(m.Params)
	if err != nil {
		t.Fatal(err)
	}
	return j, nil
}

func solve(t *testing.T, notify string, en1 []byte, en2Size int, mask uint32) miner.Share {
	return solveFrom(t, notify, en1, en2Size, mask, 0)
}

func solveFrom(t *testing.T, notify string, en1 []byte, en2Size int, mask uint32, start uint64) miner.Share {
	t.Helper()
	j, _ := notifyJob(t, notify)
	target, _ := miner.TargetFor(shareDifficulty)
	for k := start; k < start+64; k++ {
		if s, ok := miner.Search(j, en1, miner.Extranonce2(k, en2Size), &target, mask, 0, 1<<16); ok {
			return s
		}
	}
	t.Fatal("no share found")
	return miner.Share{}
}

func submitLine(id, user string, s miner.Share) string {
	b, _ := json.Marshal(s.Params(user))
	return `{"id":` + id + `,"method":"mining.submit","params":` + string(b) + `}`
}
