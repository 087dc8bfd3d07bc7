package stratum

import (
	"encoding/hex"
	"math"
	"strconv"
	"unicode/utf8"
)

// The Append functions write one line each, newline included. Responses
// echo the request's id exactly as it came (Request.ID); notifications have
// id null.

// AppendResult writes a successful response; result is JSON.
func AppendResult(b, id, result []byte) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"result":`...)
	b = append(b, result...)
	return append(b, ",\"error\":null}\n"...)
}

var (
	jsonTrue  = []byte("true")
	jsonFalse = []byte("false")
)

// AppendBool writes a true or false result.
func AppendBool(b, id []byte, v bool) []byte {
	if v {
		return AppendResult(b, id, jsonTrue)
	}
	return AppendResult(b, id, jsonFalse)
}

// AppendError writes an error response: [code, "message", null].
func AppendError(b, id []byte, code int, message string) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"result":null,"error":[`...)
	b = strconv.AppendInt(b, int64(code), 10)
	b = append(b, ',')
	b = AppendString(b, message)
	return append(b, ",null]}\n"...)
}

// Notify is a job as mining.notify sends it.
type Notify struct {
	JobID string
	// PrevHash is the previous block's hash in internal byte order.
	PrevHash [32]byte
	Coinb1   []byte
	Coinb2   []byte
	Branch   [][32]byte
	Version  uint32
	Bits     uint32
	NTime    uint32
	Clean    bool
}

// AppendNotify writes mining.notify. The previous hash goes as Stratum has
// it: each 4-byte word of the internal-order hash reversed.
func AppendNotify(b []byte, n *Notify) []byte {
	b = append(b, `{"id":null,"method":"mining.notify","params":["`...)
	b = append(b, n.JobID...)
	b = append(b, `","`...)
	var prev [32]byte
	for w := range 8 {
		for k := range 4 {
			prev[4*w+k] = n.PrevHash[4*w+3-k]
		}
	}
	b = hex.AppendEncode(b, prev[:])
	b = append(b, `","`...)
	b = hex.AppendEncode(b, n.Coinb1)
	b = append(b, `","`...)
	b = hex.AppendEncode(b, n.Coinb2)
	b = append(b, `",[`...)
	for i := range n.Branch {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = hex.AppendEncode(b, n.Branch[i][:])
		b = append(b, '"')
	}
	b = append(b, `],"`...)
	b = appendHex32(b, n.Version)
	b = append(b, `","`...)
	b = appendHex32(b, n.Bits)
	b = append(b, `","`...)
	b = appendHex32(b, n.NTime)
	b = append(b, `",`...)
	b = strconv.AppendBool(b, n.Clean)
	return append(b, "]}\n"...)
}

func appendHex32(b []byte, v uint32) []byte {
	const digits = "0123456789abcdef"
	for s := 28; s >= 0; s -= 4 {
		b = append(b, digits[v>>uint(s)&0xf])
	}
	return b
}

// AppendHex32 writes v as 8 hex digits.
func AppendHex32(b []byte, v uint32) []byte { return appendHex32(b, v) }

// AppendDifficulty writes a difficulty as miners read it best: a whole
// number from 1 up, a plain decimal (no exponent) below 1.
func AppendDifficulty(b []byte, d float64) []byte {
	if d >= 1 && d == math.Trunc(d) && d < 1<<53 {
		return strconv.AppendInt(b, int64(d), 10)
	}
	return strconv.AppendFloat(b, d, 'f', -1, 64)
}

// AppendSetDifficulty writes mining.set_difficulty.
func AppendSetDifficulty(b []byte, d float64) []byte {
	b = append(b, `{"id":null,"method":"mining.set_difficulty","params":[`...)
	b = AppendDifficulty(b, d)
	return append(b, "]}\n"...)
}

// AppendSetVersionMask writes mining.set_version_mask.
func AppendSetVersionMask(b []byte, mask uint32) []byte {
	b = append(b, `{"id":null,"method":"mining.set_version_mask","params":["`...)
	b = appendHex32(b, mask)
	return append(b, "\"]}\n"...)
}

// AppendReconnect writes client.reconnect; an empty host means "this pool
// again", and sends no params.
func AppendReconnect(b []byte, host string, port, waitSeconds int) []byte {
	b = append(b, `{"id":null,"method":"client.reconnect","params":[`...)
	if host != "" {
		b = AppendString(b, host)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(port), 10)
		b = append(b, ',')
		b = strconv.AppendInt(b, int64(waitSeconds), 10)
	}
	return append(b, "]}\n"...)
}

// AppendShowMessage writes client.show_message.
func AppendShowMessage(b []byte, message string) []byte {
	b = append(b, `{"id":null,"method":"client.show_message","params":[`...)
	b = AppendString(b, message)
	return append(b, "]}\n"...)
}

// AppendPing writes the pool's own mining.ping, with an id for the answer.
func AppendPing(b []byte, id uint64) []byte {
	b = append(b, `{"id":`...)
	b = strconv.AppendUint(b, id, 10)
	return append(b, ",\"method\":\"mining.ping\",\"params\":[]}\n"...)
}

// AppendSubscribeResult answers mining.subscribe: the subscriptions, the
// extranonce1 and the extranonce2 size.
func AppendSubscribeResult(b, id []byte, subscription string, extranonce1 []byte, extranonce2Size int) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"result":[[["mining.set_difficulty",`...)
	b = AppendString(b, subscription)
	b = append(b, `],["mining.notify",`...)
	b = AppendString(b, subscription)
	b = append(b, `]],"`...)
	b = hex.AppendEncode(b, extranonce1)
	b = append(b, `",`...)
	b = strconv.AppendInt(b, int64(extranonce2Size), 10)
	return append(b, "],\"error\":null}\n"...)
}

// Extension is one answer of mining.configure: a name and its value, JSON.
type Extension struct {
	Key   string
	Value []byte
}

// AppendConfigureResult answers mining.configure with an object of the
// extensions' answers, in order.
func AppendConfigureResult(b, id []byte, answers []Extension) []byte {
	b = append(b, `{"id":`...)
	b = append(b, id...)
	b = append(b, `,"result":{`...)
	for i, a := range answers {
		if i > 0 {
			b = append(b, ',')
		}
		b = AppendString(b, a.Key)
		b = append(b, ':')
		b = append(b, a.Value...)
	}
	return append(b, "},\"error\":null}\n"...)
}

// AppendString writes a JSON string: quotes, backslashes and control
// characters escaped, invalid UTF-8 replaced.
func AppendString(b []byte, s string) []byte {
	const digits = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', digits[c>>4], digits[c&0xf])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, `\ufffd`...)
		} else {
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return append(b, '"')
}
