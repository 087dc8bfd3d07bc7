package wire

import "math"

// SessionOpen asks the core to authorize a miner's session. The edge sends
// it when the miner calls mining.authorize; the core answers AUTH_RESULT.
//
//	SESSION_OPEN (0x20), edge -> core:
//	+---------+-------+--------------+------------+--------+--------+--------+
//	| session | flags | version mask | difficulty | worker | agent  | remote |
//	| uvarint | u8    | u32          | f64        | string | string | string |
//	+---------+-------+--------------+------------+--------+--------+--------+
//
// flags: bit 0 resumed (the miner resumed an earlier extranonce1, or the
// edge re-opens the session on a new link). A gated core refuses a new
// session (AuthNotReady) and authorizes a resumed one: it is already working.
// Difficulty applies to every job until a SESSION_UPDATE changes it.
type SessionOpen struct {
	Session SessionID
	Resumed bool
	// VersionMask is the BIP310 mask negotiated with the miner; zero when
	// it never sent mining.configure.
	VersionMask uint32
	Difficulty  float64
	// Worker is the user name as the miner sent it, "address.worker".
	Worker string
	// Agent is the miner's user agent from mining.subscribe.
	Agent string
	// Remote is the miner's "ip:port" as the edge saw it (after PROXY).
	Remote string
}

const sessionFlagResumed = 1 << 0

func (*SessionOpen) Type() Type { return TypeSessionOpen }

func (m *SessionOpen) Len() int {
	return uvarintLen(uint64(m.Session)) + 1 + 4 + 8 +
		uvarintLen(uint64(len(m.Worker))) + len(m.Worker) +
		uvarintLen(uint64(len(m.Agent))) + len(m.Agent) +
		uvarintLen(uint64(len(m.Remote))) + len(m.Remote)
}

func (m *SessionOpen) AppendBinary(b []byte) ([]byte, error) {
	if m.Session == 0 {
		return b, encodeError(TypeSessionOpen, "session", ErrInvalidValue)
	}
	if !validDifficulty(m.Difficulty) {
		return b, encodeError(TypeSessionOpen, "difficulty", ErrInvalidValue)
	}
	for _, f := range [...]struct {
		name, s string
		max     int
	}{{"worker", m.Worker, MaxWorkerLen}, {"agent", m.Agent, MaxAgentLen}, {"remote", m.Remote, MaxAddrLen}} {
		if err := checkString(TypeSessionOpen, f.name, f.s, f.max); err != nil {
			return b, err
		}
	}
	var flags byte
	if m.Resumed {
		flags |= sessionFlagResumed
	}
	b = appendUvarint(b, uint64(m.Session))
	b = append(b, flags)
	b = appendU32(b, m.VersionMask)
	b = appendF64(b, m.Difficulty)
	b = appendString(b, m.Worker)
	b = appendString(b, m.Agent)
	return appendString(b, m.Remote), nil
}

func (m *SessionOpen) Decode(b []byte) error {
	d := newDecoder(TypeSessionOpen, b)
	m.Session = d.session()
	flags := d.u8("flags")
	if flags&^sessionFlagResumed != 0 {
		d.fail("flags", ErrInvalidValue)
	}
	m.Resumed = flags&sessionFlagResumed != 0
	m.VersionMask = d.u32("version_mask")
	m.Difficulty = d.difficulty()
	m.Worker = d.str("worker", MaxWorkerLen)
	m.Agent = d.str("agent", MaxAgentLen)
	m.Remote = d.str("remote", MaxAddrLen)
	return d.finish()
}

// validDifficulty reports whether v can be a share difficulty: finite and
// above zero.
func validDifficulty(v float64) bool {
	return v > 0 && !math.IsInf(v, 0) && !math.IsNaN(v)
}

// session reads a session number, which is never zero.
func (d *decoder) session() SessionID {
	s := SessionID(d.uvarint("session", math.MaxUint32))
	if d.err == nil && s == 0 {
		d.fail("session", ErrInvalidValue)
	}
	return s
}

// broadcastSession reads a session number where zero means every session.
func (d *decoder) broadcastSession() SessionID {
	return SessionID(d.uvarint("session", math.MaxUint32))
}

// difficulty reads a share difficulty: finite and above zero.
func (d *decoder) difficulty() float64 {
	v := d.f64("difficulty")
	if d.err == nil && v == 0 {
		d.fail("difficulty", ErrInvalidValue)
	}
	return v
}
