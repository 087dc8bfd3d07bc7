package node

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/btcsuite/btcd/blockchain"
	"github.com/btcsuite/btcd/btcutil/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/stratapool/strata/internal/testwallet"
)

var writeFixtures = flag.Bool("write-fixtures", false, "rewrite testdata/core_getblocktemplate.json")

// TestWriteCoreTemplateFixture writes, with -write-fixtures, a template in
// the exact shape Bitcoin Core 28 answers getblocktemplate with (field set,
// types, "!segwit" rule, full default_witness_commitment script), around
// three real signed transactions, one of them segwit. Its commitment is
// computed by btcd's blockchain package, not ours, so the test that reads it
// checks our code against an independent implementation.
func TestWriteCoreTemplateFixture(t *testing.T) {
	path := filepath.Join("testdata", "core_getblocktemplate.json")
	if !*writeFixtures {
		if _, err := os.Stat(path); err != nil {
			t.Fatalf("missing fixture %s (run with -write-fixtures): %v", path, err)
		}
		return
	}
	w := testwallet.New(3, &chaincfg.MainNetParams)
	prev := chainhash.DoubleHashH([]byte("previous"))
	legacy, err := w.Spend(testwallet.UTXO{TxID: prev, Value: 5_0000_0000, Script: w.LegacyScript()},
		btcwire.NewTxOut(2_0000_0000, w.SegwitScript()), btcwire.NewTxOut(2_9990_0000, w.LegacyScript()))
	if err != nil {
		t.Fatal(err)
	}
	segwit, err := w.Spend(testwallet.UTXO{TxID: legacy.TxHash(), Index: 0, Value: 2_0000_0000, Script: w.SegwitScript()},
		btcwire.NewTxOut(1_9998_0000, w.LegacyScript()))
	if err != nil {
		t.Fatal(err)
	}
	other, err := w.Spend(testwallet.UTXO{TxID: chainhash.DoubleHashH([]byte("other")), Index: 3, Value: 1_0000_0000, Script: w.SegwitScript()},
		btcwire.NewTxOut(9999_0000, w.SegwitScript()))
	if err != nil {
		t.Fatal(err)
	}
	txs := []*btcwire.MsgTx{legacy, segwit, other}
	fees := []int64{100000, 20000, 10000}

	// btcd's witness merkle root needs a coinbase in front; its wtxid counts as zero.
	cb := btcwire.NewMsgTx(1)
	cb.AddTxIn(btcwire.NewTxIn(btcwire.NewOutPoint(&chainhash.Hash{}, 0xffffffff), []byte{3, 1, 2, 3}, [][]byte{make([]byte, 32)}))
	all := []*btcutil.Tx{btcutil.NewTx(cb)}
	for _, tx := range txs {
		all = append(all, btcutil.NewTx(tx))
	}
	root := blockchain.CalcMerkleRoot(all, true)
	commitment := chainhash.DoubleHashB(append(root[:], make([]byte, 32)...))
	script := append([]byte{0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed}, commitment...)

	var entries []map[string]any
	for i, tx := range txs {
		var buf bytes.Buffer
		tx.Serialize(&buf)
		depends := []int{}
		if i == 1 {
			depends = []int{1}
		}
		entries = append(entries, map[string]any{
			"data": hex.EncodeToString(buf.Bytes()), "txid": tx.TxHash().String(), "hash": tx.WitnessHash().String(),
			"depends": depends, "fee": fees[i], "sigops": 4, "weight": 4 * btcutil.NewTx(tx).MsgTx().SerializeSizeStripped(),
		})
	}
	result := map[string]any{
		"capabilities":               []string{"proposal"},
		"version":                    536870912,
		"rules":                      []string{"csv", "!segwit", "taproot"},
		"vbavailable":                map[string]any{},
		"vbrequired":                 0,
		"previousblockhash":          "00000000000000000001b3e5d7d6b0f2c4c1a7a6a2f2b3e9d1e0f0a1b2c3d4e5",
		"transactions":               entries,
		"coinbaseaux":                map[string]any{},
		"coinbasevalue":              312500000 + 130000,
		"longpollid":                 "00000000000000000001b3e5d7d6b0f2c4c1a7a6a2f2b3e9d1e0f0a1b2c3d4e5123",
		"target":                     "00000000000000000002d8a3000000000000000000000000000000000000000",
		"mintime":                    1731000000,
		"mutable":                    []string{"time", "transactions", "prevblock"},
		"noncerange":                 "00000000ffffffff",
		"sigoplimit":                 80000,
		"sizelimit":                  4000000,
		"weightlimit":                4000000,
		"curtime":                    1731004321,
		"bits":                       "17034219",
		"height":                     870000,
		"default_witness_commitment": hex.EncodeToString(script),
	}
	body, err := json.MarshalIndent(map[string]any{"result": result, "error": nil, "id": 1}, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, append(body, '\n'), 0o644); err != nil {
		t.Fatal(err)
	}
}
