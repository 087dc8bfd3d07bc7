package wire

// Reconnect asks an edge to send client.reconnect to one session, or to every
// session when Session is 0, spread over Stagger so that thousands of miners
// do not come back at the same instant.
//
//	RECONNECT (0x42), core -> edge:
//	+---------+--------+------+----------+-------------+
//	| session | host   | port | wait (s) | stagger (s) |
//	| uvarint | string | u16  | u32      | u32         |
//	+---------+--------+------+----------+-------------+
//
// An empty host and port 0 mean "this pool again" (client.reconnect with no
// parameters).
type Reconnect struct {
	Session SessionID
	Host    string
	Port    uint16
	// WaitSeconds is passed to the miner: how long to wait before reconnecting.
	WaitSeconds uint32
	// StaggerSeconds spreads the messages over this long.
	StaggerSeconds uint32
}

func (*Reconnect) Type() Type { return TypeReconnect }

func (m *Reconnect) Len() int {
	return uvarintLen(uint64(m.Session)) + uvarintLen(uint64(len(m.Host))) + len(m.Host) + 2 + 4 + 4
}

func (m *Reconnect) AppendBinary(b []byte) ([]byte, error) {
	if err := checkString(TypeReconnect, "host", m.Host, MaxHostLen); err != nil {
		return b, err
	}
	b = appendUvarint(b, uint64(m.Session))
	b = appendString(b, m.Host)
	b = appendU16(b, m.Port)
	b = appendU32(b, m.WaitSeconds)
	return appendU32(b, m.StaggerSeconds), nil
}

func (m *Reconnect) Decode(b []byte) error {
	d := newDecoder(TypeReconnect, b)
	*m = Reconnect{
		Session:        d.broadcastSession(),
		Host:           d.str("host", MaxHostLen),
		Port:           d.u16("port"),
		WaitSeconds:    d.u32("wait"),
		StaggerSeconds: d.u32("stagger"),
	}
	return d.finish()
}
