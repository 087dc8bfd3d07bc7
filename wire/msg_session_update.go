package wire

// SessionUpdate reports a session's new difficulty or version mask: the
// vardiff report. The core credits each share with the difficulty the miner
// was assigned for its job: jobs from FromJob on use Difficulty, earlier jobs
// keep the one before.
//
//	SESSION_UPDATE (0x21), edge -> core:
//	+---------+----------+------------+--------------+
//	| session | from job | difficulty | version mask |
//	| uvarint | u32      | f64        | u32          |
//	+---------+----------+------------+--------------+
type SessionUpdate struct {
	Session     SessionID
	FromJob     JobID
	Difficulty  float64
	VersionMask uint32
}

func (*SessionUpdate) Type() Type { return TypeSessionUpdate }

func (m *SessionUpdate) Len() int { return uvarintLen(uint64(m.Session)) + 4 + 8 + 4 }

func (m *SessionUpdate) AppendBinary(b []byte) ([]byte, error) {
	if m.Session == 0 {
		return b, encodeError(TypeSessionUpdate, "session", ErrInvalidValue)
	}
	if !validDifficulty(m.Difficulty) {
		return b, encodeError(TypeSessionUpdate, "difficulty", ErrInvalidValue)
	}
	b = appendUvarint(b, uint64(m.Session))
	b = appendU32(b, uint32(m.FromJob))
	b = appendF64(b, m.Difficulty)
	return appendU32(b, m.VersionMask), nil
}

func (m *SessionUpdate) Decode(b []byte) error {
	d := newDecoder(TypeSessionUpdate, b)
	m.Session = d.session()
	m.FromJob = JobID(d.u32("from_job"))
	m.Difficulty = d.difficulty()
	m.VersionMask = d.u32("version_mask")
	return d.finish()
}
