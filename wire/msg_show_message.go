package wire

// ShowMessage asks an edge to send client.show_message to one session, or
// to every session when Session is 0.
//
//	SHOW_MESSAGE (0x41), core -> edge:
//	+---------+--------+
//	| session | text   |
//	| uvarint | string |
//	+---------+--------+
type ShowMessage struct {
	Session SessionID
	Text    string
}

func (*ShowMessage) Type() Type { return TypeShowMessage }

func (m *ShowMessage) Len() int {
	return uvarintLen(uint64(m.Session)) + uvarintLen(uint64(len(m.Text))) + len(m.Text)
}

func (m *ShowMessage) AppendBinary(b []byte) ([]byte, error) {
	if err := checkString(TypeShowMessage, "text", m.Text, MaxTextLen); err != nil {
		return b, err
	}
	return appendString(appendUvarint(b, uint64(m.Session)), m.Text), nil
}

func (m *ShowMessage) Decode(b []byte) error {
	d := newDecoder(TypeShowMessage, b)
	*m = ShowMessage{Session: d.broadcastSession(), Text: d.str("text", MaxTextLen)}
	return d.finish()
}
