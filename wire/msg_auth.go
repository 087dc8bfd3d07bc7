package wire

// Auth is the edge's first sealed frame. That the core can open it proves
// the edge holds the key; its payload binds the link to the handshake.
//
//	AUTH (0x03), edge -> core, sealed:
//	+------------------------------+
//	| transcript hash [32]         |  SHA-256 of the HELLO and CHALLENGE frames
//	+------------------------------+
type Auth struct {
	Transcript [32]byte
}

func (*Auth) Type() Type { return TypeAuth }
func (*Auth) Len() int   { return 32 }

func (m *Auth) AppendBinary(b []byte) ([]byte, error) {
	return append(b, m.Transcript[:]...), nil
}

func (m *Auth) Decode(b []byte) error {
	d := newDecoder(TypeAuth, b)
	m.Transcript = d.hash("transcript")
	return d.finish()
}
