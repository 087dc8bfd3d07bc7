package share

import (
	"bytes"
	"encoding/binary"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/internal/testwallet"
	"github.com/stratapool/strata/wire"
)

// Bits of a mainnet block: no share of these tests is a block by chance.
const mainnetBits = 0x17034219

// realTemplate is a template of n real (signed, parseable) transactions.
func realTemplate(t testing.TB, n int, bits uint32) (*chain.Template, []*btcwire.MsgTx) {
	t.Helper()
	w := testwallet.New(5, &chaincfg.RegressionNetParams)
	tmpl := &chain.Template{Height: 840000, Version: 0x20000000, Bits: bits, CurTime: 1_700_000_000,
		MinTime: 1_699_999_000, CoinbaseValue: 312_500_000, PrevHash: chain.DoubleSHA256([]byte("prev"))}
	var txs []*btcwire.MsgTx
	for i := range n {
		in := testwallet.UTXO{TxID: chainhash.DoubleHashH([]byte{byte(i), byte(i >> 8)}), Value: 100_000, Script: w.LegacyScript()}
		if i%2 == 1 {
			in.Script = w.SegwitScript()
		}
		tx, err := w.Spend(in, btcwire.NewTxOut(90_000, w.SegwitScript()))
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		tx.Serialize(&buf)
		tmpl.Transactions = append(tmpl.Transactions, chain.TemplateTx{Data: buf.Bytes(), TxID: tx.TxHash(), WTxID: tx.WitnessHash()})
		txs = append(txs, tx)
	}
	return tmpl, txs
}

func buildJob(t testing.TB, tmpl *chain.Template, mode job.PayoutMode) *job.Job {
	t.Helper()
	return buildNext(t, newBuilder(t, mode), tmpl)
}

// newBuilder starts job ids at a random point, as the core's builder does.
// Jobs meant to live in one validator come from one builder: the validator's
// ring finds a job by id, and ids from two builders may share a slot.
func newBuilder(t testing.TB, mode job.PayoutMode) *job.Builder {
	t.Helper()
	b, err := job.NewBuilder(job.Config{Mode: mode, PoolScript: []byte{0x00, 0x14, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20},
		FeePPM: 10_000, Tag: "/strata/", Extranonce1Size: 4, Extranonce2Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func buildNext(t testing.TB, b *job.Builder, tmpl *chain.Template) *job.Job {
	t.Helper()
	j, err := b.Build(tmpl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func newSession(t testing.TB, id wire.SessionID, diff float64, mask uint32, payout []byte) *Session {
	t.Helper()
	s := &Session{ID: id, Extranonce1: binary.BigEndian.AppendUint32(nil, uint32(id)), Authorized: true,
		Worker: "addr.rig", VersionMask: mask, PayoutScript: payout}
	s, err := s.WithDifficulty(0, diff)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// randomRecord is a plausible submit on job j.
func randomRecord(rng *rand.Rand, s *Session, j *job.Job) wire.SubmitRecord {
	r := wire.SubmitRecord{Session: s.ID, Job: j.ID, Extranonce2: rng.Uint64(), NTime: j.NTime + uint32(rng.IntN(60)), Nonce: rng.Uint32()}
	if rng.IntN(4) != 0 {
		r.HasVersion, r.VersionBits = true, rng.Uint32()&DefaultVersionMask
	}
	return r
}

// benchFixture is the realistic load: a 250-byte coinbase, a
// 12-step merkle branch, 6-parameter submits from many sessions.
type benchFixture struct {
	v        *Validator
	j        *job.Job
	sessions []*Session
	items    []Item
}

func newBenchFixture(tb testing.TB, n int) *benchFixture {
	tb.Helper()
	rng := rand.New(rand.NewPCG(42, 43))
	j := &job.Job{ID: 77, Height: 840000, Version: 0x20000000, Bits: mainnetBits, NTime: 1_700_000_000,
		MinTime: 1_699_999_000, PrevHash: chain.DoubleSHA256([]byte("tip")), Template: &chain.Template{}}
	j.Target, _ = chain.TargetFromBits(j.Bits)
	j.NetworkDifficulty = j.Target.Difficulty()
	j.Coinb1 = make([]byte, 120)
	j.Coinb2 = make([]byte, 118) // 120 + 4 + 8 + 118 = 250 bytes
	for i := range j.Coinb1 {
		j.Coinb1[i] = byte(rng.Uint32())
	}
	for i := range j.Coinb2 {
		j.Coinb2[i] = byte(rng.Uint32())
	}
	for range 12 {
		j.Branch = append(j.Branch, chain.DoubleSHA256([]byte{byte(rng.Uint32())}))
	}
	v := NewValidator(Config{DedupPerJob: 1 << 26})
	v.AddJob(j)
	f := &benchFixture{v: v, j: j}
	for i := range 1000 {
		// A low share difficulty: nearly every share is accepted, so the
		// duplicate set is written as on a real pool.
		f.sessions = append(f.sessions, newSession(tb, wire.SessionID(i+1), 1e-10, DefaultVersionMask, nil))
	}
	for range n {
		s := f.sessions[rng.IntN(len(f.sessions))]
		r := wire.SubmitRecord{Session: s.ID, Job: j.ID, Extranonce2: uint64(rng.IntN(1 << 20)),
			NTime: j.NTime + uint32(rng.IntN(30)), Nonce: rng.Uint32(), HasVersion: true, VersionBits: rng.Uint32() & DefaultVersionMask}
		f.items = append(f.items, Item{Session: s, Record: r})
	}
	return f
}
