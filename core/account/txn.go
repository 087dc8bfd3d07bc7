package account

import (
	"encoding/binary"
	"strconv"
	"strings"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/wire"
)

// txn is one transaction's shares being put together.
type txn struct {
	a       *Accounts
	seq     uint64
	now     time.Time
	batches []Batch
	// touched are the workers with shares in the transaction; their
	// txnMinute holds them, pool the pool's.
	touched    []*workerState
	pool       Minute
	bests      []Best
	blocks     []*Block
	newWorkers []*workerState
	credited   int
}

// newTxn starts the next transaction, in what the last one used.
func (a *Accounts) newTxn(now time.Time) txn {
	a.txnSeq++
	return txn{a: a, seq: a.txnSeq, now: now, batches: a.spare.batches[:0], touched: a.spare.touched[:0]}
}

// add makes a batch of one request's credits.
func (t *txn) add(credits []share.Credit, replaying bool) {
	if len(credits) == 0 {
		return
	}
	a := t.a
	b := Batch{ID: a.nextBatch + int64(len(t.batches)), Time: t.now, Data: a.spare.batchData(len(credits))}
	for i := range credits {
		c := &credits[i]
		if replaying {
			// Only shares from before the start: within this core's life
			// the validator's duplicate sets catch repeats.
			if _, dup := a.replay[replayKey(&c.Hash)]; dup {
				c.Verdict = wire.VerdictDuplicate
				continue
			}
		}
		if c.NetworkDifficulty > 0 {
			a.networkDifficulty = c.NetworkDifficulty
		}
		ws := a.workers[c.Worker]
		if ws == nil {
			a.nextID++
			ws = &workerState{Worker: Worker{ID: a.nextID, Name: c.Worker, Address: c.Address, Created: t.now}}
			a.workers[c.Worker], a.byID[ws.ID] = ws, ws
			t.newWorkers = append(t.newWorkers, ws)
			a.unsaved = append(a.unsaved, ws)
		}
		s := Share{Hash: c.Hash, Worker: ws.ID, Edge: c.Edge, Session: uint32(c.Session), Difficulty: c.Difficulty,
			HashDifficulty: c.HashDifficulty, Height: c.Height, Job: uint32(c.Job), Time: c.Time, Block: c.Block}
		if c.Block {
			t.found(c, ws, b.ID, b.Count)
		}
		b.Data = appendShare(b.Data, t.now, &s)
		b.Count++
		b.Difficulty += c.Difficulty
		t.minute(ws, c.Difficulty)
		t.better(ws, c.Edge, uint32(c.Session), c.HashDifficulty, c.Hash, c.Height)
		t.credited++
	}
	if b.Count > 0 {
		t.batches = append(t.batches, b)
	}
}

// minute adds a share to its worker's and the pool's minute of this
// transaction (one minute: the transaction's time).
func (t *txn) minute(ws *workerState, d float64) {
	if ws.txn != t.seq {
		ws.txn, ws.txnMinute = t.seq, Minute{Worker: ws.ID}
		t.touched = append(t.touched, ws)
	}
	ws.txnMinute.Accepted += d
	ws.txnMinute.AcceptedCount++
	t.pool.Accepted += d
	t.pool.AcceptedCount++
}

// spare is what a transaction's making allocates, kept for the next one
// (a Store keeps nothing of a Write once it returns): committing 200,000
// shares a second then collects garbage every few seconds rather than
// five times a second, and a collection's marking, which takes one of
// two cores for a few milliseconds, delays the verdicts under way.
type spare struct {
	data    [][]byte // batch data buffers
	batches []Batch
	touched []*workerState
}

// maxSpareData bounds the batch buffers kept: a transaction holds one
// per request, and most hold one to four.
const maxSpareData = 16

// batchData starts a batch's data with room for n shares.
func (s *spare) batchData(n int) []byte {
	if k := len(s.data); k > 0 {
		b := s.data[k-1]
		s.data = s.data[:k-1]
		if cap(b) >= 1+n*recordSize {
			return append(b[:0], codecVersion)
		}
	}
	return newBatchData(n)
}

// keep takes back what a committed or failed transaction used.
func (s *spare) keep(t *txn) {
	for i := range t.batches {
		if len(s.data) < maxSpareData {
			s.data = append(s.data, t.batches[i].Data)
		}
		t.batches[i].Data = nil
	}
	s.batches, s.touched = t.batches[:0], t.touched[:0]
}

// better notes a share that beats its worker's, its session's or the
// pool's best; they take effect when the transaction is committed (a
// failed one puts the committed ones back: failed).
func (t *txn) better(ws *workerState, edge uint16, session uint32, d float64, hash chain.Hash, height uint32) {
	a := t.a
	best := func(key string) Best {
		return Best{Key: key, Worker: ws.ID, Edge: edge, Session: session, Difficulty: d, Hash: hash.String(),
			Height: height, Time: t.now}
	}
	if d > ws.best {
		ws.best = d
		t.bests = append(t.bests, best(workerBestKey(ws.ID)))
	}
	if k := (sessionKey{edge, session}); k != ws.session {
		ws.session, ws.sessionBest = k, 0
	}
	if d > ws.sessionBest {
		ws.sessionBest = d
		t.bests = append(t.bests, best(sessionBestKey(ws.ID)))
	}
	if d > a.poolBest {
		a.poolBest = d
		t.bests = append(t.bests, best(poolBestKey))
	}
}

// The keys of the bests.
const (
	poolBestKey       = "pool"
	workerBestPrefix  = "worker/"
	sessionBestPrefix = "session/"
)

func workerBestKey(id uint32) string { return workerBestPrefix + strconv.FormatUint(uint64(id), 10) }

func sessionBestKey(id uint32) string { return sessionBestPrefix + strconv.FormatUint(uint64(id), 10) }

// replaces reports whether b is kept instead of cur, of the same key: a
// better share, or the first of a worker's new session.
func (b *Best) replaces(cur *Best) bool {
	if strings.HasPrefix(b.Key, sessionBestPrefix) && (b.Edge != cur.Edge || b.Session != cur.Session) {
		return true
	}
	return b.Difficulty > cur.Difficulty
}

// found is the record of a block's share, with what the submitter may
// already have said of it.
func (t *txn) found(c *share.Credit, ws *workerState, batch int64, index int) {
	a := t.a
	hash := c.Hash.String()
	b := a.blocks[hash]
	if b == nil {
		b = &Block{Hash: hash, Status: BlockSubmitted}
		a.blocks[hash] = b
	}
	b.Height, b.Worker, b.Address, b.Reward, b.NetworkDifficulty = c.Height, c.Worker, c.Address, c.Reward, c.NetworkDifficulty
	b.Batch, b.Index, b.FoundAt, b.UpdatedAt = batch, index, t.now, t.now
	if a.cfg.Mode == job.PoolMode {
		b.Fee = job.Fee(c.Reward, a.cfg.FeePPM)
	} else {
		b.Fee = c.Fee
	}
	t.blocks = append(t.blocks, b)
}

// replayKey is the part of a share's hash the replay guard keeps.
func replayKey(h *chain.Hash) uint64 { return binary.LittleEndian.Uint64(h[:8]) }
