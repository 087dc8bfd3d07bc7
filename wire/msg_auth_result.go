package wire

// AuthResult answers a SESSION_OPEN. In solo mode it carries the session's
// payout script, which the edge splices into each job's payout slot.
//
//	AUTH_RESULT (0x23), core -> edge:
//	+---------+--------+----------------------+---------+
//	| session | status | payout script (bytes)| message |
//	| uvarint | u8     | <= 80 bytes          | string  |
//	+---------+--------+----------------------+---------+
type AuthResult struct {
	Session SessionID
	Status  AuthStatus
	// PayoutScript is the output script solo-mode jobs pay; empty in pool mode.
	PayoutScript []byte
	// Message explains a refusal to the miner.
	Message string
}

func (*AuthResult) Type() Type { return TypeAuthResult }

func (m *AuthResult) Len() int {
	return uvarintLen(uint64(m.Session)) + 1 +
		uvarintLen(uint64(len(m.PayoutScript))) + len(m.PayoutScript) +
		uvarintLen(uint64(len(m.Message))) + len(m.Message)
}

func (m *AuthResult) AppendBinary(b []byte) ([]byte, error) {
	switch {
	case m.Session == 0:
		return b, encodeError(TypeAuthResult, "session", ErrInvalidValue)
	case !m.Status.Valid():
		return b, encodeError(TypeAuthResult, "status", ErrInvalidValue)
	case len(m.PayoutScript) > MaxPayoutScript:
		return b, encodeError(TypeAuthResult, "payout_script", ErrLimit)
	}
	if err := checkString(TypeAuthResult, "message", m.Message, MaxTextLen); err != nil {
		return b, err
	}
	b = appendUvarint(b, uint64(m.Session))
	b = append(b, byte(m.Status))
	b = appendBytes(b, m.PayoutScript)
	return appendString(b, m.Message), nil
}

func (m *AuthResult) Decode(b []byte) error {
	d := newDecoder(TypeAuthResult, b)
	m.Session = d.session()
	m.Status = AuthStatus(d.enum("status", uint8(NumAuthStatuses)))
	m.PayoutScript = d.bytesInto("payout_script", MaxPayoutScript, m.PayoutScript)
	m.Message = d.str("message", MaxTextLen)
	return d.finish()
}
