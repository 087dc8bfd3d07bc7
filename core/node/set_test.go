package node

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/core/chain"
)

// readyFake is a fake node at a height that serves the fixture template.
func readyFake(t *testing.T, height int) *fakeNode {
	f := newFakeNode(t)
	f.result("getblockchaininfo", fmt.Sprintf(`{"chain":"main","blocks":%d,"headers":%d}`, height, height))
	f.set("getblocktemplate", reply{200, readFixture(t, "core_getblocktemplate.json"), 0})
	return f
}

type setHarness struct {
	set       *Set
	templates chan *chain.Template
	cancel    context.CancelFunc
	done      chan error
}

func runSet(t *testing.T, probe time.Duration, specs ...Spec) *setHarness {
	return runSetWith(t, SetConfig{Nodes: specs, Probe: probe})
}

// runSetWith runs a set with cfg, an hour's heartbeat and the harness's
// OnTemplate.
func runSetWith(t *testing.T, cfg SetConfig) *setHarness {
	h := &setHarness{templates: make(chan *chain.Template, 100), done: make(chan error, 1)}
	cfg.Refresh = time.Hour
	cfg.OnTemplate = func(t *chain.Template) { h.templates <- t }
	h.set = NewSet(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	go func() { h.done <- h.set.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		<-h.done
	})
	return h
}

// next waits for a template from node name.
func (h *setHarness) next(t *testing.T, name string, within time.Duration) time.Duration {
	t.Helper()
	start := time.Now()
	deadline := time.After(within)
	for {
		select {
		case tmpl := <-h.templates:
			if tmpl.Node == name {
				return time.Since(start)
			}
		case <-deadline:
			t.Fatalf("no template from %s within %s; statuses %+v", name, within, h.set.Statuses())
		}
	}
}

func spec(t *testing.T, f *fakeNode, name string, prio int) Spec {
	c, err := NewClient(ClientConfig{Name: name, URL: f.srv.URL, User: f.user, Password: f.pass, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return Spec{Client: c, Priority: prio}
}

func TestSetPriorityFailoverFailback(t *testing.T) {
	a, b := readyFake(t, 100), readyFake(t, 100)
	h := runSet(t, DefaultProbe, spec(t, b, "b", 1), spec(t, a, "a", 0))
	h.next(t, "a", 3*time.Second)
	if h.set.Active().Name() != "a" {
		t.Fatal("the lower priority number must win")
	}

	a.setDown(true) // connections are closed: a dead node
	h.set.Refresh()
	if took := h.next(t, "b", 2*time.Second); took > 2*time.Second {
		t.Errorf("failover took %s", took)
	}
	if st := h.set.Statuses(); st[1].Health != HealthDown || st[1].LastError == "" || !st[0].Active {
		t.Errorf("statuses after failover %+v", st)
	}
	if len(h.set.Ready()) != 1 {
		t.Errorf("ready nodes %d, want 1", len(h.set.Ready()))
	}

	a.setDown(false)
	h.next(t, "a", 5*time.Second)
	if h.set.Active().Name() != "a" {
		t.Fatal("work did not move back to the recovered node")
	}
}

func TestSetFailoverFromHangingNode(t *testing.T) {
	a, b := readyFake(t, 100), readyFake(t, 100)
	h := runSet(t, DefaultProbe, spec(t, a, "a", 0), spec(t, b, "b", 1))
	h.next(t, "a", 3*time.Second)
	// a stops answering without closing anything.
	a.set("getblockchaininfo", reply{200, `{}`, time.Minute})
	a.set("getblocktemplate", reply{200, `{}`, time.Minute})
	start := time.Now()
	h.set.Refresh() // a fetch now hangs on a: it must not hold anything up
	h.next(t, "b", 2*time.Second)
	if took := time.Since(start); took > 2*time.Second {
		t.Errorf("failover from a hanging node took %s", took)
	}
}

func TestSetSkipsLaggingNode(t *testing.T) {
	a, b := readyFake(t, 50), readyFake(t, 100)
	h := runSet(t, 100*time.Millisecond, spec(t, a, "a", 0), spec(t, b, "b", 1))
	h.next(t, "b", 3*time.Second)
	// a catches up: work moves to it.
	a.result("getblockchaininfo", `{"chain":"main","blocks":100,"headers":100}`)
	h.next(t, "a", 3*time.Second)
}

func TestSetSyncingAndUnauthorized(t *testing.T) {
	syncing := newFakeNode(t)
	syncing.result("getblockchaininfo", `{"chain":"main","blocks":10,"headers":800000,"initialblockdownload":true}`)
	locked := newFakeNode(t)
	ready := readyFake(t, 100)
	bad := spec(t, locked, "locked", 0)
	bad.Client.password = "wrong"
	h := runSet(t, 100*time.Millisecond, spec(t, syncing, "syncing", 0), bad, spec(t, ready, "ready", 2))
	h.next(t, "ready", 3*time.Second)
	deadline := time.Now().Add(3 * time.Second)
	for {
		st := h.set.Statuses()
		if st[0].Health == HealthSyncing && st[1].Health == HealthUnauthorized && st[2].Active {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("statuses %+v", st)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestSetBenchesNodeWithBadTemplates(t *testing.T) {
	a, b := readyFake(t, 100), readyFake(t, 100)
	a.set("getblocktemplate", reply{200, `{"result":{"height":"garbage"},"error":null,"id":1}`, 0})
	h := runSet(t, 100*time.Millisecond, spec(t, a, "a", 0), spec(t, b, "b", 1))
	h.next(t, "b", 3*time.Second)
	// a's probes pass, but it stays benched while its templates fail.
	time.Sleep(500 * time.Millisecond)
	if h.set.Active() == nil || h.set.Active().Name() != "b" {
		t.Fatalf("active %v: a node with bad templates came back", h.set.Active())
	}
	a.set("getblocktemplate", reply{200, readFixture(t, "core_getblocktemplate.json"), 0})
	h.next(t, "a", 5*time.Second)
}

func TestSetNoNodes(t *testing.T) {
	down := newFakeNode(t)
	down.setDown(true)
	h := runSet(t, 50*time.Millisecond, spec(t, down, "down", 0))
	time.Sleep(300 * time.Millisecond)
	if h.set.Active() != nil || h.set.Statuses()[0].Health != HealthDown {
		t.Fatalf("statuses %+v", h.set.Statuses())
	}
	select {
	case tmpl := <-h.templates:
		t.Fatalf("a template from nowhere: %+v", tmpl)
	default:
	}
}

// TestSetDropsDuplicateTemplates: ZMQ and longpoll firing for one block give
// one template.
func TestSetDropsDuplicateTemplates(t *testing.T) {
	a := readyFake(t, 100)
	h := runSet(t, DefaultProbe, spec(t, a, "a", 0))
	h.next(t, "a", 3*time.Second)
	h.set.Refresh()
	time.Sleep(200 * time.Millisecond)
	h.set.Refresh()
	time.Sleep(200 * time.Millisecond)
	if n := len(h.templates); n != 0 {
		t.Errorf("%d duplicate templates passed", n)
	}
	// A changed template passes at once.
	var env map[string]any
	json.Unmarshal([]byte(readFixture(t, "core_getblocktemplate.json")), &env)
	body := strings.Replace(readFixture(t, "core_getblocktemplate.json"), `e5123"`, `e5124"`, 1)
	a.set("getblocktemplate", reply{200, body, 0})
	h.set.Refresh()
	h.next(t, "a", time.Second)
}

func TestSetSlowOnlyNodeKeepsWork(t *testing.T) {
	a := readyFake(t, 100)
	const probe = 50 * time.Millisecond
	h := runSet(t, probe, spec(t, a, "a", 0))
	h.next(t, "a", 3*time.Second)
	// Answers come four probe intervals late: slow, but the only node.
	a.set("getblockchaininfo", reply{200, `{"result":{"chain":"main","blocks":100,"headers":100},"error":null,"id":1}`, 4 * probe})
	sawSlow := false
	for deadline := time.Now().Add(2 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		st := h.set.Statuses()[0]
		if st.Health != HealthReady || !st.Active {
			t.Fatalf("the only node, slow, was given up: %+v", st)
		}
		sawSlow = sawSlow || st.Slow
	}
	if !sawSlow {
		t.Error("a probe four intervals late never marked the node slow")
	}
	if len(h.set.Ready()) != 1 {
		t.Errorf("ready nodes %d, want the slow one", len(h.set.Ready()))
	}
}

func TestSetSlowNodeLosesWorkAndWinsItBack(t *testing.T) {
	a, b := readyFake(t, 100), readyFake(t, 100)
	const probe = 50 * time.Millisecond
	h := runSet(t, probe, spec(t, a, "a", 0), spec(t, b, "b", 1))
	h.next(t, "a", 3*time.Second)
	info := `{"result":{"chain":"main","blocks":100,"headers":100},"error":null,"id":1}`
	a.set("getblockchaininfo", reply{200, info, 4 * probe})
	h.next(t, "b", 2*time.Second)
	if st := h.set.Statuses()[0]; st.Health != HealthReady {
		t.Errorf("a slow node was called %s; it answers", st.Health)
	}
	a.set("getblockchaininfo", reply{200, info, 0})
	h.next(t, "a", 3*time.Second)
}

// TestSetLongPollGetsGoingWithoutAnID: a node made active before its first
// template arrives has no longpoll id yet; the longpoll must get one from
// the node rather than send an empty one, which Bitcoin Core refuses.
func TestSetLongPollGetsGoingWithoutAnID(t *testing.T) {
	a := readyFake(t, 100)
	// Templates come late, so the longpoll starts before the first fetch ends.
	a.set("getblocktemplate", reply{200, readFixture(t, "core_getblocktemplate.json"), 100 * time.Millisecond})
	s := spec(t, a, "a", 0)
	s.LongPoll = true
	h := runSet(t, DefaultProbe, s)
	h.next(t, "a", 3*time.Second)
	const id = "00000000000000000001b3e5d7d6b0f2c4c1a7a6a2f2b3e9d1e0f0a1b2c3d4e5123"
	for deadline := time.Now().Add(3 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if a.longPolled(id) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no longpoll with the node's id within 3 s")
		}
	}
}

func atHeight(f *fakeNode, height int) {
	f.result("getblockchaininfo", fmt.Sprintf(`{"chain":"main","blocks":%d,"headers":%d}`, height, height))
}

// TestSetActiveLeftBehindLosesWork: the active node one block behind
// another for longer than the catch-up window gives work up, and wins it
// back once level again.
func TestSetActiveLeftBehindLosesWork(t *testing.T) {
	a, b := readyFake(t, 100), readyFake(t, 100)
	const probe = 50 * time.Millisecond
	h := runSetWith(t, SetConfig{Nodes: []Spec{spec(t, a, "a", 0), spec(t, b, "b", 1)}, Probe: probe, catchUp: 300 * time.Millisecond})
	h.next(t, "a", 3*time.Second)
	atHeight(b, 101) // a stays at 100: stuck, or slow to hear of the block
	took := h.next(t, "b", 3*time.Second)
	if took < 300*time.Millisecond {
		t.Errorf("work moved after %s, inside the catch-up window", took)
	}
	atHeight(a, 101)
	h.next(t, "a", 3*time.Second)
}

// TestSetNoFailbackToNodeBehind: a better node a block behind the active
// one does not get work: it would send every miner to a stale tip.
func TestSetNoFailbackToNodeBehind(t *testing.T) {
	a, b := readyFake(t, 99), readyFake(t, 100)
	const probe = 50 * time.Millisecond
	// a may answer its first probe before b does, and get work until the
	// catch-up window ends.
	h := runSetWith(t, SetConfig{Nodes: []Spec{spec(t, a, "a", 0), spec(t, b, "b", 1)}, Probe: probe, catchUp: 300 * time.Millisecond})
	h.next(t, "b", 3*time.Second)
	for deadline := time.Now().Add(20 * probe); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		if st := h.set.Statuses(); st[0].Active {
			t.Fatalf("work went to the node a block behind: %+v", st)
		}
	}
	atHeight(a, 100)
	h.next(t, "a", 3*time.Second)
}
