package account

import (
	"slices"
	"strings"
	"time"
)

// merge adds a committed transaction's statistics to those waiting for
// the next flush.
func (a *Accounts) merge(t *txn) {
	if t.pool.AcceptedCount > 0 {
		minute := t.now.Truncate(time.Minute)
		for _, ws := range t.touched {
			a.mergeMinute(minute, &ws.txnMinute)
		}
		a.mergeMinute(minute, &t.pool)
	}
	if len(t.bests) == 0 {
		return
	}
	a.bestMu.Lock()
	defer a.bestMu.Unlock()
	for _, b := range t.bests {
		if cur, ok := a.bests[b.Key]; ok && !b.replaces(&cur) {
			continue
		}
		a.bests[b.Key] = b
		a.dirtyBests[b.Key] = b
		if ws := a.byID[b.Worker]; ws != nil && strings.HasPrefix(b.Key, workerBestPrefix) {
			ws.best = max(ws.best, b.Difficulty)
		}
	}
}

// mergeMinute adds a transaction's shares of one worker (0: the pool) to
// their minute.
func (a *Accounts) mergeMinute(minute time.Time, m *Minute) {
	k := minuteKey{m.Worker, minute.Unix()}
	acc := a.minutes[k]
	if acc == nil {
		acc = &Minute{Worker: m.Worker, Minute: minute}
		a.minutes[k] = acc
	}
	acc.Accepted += m.Accepted
	acc.AcceptedCount += m.AcceptedCount
}

// statsChunk bounds the statistics rows one transaction carries.
const statsChunk = 500

// flushStats queues statistics for the next transaction, statsChunk rows
// at most: the minutes that are over, in order, and best shares. all
// queues everything, the current minute included (at stop). With the last
// minute written goes the last batch its rows count: a start rebuilds the
// statistics of the batches after it.
func (a *Accounts) flushStats(now time.Time, all bool) {
	current := now.Truncate(time.Minute)
	if len(a.flushing) == 0 {
		for k, m := range a.minutes {
			if all || m.Minute.Before(current) {
				a.flushing = append(a.flushing, *m)
				delete(a.minutes, k)
			}
		}
		slices.SortFunc(a.flushing, func(x, y Minute) int { return x.Minute.Compare(y.Minute) })
	}
	w := &a.pending
	n := min(len(a.flushing), statsChunk)
	if all {
		n = len(a.flushing)
	}
	w.Minutes = append(w.Minutes, a.flushing[:n]...)
	a.flushing = a.flushing[n:]
	// A minute is written once no row of it is left to go.
	if n > 0 {
		last := w.Minutes[len(w.Minutes)-1].Minute
		done := last
		if len(a.flushing) > 0 && !a.flushing[0].Minute.After(last) {
			done = last.Add(-time.Minute)
		}
		if done.After(a.flushedTo) {
			a.flushedTo = done
			for minute, id := range a.minuteBatch {
				if !fromMS(minute).After(done) {
					a.statsBatch = max(a.statsBatch, id)
					delete(a.minuteBatch, minute)
				}
			}
			w.Meta = append(w.Meta, Meta{Key: metaStatsMinute, Value: ms(done)}, Meta{Key: metaStatsBatch, Value: a.statsBatch})
		}
	}
	a.bestMu.Lock()
	k := 0
	for key, b := range a.dirtyBests {
		if !all && k >= statsChunk {
			break
		}
		w.Bests = append(w.Bests, b)
		delete(a.dirtyBests, key)
		k++
	}
	a.bestMu.Unlock()
}

// flushRejected adds the rejections counted since the last call to the
// statistics waiting for the next flush.
func (a *Accounts) flushRejected(now time.Time) {
	a.mu.Lock()
	rej := a.rejected
	a.rejected = map[string]*Minute{}
	a.mu.Unlock()
	minute := now.Truncate(time.Minute)
	add := func(id uint32, m *Minute) {
		key := minuteKey{id, minute.Unix()}
		acc := a.minutes[key]
		if acc == nil {
			acc = &Minute{Worker: id, Minute: minute}
			a.minutes[key] = acc
		}
		acc.Rejected += m.Rejected
		acc.RejectedCount += m.RejectedCount
	}
	for name, m := range rej {
		// A worker never accepted has no id: it counts for the pool only.
		if ws := a.workers[name]; ws != nil && ws.persisted {
			add(ws.ID, m)
		}
		add(0, m)
	}
}
