package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stratapool/strata/bench/load"
	"github.com/stratapool/strata/internal/testnet"
)

// TestBenchAgainstRunFlood is strata bench against strata run --flood for
// 10 s, both in this process on loopback: shares are accepted at a rate
// above zero, none is refused, every one is answered, and the status page
// shows them.
func TestBenchAgainstRunFlood(t *testing.T) {
	if testing.Short() {
		t.Skip("runs btcd")
	}
	s := defaultRunSettings()
	s.Core.DataDir = t.TempDir()
	s.Core.Flood = true
	var addrs [6]string
	for i := range addrs {
		addrs[i], _ = testnet.Addr()
	}
	s.Core.Link.Listen, s.Core.Stats.Listen, s.BTCDRPC, s.BTCDP2P = addrs[0], addrs[1], addrs[2], addrs[3]
	s.Edge.Listeners[0].Address = addrs[4]
	s.Edge.Limits.PerIP, s.Edge.Limits.AcceptRate = 0, 0
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	p := &pool{s: s, out: &out, log: s.Log.logger(io.Discard)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	ready := p.readyOnce()
	go func() { done <- p.run(ctx) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatalf("strata run: %v", err)
	case <-time.After(3 * time.Minute):
		t.Fatal("strata run not ready")
	}
	defer func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("strata run: %v", err)
		}
	}()
	if !strings.Contains(out.String(), "Stratum: stratum+tcp://") || !strings.Contains(out.String(), "Flood mode") {
		t.Errorf("run printed:\n%s", out.String())
	}

	var bout, berr bytes.Buffer
	err := runBench([]string{"--conns", "50", "--rate", "20", "--duration", "10s", "--flood", "--json",
		"--user", s.Core.Pool.Address, addrs[4]}, &bout, &berr)
	if err != nil {
		t.Fatalf("strata bench: %v\n%s", err, berr.String())
	}
	var rep load.Report
	if err := json.Unmarshal(bout.Bytes(), &rep); err != nil {
		t.Fatalf("report: %v\n%s", err, bout.String())
	}
	t.Logf("accepted %.0f/s, p99 %.2f ms, %d connections", rep.AcceptedPerS, rep.LatencyMs.P99, rep.Connections)
	if rep.Connections != 50 || rep.AcceptedPerS <= 0 || rep.Rejected != 0 || rep.Errors != 0 || len(rep.RejectsByReason) != 0 {
		t.Errorf("report %+v", rep)
	}
	if rep.Accepted+rep.Unanswered != rep.Submitted || rep.Unanswered > 60 {
		t.Errorf("%d sent, %d accepted, %d unanswered", rep.Submitted, rep.Accepted, rep.Unanswered)
	}
	resp, err := http.Get("http://" + addrs[1] + "/api/overview")
	if err != nil {
		t.Fatal(err)
	}
	var o struct {
		Flood bool
		Pool  struct{ Accepted uint64 }
	}
	json.NewDecoder(resp.Body).Decode(&o)
	resp.Body.Close()
	if !o.Flood || o.Pool.Accepted < rep.Accepted {
		t.Errorf("overview: flood %v, %d accepted, the bench saw %d", o.Flood, o.Pool.Accepted, rep.Accepted)
	}
}

// Bad flags are errors that say what is wrong, before anything connects.
func TestBenchSettings(t *testing.T) {
	for _, args := range [][]string{
		{"--user", "u"},
		{"--user", "u", "--conns", "0", "127.0.0.1:1"},
		{"--user", "u", "--duration", "2h", "127.0.0.1:1"},
		{"127.0.0.1:1"},
		{"--user", "u", "--handshakes", "teapot", "127.0.0.1:1"},
		{"--user", "u", "--block-every", "1s", "127.0.0.1:1"},
		{"--user", "u", "http://127.0.0.1:1"},
	} {
		code, _, stderr := runCmd(t, append([]string{"bench"}, args...)...)
		if code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
	// A pool that is not there: a clear error, not a hang.
	port, _ := testnet.Port()
	code, _, stderr := runCmd(t, "bench", "--user", "u", "--duration", "2s", "--conns", "2", "127.0.0.1:"+strconv.Itoa(port))
	if code == exitOK || !strings.Contains(stderr, "connect") {
		t.Errorf("no pool: exit %d: %s", code, stderr)
	}
}
