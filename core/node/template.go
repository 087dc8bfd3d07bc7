package node

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	btcwire "github.com/btcsuite/btcd/wire/v2"
	"github.com/stratapool/strata/core/chain"
)

// templateRequest is what the pool asks getblocktemplate for: segwit rules,
// and the coinbase value rather than a node-built coinbase.
var templateRequest = map[string]any{
	"rules":        []string{"segwit"},
	"capabilities": []string{"coinbasevalue", "longpoll"},
}

// knownRules are the template rules the pool honours; a rule the node marks
// mandatory ("!name") that is not here makes the template unusable.
var knownRules = map[string]bool{"segwit": true, "csv": true, "taproot": true, "testdummy": true}

// gbtResult is the part of a getblocktemplate answer the pool uses.
type gbtResult struct {
	Version           int64    `json:"version"`
	PreviousBlockHash string   `json:"previousblockhash"`
	Transactions      []gbtTx  `json:"transactions"`
	CoinbaseValue     *int64   `json:"coinbasevalue"`
	LongPollID        string   `json:"longpollid"`
	MinTime           int64    `json:"mintime"`
	CurTime           int64    `json:"curtime"`
	Bits              string   `json:"bits"`
	Height            int64    `json:"height"`
	Rules             []string `json:"rules"`
}

type gbtTx struct {
	Data string `json:"data"`
	TxID string `json:"txid"`
	Hash string `json:"hash"`
	Fee  int64  `json:"fee"`
}

// GetBlockTemplate asks for a template within the client's timeout.
func (c *Client) GetBlockTemplate(ctx context.Context) (*chain.Template, error) {
	var r gbtResult
	if err := c.Call(ctx, "getblocktemplate", []any{templateRequest}, &r); err != nil {
		return nil, err
	}
	return r.template(c.name, time.Now())
}

// LongPoll asks for the template that follows the one named id; the node
// answers when a block arrives or its mempool changes enough. It waits as
// long as ctx allows.
func (c *Client) LongPoll(ctx context.Context, id string) (*chain.Template, error) {
	req := map[string]any{"rules": templateRequest["rules"], "capabilities": templateRequest["capabilities"]}
	if id != "" {
		// Without an id yet the call is a plain getblocktemplate that gives
		// one: Bitcoin Core refuses an empty longpollid (-8, "must be of
		// length 64"), and a longpoll started with one never got going.
		req["longpollid"] = id
	}
	var r gbtResult
	if err := c.call(context.WithValue(ctx, longPollKey{}, true), "getblocktemplate", []any{req}, &r); err != nil {
		return nil, err
	}
	return r.template(c.name, time.Now())
}

// longPollKey marks a longpoll's context: it waits on purpose, so its
// time is not RPC latency.
type longPollKey struct{}

func isLongPoll(_ string, ctx context.Context) bool { return ctx.Value(longPollKey{}) != nil }

// template checks the answer and converts it.
func (r *gbtResult) template(node string, now time.Time) (*chain.Template, error) {
	bad := func(format string, args ...any) (*chain.Template, error) {
		return nil, fmt.Errorf("%w: getblocktemplate from %s: %s", ErrBadResponse, node, fmt.Sprintf(format, args...))
	}
	if r.CoinbaseValue == nil {
		return bad("no coinbasevalue")
	}
	if r.Height <= 0 || r.Height > 1<<31 {
		return bad("height %d", r.Height)
	}
	if r.Version < -1<<31 || r.Version > 1<<32-1 {
		return bad("version %d", r.Version)
	}
	if r.CurTime <= 0 || r.CurTime > 1<<32-1 || r.MinTime < 0 || r.MinTime > r.CurTime {
		return bad("curtime %d, mintime %d", r.CurTime, r.MinTime)
	}
	for _, rule := range r.Rules {
		if name, mandatory := strings.CutPrefix(rule, "!"); mandatory && !knownRules[name] {
			return bad("mandatory rule %q is not supported", rule)
		}
	}
	// Bitcoin Core writes bits as 8 hex digits; btcd drops leading zeros.
	bits, err := strconv.ParseUint(r.Bits, 16, 32)
	if err != nil || len(r.Bits) == 0 || len(r.Bits) > 8 {
		return bad("bits %q", r.Bits)
	}
	prev, err := chain.HashFromString(r.PreviousBlockHash)
	if err != nil || len(r.PreviousBlockHash) != 64 {
		return bad("previousblockhash %q", r.PreviousBlockHash)
	}
	t := &chain.Template{
		Height:        uint32(r.Height),
		Version:       uint32(r.Version),
		PrevHash:      prev,
		Bits:          uint32(bits),
		CurTime:       uint32(r.CurTime),
		MinTime:       uint32(r.MinTime),
		CoinbaseValue: *r.CoinbaseValue,
		LongPollID:    r.LongPollID,
		Node:          node,
		FetchedAt:     now,
		Transactions:  make([]chain.TemplateTx, len(r.Transactions)),
	}
	for i, tx := range r.Transactions {
		out := &t.Transactions[i]
		if out.Data, err = hex.DecodeString(tx.Data); err != nil {
			return bad("transaction %d: data is not hex", i)
		}
		if out.TxID, out.WTxID, err = txIDs(tx, out.Data); err != nil {
			return bad("transaction %d: %v", i, err)
		}
		if tx.Fee < 0 || tx.Fee > chain.MaxMoney {
			return bad("transaction %d: fee %d", i, tx.Fee)
		}
		out.Fee = tx.Fee
	}
	if err := t.Check(); err != nil {
		return nil, fmt.Errorf("getblocktemplate from %s: %w", node, err)
	}
	return t, nil
}

// txIDs reads a transaction's txid and wtxid from the template, computing
// what the node left out: the wtxid is the hash of the whole serialization,
// the txid that of the serialization without the witness.
func txIDs(tx gbtTx, data []byte) (txid, wtxid chain.Hash, err error) {
	if tx.Hash != "" {
		if wtxid, err = chain.HashFromString(tx.Hash); err != nil {
			return txid, wtxid, fmt.Errorf("hash %q", tx.Hash)
		}
	} else {
		wtxid = chain.DoubleSHA256(data)
	}
	if tx.TxID != "" {
		if txid, err = chain.HashFromString(tx.TxID); err != nil {
			return txid, wtxid, fmt.Errorf("txid %q", tx.TxID)
		}
		return txid, wtxid, nil
	}
	var msg btcwire.MsgTx
	if err := msg.Deserialize(bytes.NewReader(data)); err != nil {
		return txid, wtxid, fmt.Errorf("data does not parse: %v", err)
	}
	return msg.TxHash(), wtxid, nil
}
