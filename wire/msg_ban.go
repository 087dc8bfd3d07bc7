package wire

import (
	"math"
	"time"
)

// Ban refuses an address for a while. An edge that bans a miner's IP tells
// the core; the core keeps the ban, sends it to every other edge, and to
// each edge that links while it lasts. Only on links that agreed CapBans.
//
//	BAN (0x44), both:
//	+--------+--------+---------+
//	| target | reason | seconds |
//	| string | u8     | u32     |
//	+--------+--------+---------+
//
// Target is the refused IP address in text form (an edge ignores one it
// cannot parse); Seconds how long from now, at least 1.
type Ban struct {
	Target  string
	Reason  BanReason
	Seconds uint32
}

func (*Ban) Type() Type { return TypeBan }

func (m *Ban) Len() int { return uvarintLen(uint64(len(m.Target))) + len(m.Target) + 1 + 4 }

func (m *Ban) AppendBinary(b []byte) ([]byte, error) {
	if err := checkString(TypeBan, "target", m.Target, MaxAddrLen); err != nil {
		return b, err
	}
	switch {
	case m.Target == "":
		return b, encodeError(TypeBan, "target", ErrInvalidValue)
	case !m.Reason.Valid():
		return b, encodeError(TypeBan, "reason", ErrInvalidValue)
	case m.Seconds == 0:
		return b, encodeError(TypeBan, "seconds", ErrInvalidValue)
	}
	b = appendString(b, m.Target)
	return appendU32(append(b, byte(m.Reason)), m.Seconds), nil
}

func (m *Ban) Decode(b []byte) error {
	d := newDecoder(TypeBan, b)
	m.Target = d.str("target", MaxAddrLen)
	if d.err == nil && m.Target == "" {
		d.fail("target", ErrInvalidValue)
	}
	m.Reason = BanReason(d.enum("reason", uint8(NumBanReasons)))
	m.Seconds = d.u32("seconds")
	if d.err == nil && m.Seconds == 0 {
		d.fail("seconds", ErrInvalidValue)
	}
	return d.finish()
}

// BanFor is a ban of target for d, in whole seconds rounded up (at least
// one): passed on, a ban never ends before it does where it was made.
func BanFor(target string, reason BanReason, d time.Duration) Ban {
	s := (d + time.Second - 1) / time.Second
	return Ban{Target: target, Reason: reason, Seconds: uint32(min(max(s, 1), math.MaxUint32))}
}
