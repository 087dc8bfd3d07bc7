package wire

// Challenge is the core's answer to a HELLO: the version it chose, the
// capabilities both ends share, and its half of the key derivation.
//
//	CHALLENGE (0x02), core -> edge, plaintext:
//	+---------+------+----------+-------+
//	| version | caps | maxframe | nonce |
//	| u16     | u64  | u32      | [32]  |
//	+---------+------+----------+-------+
type Challenge struct {
	Version uint16
	Caps    Caps
	// MaxFrame is the largest frame payload the core accepts.
	MaxFrame uint32
	Nonce    [NonceSize]byte
}

func (*Challenge) Type() Type { return TypeChallenge }
func (*Challenge) Len() int   { return 2 + 8 + 4 + NonceSize }

func (m *Challenge) AppendBinary(b []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return b, err
	}
	b = appendU16(b, m.Version)
	b = appendU64(b, uint64(m.Caps))
	b = appendU32(b, m.MaxFrame)
	return append(b, m.Nonce[:]...), nil
}

func (m *Challenge) check() error {
	switch {
	case m.Version == 0:
		return encodeError(TypeChallenge, "version", ErrInvalidValue)
	case m.MaxFrame < MinFrameLimit || m.MaxFrame > MaxFrameLimit:
		return encodeError(TypeChallenge, "max_frame", ErrInvalidValue)
	}
	return nil
}

func (m *Challenge) Decode(b []byte) error {
	d := newDecoder(TypeChallenge, b)
	*m = Challenge{
		Version:  d.u16("version"),
		Caps:     Caps(d.u64("caps")),
		MaxFrame: d.u32("max_frame"),
		Nonce:    d.hash("nonce"),
	}
	if err := d.finish(); err != nil {
		return err
	}
	return m.check()
}
