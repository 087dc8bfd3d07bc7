package share

import (
	"encoding/binary"
	"math/bits"
	"time"

	sha256 "github.com/minio/sha256-simd"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/share/sha256x"
	"github.com/stratapool/strata/wire"
)

// Item is one share of a batch: the record and the session it came from.
type Item struct {
	Session *Session
	Record  wire.SubmitRecord
}

// lanes is how many shares the SIMD kernels hash side by side.
const lanes = 16

// Shared message blocks: the padding of a 64-byte message, which every
// merkle step and every first header hash ends with.
var pad64 = sha256x.NewSchedule16(&[16]uint32{0x80000000, 15: 512})

// BatchChecker checks a batch of shares at once: the checks that need no
// hashing one by one, then the merkle folds and the headers of up to 16
// shares side by side in SIMD lanes. Its verdicts are exactly the single
// Checker's. Use one per goroutine.
type BatchChecker struct {
	v      *Validator
	kernel sha256x.Kernel
	// OnBlock, when set, is called the moment a share's verdict is
	// VerdictBlock, before the rest of the batch is judged: block
	// submission comes before anything else.
	OnBlock func(it *Item, res *Result)

	pend     []pending
	groups   []jobGroup
	coinbase []byte
	en1      [lanes][]byte
	en2      [lanes][]byte
	en2buf   [lanes][8]byte
	h        sha256x.State16 // the lanes' current hashes
	root     sha256x.State16 // the lanes' merkle roots
	st       sha256x.State16
	msg      sha256x.Msg16
	// digest is the message of a second hash: words 0..7 a first hash,
	// words 8..15 the padding of a 32-byte message, written once.
	digest sha256x.Msg16
	counts [wire.NumVerdicts]uint64
	sink   uint64 // keeps the touches from being optimised away
}

// pending is a share that passed the checks without hashing.
type pending struct {
	idx     int32
	w       *work
	step    *DiffStep
	version uint32
}

// NewBatchChecker makes a batch checker that hashes with kernel.
func (v *Validator) NewBatchChecker(kernel sha256x.Kernel) *BatchChecker {
	c := &BatchChecker{v: v, kernel: kernel, coinbase: make([]byte, 0, 1024)}
	for l := range lanes {
		c.digest[8][l] = 0x80000000
		c.digest[15][l] = 256
	}
	return c
}

// Kernel is the SIMD kernel the checker uses.
func (c *BatchChecker) Kernel() sha256x.Kernel { return c.kernel }

// Flush adds the checker's counts to the validator's.
func (c *BatchChecker) Flush() {
	for i, n := range c.counts {
		if n != 0 {
			c.v.counts[i].Add(n)
			c.counts[i] = 0
		}
	}
}

// Check judges items[i] into out[i], for every i. out must be as long as
// items. It does not allocate once its scratch has grown to the batch.
func (c *BatchChecker) Check(items []Item, now time.Time, out []Result) {
	out = out[:len(items)]
	c.pend = c.pend[:0]
	c.groups = c.groups[:0]
	for i := range items {
		it, res := &items[i], &out[i]
		w, step, version, verdict := c.v.precheck(it.Session, &it.Record, now, res)
		if w == nil {
			res.Verdict = verdict
			c.counts[verdict]++
			continue
		}
		c.pend = append(c.pend, pending{idx: int32(i), w: w, step: step, version: version})
	}
	// Shares of one job go through the lanes together: a batch holds few
	// jobs, so the groups are found by a short scan.
	for pi := range c.pend {
		w := c.pend[pi].w
		g := 0
		for g < len(c.groups) && c.groups[g].w != w {
			g++
		}
		if g == len(c.groups) {
			if g < cap(c.groups) {
				c.groups = c.groups[:g+1]
				c.groups[g].w, c.groups[g].members = w, c.groups[g].members[:0]
			} else {
				c.groups = append(c.groups, jobGroup{w: w})
			}
		}
		c.groups[g].members = append(c.groups[g].members, int32(pi))
	}
	for g := range c.groups {
		members := c.groups[g].members
		for len(members) > 0 {
			k := min(lanes, len(members))
			c.hashGroup(items, out, members[:k])
			members = members[k:]
		}
	}
}

// jobGroup is the shares of a batch on one job.
type jobGroup struct {
	w       *work
	members []int32
}

// txids sets c.h to the coinbase txids of a group of shares of one job.
func (c *BatchChecker) txids(items []Item, group []int32) {
	w := c.pend[group[0]].w
	if w.cb != nil {
		for l, pi := range group {
			it := &items[c.pend[pi].idx]
			c.en1[l] = it.Session.Extranonce1
			binary.BigEndian.PutUint64(c.en2buf[l][:], it.Record.Extranonce2)
			c.en2[l] = c.en2buf[l][8-c.v.cfg.Extranonce2Size:]
		}
		w.cb.hash(c, len(group), c.en1[:], c.en2[:])
		return
	}
	// Solo mode: each coinbase pays its own miner; one stream each.
	for l, pi := range group {
		it := &items[c.pend[pi].idx]
		c.coinbase = c.v.appendCoinbase(c.coinbase[:0], w.job, it.Session, it.Record.Extranonce2, &c.en2buf[0])
		first := sha256.Sum256(c.coinbase)
		txid := sha256.Sum256(first[:])
		for i := range 8 {
			c.h[i][l] = binary.BigEndian.Uint32(txid[4*i:])
		}
	}
}

// hashGroup hashes the coinbases of up to 16 shares of one job, folds them
// up the job's branch, hashes their headers and judges them.
func (c *BatchChecker) hashGroup(items []Item, out []Result, group []int32) {
	h, st, m := &c.h, &c.st, &c.msg
	c.txids(items, group)
	for step := range len(c.pend[group[0]].w.branch) {
		// dsha256(h || branch[step]): the block, the shared padding, then
		// the second hash of the 32-byte digest.
		for w := range 8 {
			m[w] = h[w]
		}
		for l, pi := range group {
			sib := &c.pend[pi].w.branch[step]
			for w := range 8 {
				m[8+w][l] = sib[w]
			}
		}
		st.Reset()
		c.kernel.Block(st, m)
		c.kernel.BlockConst(st, pad64)
		c.secondHash(h, st)
	}
	// The header: version, previous hash, root[0:7] | root[7], ntime,
	// bits, nonce, padding; then the second hash.
	c.root = *h
	for l, pi := range group {
		p := &c.pend[pi]
		m[0][l] = bits.ReverseBytes32(p.version)
		for w := range 8 {
			m[1+w][l] = p.w.prev[w]
		}
		for w := range 7 {
			m[9+w][l] = c.root[w][l]
		}
	}
	st.Reset()
	c.kernel.Block(st, m)
	for l, pi := range group {
		p := &c.pend[pi]
		r := &items[p.idx].Record
		m[0][l] = c.root[7][l]
		m[1][l] = bits.ReverseBytes32(r.NTime)
		m[2][l] = bits.ReverseBytes32(p.w.job.Bits)
		m[3][l] = bits.ReverseBytes32(r.Nonce)
	}
	for l := range lanes {
		m[4][l] = 0x80000000
		for w := 5; w < 15; w++ {
			m[w][l] = 0
		}
		m[15][l] = 640
	}
	c.kernel.Block(st, m)
	c.secondHash(h, st)

	// Load every lane's duplicate-set slot before judging any: the cache
	// misses overlap instead of queueing one behind the other.
	for l, pi := range group {
		p := &c.pend[pi]
		c.sink ^= p.w.seen.Touch(items[p.idx].Session.Shard(), dedupKey(h[0][l], h[1][l]))
	}
	for l, pi := range group {
		p := &c.pend[pi]
		it, res := &items[p.idx], &out[p.idx]
		var root chain.Hash
		for w := range 8 {
			binary.BigEndian.PutUint32(res.Hash[4*w:], h[w][l])
			binary.BigEndian.PutUint32(root[4*w:], c.root[w][l])
		}
		putHeader(&res.Header, p.version, p.w.job, &root, &it.Record)
		res.Verdict = c.v.judge(p.w, p.step, it.Session.Shard(), res)
		c.counts[res.Verdict]++
		if res.Verdict == wire.VerdictBlock && c.OnBlock != nil {
			c.OnBlock(it, res)
		}
	}
}

// dedupKey is the duplicate-set key of a hash whose first two digest
// words are w0 and w1: its first 8 bytes, little-endian (the same as judge's).
func dedupKey(w0, w1 uint32) uint64 {
	return uint64(bits.ReverseBytes32(w0)) | uint64(bits.ReverseBytes32(w1))<<32
}

// secondHash sets h to SHA-256 of the 32-byte digests in st.
func (c *BatchChecker) secondHash(h *sha256x.State16, st *sha256x.State16) {
	copy(c.digest[:8], st[:])
	h.Reset()
	c.kernel.Block(h, &c.digest)
}

// Extranonce2Bytes is a record's extranonce2 as the slot's bytes.
func (v *Validator) Extranonce2Bytes(r *wire.SubmitRecord) []byte {
	b := binary.BigEndian.AppendUint64(nil, r.Extranonce2)
	return b[8-v.cfg.Extranonce2Size:]
}
