package wire

// Pong answers a PING with its values unchanged.
//
//	PONG (0x07), both ways:
//	+-------+-----------------+
//	| nonce | sent (unix ns)  |  copied from the PING
//	| u64   | i64             |
//	+-------+-----------------+
type Pong struct {
	Nonce        uint64
	SentUnixNano int64
}

func (*Pong) Type() Type { return TypePong }
func (*Pong) Len() int   { return 16 }

func (m *Pong) AppendBinary(b []byte) ([]byte, error) {
	return appendU64(appendU64(b, m.Nonce), uint64(m.SentUnixNano)), nil
}

func (m *Pong) Decode(b []byte) error {
	d := newDecoder(TypePong, b)
	m.Nonce = d.u64("nonce")
	m.SentUnixNano = int64(d.u64("sent"))
	return d.finish()
}
