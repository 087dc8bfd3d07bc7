package load

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/stratapool/strata/bench/miner"
)

// Report is what a run measured.
type Report struct {
	Connections     int               `json:"connections"`
	ConnectFailures int               `json:"connect_failures"`
	Disconnects     int               `json:"disconnects"`
	Submitted       uint64            `json:"submitted"`
	Accepted        uint64            `json:"accepted"`
	Rejected        uint64            `json:"rejected"`
	Unanswered      uint64            `json:"unanswered"`
	AcceptedPerS    float64           `json:"accepted_per_s"`
	RejectedPerS    float64           `json:"rejected_per_s"`
	RejectsByReason map[string]uint64 `json:"rejects_by_reason"`
	// LatencyMs is submit to reply for the shares sent in the steady part
	// (every connection open, the settle time passed); LatencyAllMs for all
	// of them, the ramp's handshakes included.
	LatencyMs    Latency `json:"latency_ms"`
	LatencyAllMs Latency `json:"latency_all_ms"`
	// NotifySpreadMsP99: for each job, the time from the first miner that
	// received it to the last; the 99th percentile over jobs.
	NotifySpreadMsP99 float64  `json:"notify_spread_ms_p99"`
	Jobs              int      `json:"jobs"`
	Blocks            uint64   `json:"blocks_sent"`
	Reconnects        uint64   `json:"reconnect_requests"`
	DurationS         float64  `json:"duration_s"`
	SteadyS           float64  `json:"steady_s"`
	Errors            int      `json:"errors"`
	ErrorSamples      []string `json:"error_samples,omitempty"`
}

// Latency is submit to reply, in milliseconds.
type Latency struct {
	P50  float64 `json:"p50"`
	P99  float64 `json:"p99"`
	P999 float64 `json:"p999"`
}

// run is one run's shared state.
type run struct {
	cfg Config

	accepted, rejected, submitted atomic.Uint64
	reconnects                    atomic.Uint64
	rejects                       [32]atomic.Uint64 // by Stratum code (20-25), 0: other
	// latency counts the answers to submits sent in the steady part (a
	// second after every connection was open); latencyAll every answer.
	latency, latencyAll histogram
	// blockDue asks the next share to be a block (BlockEvery).
	blockDue atomic.Bool
	blocks   atomic.Uint64
	// steady is when every connection was opened (unix nanos; 0 before).
	steady atomic.Int64
	// perSecond counts answers by the second of the run they came in.
	start     time.Time
	perSecond [int(MaxDuration/time.Second) + 2]struct{ acc, rej atomic.Uint64 }

	mu       sync.Mutex // guards jobs, parsed and errs
	jobs     map[string]*jobSpread
	parsed   map[string]parsedJob
	errs     []string
	nerrs    int
	live     atomic.Int64
	failures atomic.Int64
	drops    atomic.Int64
}

// parsedJob is a notify decoded once for every connection that gets it.
type parsedJob struct {
	job     *miner.Job
	network miner.Target
}

// job decodes a notify's params, once per distinct params.
func (r *run) job(params []byte) (*miner.Job, miner.Target, error) {
	r.mu.Lock()
	p, ok := r.parsed[string(params)]
	r.mu.Unlock()
	if ok {
		return p.job, p.network, nil
	}
	j, err := miner.ParseNotify(params)
	if err != nil {
		return nil, miner.Target{}, err
	}
	network, err := miner.TargetFromBits(j.Bits)
	if err != nil {
		return nil, miner.Target{}, err
	}
	r.mu.Lock()
	if len(r.parsed) >= 64 {
		clear(r.parsed) // old jobs: refilled from the next notifies
	}
	r.parsed[string(params)] = parsedJob{j, network}
	r.mu.Unlock()
	return j, network, nil
}

type jobSpread struct {
	first, last time.Time
	n           int
}

func (r *run) jobSeen(id string, at time.Time) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.jobs[id]
	if s == nil {
		s = &jobSpread{first: at}
		r.jobs[id] = s
	}
	if at.Before(s.first) {
		s.first = at
	}
	if at.After(s.last) {
		s.last = at
	}
	s.n++
}

func (r *run) answer(d time.Duration, accepted bool, code int) {
	r.latencyAll.observe(d)
	if st := r.steady.Load(); st > 0 && time.Now().Add(-d).UnixNano() > st {
		r.latency.observe(d)
	}
	sec := min(max(int(time.Since(r.start)/time.Second), 0), len(r.perSecond)-1)
	if accepted {
		r.accepted.Add(1)
		r.perSecond[sec].acc.Add(1)
		return
	}
	r.perSecond[sec].rej.Add(1)
	r.rejected.Add(1)
	if code < 0 || code >= len(r.rejects) {
		code = 0
	}
	r.rejects[code].Add(1)
}

func (r *run) fail(err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.nerrs++
	if len(r.errs) < 10 {
		r.errs = append(r.errs, err.Error())
	}
}

// rejectNames are the Stratum reject codes' names.
var rejectNames = map[int]string{0: "other", 20: "other", 21: "stale", 22: "duplicate", 23: "low_difficulty",
	24: "unauthorized", 25: "not_subscribed"}

// Run runs the load until its duration is over, ctx ends or MaxShares
// shares were sent, and reports.
func Run(ctx context.Context, cfg Config) (Report, error) {
	targets, err := cfg.check()
	if err != nil {
		return Report{}, err
	}
	names := cfg.Handshakes
	if len(names) == 0 {
		names = Handshakes()
	}
	start := time.Now()
	r := &run{cfg: cfg, jobs: map[string]*jobSpread{}, parsed: map[string]parsedJob{}, start: start}
	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()

	var wg sync.WaitGroup
	steadyAt := start
	progressDone := make(chan struct{})
	go func() { r.progress(ctx, start); close(progressDone) }()

	// Open the connections at the ramp rate.
	interval := time.Duration(0)
	if cfg.Ramp > 0 {
		interval = time.Duration(float64(time.Second) / cfg.Ramp)
	}
	for i := 0; i < cfg.Connections && ctx.Err() == nil; i++ {
		if interval > 0 {
			if d := time.Until(start.Add(time.Duration(i) * interval)); d > 0 {
				select {
				case <-time.After(d):
				case <-ctx.Done():
				}
			}
		}
		hs := handshakes[names[i%len(names)]]
		user := cfg.User
		if !cfg.Shared {
			user += ".b" + strconv.Itoa(i)
		}
		c := &conn{r: r, index: i, hs: &hs, user: user}
		wg.Go(func() { r.drive(ctx, c, targets[i%len(targets)]) })
	}
	steadyAt = time.Now().Add(cfg.Settle)
	r.steady.Store(steadyAt.UnixNano())
	if cfg.BlockEvery > 0 {
		wg.Go(func() {
			t := time.NewTicker(cfg.BlockEvery)
			defer t.Stop()
			for {
				select {
				case <-ctx.Done():
					return
				case <-t.C:
					r.blockDue.Store(true)
				}
			}
		})
	}
	<-ctx.Done()
	end := time.Now()
	wg.Wait()
	<-progressDone

	rep := Report{Connections: int(r.live.Load()) + int(r.drops.Load()), ConnectFailures: int(r.failures.Load()),
		Disconnects: int(r.drops.Load()), Submitted: r.submitted.Load(), Accepted: r.accepted.Load(),
		Rejected: r.rejected.Load(), RejectsByReason: map[string]uint64{}, Reconnects: r.reconnects.Load(),
		DurationS: end.Sub(start).Seconds(), SteadyS: max(end.Sub(steadyAt).Seconds(), 0)}
	if rep.Submitted > rep.Accepted+rep.Rejected {
		rep.Unanswered = rep.Submitted - rep.Accepted - rep.Rejected
	}
	rep.AcceptedPerS, rep.RejectedPerS = r.rates(steadyAt, end)
	for code := range r.rejects {
		if n := r.rejects[code].Load(); n > 0 {
			name := rejectNames[code]
			if name == "" {
				name = "code_" + strconv.Itoa(code)
			}
			rep.RejectsByReason[name] += n
		}
	}
	h := &r.latency
	if h.count.Load() == 0 {
		h = &r.latencyAll // a run too short to have a steady part
	}
	rep.LatencyMs = Latency{P50: h.quantile(0.5), P99: h.quantile(0.99), P999: h.quantile(0.999)}
	rep.LatencyAllMs = Latency{P50: r.latencyAll.quantile(0.5), P99: r.latencyAll.quantile(0.99), P999: r.latencyAll.quantile(0.999)}
	rep.NotifySpreadMsP99, rep.Jobs = r.spread()
	rep.Blocks = r.blocks.Load()
	r.mu.Lock()
	rep.Errors, rep.ErrorSamples = r.nerrs, slices.Clone(r.errs)
	r.mu.Unlock()
	if rep.Connections == 0 {
		return rep, errors.New("no connection could be opened")
	}
	return rep, nil
}

// drive runs one connection: dial, handshake, read, and send shares at
// the rate until ctx ends.
func (r *run) drive(ctx context.Context, c *conn, t target) {
	nc, err := t.dial(r.cfg.Insecure)
	if err != nil {
		r.failures.Add(1)
		r.fail(fmt.Errorf("connect %s: %w", t.addr, err))
		return
	}
	c.nc = nc
	r.live.Add(1)
	stop := context.AfterFunc(ctx, func() { nc.Close() })
	defer stop()
	readDone := make(chan error, 1)
	go func() { readDone <- c.read() }()
	if err := c.open(r.cfg.Password); err != nil {
		r.lost(ctx, err)
		nc.Close()
		<-readDone
		return
	}
	rate := r.cfg.Rate
	if rate <= 0 {
		<-ctx.Done()
		nc.Close()
		<-readDone
		return
	}
	interval := time.Duration(float64(time.Second) / rate)
	// Spread the connections' sends over the interval.
	next := time.Now().Add(time.Duration(rand.Int64N(int64(interval) + 1)))
	timer := time.NewTimer(time.Until(next))
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			nc.Close()
			<-readDone
			return
		case err := <-readDone:
			r.lost(ctx, err)
			return
		case <-timer.C:
		}
		next = next.Add(interval)
		if behind := time.Since(next); behind > time.Second {
			next = time.Now() // do not burst to catch up after a stall
		}
		timer.Reset(time.Until(next))
		limit := 1 << 16
		if r.cfg.Flood {
			limit = 64
		}
		block := r.cfg.BlockEvery > 0 && r.blockDue.CompareAndSwap(true, false)
		line, ok := c.share(r.cfg.Flood, block, limit)
		if block && !ok {
			r.blockDue.Store(true) // another connection sends it
		}
		if block && ok {
			r.blocks.Add(1)
		}
		if !ok {
			continue
		}
		if max := r.cfg.MaxShares; max > 0 && int64(r.submitted.Add(1)) > max {
			r.submitted.Add(^uint64(0))
			continue
		}
		if r.cfg.MaxShares == 0 {
			r.submitted.Add(1)
		}
		if err := c.write(line); err != nil {
			r.lost(ctx, err)
			nc.Close()
			<-readDone
			return
		}
	}
}

// lost counts a connection that ended before the run did.
func (r *run) lost(ctx context.Context, err error) {
	if ctx.Err() != nil {
		return
	}
	r.live.Add(-1)
	r.drops.Add(1)
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		err = fmt.Errorf("timeout: %w", err)
	}
	r.fail(fmt.Errorf("connection lost: %w", err))
}

// rates are the answers per second over the whole seconds of the steady
// part (once every connection was opened and the settle time passed), or
// of the whole run when that is too short.
func (r *run) rates(steadyAt, end time.Time) (float64, float64) {
	from := int(steadyAt.Sub(r.start)/time.Second) + 1
	to := int(end.Sub(r.start) / time.Second) // the last, partial second left out
	if to-from < 2 {
		from, to = 0, max(to, 1)
	}
	var acc, rej uint64
	for s := from; s < to && s < len(r.perSecond); s++ {
		acc += r.perSecond[s].acc.Load()
		rej += r.perSecond[s].rej.Load()
	}
	secs := float64(to - from)
	return float64(acc) / secs, float64(rej) / secs
}

// spread is the 99th percentile of the jobs' notify spreads, in
// milliseconds, over the jobs that came after every connection was open
// (a miner's first job comes when it authorizes, not when the job is new)
// and that nearly every connection received.
func (r *run) spread() (float64, int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	steady := time.Unix(0, r.steady.Load())
	most := 0
	for _, s := range r.jobs {
		most = max(most, s.n)
	}
	var spreads []float64
	for _, s := range r.jobs {
		if s.first.After(steady) && s.n >= most*95/100 && s.n > 1 {
			spreads = append(spreads, float64(s.last.Sub(s.first).Microseconds())/1000)
		}
	}
	if len(spreads) == 0 {
		return 0, 0
	}
	slices.Sort(spreads)
	return spreads[min(len(spreads)-1, len(spreads)*99/100)], len(spreads)
}

// progress prints a line a second.
func (r *run) progress(ctx context.Context, start time.Time) {
	if r.cfg.Progress == nil {
		return
	}
	t := time.NewTicker(time.Second)
	defer t.Stop()
	var lastAcc, lastRej uint64
	for {
		select {
		case <-ctx.Done():
			fmt.Fprintln(r.cfg.Progress)
			return
		case now := <-t.C:
			acc, rej := r.accepted.Load(), r.rejected.Load()
			fmt.Fprintf(r.cfg.Progress, "\r%4.0fs  conns %d/%d  accepted %.0f/s  rejected %.0f/s  p99 %.2f ms   ",
				now.Sub(start).Seconds(), r.live.Load(), r.cfg.Connections, float64(acc-lastAcc), float64(rej-lastRej),
				r.latencyAll.quantile(0.99))
			lastAcc, lastRej = acc, rej
		}
	}
}
