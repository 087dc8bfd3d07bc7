package wire

// SessionClose tells the core a miner's session ended; its session number
// may be reused after this.
//
//	SESSION_CLOSE (0x22), edge -> core:
//	+---------+--------+
//	| session | reason |
//	| uvarint | u8     |
//	+---------+--------+
type SessionClose struct {
	Session SessionID
	Reason  CloseReason
}

func (*SessionClose) Type() Type { return TypeSessionClose }

func (m *SessionClose) Len() int { return uvarintLen(uint64(m.Session)) + 1 }

func (m *SessionClose) AppendBinary(b []byte) ([]byte, error) {
	if m.Session == 0 {
		return b, encodeError(TypeSessionClose, "session", ErrInvalidValue)
	}
	if !m.Reason.Valid() {
		return b, encodeError(TypeSessionClose, "reason", ErrInvalidValue)
	}
	return append(appendUvarint(b, uint64(m.Session)), byte(m.Reason)), nil
}

func (m *SessionClose) Decode(b []byte) error {
	d := newDecoder(TypeSessionClose, b)
	m.Session = d.session()
	m.Reason = CloseReason(d.enum("reason", uint8(NumCloseReasons)))
	return d.finish()
}
