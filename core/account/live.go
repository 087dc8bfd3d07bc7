package account

import (
	"context"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// liveMinutes is how much per-minute history each worker keeps in memory.
const liveMinutes = 60

// live is the statistics the API shows now, kept in memory: per worker
// and for the pool, a ring of the last hour's minutes.
type live struct {
	ids     map[string]uint32
	workers map[uint32]*liveWorker
	pool    liveWorker
	started time.Time
}

type liveWorker struct {
	ID        uint32
	Name      string
	Address   string
	minutes   [liveMinutes]Minute
	LastShare time.Time
	Accepted  uint64
	Rejected  uint64
	// AcceptedDifficulty is the difficulty credited since the start: as a
	// counter, its rate is the hashrate (× 2^32).
	AcceptedDifficulty float64
	rejectsByWhy       [wire.NumVerdicts]uint64
}

func (l *live) init() {
	l.ids, l.workers, l.started = map[string]uint32{}, map[uint32]*liveWorker{}, time.Now()
}

func (l *live) worker(id uint32, name, address string) *liveWorker {
	w := l.workers[id]
	if w == nil {
		w = &liveWorker{ID: id, Name: name, Address: address}
		l.workers[id], l.ids[name] = w, id
	}
	return w
}

// slot is the minute ring's entry for t, cleared when it held an older
// minute.
func (w *liveWorker) slot(t time.Time) *Minute {
	minute := t.Truncate(time.Minute)
	m := &w.minutes[(minute.Unix()/60)%liveMinutes]
	if !m.Minute.Equal(minute) {
		*m = Minute{Worker: w.ID, Minute: minute}
	}
	return m
}

func (l *live) accept(c *share.Credit, id uint32, address string) {
	for _, w := range []*liveWorker{l.worker(id, c.Worker, address), &l.pool} {
		m := w.slot(c.Time)
		m.Accepted += c.Difficulty
		m.AcceptedCount++
		w.Accepted++
		w.AcceptedDifficulty += c.Difficulty
		w.LastShare = c.Time
	}
}

func (l *live) reject(c *share.Credit) {
	ws := []*liveWorker{&l.pool}
	if id, ok := l.ids[c.Worker]; ok {
		ws = append(ws, l.workers[id])
	}
	for _, w := range ws {
		m := w.slot(c.Time)
		m.Rejected += c.Difficulty
		m.RejectedCount++
		w.Rejected++
		if c.Verdict < wire.NumVerdicts {
			w.rejectsByWhy[c.Verdict]++
		}
	}
}

// load fills the rings from the store's last hour.
func (l *live) load(ctx context.Context, st Store, now time.Time) error {
	since := now.Add(-liveMinutes * time.Minute)
	return st.AllMinutes(ctx, since, func(m *Minute) error {
		l.add(m)
		return nil
	})
}

// add counts a minute's statistics in its worker's ring (worker 0: the
// pool's).
func (l *live) add(m *Minute) {
	w := &l.pool
	if m.Worker != 0 {
		w = l.workers[m.Worker]
		if w == nil {
			return
		}
	}
	s := w.slot(m.Minute)
	s.Accepted += m.Accepted
	s.Rejected += m.Rejected
	s.AcceptedCount += m.AcceptedCount
	s.RejectedCount += m.RejectedCount
}

// hashrate is the hashes per second the accepted difficulty over the last
// span stands for (difficulty 1 is 2^32 hashes).
func (w *liveWorker) hashrate(now time.Time, span time.Duration) float64 {
	from := now.Add(-span)
	var d float64
	for i := range w.minutes {
		m := &w.minutes[i]
		if !m.Minute.IsZero() && !m.Minute.Add(time.Minute).Before(from) && !m.Minute.After(now) {
			d += m.Accepted
		}
	}
	return d * math.Pow(2, 32) / span.Seconds()
}

// WorkerView is a worker as the statistics API shows it.
type WorkerView struct {
	Name         string            `json:"name"`
	Address      string            `json:"address"`
	Hashrate5m   float64           `json:"hashrate_5m"`
	Hashrate1h   float64           `json:"hashrate_1h"`
	Accepted     uint64            `json:"accepted"`
	Rejected     uint64            `json:"rejected"`
	LastShare    time.Time         `json:"last_share"`
	BestSession  float64           `json:"best_share_session"`
	BestEver     float64           `json:"best_share_ever"`
	Online       bool              `json:"online"`
	RejectReason map[string]uint64 `json:"rejects_by_reason,omitempty"`
}

// PoolView is the pool as the statistics API shows it.
type PoolView struct {
	Hashrate5m float64 `json:"hashrate_5m"`
	Hashrate1h float64 `json:"hashrate_1h"`
	Workers    int     `json:"workers"`
	Online     int     `json:"workers_online"`
	Accepted   uint64  `json:"accepted"`
	Rejected   uint64  `json:"rejected"`
	BestEver   float64 `json:"best_share_ever"`
	// RejectsByReason counts rejected shares by verdict since the start.
	RejectsByReason map[string]uint64 `json:"rejects_by_reason"`
	// AcceptedDifficulty is the difficulty credited since the start.
	AcceptedDifficulty float64 `json:"accepted_difficulty"`
	BlocksFound        uint64  `json:"blocks_found"`
}

// onlineWithin: a worker with a share this recent is online.
const onlineWithin = 10 * time.Minute

func (a *Accounts) view(w *liveWorker, now time.Time, best workerBests) WorkerView {
	v := WorkerView{Name: w.Name, Address: w.Address, Hashrate5m: w.hashrate(now, 5*time.Minute),
		Hashrate1h: w.hashrate(now, time.Hour), Accepted: w.Accepted, Rejected: w.Rejected, LastShare: w.LastShare,
		BestSession: best.session, BestEver: best.ever, Online: now.Sub(w.LastShare) < onlineWithin}
	for i, n := range w.rejectsByWhy {
		if n > 0 {
			if v.RejectReason == nil {
				v.RejectReason = map[string]uint64{}
			}
			v.RejectReason[wire.Verdict(i).String()] = n
		}
	}
	return v
}

// Pool is the pool's live statistics.
func (a *Accounts) Pool(now time.Time) PoolView {
	best := a.bestOf(poolBestKey)
	a.mu.Lock()
	defer a.mu.Unlock()
	v := PoolView{Hashrate5m: a.live.pool.hashrate(now, 5*time.Minute), Hashrate1h: a.live.pool.hashrate(now, time.Hour),
		Workers: len(a.live.workers), Accepted: a.live.pool.Accepted, Rejected: a.live.pool.Rejected, BestEver: best,
		RejectsByReason: map[string]uint64{}, AcceptedDifficulty: a.live.pool.AcceptedDifficulty,
		BlocksFound: a.blocksFound.Load()}
	for _, w := range a.live.workers {
		if now.Sub(w.LastShare) < onlineWithin {
			v.Online++
		}
	}
	for i, n := range a.live.pool.rejectsByWhy {
		if n > 0 {
			v.RejectsByReason[wire.Verdict(i).String()] = n
		}
	}
	return v
}

// Workers is a page of the workers, by 5-minute hashrate (highest first),
// and how many there are in all.
func (a *Accounts) Workers(now time.Time, offset, limit int) ([]WorkerView, int) {
	bests := a.bestsSnapshot()
	a.mu.Lock()
	all := make([]WorkerView, 0, len(a.live.workers))
	for _, w := range a.live.workers {
		all = append(all, a.view(w, now, bests[w.ID]))
	}
	a.mu.Unlock()
	slices.SortFunc(all, func(x, y WorkerView) int {
		switch {
		case x.Hashrate5m > y.Hashrate5m:
			return -1
		case x.Hashrate5m < y.Hashrate5m:
			return 1
		}
		return strings.Compare(x.Name, y.Name)
	})
	n := len(all)
	offset = min(max(offset, 0), n)
	end := min(offset+max(limit, 0), n)
	return all[offset:end], n
}

// Worker is one worker's live statistics and its minutes of the last
// hour; ok is false for a worker the pool does not know.
func (a *Accounts) Worker(now time.Time, name string) (WorkerView, []Minute, bool) {
	bests := a.bestsSnapshot()
	a.mu.Lock()
	defer a.mu.Unlock()
	id, ok := a.live.ids[name]
	if !ok {
		return WorkerView{}, nil, false
	}
	w := a.live.workers[id]
	var minutes []Minute
	for i := range w.minutes {
		if m := w.minutes[i]; !m.Minute.IsZero() && now.Sub(m.Minute) < liveMinutes*time.Minute {
			minutes = append(minutes, m)
		}
	}
	slices.SortFunc(minutes, func(x, y Minute) int { return x.Minute.Compare(y.Minute) })
	return a.view(w, now, bests[id]), minutes, true
}

// workerBests are a worker's best share ever and of its current session.
type workerBests struct{ ever, session float64 }

// bestsSnapshot is each worker's committed bests.
func (a *Accounts) bestsSnapshot() map[uint32]workerBests {
	a.bestMu.Lock()
	defer a.bestMu.Unlock()
	out := make(map[uint32]workerBests, len(a.bests))
	for k, b := range a.bests {
		wb := out[b.Worker]
		switch {
		case strings.HasPrefix(k, workerBestPrefix):
			wb.ever = b.Difficulty
		case strings.HasPrefix(k, sessionBestPrefix):
			wb.session = b.Difficulty
		default:
			continue
		}
		out[b.Worker] = wb
	}
	return out
}

func (a *Accounts) bestOf(key string) float64 {
	a.bestMu.Lock()
	defer a.bestMu.Unlock()
	return a.bests[key].Difficulty
}
