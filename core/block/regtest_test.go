package block_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/stratapool/strata/core/block"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/core/node"
	"github.com/stratapool/strata/core/share"
	"github.com/stratapool/strata/internal/regtest"
	"github.com/stratapool/strata/internal/testwallet"
	"github.com/stratapool/strata/wire"
)

// chainSetup is a btcd node 110 blocks in, mined to the wallet, with a
// legacy and a segwit transaction of the wallet in its mempool.
type chainSetup struct {
	node   *regtest.Node
	client *node.Client
	wallet *testwallet.Wallet
	txids  []chain.Hash
}

func setUpChain(t *testing.T) *chainSetup {
	t.Helper()
	if testing.Short() {
		t.Skip("needs a btcd regtest node")
	}
	ctx := context.Background()
	w := testwallet.New(7, &chaincfg.RegressionNetParams)
	n, err := regtest.Start(ctx, regtest.Options{Dir: t.TempDir(), MiningAddr: w.LegacyAddress()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(n.Kill)
	if _, err := n.Generate(ctx, 110); err != nil {
		t.Fatal(err)
	}
	client, err := node.NewClient(node.ClientConfig{URL: n.RPCURL, User: n.User, Password: n.Password, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	s := &chainSetup{node: n, client: client, wallet: w}
	s.addTransactions(t, 1)
	return s
}

// addTransactions puts a legacy spend of block h's coinbase in the mempool,
// and a segwit spend of its p2wpkh output.
func (s *chainSetup) addTransactions(t *testing.T, h int64) {
	t.Helper()
	ctx := context.Background()
	cb, err := s.wallet.CoinbaseAt(ctx, s.node, h)
	if err != nil {
		t.Fatal(err)
	}
	const fee = 10_000
	legacy, err := s.wallet.Spend(cb,
		btcwire.NewTxOut(10_0000_0000, s.wallet.SegwitScript()),
		btcwire.NewTxOut(cb.Value-10_0000_0000-fee, s.wallet.LegacyScript()))
	if err != nil {
		t.Fatal(err)
	}
	segwit, err := s.wallet.Spend(testwallet.UTXO{TxID: legacy.TxHash(), Index: 0, Value: 10_0000_0000, Script: s.wallet.SegwitScript()},
		btcwire.NewTxOut(10_0000_0000-fee, s.wallet.LegacyScript()))
	if err != nil {
		t.Fatal(err)
	}
	if segwit.TxHash() == segwit.WitnessHash() {
		t.Fatal("the segwit spend has no witness")
	}
	for _, tx := range []*btcwire.MsgTx{legacy, segwit} {
		if _, err := testwallet.Send(ctx, s.node, tx); err != nil {
			t.Fatalf("sendrawtransaction: %v", err)
		}
		s.txids = append(s.txids, tx.TxHash())
	}
}

// mine finds a block on j by rolling nonces through the share checker, the
// same code that checks miners' shares.
func mine(t *testing.T, j *job.Job, sess *share.Session) (*share.Result, wire.SubmitRecord) {
	t.Helper()
	v := share.NewValidator(share.Config{})
	v.AddJob(j)
	c := v.NewChecker()
	var res share.Result
	rec := wire.SubmitRecord{Session: sess.ID, Job: j.ID, Extranonce2: 0x0102, NTime: j.NTime}
	for nonce := range uint32(10_000) {
		rec.Nonce = nonce
		c.Check(sess, &rec, time.Now(), &res)
		if res.Verdict == wire.VerdictBlock {
			return &res, rec
		}
	}
	t.Fatal("no block in 10,000 nonces at regtest difficulty")
	return nil, rec
}

func testSession(t *testing.T, payout []byte) *share.Session {
	s := &share.Session{ID: 1, Extranonce1: []byte{0, 0, 0, 1}, Authorized: true, Worker: "miner.rig1", PayoutScript: payout}
	s, err := s.WithDifficulty(0, 1e-9)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func submit(t *testing.T, s *chainSetup, j *job.Job, sess *share.Session, res *share.Result, rec wire.SubmitRecord) (block.Record, string) {
	t.Helper()
	journalPath := filepath.Join(t.TempDir(), "blocks.jsonl")
	journal, err := block.OpenJournal(journalPath)
	if err != nil {
		t.Fatal(err)
	}
	defer journal.Close()
	var sent []time.Duration
	sub := block.NewSubmitter(block.SubmitterConfig{
		Nodes:   func() []block.Node { return []block.Node{s.client} },
		Journal: journal,
		Sent:    func(_ string, d time.Duration) { sent = append(sent, d) },
	})
	en2 := binary.BigEndian.AppendUint64(nil, rec.Extranonce2)
	cand := &block.Candidate{Job: j, Header: res.Header, Hash: res.Hash, Extranonce1: sess.Extranonce1,
		Extranonce2: en2, Payout: sess.PayoutScript, Worker: sess.Worker, FoundAt: time.Now()}
	r := sub.Submit(context.Background(), cand)
	if len(sent) != 1 {
		t.Errorf("submitblock sent %d times", len(sent))
	}
	return r, journalPath
}

// minedBlock fetches a block from the node.
func minedBlock(t *testing.T, s *chainSetup, hash chain.Hash) *btcwire.MsgBlock {
	t.Helper()
	var raw string
	if err := s.node.Call(context.Background(), "getblock", []any{hash.String(), 0}, &raw); err != nil {
		t.Fatal(err)
	}
	data, _ := hex.DecodeString(raw)
	var b btcwire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return &b
}

func checkFound(t *testing.T, s *chainSetup, r block.Record, res *share.Result, journalPath string) *btcwire.MsgBlock {
	t.Helper()
	ctx := context.Background()
	if r.Status != block.StatusAccepted {
		t.Fatalf("block %s: status %s (%s), answers %+v", r.Hash, r.Status, r.Reason, r.Answers)
	}
	best, err := s.client.GetBestBlockHash(ctx)
	if err != nil || best != res.Hash {
		t.Fatalf("tip %s, want our block %s (%v)", best, res.Hash, err)
	}
	recs, err := block.ReadJournal(journalPath)
	if err != nil || len(recs) != 1 || recs[0].Status != block.StatusAccepted || recs[0].Hash != res.Hash.String() {
		t.Fatalf("journal: %+v, %v", recs, err)
	}
	b := minedBlock(t, s, res.Hash)
	var got []chain.Hash
	for _, tx := range b.Transactions[1:] {
		got = append(got, tx.TxHash())
	}
	for _, want := range s.txids {
		found := false
		for _, g := range got {
			found = found || g == want
		}
		if !found {
			t.Errorf("block lacks mempool transaction %s", want)
		}
	}
	return b
}

func TestFindBlockPoolMode(t *testing.T) {
	s := setUpChain(t)
	ctx := context.Background()
	tmpl, err := s.client.GetBlockTemplate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(tmpl.Transactions) != 2 || tmpl.Height != 111 {
		t.Fatalf("template at height %d with %d transactions, want 111 and 2", tmpl.Height, len(tmpl.Transactions))
	}
	// Our commitment, computed from the wtxids, is btcd's.
	var raw struct {
		Commitment string `json:"default_witness_commitment"`
	}
	if err := s.node.Call(ctx, "getblocktemplate", []any{map[string]any{"rules": []string{"segwit"}}}, &raw); err != nil {
		t.Fatal(err)
	}
	ours := chain.WitnessCommitment(tmpl.WTxIDs())
	if raw.Commitment != hex.EncodeToString(ours[:]) {
		t.Errorf("witness commitment %x, btcd says %s", ours, raw.Commitment)
	}

	pool := testwallet.New(9, &chaincfg.RegressionNetParams).SegwitScript()
	b, err := job.NewBuilder(job.Config{Mode: job.PoolMode, PoolScript: pool, Tag: "/strata-test/",
		Extranonce1Size: 4, Extranonce2Size: 8, MaxCoinbase: 730})
	if err != nil {
		t.Fatal(err)
	}
	j, err := b.Build(tmpl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess := testSession(t, nil)
	res, rec := mine(t, j, sess)
	r, journal := submit(t, s, j, sess, res, rec)
	mined := checkFound(t, s, r, res, journal)
	cb := mined.Transactions[0]
	if len(cb.TxOut) != 2 || !bytes.Equal(cb.TxOut[0].PkScript, pool) || cb.TxOut[0].Value != tmpl.CoinbaseValue {
		t.Errorf("coinbase outputs %+v, want %d to the pool", cb.TxOut, tmpl.CoinbaseValue)
	}
	if h, _ := s.node.Height(ctx); h != 111 {
		t.Errorf("height %d after our block, want 111", h)
	}
}

func TestFindBlockSoloModeWithFee(t *testing.T) {
	s := setUpChain(t)
	ctx := context.Background()
	tmpl, err := s.client.GetBlockTemplate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	pool := testwallet.New(9, &chaincfg.RegressionNetParams).SegwitScript()
	miner := testwallet.New(11, &chaincfg.RegressionNetParams).LegacyScript()
	b, err := job.NewBuilder(job.Config{Mode: job.SoloMode, PoolScript: pool, FeePPM: 20_000, Tag: "/strata-test/",
		Extranonce1Size: 4, Extranonce2Size: 8, MaxCoinbase: 730})
	if err != nil {
		t.Fatal(err)
	}
	j, err := b.Build(tmpl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess := testSession(t, miner)
	res, rec := mine(t, j, sess)
	r, journal := submit(t, s, j, sess, res, rec)
	mined := checkFound(t, s, r, res, journal)
	cb := mined.Transactions[0]
	fee := job.Fee(tmpl.CoinbaseValue, 20_000)
	if len(cb.TxOut) != 3 ||
		!bytes.Equal(cb.TxOut[0].PkScript, miner) || cb.TxOut[0].Value != tmpl.CoinbaseValue-fee ||
		!bytes.Equal(cb.TxOut[1].PkScript, pool) || cb.TxOut[1].Value != fee {
		t.Errorf("coinbase outputs %+v: want %d to the miner and a %d fee", cb.TxOut, tmpl.CoinbaseValue-fee, fee)
	}
}

func TestRejectedBlockIsNotFound(t *testing.T) {
	s := setUpChain(t)
	ctx := context.Background()
	tmpl, err := s.client.GetBlockTemplate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := job.NewBuilder(job.Config{Mode: job.PoolMode, PoolScript: s.wallet.SegwitScript(), Extranonce1Size: 4, Extranonce2Size: 8})
	j, err := b.Build(tmpl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sess := testSession(t, nil)
	res, _ := mine(t, j, sess)
	// The block carries another extranonce2 than the share hashed: its
	// merkle root no longer matches its transactions.
	var released []chain.Hash
	sub := block.NewSubmitter(block.SubmitterConfig{
		Nodes:    func() []block.Node { return []block.Node{s.client} },
		Rejected: func(prev chain.Hash) { released = append(released, prev) },
	})
	r := sub.Submit(ctx, &block.Candidate{Job: j, Header: res.Header, Hash: res.Hash, Extranonce1: sess.Extranonce1,
		Extranonce2: make([]byte, 8), FoundAt: time.Now()})
	if r.Status != block.StatusRejected || r.Reason == "" || !strings.Contains(strings.ToLower(r.Reason), "merkle") {
		t.Fatalf("status %s, reason %q", r.Status, r.Reason)
	}
	if len(released) != 1 || released[0] != j.PrevHash {
		t.Errorf("the validator's claim on the tip was not released: %v", released)
	}
	if h, _ := s.node.Height(ctx); h != 110 {
		t.Errorf("the node's height moved to %d", h)
	}
}

func TestMain(m *testing.M) {
	os.Exit(m.Run())
}
