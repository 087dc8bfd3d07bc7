package wire

// Job is a piece of work the core hands to every edge, once per edge.
//
// The coinbase transaction of a share is
//
//	Coinb1 | extranonce1 | extranonce2 | Coinb2                        (pool mode)
//	Coinb1 | extranonce1 | extranonce2 | Coinb2 | payout | Coinb2Tail  (solo mode)
//
// where payout is a session's payout script with its compact-size length,
// from its AUTH_RESULT. A job without a payout slot is the same for every
// miner; with one, an edge splices each address in once per job.
//
//	JOB (0x10), core -> edge, compressible:
//	+----+-------+--------+---------+-------+-------+---------+-----------+
//	| id | flags | height | version | nbits | ntime | mintime | prevhash  |
//	| u32| u8    | u32    | u32     | u32   | u32   | u32     | [32]      |
//	+----+-------+--------+---------+-------+-------+---------+-----------+
//	| coinb1 (bytes) | coinb2 (bytes) | coinb2 tail (bytes, solo only)    |
//	+----------------+----------------+-----------------------------------+
//	| branch count u8 (<= 32) | count x [32] merkle branch                |
//	+-------------------------+-------------------------------------------+
//
// flags: bit 0 clean (drop earlier jobs), bit 1 payout slot; others zero.
// PrevHash and the branch are in internal byte order, as in the header.
type Job struct {
	ID      JobID
	Clean   bool
	Height  uint32
	Version uint32
	Bits    uint32
	NTime   uint32
	// MinTime is the earliest ntime a share may carry.
	MinTime uint32
	// PrevHash is the previous block's hash in internal byte order.
	PrevHash [32]byte
	Coinb1   []byte
	Coinb2   []byte
	// PayoutSlot marks a solo-mode job: a payout script goes between
	// Coinb2 and Coinb2Tail.
	PayoutSlot bool
	Coinb2Tail []byte
	Branch     [][32]byte
}

const (
	jobFlagClean      = 1 << 0
	jobFlagPayoutSlot = 1 << 1
)

func (*Job) Type() Type { return TypeJob }

func (m *Job) Len() int {
	n := 4 + 1 + 4*5 + 32 +
		uvarintLen(uint64(len(m.Coinb1))) + len(m.Coinb1) +
		uvarintLen(uint64(len(m.Coinb2))) + len(m.Coinb2) +
		1 + 32*len(m.Branch)
	if m.PayoutSlot {
		n += uvarintLen(uint64(len(m.Coinb2Tail))) + len(m.Coinb2Tail)
	}
	return n
}

func (m *Job) AppendBinary(b []byte) ([]byte, error) {
	switch {
	case len(m.Coinb1) > MaxCoinbasePart:
		return b, encodeError(TypeJob, "coinb1", ErrLimit)
	case len(m.Coinb2) > MaxCoinbasePart:
		return b, encodeError(TypeJob, "coinb2", ErrLimit)
	case len(m.Coinb2Tail) > MaxCoinbasePart:
		return b, encodeError(TypeJob, "coinb2_tail", ErrLimit)
	case !m.PayoutSlot && len(m.Coinb2Tail) != 0:
		return b, encodeError(TypeJob, "coinb2_tail", ErrInvalidValue)
	case len(m.Branch) > MaxMerkleBranch:
		return b, encodeError(TypeJob, "branch", ErrLimit)
	}
	var flags byte
	if m.Clean {
		flags |= jobFlagClean
	}
	if m.PayoutSlot {
		flags |= jobFlagPayoutSlot
	}
	b = appendU32(b, uint32(m.ID))
	b = append(b, flags)
	b = appendU32(b, m.Height)
	b = appendU32(b, m.Version)
	b = appendU32(b, m.Bits)
	b = appendU32(b, m.NTime)
	b = appendU32(b, m.MinTime)
	b = append(b, m.PrevHash[:]...)
	b = appendBytes(b, m.Coinb1)
	b = appendBytes(b, m.Coinb2)
	if m.PayoutSlot {
		b = appendBytes(b, m.Coinb2Tail)
	}
	b = append(b, byte(len(m.Branch)))
	for i := range m.Branch {
		b = append(b, m.Branch[i][:]...)
	}
	return b, nil
}

func (m *Job) Decode(b []byte) error {
	d := newDecoder(TypeJob, b)
	m.ID = JobID(d.u32("id"))
	flags := d.u8("flags")
	if flags&^(jobFlagClean|jobFlagPayoutSlot) != 0 {
		d.fail("flags", ErrInvalidValue)
	}
	m.Clean = flags&jobFlagClean != 0
	m.PayoutSlot = flags&jobFlagPayoutSlot != 0
	m.Height = d.u32("height")
	m.Version = d.u32("version")
	m.Bits = d.u32("nbits")
	m.NTime = d.u32("ntime")
	m.MinTime = d.u32("mintime")
	m.PrevHash = d.hash("prevhash")
	m.Coinb1 = d.bytesInto("coinb1", MaxCoinbasePart, m.Coinb1)
	m.Coinb2 = d.bytesInto("coinb2", MaxCoinbasePart, m.Coinb2)
	m.Coinb2Tail = m.Coinb2Tail[:0]
	if m.PayoutSlot {
		m.Coinb2Tail = d.bytesInto("coinb2_tail", MaxCoinbasePart, m.Coinb2Tail)
	}
	n := int(d.u8("branch_count"))
	if d.err == nil && n > MaxMerkleBranch {
		d.fail("branch_count", ErrLimit)
	}
	m.Branch = m.Branch[:0]
	for i := 0; i < n && d.err == nil; i++ {
		m.Branch = append(m.Branch, d.hash("branch"))
	}
	return d.finish()
}
