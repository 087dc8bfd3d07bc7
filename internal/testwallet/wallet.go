package testwallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/chainhash/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/btcsuite/btcd/wire/v2"
)

// Wallet holds one key.
type Wallet struct {
	key    *btcec.PrivateKey
	params *chaincfg.Params
	p2pkh  address.Address
	p2wpkh address.Address
}

// New makes the wallet of a fixed seed byte: the same seed, the same key.
func New(seed byte, params *chaincfg.Params) *Wallet {
	secret := bytes.Repeat([]byte{seed}, 32)
	secret[0] = 1 // never zero
	key, _ := btcec.PrivKeyFromBytes(secret)
	hash := address.Hash160(key.PubKey().SerializeCompressed())
	p2pkh, err := address.NewAddressPubKeyHash(hash, params)
	if err != nil {
		panic(err)
	}
	p2wpkh, err := address.NewAddressWitnessPubKeyHash(hash, params)
	if err != nil {
		panic(err)
	}
	return &Wallet{key: key, params: params, p2pkh: p2pkh, p2wpkh: p2wpkh}
}

// LegacyAddress is the wallet's p2pkh address.
func (w *Wallet) LegacyAddress() string { return w.p2pkh.EncodeAddress() }

// SegwitAddress is the wallet's p2wpkh address.
func (w *Wallet) SegwitAddress() string { return w.p2wpkh.EncodeAddress() }

// LegacyScript is the p2pkh output script.
func (w *Wallet) LegacyScript() []byte { s, _ := txscript.PayToAddrScript(w.p2pkh); return s }

// SegwitScript is the p2wpkh output script.
func (w *Wallet) SegwitScript() []byte { s, _ := txscript.PayToAddrScript(w.p2wpkh); return s }

// UTXO is an output the wallet can spend.
type UTXO struct {
	TxID   chainhash.Hash
	Index  uint32
	Value  int64
	Script []byte
}

// Spend signs a transaction spending in to outs; in must pay one of the
// wallet's scripts. A p2wpkh input makes a segwit transaction.
func (w *Wallet) Spend(in UTXO, outs ...*wire.TxOut) (*wire.MsgTx, error) {
	tx := wire.NewMsgTx(2)
	tx.AddTxIn(wire.NewTxIn(wire.NewOutPoint(&in.TxID, in.Index), nil, nil))
	for _, o := range outs {
		tx.AddTxOut(o)
	}
	switch {
	case bytes.Equal(in.Script, w.LegacyScript()):
		sig, err := txscript.SignatureScript(tx, 0, in.Script, txscript.SigHashAll, w.key, true)
		if err != nil {
			return nil, err
		}
		tx.TxIn[0].SignatureScript = sig
	case bytes.Equal(in.Script, w.SegwitScript()):
		fetcher := txscript.NewCannedPrevOutputFetcher(in.Script, in.Value)
		hashes := txscript.NewTxSigHashes(tx, fetcher)
		wit, err := txscript.WitnessSignature(tx, hashes, 0, in.Value, in.Script, txscript.SigHashAll, w.key, true)
		if err != nil {
			return nil, err
		}
		tx.TxIn[0].Witness = wit
	default:
		return nil, errors.New("testwallet: the output does not pay this wallet")
	}
	return tx, nil
}

// Hex serializes a transaction (with its witness) in hex.
func Hex(tx *wire.MsgTx) string {
	var buf bytes.Buffer
	_ = tx.Serialize(&buf)
	return hex.EncodeToString(buf.Bytes())
}

// Caller is a node's RPC.
type Caller interface {
	Call(ctx context.Context, method string, params []any, result any) error
}

// CoinbaseAt returns the coinbase output of the block at height h, which
// must pay the wallet's legacy address (btcd's --miningaddr).
func (w *Wallet) CoinbaseAt(ctx context.Context, n Caller, h int64) (UTXO, error) {
	var hash string
	if err := n.Call(ctx, "getblockhash", []any{h}, &hash); err != nil {
		return UTXO{}, err
	}
	var raw string
	if err := n.Call(ctx, "getblock", []any{hash, 0}, &raw); err != nil {
		return UTXO{}, err
	}
	data, err := hex.DecodeString(raw)
	if err != nil {
		return UTXO{}, err
	}
	var block wire.MsgBlock
	if err := block.Deserialize(bytes.NewReader(data)); err != nil {
		return UTXO{}, fmt.Errorf("testwallet: block %d: %w", h, err)
	}
	cb := block.Transactions[0]
	if !bytes.Equal(cb.TxOut[0].PkScript, w.LegacyScript()) {
		return UTXO{}, fmt.Errorf("testwallet: block %d does not pay the wallet", h)
	}
	return UTXO{TxID: cb.TxHash(), Index: 0, Value: cb.TxOut[0].Value, Script: cb.TxOut[0].PkScript}, nil
}

// Send submits a transaction to the node's mempool and returns its txid.
func Send(ctx context.Context, n Caller, tx *wire.MsgTx) (string, error) {
	var txid string
	err := n.Call(ctx, "sendrawtransaction", []any{Hex(tx)}, &txid)
	return txid, err
}
