package wire

// Ping asks the peer for a PONG carrying the same values, measuring the
// round trip and proving the link is alive.
//
//	PING (0x06), both ways:
//	+-------+-----------------+
//	| nonce | sent (unix ns)  |
//	| u64   | i64             |
//	+-------+-----------------+
type Ping struct {
	Nonce        uint64
	SentUnixNano int64
}

func (*Ping) Type() Type { return TypePing }
func (*Ping) Len() int   { return 16 }

func (m *Ping) AppendBinary(b []byte) ([]byte, error) {
	return appendU64(appendU64(b, m.Nonce), uint64(m.SentUnixNano)), nil
}

func (m *Ping) Decode(b []byte) error {
	d := newDecoder(TypePing, b)
	m.Nonce = d.u64("nonce")
	m.SentUnixNano = int64(d.u64("sent"))
	return d.finish()
}
