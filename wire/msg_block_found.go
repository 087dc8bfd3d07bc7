package wire

// BlockFound tells edges a share solved a block, so they can tell miners.
//
//	BLOCK_FOUND (0x40), core -> edge:
//	+--------+------+--------------+---------+--------+
//	| height | hash | reward (sat) | session | worker |
//	| u32    | [32] | u64          | uvarint | string |
//	+--------+------+--------------+---------+--------+
//
// Session is the finder's on the receiving edge, or 0 when it was found
// through another edge.
type BlockFound struct {
	Height uint32
	// Hash is the block hash in internal byte order.
	Hash    [32]byte
	Reward  uint64
	Session SessionID
	Worker  string
}

func (*BlockFound) Type() Type { return TypeBlockFound }

func (m *BlockFound) Len() int {
	return 4 + 32 + 8 + uvarintLen(uint64(m.Session)) + uvarintLen(uint64(len(m.Worker))) + len(m.Worker)
}

func (m *BlockFound) AppendBinary(b []byte) ([]byte, error) {
	if err := checkString(TypeBlockFound, "worker", m.Worker, MaxWorkerLen); err != nil {
		return b, err
	}
	b = appendU32(b, m.Height)
	b = append(b, m.Hash[:]...)
	b = appendU64(b, m.Reward)
	b = appendUvarint(b, uint64(m.Session))
	return appendString(b, m.Worker), nil
}

func (m *BlockFound) Decode(b []byte) error {
	d := newDecoder(TypeBlockFound, b)
	*m = BlockFound{
		Height:  d.u32("height"),
		Hash:    d.hash("hash"),
		Reward:  d.u64("reward"),
		Session: d.broadcastSession(),
		Worker:  d.str("worker", MaxWorkerLen),
	}
	return d.finish()
}
