package wire

// Drop asks an edge to close a session, and for a ban, to refuse its address
// for a while.
//
//	DROP (0x43), core -> edge:
//	+---------+--------+-------------+
//	| session | reason | ban (s)     |
//	| uvarint | u8     | u32         |
//	+---------+--------+-------------+
type Drop struct {
	Session SessionID
	Reason  DropReason
	// BanSeconds is how long the edge refuses the miner's IP; 0 for none.
	BanSeconds uint32
}

func (*Drop) Type() Type { return TypeDrop }

func (m *Drop) Len() int { return uvarintLen(uint64(m.Session)) + 1 + 4 }

func (m *Drop) AppendBinary(b []byte) ([]byte, error) {
	if m.Session == 0 {
		return b, encodeError(TypeDrop, "session", ErrInvalidValue)
	}
	if !m.Reason.Valid() {
		return b, encodeError(TypeDrop, "reason", ErrInvalidValue)
	}
	b = appendUvarint(b, uint64(m.Session))
	return appendU32(append(b, byte(m.Reason)), m.BanSeconds), nil
}

func (m *Drop) Decode(b []byte) error {
	d := newDecoder(TypeDrop, b)
	m.Session = d.session()
	m.Reason = DropReason(d.enum("reason", uint8(NumDropReasons)))
	m.BanSeconds = d.u32("ban")
	return d.finish()
}
