package chain

import (
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// Template is a block template from a node: everything a job needs except
// the coinbase, which the pool builds.
type Template struct {
	Height   uint32
	Version  uint32
	PrevHash Hash
	Bits     uint32
	// CurTime is the node's time; MinTime the earliest valid block time.
	CurTime uint32
	MinTime uint32
	// CoinbaseValue is the subsidy plus the fees, in satoshis.
	CoinbaseValue int64
	// Transactions are the block's other transactions, in block order.
	Transactions []TemplateTx
	// LongPollID names this template's state for a longpoll request.
	LongPollID string
	// Node is the node the template came from; FetchedAt when.
	Node      string
	FetchedAt time.Time
}

// TxHex is the template's transactions serialized one after the other, in
// hex: the tail of every block built on it.
func (t *Template) TxHex() []byte {
	n := 0
	for i := range t.Transactions {
		n += len(t.Transactions[i].Data)
	}
	out := make([]byte, 2*n)
	off := 0
	for i := range t.Transactions {
		off += hex.Encode(out[off:], t.Transactions[i].Data)
	}
	return out
}

// AppendCompactSize appends n in Bitcoin's variable-length integer encoding.
func AppendCompactSize(b []byte, n uint64) []byte {
	switch {
	case n < 0xfd:
		return append(b, byte(n))
	case n <= 0xffff:
		return binary.LittleEndian.AppendUint16(append(b, 0xfd), uint16(n))
	case n <= 0xffffffff:
		return binary.LittleEndian.AppendUint32(append(b, 0xfe), uint32(n))
	}
	return binary.LittleEndian.AppendUint64(append(b, 0xff), n)
}

// TemplateTx is one transaction of a template.
type TemplateTx struct {
	// Data is the serialized transaction, with its witness if it has one.
	Data []byte
	// TxID identifies the transaction without its witness; WTxID with it.
	TxID  Hash
	WTxID Hash
	Fee   int64
}

// MaxMoney is 21 million bitcoin in satoshis.
const MaxMoney = 21_000_000 * 100_000_000

// ErrBadTemplate is wrapped by every reason a template is refused.
var ErrBadTemplate = errors.New("chain: unusable block template")

// Check refuses a template no valid block can come from.
func (t *Template) Check() error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s", ErrBadTemplate, fmt.Sprintf(format, args...))
	}
	switch {
	case t.Height == 0:
		return fail("height 0")
	case t.CoinbaseValue < 0 || t.CoinbaseValue > MaxMoney:
		return fail("coinbase value %d out of range", t.CoinbaseValue)
	case t.MinTime > t.CurTime:
		return fail("mintime %d after curtime %d", t.MinTime, t.CurTime)
	}
	if _, err := TargetFromBits(t.Bits); err != nil {
		return fail("%v", err)
	}
	for i := range t.Transactions {
		if len(t.Transactions[i].Data) < 60 {
			return fail("transaction %d is %d bytes", i, len(t.Transactions[i].Data))
		}
	}
	return nil
}

// TxIDs lists the transactions' ids in block order.
func (t *Template) TxIDs() []Hash {
	out := make([]Hash, len(t.Transactions))
	for i := range t.Transactions {
		out[i] = t.Transactions[i].TxID
	}
	return out
}

// WTxIDs lists the transactions' witness ids in block order.
func (t *Template) WTxIDs() []Hash {
	out := make([]Hash, len(t.Transactions))
	for i := range t.Transactions {
		out[i] = t.Transactions[i].WTxID
	}
	return out
}
