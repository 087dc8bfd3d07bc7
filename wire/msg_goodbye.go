package wire

// Goodbye closes a link with a reason. During the handshake it is sent in
// plain text (the peer may not hold the key); afterwards it is sealed.
//
//	GOODBYE (0x05), both ways:
//	+--------+--------+
//	| reason | detail |
//	| u8     | string |
//	+--------+--------+
type Goodbye struct {
	Reason GoodbyeReason
	Detail string
}

func (*Goodbye) Type() Type { return TypeGoodbye }

func (m *Goodbye) Len() int { return 1 + uvarintLen(uint64(len(m.Detail))) + len(m.Detail) }

func (m *Goodbye) AppendBinary(b []byte) ([]byte, error) {
	if !m.Reason.Valid() {
		return b, encodeError(TypeGoodbye, "reason", ErrInvalidValue)
	}
	if err := checkString(TypeGoodbye, "detail", m.Detail, MaxTextLen); err != nil {
		return b, err
	}
	return appendString(append(b, byte(m.Reason)), m.Detail), nil
}

func (m *Goodbye) Decode(b []byte) error {
	d := newDecoder(TypeGoodbye, b)
	*m = Goodbye{
		Reason: GoodbyeReason(d.enum("reason", uint8(NumGoodbyeReasons))),
		Detail: d.str("detail", MaxTextLen),
	}
	return d.finish()
}

// Err returns the goodbye as an error.
func (m *Goodbye) Err() error { return &GoodbyeError{Reason: m.Reason, Detail: m.Detail} }
