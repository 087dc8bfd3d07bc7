package wire

// Message is one protocol message: its payload encoding, without the frame.
type Message interface {
	// Type is the message's type byte.
	Type() Type
	// Len is the exact size of the encoded payload.
	Len() int
	// AppendBinary appends the encoded payload to b. It fails, appending
	// nothing, when a field is over its limit or invalid.
	AppendBinary(b []byte) ([]byte, error)
	// Decode replaces the message's contents with the payload in b, reusing
	// the message's own storage. b is not retained. Bad input gives an error
	// wrapping ErrMalformed, never a panic.
	Decode(b []byte) error
}

// Encode returns m's payload in a new slice.
func Encode(m Message) ([]byte, error) {
	return m.AppendBinary(make([]byte, 0, m.Len()))
}

// Decode decodes a payload of type t into a new message.
func Decode(t Type, payload []byte) (Message, error) {
	m, err := New(t)
	if err != nil {
		return nil, err
	}
	if err := m.Decode(payload); err != nil {
		return nil, err
	}
	return m, nil
}
