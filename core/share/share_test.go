package share

import (
	"math"
	"math/big"
	"math/rand/v2"
	"testing"
	"time"

	"bytes"
	"encoding/binary"
	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil/v2"
	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/share/sha256x"
	"github.com/stratapool/strata/wire"
)

// referenceHash is what a miner computes, with btcd's code only: the
// coinbase parsed by btcd, the merkle root of all transactions, the header.
func referenceHash(t *testing.T, j *job.Job, txs []*btcwire.MsgTx, s *Session, r *wire.SubmitRecord, poolMask uint32) chainHash {
	t.Helper()
	en2 := binary.BigEndian.AppendUint64(nil, r.Extranonce2)
	raw := j.AppendCoinbase(nil, s.Extranonce1, en2, s.PayoutScript)
	var cb btcwire.MsgTx
	if err := cb.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatal(err)
	}
	all := []*btcutil.Tx{btcutil.NewTx(&cb)}
	for _, tx := range txs {
		all = append(all, btcutil.NewTx(tx))
	}
	version := j.Version
	if r.HasVersion {
		mask := s.VersionMask
		if mask == 0 {
			mask = poolMask
		}
		version = version&^mask | r.VersionBits&mask
	}
	hdr := btcwire.BlockHeader{Version: int32(version), PrevBlock: j.PrevHash, MerkleRoot: blockchain.CalcMerkleRoot(all, false),
		Timestamp: time.Unix(int64(r.NTime), 0), Bits: j.Bits, Nonce: r.Nonce}
	return hdr.BlockHash()
}

type chainHash = chain.Hash

// TestReferenceMinerProperty: at a random difficulty, a share is accepted
// if and only if its hash (as a miner computes it) meets the share target;
// the single and the batch checkers agree on every share.
func TestReferenceMinerProperty(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, mode := range []job.PayoutMode{job.PoolMode, job.SoloMode} {
		tmpl, txs := realTemplate(t, 9, mainnetBits)
		j := buildJob(t, tmpl, mode)
		v := NewValidator(Config{})
		v.AddJob(j)
		single := v.NewChecker()
		var items []Item
		var want []bool
		var hashes []chain.Hash
		for i := range 300 {
			// Log-uniform difficulty: from nearly every hash to few.
			diff := math.Exp2(-33 + 6*rng.Float64())
			payout := []byte(nil)
			if mode == job.SoloMode {
				payout = []byte{0x51, 0x20, byte(i), 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33}
			}
			mask := uint32(0)
			if rng.IntN(2) == 0 {
				mask = DefaultVersionMask
			}
			s := newSession(t, wire.SessionID(i+1), diff, mask, payout)
			r := randomRecord(rng, s, j)
			h := referenceHash(t, j, txs, s, &r, DefaultVersionMask)
			target := new(big.Rat).SetFrac(new(big.Int).Lsh(big.NewInt(0xffff), 208), big.NewInt(1))
			target.Quo(target, new(big.Rat).SetFloat64(diff))
			limit := new(big.Int).Quo(target.Num(), target.Denom())
			items = append(items, Item{Session: s, Record: r})
			want = append(want, blockchain.HashToBig(&h).Cmp(limit) <= 0)
			hashes = append(hashes, h)
		}
		var res Result
		for i := range items {
			single.Check(items[i].Session, &items[i].Record, time.Unix(1_700_000_000, 0), &res)
			if res.Hash != hashes[i] {
				t.Fatalf("%s share %d: hash %s, the reference miner's %s", mode, i, res.Hash, hashes[i])
			}
			if got := res.Verdict == wire.VerdictAccepted; got != want[i] || (!got && res.Verdict != wire.VerdictLowDifficulty) {
				t.Fatalf("%s share %d: verdict %s, reference says meets target %v", mode, i, res.Verdict, want[i])
			}
		}
		accepted := 0
		for _, w := range want {
			if w {
				accepted++
			}
		}
		if accepted < 30 || accepted > 270 {
			t.Errorf("%d of 300 accepted: the difficulties do not test both outcomes", accepted)
		}
		// The batch path, on every kernel, on a fresh validator (the single
		// path has remembered these shares).
		for _, k := range sha256x.Kernels() {
			v2 := NewValidator(Config{})
			v2.AddJob(j)
			out := make([]Result, len(items))
			v2.NewBatchChecker(k).Check(items, time.Unix(1_700_000_000, 0), out)
			for i := range items {
				if out[i].Hash != hashes[i] || (out[i].Verdict == wire.VerdictAccepted) != want[i] {
					t.Fatalf("%s kernel %s share %d: verdict %s hash %s; reference %v %s", mode, k, i, out[i].Verdict, out[i].Hash, want[i], hashes[i])
				}
			}
		}
	}
}

// TestEveryRejectReason produces each verdict the validator gives.
func TestEveryRejectReason(t *testing.T) {
	tmpl, _ := realTemplate(t, 3, mainnetBits)
	now := time.Unix(int64(tmpl.CurTime), 0)
	fresh := func(cfg Config) (*Validator, *job.Job) {
		v := NewValidator(cfg)
		j := buildJob(t, tmpl, job.PoolMode)
		v.AddJob(j)
		return v, j
	}
	easy := newSession(t, 1, 1e-12, DefaultVersionMask, nil)
	ok := func(j *job.Job) wire.SubmitRecord {
		return wire.SubmitRecord{Session: 1, Job: j.ID, Extranonce2: 5, NTime: j.NTime, Nonce: 9, HasVersion: true, VersionBits: 0x2000}
	}
	type scenario struct {
		name string
		run  func(c func(v *Validator, s *Session, r wire.SubmitRecord) wire.Verdict) wire.Verdict
	}
	scenarios := []struct {
		want wire.Verdict
		run  func(check func(v *Validator, s *Session, r wire.SubmitRecord) wire.Verdict) wire.Verdict
	}{
		{wire.VerdictAccepted, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			return check(v, easy, ok(j))
		}},
		{wire.VerdictNotSubscribed, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			return check(v, nil, ok(j))
		}},
		{wire.VerdictUnauthorized, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			s := *easy
			s.Authorized = false
			return check(v, &s, ok(j))
		}},
		{wire.VerdictJobNotFound, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			r := ok(j)
			r.Job += 1000
			return check(v, easy, r)
		}},
		{wire.VerdictStale, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v := NewValidator(Config{})
			b := newBuilder(t, job.PoolMode)
			j := buildNext(t, b, tmpl)
			v.AddJob(j)
			next, _ := realTemplate(t, 3, mainnetBits)
			next.PrevHash = chain.DoubleSHA256([]byte("a new block"))
			v.AddJob(buildNext(t, b, next))
			return check(v, easy, ok(j))
		}},
		{wire.VerdictMalformed, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{Extranonce2Size: 4})
			r := ok(j)
			r.Extranonce2 = 1 << 32
			return check(v, easy, r)
		}},
		{wire.VerdictBadVersion, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			r := ok(j)
			r.VersionBits = 0x00000004
			return check(v, easy, r)
		}},
		{wire.VerdictBadVersion, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			// A narrower negotiated mask is the one that counts.
			v, j := fresh(Config{})
			s := newSession(t, 1, 1e-12, 0x00ffe000, nil)
			r := ok(j)
			r.VersionBits = 0x10000000
			return check(v, s, r)
		}},
		{wire.VerdictBadNTime, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			r := ok(j)
			r.NTime = j.MinTime - 1
			return check(v, easy, r)
		}},
		{wire.VerdictBadNTime, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			r := ok(j)
			r.NTime = uint32(now.Unix()) + 7001
			return check(v, easy, r)
		}},
		{wire.VerdictLowDifficulty, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			return check(v, newSession(t, 1, 1e15, DefaultVersionMask, nil), ok(j))
		}},
		{wire.VerdictDuplicate, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			v, j := fresh(Config{})
			check(v, easy, ok(j))
			return check(v, easy, ok(j))
		}},
		{wire.VerdictDuplicate, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			// A template refreshed with nothing new in it makes a job that
			// hashes as the last one: the same share sent under both names
			// is one share.
			v := NewValidator(Config{})
			b := newBuilder(t, job.PoolMode)
			j := buildNext(t, b, tmpl)
			v.AddJob(j)
			again := buildNext(t, b, tmpl)
			v.AddJob(again)
			if check(v, easy, ok(j)) != wire.VerdictAccepted {
				return wire.VerdictMalformed
			}
			return check(v, easy, ok(again))
		}},
		{wire.VerdictAccepted, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			// A job with a transaction more, on the same tip, is other work.
			v := NewValidator(Config{})
			b := newBuilder(t, job.PoolMode)
			j := buildNext(t, b, tmpl)
			v.AddJob(j)
			more, _ := realTemplate(t, 4, mainnetBits)
			more.PrevHash = tmpl.PrevHash
			other := buildNext(t, b, more)
			v.AddJob(other)
			if check(v, easy, ok(j)) != wire.VerdictAccepted {
				return wire.VerdictMalformed
			}
			return check(v, easy, ok(other))
		}},
		{wire.VerdictStale, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			// A job whose duplicate set is full sends miners to new work.
			v, j := fresh(Config{DedupPerJob: 1})
			for n := range uint32(200) {
				r := ok(j)
				r.Nonce = n
				if verdict := check(v, easy, r); verdict == wire.VerdictStale {
					return verdict
				}
			}
			return wire.VerdictAccepted
		}},
		{wire.VerdictBlock, func(check func(*Validator, *Session, wire.SubmitRecord) wire.Verdict) wire.Verdict {
			regtest, _ := realTemplate(t, 3, 0x207fffff)
			v := NewValidator(Config{})
			j := buildJob(t, regtest, job.PoolMode)
			v.AddJob(j)
			for n := range uint32(100) {
				r := ok(j)
				r.Nonce = n
				if verdict := check(v, easy, r); verdict == wire.VerdictBlock {
					// The next solution on the same tip is a sibling: a share.
					for m := n + 1; m < 200; m++ {
						r.Nonce = m
						if again := check(v, easy, r); again == wire.VerdictBlock {
							t.Error("a second block on the same tip")
						}
					}
					return verdict
				}
			}
			return wire.VerdictAccepted
		}},
	}
	singleCheck := func(v *Validator, s *Session, r wire.SubmitRecord) wire.Verdict {
		var res Result
		v.NewChecker().Check(s, &r, now, &res)
		return res.Verdict
	}
	batchCheck := func(k sha256x.Kernel) func(*Validator, *Session, wire.SubmitRecord) wire.Verdict {
		return func(v *Validator, s *Session, r wire.SubmitRecord) wire.Verdict {
			out := make([]Result, 1)
			v.NewBatchChecker(k).Check([]Item{{s, r}}, now, out)
			return out[0].Verdict
		}
	}
	seen := map[wire.Verdict]bool{}
	for i, sc := range scenarios {
		if got := sc.run(singleCheck); got != sc.want {
			t.Errorf("scenario %d (single): %s, want %s", i, got, sc.want)
		}
		for _, k := range sha256x.Kernels() {
			if got := sc.run(batchCheck(k)); got != sc.want {
				t.Errorf("scenario %d (batch %s): %s, want %s", i, k, got, sc.want)
			}
		}
		seen[sc.want] = true
	}
	for v := range wire.NumVerdicts {
		if !seen[v] && v != wire.VerdictUnavailable {
			t.Errorf("no scenario gives %s", v)
		}
	}
}

// TestUnconfiguredSessionUsesPoolMask: a miner that never sent
// mining.configure but rolls version bits (rental services) is held to the
// pool's mask.
func TestUnconfiguredSessionUsesPoolMask(t *testing.T) {
	tmpl, _ := realTemplate(t, 1, mainnetBits)
	v := NewValidator(Config{})
	j := buildJob(t, tmpl, job.PoolMode)
	v.AddJob(j)
	s := newSession(t, 1, 1e-12, 0, nil)
	var res Result
	r := wire.SubmitRecord{Session: 1, Job: j.ID, NTime: j.NTime, HasVersion: true, VersionBits: 0x1fffe000}
	v.NewChecker().Check(s, &r, time.Unix(int64(j.NTime), 0), &res)
	if res.Verdict != wire.VerdictAccepted {
		t.Errorf("bits inside the pool mask: %s", res.Verdict)
	}
	r.VersionBits, r.Nonce = 0x20000000, 1
	v.NewChecker().Check(s, &r, time.Unix(int64(j.NTime), 0), &res)
	if res.Verdict != wire.VerdictBadVersion {
		t.Errorf("bits outside the pool mask: %s", res.Verdict)
	}
}

// TestCreditIsAssignedDifficulty: a share is credited the difficulty its
// session had for its job, the older one for jobs before a change.
func TestCreditIsAssignedDifficulty(t *testing.T) {
	tmpl, _ := realTemplate(t, 1, mainnetBits)
	v := NewValidator(Config{})
	b, _ := job.NewBuilder(job.Config{Mode: job.PoolMode, PoolScript: []byte{0x51}, Extranonce1Size: 4, Extranonce2Size: 8})
	j1, _ := b.Build(tmpl, time.Now())
	j2, _ := b.Build(tmpl, time.Now())
	v.AddJob(j1)
	v.AddJob(j2)
	s := newSession(t, 1, 1e-12, 0, nil)
	s, _ = s.WithDifficulty(j2.ID, 2e-12)
	var res Result
	c := v.NewChecker()
	// j2 hashes as j1 does (one template): the shares differ in nonce, or
	// the second would be the first sent again.
	for n, tc := range []struct {
		j    *job.Job
		want float64
	}{{j1, 1e-12}, {j2, 2e-12}} {
		r := wire.SubmitRecord{Session: 1, Job: tc.j.ID, NTime: tc.j.NTime, Nonce: uint32(n)}
		c.Check(s, &r, time.Unix(int64(tc.j.NTime), 0), &res)
		if res.Verdict != wire.VerdictAccepted || res.Credit != tc.want || res.HashDifficulty < tc.want {
			t.Errorf("job %d: %s credit %g, want %g", tc.j.ID, res.Verdict, res.Credit, tc.want)
		}
	}
	c.Flush()
	if got := v.Counts()[wire.VerdictAccepted]; got != 2 {
		t.Errorf("accepted count %d", got)
	}
}

func TestZeroAllocs(t *testing.T) {
	f := newBenchFixture(t, 256)
	c := f.v.NewChecker()
	var res Result
	now := time.Unix(int64(f.j.NTime), 0)
	for i := range f.items { // every stripe of the duplicate set made
		c.Check(f.items[i].Session, &f.items[i].Record, now, &res)
	}
	i := 0
	if n := testing.AllocsPerRun(200, func() {
		it := &f.items[i%len(f.items)]
		it.Record.Nonce++
		c.Check(it.Session, &it.Record, now, &res)
		i++
	}); n != 0 {
		t.Errorf("single check: %v allocs per share", n)
	}
	for _, k := range sha256x.Kernels() {
		f := newBenchFixture(t, 256) // a fresh duplicate set for each kernel
		bc := f.v.NewBatchChecker(k)
		out := make([]Result, len(f.items))
		// Warm up: the scratch grows to the batch, and the job's duplicate
		// set makes each of its stripes on first use.
		for range 8 {
			for i := range f.items {
				f.items[i].Record.Nonce++
			}
			bc.Check(f.items, now, out)
		}
		if n := testing.AllocsPerRun(20, func() {
			for i := range f.items {
				f.items[i].Record.Nonce++
			}
			bc.Check(f.items, now, out)
		}); n > 0.5 {
			t.Errorf("batch check (%s): %v allocs per batch", k, n)
		}
	}
}

// TestBlockHandedOnFirst: OnBlock runs before the shares after the block in
// its batch are judged.
func TestBlockHandedOnFirst(t *testing.T) {
	tmpl, _ := realTemplate(t, 3, 0x207fffff)
	for _, k := range sha256x.Kernels() {
		v := NewValidator(Config{})
		j := buildJob(t, tmpl, job.PoolMode)
		v.AddJob(j)
		s := newSession(t, 1, 1e-12, DefaultVersionMask, nil)
		items := make([]Item, 64)
		for i := range items {
			items[i] = Item{s, wire.SubmitRecord{Session: 1, Job: j.ID, NTime: j.NTime, Nonce: uint32(i)}}
		}
		out := make([]Result, len(items))
		for i := range out {
			out[i].Verdict = wire.NumVerdicts // not judged yet
		}
		called := 0
		bc := v.NewBatchChecker(k)
		bc.OnBlock = func(it *Item, res *Result) {
			called++
			for i := range out[len(out)-16:] {
				if out[len(out)-16+i].Verdict != wire.NumVerdicts {
					t.Errorf("%s: the last group was judged before the block was handed on", k)
					return
				}
			}
			if res.Job != j || res.Hash == (chain.Hash{}) || it.Record.Nonce >= 48 {
				t.Errorf("%s: block from share %d handed on late or without its job", k, it.Record.Nonce)
			}
		}
		bc.Check(items, time.Unix(int64(j.NTime), 0), out)
		if called != 1 {
			t.Errorf("%s: OnBlock called %d times, want once (later solutions are siblings)", k, called)
		}
	}
}
