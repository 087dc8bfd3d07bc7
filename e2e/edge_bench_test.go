package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/stratapool/strata/core"
	"github.com/stratapool/strata/edge"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testnet"
	"github.com/stratapool/strata/internal/testwallet"
)

var (
	edgeConns = flag.Int("edge.conns", 10_000, "connections BenchmarkEdge holds")
	edgeLoops = flag.Int("edge.loops", 0, "BenchmarkEdge's gnet loops (0: one per CPU)")
)

// BenchmarkEdge measures the edge alone: this process runs only the edge,
// while the core and the miners run in a helper process (this test binary
// again), so the edge's memory is all that this process's heap holds.
//
// It reports the edge's user-space memory per idle, authorized miner
// (Go heap and stacks, after a GC) at edge.conns connections, and how long
// each new job takes from its JOB frame to the last miner's write: one
// job per iteration, a block mined on btcd to make it.
func BenchmarkEdge(b *testing.B) {
	if testing.Short() {
		b.Skip("needs btcd")
	}
	ctx := context.Background()
	wallet := testwallet.New(5, &chaincfg.RegressionNetParams)
	node, err := regtest.Start(ctx, regtest.Options{Dir: b.TempDir(), MiningAddr: wallet.LegacyAddress()})
	if err != nil {
		b.Fatal(err)
	}
	defer node.Kill()
	if _, err := node.Generate(ctx, 3); err != nil {
		b.Fatal(err)
	}
	coreAddr, _ := testnet.Addr()
	stratumAddr, _ := testnet.Addr()

	coreProc := startHelper(b, "core", map[string]string{
		"RPC": node.RPCURL, "USER": node.User, "PASS": node.Password, "LINK": coreAddr,
		"DATA": b.TempDir(), "ADDRESS": wallet.SegwitAddress(),
	})
	coreProc.waitLine(b, "ready", 60*time.Second)

	ecfg := edge.DefaultConfig()
	ecfg.Name = "bench"
	ecfg.Loops = *edgeLoops
	ecfg.Uplink.Cores = []string{coreAddr}
	ecfg.Limits.PerIP, ecfg.Limits.AcceptRate = 0, 0
	ecfg.Listeners[0].Address = stratumAddr
	e, err := edge.New(ecfg, edge.Options{Key: linkKey})
	if err != nil {
		b.Fatal(err)
	}
	ectx, cancel := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- e.Run(ectx) }()
	defer func() { cancel(); <-done }()
	<-e.Ready()
	for deadline := time.Now().Add(30 * time.Second); e.Server.CurrentJob() == nil; {
		if time.Now().After(deadline) {
			b.Fatal("no job reached the edge")
		}
		time.Sleep(10 * time.Millisecond)
	}

	before := heapAndStacks()
	minersProc := startHelper(b, "miners", map[string]string{
		"ADDR": stratumAddr, "N": strconv.Itoa(*edgeConns), "USER": wallet.SegwitAddress(),
	})
	minersProc.waitLine(b, "ready", 5*time.Minute)
	srv := e.Server
	for deadline := time.Now().Add(time.Minute); srv.Counters().Authorized.Load() < int64(*edgeConns); {
		if time.Now().After(deadline) {
			b.Fatalf("%d of %d miners authorized", srv.Counters().Authorized.Load(), *edgeConns)
		}
		time.Sleep(10 * time.Millisecond)
	}
	after := heapAndStacks()
	perConn := float64(after-before) / float64(*edgeConns)

	// live: the miners read each job as it comes, on the same CPUs as the
	// edge. paused: their process is stopped during the fan-out, which
	// leaves the edge's own cost.
	for _, paused := range []bool{false, true} {
		name := "live"
		if paused {
			name = "paused"
		}
		b.Run(name, func(b *testing.B) {
			var fanout []float64
			for b.Loop() {
				if paused {
					minersProc.cmd.Process.Signal(syscall.SIGSTOP)
				}
				jobs := srv.Counters().Jobs.Load()
				if _, err := node.Generate(ctx, 1); err != nil {
					b.Fatal(err)
				}
				// The block's job, and the fan-out of it done.
				for deadline := time.Now().Add(10 * time.Second); ; {
					if srv.Counters().Jobs.Load() > jobs && srv.Counters().Fanouts.Load() >= srv.Counters().Jobs.Load() {
						break
					}
					if time.Now().After(deadline) {
						b.Fatal("no new job fanned out")
					}
					time.Sleep(time.Millisecond)
				}
				fanout = append(fanout, float64(srv.Counters().NotifyMicros.Load())/1000)
				if paused {
					minersProc.cmd.Process.Signal(syscall.SIGCONT)
					time.Sleep(100 * time.Millisecond) // they read the job before the next
				}
			}
			slices.Sort(fanout)
			b.ReportMetric(perConn, "bytes/conn")
			b.ReportMetric(percentile(fanout, 0.50), "fanout-p50-ms")
			b.ReportMetric(percentile(fanout, 0.99), "fanout-p99-ms")
		})
	}
	if n := srv.Counters().Connections.Load(); n < int64(*edgeConns) {
		b.Errorf("%d connections left of %d", n, *edgeConns)
	}
}

func percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(p*float64(len(sorted))))]
}

// heapAndStacks is the process's Go heap and stacks in use after a GC.
func heapAndStacks() uint64 {
	var m runtime.MemStats
	for range 2 {
		runtime.GC()
	}
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}

// helper is this test binary run again as the core or as the miners.
type helper struct {
	cmd   *exec.Cmd
	lines chan string
}

const helperEnv = "STRATA_E2E_HELPER"

func startHelper(tb testing.TB, role string, env map[string]string) *helper {
	tb.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.v=false")
	cmd.Env = append(os.Environ(), helperEnv+"="+role)
	for k, v := range env {
		cmd.Env = append(cmd.Env, "STRATA_E2E_"+k+"="+v)
	}
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatal(err)
	}
	h := &helper{cmd: cmd, lines: make(chan string, 16)}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			h.lines <- sc.Text()
		}
		close(h.lines)
	}()
	tb.Cleanup(func() {
		stdin.Close() // the helper exits when its stdin closes
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			cmd.Process.Kill()
			<-done
		}
	})
	return h
}

func (h *helper) waitLine(tb testing.TB, prefix string, within time.Duration) string {
	tb.Helper()
	timeout := time.After(within)
	for {
		select {
		case l, ok := <-h.lines:
			if !ok {
				tb.Fatalf("helper ended before %q", prefix)
			}
			if strings.HasPrefix(l, prefix) {
				return l
			}
		case <-timeout:
			tb.Fatalf("helper: no %q within %s", prefix, within)
		}
	}
}

// TestHelperProcess is the helper's body; as a test it does nothing.
func TestHelperProcess(t *testing.T) {
	role := os.Getenv(helperEnv)
	if role == "" {
		return
	}
	get := func(k string) string { return os.Getenv("STRATA_E2E_" + k) }
	ctx, cancel := context.WithCancel(context.Background())
	go func() { io.Copy(io.Discard, os.Stdin); cancel() }()
	var err error
	switch role {
	case "core":
		err = helperCore(ctx, get)
	case "miners":
		err = helperMiners(ctx, get)
	default:
		err = fmt.Errorf("unknown helper %q", role)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func helperCore(ctx context.Context, get func(string) string) error {
	cfg := core.DefaultConfig()
	cfg.DataDir = get("DATA")
	cfg.Pool.Address = get("ADDRESS")
	cfg.Link.Listen = get("LINK")
	cfg.Stats.Listen = ""
	cfg.Template.Refresh, cfg.Template.MaxAge = 10*time.Minute, 20*time.Minute
	cfg.Nodes[0].RPCURL, cfg.Nodes[0].RPCUser, cfg.Nodes[0].RPCPassword = get("RPC"), get("USER"), get("PASS")
	if p := get("PING"); p != "" {
		d, err := time.ParseDuration(p)
		if err != nil {
			return fmt.Errorf("STRATA_E2E_PING: %w", err)
		}
		cfg.Link.PingInterval = d
	}
	opts := core.Options{Keys: func(string) ([]byte, bool) { return linkKey, true }}
	if get("LOG") != "" {
		opts.Log = warnLog() // to the test's output: a failure says what the core saw
	}
	c, err := core.New(cfg, opts)
	if err != nil {
		return err
	}
	fmt.Println("ready")
	return c.Run(ctx)
}

// warnLog writes warnings and errors to stderr.
func warnLog() *slog.Logger {
	return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// helperMiners opens N connections that authorize and then sit idle,
// reading what the edge sends.
func helperMiners(ctx context.Context, get func(string) string) error {
	n, _ := strconv.Atoi(get("N"))
	addr, user := get("ADDR"), get("USER")
	var wg sync.WaitGroup
	var mu sync.Mutex
	var firstErr error
	ready := make(chan struct{}, n)
	sem := make(chan struct{}, 200) // handshakes under way at once
	var conns []net.Conn
	for i := range n {
		sem <- struct{}{}
		c, err := net.DialTimeout("tcp", addr, 10*time.Second)
		if err != nil {
			return fmt.Errorf("connection %d: %w", i, err)
		}
		conns = append(conns, c)
		wg.Go(func() {
			r := bufio.NewReaderSize(c, 4096)
			fmt.Fprintf(c, `{"id":1,"method":"mining.subscribe","params":["bench/1"]}`+"\n"+
				`{"id":2,"method":"mining.authorize","params":["%s.m%d","x"]}`+"\n", user, i)
			notified := false
			for {
				line, err := r.ReadSlice('\n')
				if err != nil {
					if !notified {
						mu.Lock()
						if firstErr == nil {
							firstErr = fmt.Errorf("miner %d: %w", i, err)
						}
						mu.Unlock()
						<-sem
						ready <- struct{}{}
					}
					return
				}
				if !notified && json.Valid(line) && strings.Contains(string(line), `"mining.notify"`) {
					notified = true
					<-sem
					ready <- struct{}{}
				}
			}
		})
	}
	for range n {
		<-ready
	}
	if firstErr != nil {
		return firstErr
	}
	fmt.Println("ready", n)
	<-ctx.Done()
	for _, c := range conns {
		c.Close()
	}
	wg.Wait()
	return nil
}

// BenchmarkLoopbackFanoutFloor is the floor under BenchmarkEdge's fan-out
// on this machine: one write(2) of a notify-sized line to each of
// edge.conns loopback sockets, split over one goroutine per CPU, with
// nobody reading and nobody woken. No server can fan out faster here.
func BenchmarkLoopbackFanoutFloor(b *testing.B) {
	n := min(*edgeConns, 9000) // both ends of each connection are this process's files
	// The accepted ends stay out of any epoll: nobody is woken.
	fds, _ := loopbackPairs(b, n)
	for _, fd := range fds {
		if err := syscall.SetNonblock(fd, true); err != nil {
			b.Fatal(err)
		}
	}
	line := make([]byte, 300)
	workers := runtime.GOMAXPROCS(0)
	b.ResetTimer()
	for b.Loop() {
		var wg sync.WaitGroup
		for w := range workers {
			wg.Go(func() {
				for i := w; i < len(fds); i += workers {
					if _, err := syscall.Write(fds[i], line); err != nil && err != syscall.EAGAIN {
						b.Error(err)
						return
					}
				}
			})
		}
		wg.Wait()
	}
	perFanout := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(perFanout/1e6, "ms/fanout")
	b.ReportMetric(perFanout/1e6*10_000/float64(n), "ms/10k-fanout")
	b.ReportMetric(perFanout*float64(workers)/float64(n), "cpu-ns/write")
}
