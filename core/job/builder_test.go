package job

import (
	"bytes"
	"encoding/hex"
	"errors"
	"testing"
	"time"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil/v2"
	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/wire"
)

var (
	poolScript = mustHex("0014751e76e8199196d454941c45d1b3a323f1433bd6")
	minerP2TR  = mustHex("512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798")
)

func mustHex(s string) []byte {
	b, err := hex.DecodeString(s)
	if err != nil {
		panic(err)
	}
	return b
}

// testTemplate is a template with n made-up transactions.
func testTemplate(height uint32, n int) *chain.Template {
	t := &chain.Template{
		Height: height, Version: 0x20000000, Bits: 0x207fffff,
		CurTime: 1700000000, MinTime: 1699990000, CoinbaseValue: 5_000_000_000 + int64(n)*1000,
		PrevHash: chain.DoubleSHA256([]byte{byte(height)}),
	}
	for i := range n {
		data := bytes.Repeat([]byte{byte(i), byte(i >> 8)}, 100)
		t.Transactions = append(t.Transactions, chain.TemplateTx{
			Data: data, TxID: chain.DoubleSHA256(data), WTxID: chain.DoubleSHA256(append(data, 1)), Fee: 1000,
		})
	}
	return t
}

func poolBuilder(t testing.TB) *Builder {
	b, err := NewBuilder(Config{Mode: PoolMode, PoolScript: poolScript, Tag: "/strata/",
		Extranonce1Size: 4, Extranonce2Size: 8, MaxCoinbase: 730})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// parseCoinbase reads a coinbase with btcd's own transaction decoder.
func parseCoinbase(t *testing.T, raw []byte) *btcwire.MsgTx {
	t.Helper()
	var tx btcwire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		t.Fatalf("coinbase does not parse: %v\n%x", err, raw)
	}
	return &tx
}

func TestPoolModeCoinbase(t *testing.T) {
	tmpl := testTemplate(840000, 3)
	j, err := poolBuilder(t).Build(tmpl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	en1, en2 := mustHex("03123456"), mustHex("00000000000000a1")
	raw := j.AppendCoinbase(nil, en1, en2, nil)
	tx := parseCoinbase(t, raw)
	if !blockchain.IsCoinBaseTx(tx) || len(tx.TxIn) != 1 || tx.LockTime != 0 {
		t.Fatal("not a coinbase")
	}
	sig := tx.TxIn[0].SignatureScript
	if !bytes.HasPrefix(sig, mustHex("0340d10c")) || !bytes.Contains(sig, []byte("/strata/")) || !bytes.HasSuffix(sig, append(en1, en2...)) {
		t.Errorf("scriptSig %x", sig)
	}
	if h, err := blockchain.ExtractCoinbaseHeight(btcutil.NewTx(tx)); err != nil || h != 840000 {
		t.Errorf("btcd reads height %d, %v", h, err)
	}
	if len(tx.TxOut) != 2 || tx.TxOut[0].Value != tmpl.CoinbaseValue || !bytes.Equal(tx.TxOut[0].PkScript, poolScript) {
		t.Fatalf("outputs %+v", tx.TxOut)
	}
	wantCommit := chain.WitnessCommitmentScript(chain.WitnessCommitment(tmpl.WTxIDs()))
	if tx.TxOut[1].Value != 0 || !bytes.Equal(tx.TxOut[1].PkScript, wantCommit) {
		t.Errorf("commitment output %x", tx.TxOut[1].PkScript)
	}
	// The block form has the witness reserved value and the same txid.
	wtx := parseCoinbase(t, j.AppendCoinbaseWitness(nil, en1, en2, nil))
	if len(wtx.TxIn[0].Witness) != 1 || !bytes.Equal(wtx.TxIn[0].Witness[0], make([]byte, 32)) {
		t.Error("witness reserved value missing")
	}
	if wtx.TxHash() != tx.TxHash() || chain.DoubleSHA256(raw) != tx.TxHash() {
		t.Error("witness form changes the txid")
	}
	if j.PayoutSlot || j.Coinb2Tail != nil || len(raw) > 730 {
		t.Errorf("pool job: slot %v, %d bytes", j.PayoutSlot, len(raw))
	}
}

func TestSoloModeCoinbase(t *testing.T) {
	b, err := NewBuilder(Config{Mode: SoloMode, PoolScript: poolScript, FeePPM: 15_000, Tag: "/strata/",
		Extranonce1Size: 4, Extranonce2Size: 8, MaxCoinbase: 730})
	if err != nil {
		t.Fatal(err)
	}
	tmpl := testTemplate(200, 1)
	j, err := b.Build(tmpl, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if !j.PayoutSlot {
		t.Fatal("solo job without a payout slot")
	}
	tx := parseCoinbase(t, j.AppendCoinbase(nil, make([]byte, 4), make([]byte, 8), minerP2TR))
	fee := tmpl.CoinbaseValue * 15_000 / 1_000_000
	if j.PoolFee != fee || len(tx.TxOut) != 3 {
		t.Fatalf("fee %d, want %d; %d outputs", j.PoolFee, fee, len(tx.TxOut))
	}
	if tx.TxOut[0].Value != tmpl.CoinbaseValue-fee || !bytes.Equal(tx.TxOut[0].PkScript, minerP2TR) {
		t.Errorf("miner output %+v", tx.TxOut[0])
	}
	if tx.TxOut[1].Value != fee || !bytes.Equal(tx.TxOut[1].PkScript, poolScript) {
		t.Errorf("fee output %+v", tx.TxOut[1])
	}
	if tx.TxOut[0].Value+tx.TxOut[1].Value != tmpl.CoinbaseValue {
		t.Error("outputs do not add up to the coinbase value")
	}
	// Without a fee there is no fee output, and no pool script is needed.
	b, err = NewBuilder(Config{Mode: SoloMode, Extranonce1Size: 4, Extranonce2Size: 8})
	if err != nil {
		t.Fatal(err)
	}
	j, _ = b.Build(tmpl, time.Now())
	tx = parseCoinbase(t, j.AppendCoinbase(nil, make([]byte, 4), make([]byte, 8), poolScript))
	if len(tx.TxOut) != 2 || tx.TxOut[0].Value != tmpl.CoinbaseValue {
		t.Errorf("solo without fee: %+v", tx.TxOut)
	}
}

func TestHeightPushMatchesBtcd(t *testing.T) {
	want := map[uint32]string{1: "51", 16: "60", 17: "0111", 127: "017f", 128: "028000", 255: "02ff00",
		256: "020001", 32767: "02ff7f", 32768: "03008000", 840000: "0340d10c", 8388608: "0400008000",
		1 << 31: "050000008000"}
	for h, w := range want {
		if got := hex.EncodeToString(heightPush(h)); got != w {
			t.Errorf("height %d: %s, want %s", h, got, w)
		}
	}
	// btcd reads heights as int32, so the cross-check stops below 2^31.
	for _, h := range []uint32{1, 2, 15, 16, 17, 100, 127, 128, 255, 256, 65535, 65536, 1 << 23, 1<<24 - 1, 1 << 24, 1<<31 - 1} {
		tmpl := testTemplate(h, 0)
		j, err := poolBuilder(t).Build(tmpl, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tx := parseCoinbase(t, j.AppendCoinbase(nil, make([]byte, 4), make([]byte, 8), nil))
		if got, err := blockchain.ExtractCoinbaseHeight(btcutil.NewTx(tx)); err != nil || uint32(got) != h {
			t.Errorf("height %d: btcd reads %d, %v", h, got, err)
		}
	}
}

func TestFeeIsExactAndFloored(t *testing.T) {
	cases := []struct{ value, ppm, want int64 }{
		{312_500_000, 10_000, 3_125_000}, // 1% of 3.125 BTC
		{999, 10_000, 9},                 // floored, never rounded up
		{chain.MaxMoney, 999_999, chain.MaxMoney - chain.MaxMoney/1_000_000}, // no overflow
		{5_000_000_000, 0, 0},
	}
	for _, c := range cases {
		if got := Fee(c.value, c.ppm); got != c.want {
			t.Errorf("Fee(%d, %d) = %d, want %d", c.value, c.ppm, got, c.want)
		}
	}
}

func TestCleanAndIDs(t *testing.T) {
	b := poolBuilder(t)
	a, _ := b.Build(testTemplate(100, 0), time.Now())
	same, _ := b.Build(testTemplate(100, 2), time.Now())
	next, _ := b.Build(testTemplate(101, 0), time.Now())
	if !a.Clean || same.Clean || !next.Clean {
		t.Errorf("clean flags %v %v %v, want true false true", a.Clean, same.Clean, next.Clean)
	}
	if same.ID != a.ID+1 || next.ID != a.ID+2 {
		t.Errorf("ids %d %d %d", a.ID, same.ID, next.ID)
	}
}

func TestCoinbaseLimits(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), 64))
	b, _ := NewBuilder(Config{Mode: PoolMode, PoolScript: poolScript, Tag: long, Extranonce1Size: 4, Extranonce2Size: 8, MaxCoinbase: 150})
	if _, err := b.Build(testTemplate(100, 0), time.Now()); !errors.Is(err, ErrCoinbaseTooLarge) {
		t.Errorf("150-byte limit: %v", err)
	}
	b, _ = NewBuilder(Config{Mode: PoolMode, PoolScript: poolScript, Tag: long + long, Extranonce1Size: 4, Extranonce2Size: 8})
	if _, err := b.Build(testTemplate(100, 0), time.Now()); !errors.Is(err, ErrCoinbaseTooLarge) {
		t.Errorf("scriptSig over 100 bytes: %v", err)
	}
	bad := testTemplate(100, 0)
	bad.Bits = 0x04923456
	if _, err := poolBuilder(t).Build(bad, time.Now()); !errors.Is(err, chain.ErrBadTemplate) {
		t.Errorf("bad template: %v", err)
	}
	for _, cfg := range []Config{
		{Mode: PoolMode, Extranonce1Size: 4, Extranonce2Size: 8},
		{Mode: SoloMode, FeePPM: 1, Extranonce1Size: 4, Extranonce2Size: 8},
		{Mode: PoolMode, PoolScript: poolScript, FeePPM: 1_000_000, Extranonce1Size: 4, Extranonce2Size: 8},
		{Mode: PoolMode, PoolScript: poolScript},
	} {
		if _, err := NewBuilder(cfg); err == nil {
			t.Errorf("config %+v accepted", cfg)
		}
	}
}

func TestWireJob(t *testing.T) {
	j, _ := poolBuilder(t).Build(testTemplate(500, 7), time.Now())
	b, err := wire.Encode(j.Wire())
	if err != nil {
		t.Fatal(err)
	}
	var back wire.Job
	if err := back.Decode(b); err != nil {
		t.Fatal(err)
	}
	if back.ID != j.ID || !bytes.Equal(back.Coinb1, j.Coinb1) || len(back.Branch) != len(j.Branch) || back.Branch[2] != j.Branch[2] {
		t.Error("job does not survive the wire")
	}
}

// BenchmarkTemplateToJob builds a job from a 4,000-transaction template:
// the witness commitment, the merkle branch and the coinbase parts.
func BenchmarkTemplateToJob(b *testing.B) {
	tmpl := testTemplate(840000, 4000)
	builder := poolBuilder(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := builder.Build(tmpl, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
}
