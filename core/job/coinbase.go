package job

import (
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/stratapool/strata/core/chain"
)

// Coinbase serialization, without witness (what miners hash):
//
//	version u32 | 01 | 32 zero bytes | ffffffff | scriptSig length |
//	scriptSig: height push | tag push | extranonce push opcode  <- Coinb1 ends
//	extranonce1 | extranonce2                                  <- the miner's part
//	ffffffff | output count | outputs | locktime u32            <- Coinb2
//
// In solo mode the first output's script is the payout slot: Coinb2 ends
// after that output's value, and Coinb2Tail starts after its script.

const (
	coinbaseVersion = 2
	// maxScriptSig is the consensus limit on a coinbase's scriptSig.
	maxScriptSig = 100
	// MaxPayoutScript is the longest script a payout slot holds: p2wsh and
	// p2tr are 34 bytes.
	MaxPayoutScript = 34
)

// ErrCoinbaseTooLarge is returned when a job's coinbase would exceed the
// configured size (what miners' firmware accepts) or the scriptSig limit.
var ErrCoinbaseTooLarge = errors.New("job: coinbase too large")

// heightPush is the BIP34 height as Bitcoin Core writes it: CScript() <<
// height, so 1 to 16 are OP_1..OP_16 and larger heights a minimal push of a
// little-endian signed number.
func heightPush(h uint32) []byte {
	if h >= 1 && h <= 16 {
		return []byte{0x50 + byte(h)}
	}
	var num []byte
	for v := h; v > 0; v >>= 8 {
		num = append(num, byte(v))
	}
	if len(num) > 0 && num[len(num)-1]&0x80 != 0 {
		num = append(num, 0) // keep it positive
	}
	return append([]byte{byte(len(num))}, num...)
}

// pushData is a minimal script push of up to 75 bytes.
func pushData(b []byte) []byte {
	return append([]byte{byte(len(b))}, b...)
}

// output is one coinbase output.
type output struct {
	value  int64
	script []byte
}

func appendOutput(b []byte, o output) []byte {
	b = binary.LittleEndian.AppendUint64(b, uint64(o.value))
	b = chain.AppendCompactSize(b, uint64(len(o.script)))
	return append(b, o.script...)
}

// coinbaseParts builds Coinb1 and Coinb2 (and Coinb2Tail in solo mode).
// outputs[0] is the payout slot when slot is set: its script is left out.
func coinbaseParts(height uint32, tag string, extranonceSize int, outputs []output, slot bool) (coinb1, coinb2, tail []byte, err error) {
	hp := heightPush(height)
	scriptSigLen := len(hp) + 1 + extranonceSize
	if tag != "" {
		scriptSigLen += 1 + len(tag)
	}
	if scriptSigLen > maxScriptSig || extranonceSize > 75 {
		return nil, nil, nil, fmt.Errorf("%w: scriptSig of %d bytes, at most %d", ErrCoinbaseTooLarge, scriptSigLen, maxScriptSig)
	}
	coinb1 = binary.LittleEndian.AppendUint32(nil, coinbaseVersion)
	coinb1 = append(coinb1, 1)
	coinb1 = append(coinb1, make([]byte, 32)...)
	coinb1 = binary.LittleEndian.AppendUint32(coinb1, 0xffffffff)
	coinb1 = chain.AppendCompactSize(coinb1, uint64(scriptSigLen))
	coinb1 = append(coinb1, hp...)
	if tag != "" {
		coinb1 = append(coinb1, pushData([]byte(tag))...)
	}
	coinb1 = append(coinb1, byte(extranonceSize))

	coinb2 = binary.LittleEndian.AppendUint32(nil, 0xffffffff)
	coinb2 = chain.AppendCompactSize(coinb2, uint64(len(outputs)))
	rest := outputs
	if slot {
		coinb2 = binary.LittleEndian.AppendUint64(coinb2, uint64(outputs[0].value))
		rest = outputs[1:]
	}
	var after []byte
	for _, o := range rest {
		after = appendOutput(after, o)
	}
	after = binary.LittleEndian.AppendUint32(after, 0) // locktime
	if slot {
		return coinb1, coinb2, after, nil
	}
	return coinb1, append(coinb2, after...), nil, nil
}

// AppendPayout appends a payout slot's contents: the script's compact size
// and the script.
func AppendPayout(b, script []byte) []byte {
	return append(chain.AppendCompactSize(b, uint64(len(script))), script...)
}

// witnessReserved is the coinbase's witness: one 32-byte zero item, the
// witness reserved value of BIP141.
var witnessReserved = append([]byte{1, 32}, make([]byte, 32)...)

// AppendCoinbase appends the coinbase transaction as miners hash it (no
// witness), given the miner's extranonce bytes and, in solo mode, the
// payout script.
func (j *Job) AppendCoinbase(b, extranonce1, extranonce2, payout []byte) []byte {
	b = append(b, j.Coinb1...)
	b = append(b, extranonce1...)
	b = append(b, extranonce2...)
	b = append(b, j.Coinb2...)
	if j.PayoutSlot {
		b = AppendPayout(b, payout)
		b = append(b, j.Coinb2Tail...)
	}
	return b
}

// AppendCoinbaseWitness appends the coinbase as it goes into the block: with
// the segwit marker and the witness reserved value.
func (j *Job) AppendCoinbaseWitness(b, extranonce1, extranonce2, payout []byte) []byte {
	start := len(b)
	b = j.AppendCoinbase(b, extranonce1, extranonce2, payout)
	tx := b[start:]
	// version | marker 00 flag 01 | inputs and outputs | witness | locktime
	out := make([]byte, 0, len(tx)+2+len(witnessReserved))
	out = append(out, tx[:4]...)
	out = append(out, 0, 1)
	out = append(out, tx[4:len(tx)-4]...)
	out = append(out, witnessReserved...)
	out = append(out, tx[len(tx)-4:]...)
	return append(b[:start], out...)
}
