package wire

// Hello opens a link: the edge says who it is and what it speaks.
//
//	HELLO (0x01), edge -> core, plaintext:
//	+-------------+-------------+------+------+----------+------+----------+----------+
//	| min version | max version | auth | caps | maxframe | nonce| name     | software |
//	| u16         | u16         | u8   | u64  | u32      | [32] | string   | string   |
//	+-------------+-------------+------+------+----------+------+----------+----------+
type Hello struct {
	MinVersion uint16
	MaxVersion uint16
	Auth       AuthMode
	Caps       Caps
	// MaxFrame is the largest frame payload the edge accepts.
	MaxFrame uint32
	// Nonce is fresh randomness: half of what the link keys derive from.
	Nonce [NonceSize]byte
	// Name identifies the edge to the core: it picks the key and the edge id.
	Name     string
	Software string
}

func (*Hello) Type() Type { return TypeHello }

func (m *Hello) Len() int {
	return 2 + 2 + 1 + 8 + 4 + NonceSize +
		uvarintLen(uint64(len(m.Name))) + len(m.Name) +
		uvarintLen(uint64(len(m.Software))) + len(m.Software)
}

func (m *Hello) AppendBinary(b []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return b, err
	}
	b = appendU16(b, m.MinVersion)
	b = appendU16(b, m.MaxVersion)
	b = append(b, byte(m.Auth))
	b = appendU64(b, uint64(m.Caps))
	b = appendU32(b, m.MaxFrame)
	b = append(b, m.Nonce[:]...)
	b = appendString(b, m.Name)
	return appendString(b, m.Software), nil
}

func (m *Hello) check() error {
	switch {
	case m.MinVersion == 0 || m.MinVersion > m.MaxVersion:
		return encodeError(TypeHello, "version", ErrInvalidValue)
	case m.Auth != AuthPSK && m.Auth != AuthNone:
		return encodeError(TypeHello, "auth", ErrInvalidValue)
	case m.MaxFrame < MinFrameLimit || m.MaxFrame > MaxFrameLimit:
		return encodeError(TypeHello, "max_frame", ErrInvalidValue)
	case m.Name == "":
		return encodeError(TypeHello, "name", ErrInvalidValue)
	}
	if err := checkString(TypeHello, "name", m.Name, MaxNameLen); err != nil {
		return err
	}
	return checkString(TypeHello, "software", m.Software, MaxNameLen)
}

func (m *Hello) Decode(b []byte) error {
	d := newDecoder(TypeHello, b)
	*m = Hello{
		MinVersion: d.u16("min_version"),
		MaxVersion: d.u16("max_version"),
		Auth:       AuthMode(d.u8("auth")),
		Caps:       Caps(d.u64("caps")),
		MaxFrame:   d.u32("max_frame"),
		Nonce:      d.hash("nonce"),
		Name:       d.str("name", MaxNameLen),
		Software:   d.str("software", MaxNameLen),
	}
	if err := d.finish(); err != nil {
		return err
	}
	if err := m.check(); err != nil {
		return err
	}
	return nil
}
