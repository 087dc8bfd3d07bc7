package account

import (
	"context"
	"strings"
	"time"
)

// load reads what a start needs from the store.
func (a *Accounts) load(ctx context.Context) error {
	last, err := a.st.LastBatch(ctx)
	if err != nil {
		return err
	}
	a.nextBatch = last + 1
	// Transaction numbers go on from the last one kept, so that the one
	// a lost answer leaves in doubt is never taken for an older one.
	seq, err := a.st.Meta(ctx, metaTxn)
	if err != nil {
		return err
	}
	a.txnSeq = uint64(seq)
	ws, err := a.st.Workers(ctx)
	if err != nil {
		return err
	}
	a.mu.Lock() // the API may be reading the live statistics already (OpenLater)
	for _, w := range ws {
		s := &workerState{Worker: w, persisted: true}
		a.workers[w.Name], a.byID[w.ID] = s, s
		a.nextID = max(a.nextID, w.ID)
		a.live.worker(w.ID, w.Name, w.Address)
	}
	a.mu.Unlock()
	if err := a.loadBests(ctx); err != nil {
		return err
	}
	for key, b := range a.bests {
		ws := a.byID[b.Worker]
		switch {
		case ws == nil:
		case strings.HasPrefix(key, workerBestPrefix):
			ws.best = b.Difficulty
		case strings.HasPrefix(key, sessionBestPrefix):
			ws.session, ws.sessionBest = sessionKey{b.Edge, b.Session}, b.Difficulty
		}
	}
	// Statistics of the minutes not completely written: their rows are
	// dropped and rebuilt from the shares.
	written, err := a.st.Meta(ctx, metaStatsMinute)
	if err != nil {
		return err
	}
	a.flushedTo = fromMS(written)
	if err := a.st.DropMinutesAfter(ctx, a.flushedTo); err != nil {
		return err
	}
	if a.statsBatch, err = a.st.Meta(ctx, metaStatsBatch); err != nil {
		return err
	}
	rebuilt := 0
	since := time.Time{}
	switch {
	case a.statsBatch > 0:
		// The batches after the last one counted: some may fall in the
		// last minute written (a stop writes the minute under way).
		since = a.flushedTo
	case written > 0:
		since = a.flushedTo.Add(time.Minute)
	}
	err = a.st.BatchesSince(ctx, since, func(b *Batch) error {
		if b.ID <= a.statsBatch {
			return nil
		}
		minute := ms(b.Time.Truncate(time.Minute))
		a.minuteBatch[minute] = max(a.minuteBatch[minute], b.ID)
		a.txnSeq++
		t := txn{a: a, seq: a.txnSeq, now: b.Time}
		err := DecodeShares(b.Data, b.Time, func(s *Share) bool {
			if ws := a.byID[s.Worker]; ws != nil {
				t.minute(ws, s.Difficulty)
				t.better(ws, s.Edge, s.Session, s.HashDifficulty, s.Hash, s.Height)
			}
			rebuilt++
			return true
		})
		a.merge(&t)
		return err
	})
	if err != nil {
		return err
	}
	// The blocks still followed: maturing, and orphaned or rejected ones
	// whose height's other block is not Maturity deep yet.
	open, err := a.st.BlocksWithStatus(ctx, BlockSubmitted, BlockAccepted, BlockOrphaned, BlockRejected)
	if err != nil {
		return err
	}
	for i := range open {
		b := &open[i]
		if (b.Status == BlockOrphaned || b.Status == BlockRejected) && b.Confirmations >= a.cfg.Maturity {
			continue
		}
		a.blocks[b.Hash] = b
	}
	// The shares of the last moments before the stop, for replays.
	now := time.Now()
	a.replay = map[uint64]struct{}{}
	a.replayEnd = now.Add(a.cfg.ReplayKeep)
	lastAt := now
	if newest, err := a.st.BatchesBefore(ctx, last, 1); err != nil {
		return err
	} else if len(newest) == 1 {
		lastAt = newest[0].Time
	}
	err = a.st.BatchesSince(ctx, lastAt.Add(-a.cfg.ReplayWindow), func(b *Batch) error {
		return DecodeShares(b.Data, b.Time, func(s *Share) bool {
			a.replay[replayKey(&s.Hash)] = struct{}{}
			return true
		})
	})
	if err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if err := a.live.load(ctx, a.st, now); err != nil {
		return err
	}
	// And the minutes just rebuilt from the batches, not in the store yet.
	for _, m := range a.minutes {
		a.live.add(m)
	}
	if err := a.loadBans(ctx, now); err != nil {
		return err
	}
	a.log.Info("accounts open", "workers", len(ws), "batches", last, "blocks_maturing", len(open),
		"replay_guard", len(a.replay), "stats_rebuilt_from_shares", rebuilt)
	return nil
}

func (a *Accounts) loadBests(ctx context.Context) error {
	bests, err := a.st.Bests(ctx)
	if err != nil {
		return err
	}
	a.bestMu.Lock()
	defer a.bestMu.Unlock()
	a.bests = map[string]Best{}
	for _, b := range bests {
		a.bests[b.Key] = b
	}
	a.poolBest = a.bests[poolBestKey].Difficulty
	return nil
}
