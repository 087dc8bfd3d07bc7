package wire

import "math"

// Welcome ends the handshake: the core's first sealed frame, proving it holds
// the key, and the edge's identity and limits.
//
//	WELCOME (0x04), core -> edge, sealed:
//	+---------+-------------+----------+----------+-----------+-----------+--------+------------+----------+
//	| edge id | sessionbits | en1 size | en2 size | max batch | ping (ms) | time   | flood diff | software |
//	| u16     | u8          | u8       | u8       | u16       | u32       | i64 ns | f64        | string   |
//	+---------+-------------+----------+----------+-----------+-----------+--------+------------+----------+
//
// A miner's extranonce1 is the big-endian en1-size-byte value
// EdgeID<<SessionBits | session, unique across the pool.
type Welcome struct {
	EdgeID      uint16
	SessionBits uint8
	// Extranonce1Size and Extranonce2Size split the coinbase's extranonce
	// space: extranonce1 is the pool's, the extranonce2 slot the miner's.
	Extranonce1Size uint8
	Extranonce2Size uint8
	// MaxBatch is the most records the core takes in one SUBMIT.
	MaxBatch uint16
	// PingIntervalMillis is how often each end pings; a link silent for
	// three intervals is dead.
	PingIntervalMillis uint32
	// TimeUnixNano is the core's clock, so an edge can warn about skew.
	TimeUnixNano int64
	// FloodDifficulty, above 0, is the core's flood mode for stress
	// tests: every session is held at this difficulty, whatever vardiff,
	// the listener or the miner asks.
	FloodDifficulty float64
	Software        string
}

func (*Welcome) Type() Type { return TypeWelcome }

func (m *Welcome) Len() int {
	return 2 + 1 + 1 + 1 + 2 + 4 + 8 + 8 + uvarintLen(uint64(len(m.Software))) + len(m.Software)
}

func (m *Welcome) AppendBinary(b []byte) ([]byte, error) {
	if err := m.check(); err != nil {
		return b, err
	}
	b = appendU16(b, m.EdgeID)
	b = append(b, m.SessionBits, m.Extranonce1Size, m.Extranonce2Size)
	b = appendU16(b, m.MaxBatch)
	b = appendU32(b, m.PingIntervalMillis)
	b = appendU64(b, uint64(m.TimeUnixNano))
	b = appendF64(b, m.FloodDifficulty)
	return appendString(b, m.Software), nil
}

func (m *Welcome) check() error {
	switch {
	case m.Extranonce1Size < 1 || m.Extranonce1Size > 8:
		return encodeError(TypeWelcome, "extranonce1_size", ErrInvalidValue)
	case m.Extranonce2Size < 1 || m.Extranonce2Size > MaxExtranonce2:
		return encodeError(TypeWelcome, "extranonce2_size", ErrInvalidValue)
	case m.SessionBits < 1 || int(m.SessionBits) > 32 || int(m.SessionBits) >= 8*int(m.Extranonce1Size):
		return encodeError(TypeWelcome, "session_bits", ErrInvalidValue)
	case uint64(m.EdgeID) >= 1<<(8*uint(m.Extranonce1Size)-uint(m.SessionBits)):
		return encodeError(TypeWelcome, "edge_id", ErrInvalidValue)
	case m.MaxBatch == 0 || m.MaxBatch > MaxSubmitBatch:
		return encodeError(TypeWelcome, "max_batch", ErrInvalidValue)
	case m.PingIntervalMillis == 0:
		return encodeError(TypeWelcome, "ping_interval", ErrInvalidValue)
	case !(m.FloodDifficulty >= 0) || math.IsInf(m.FloodDifficulty, 0):
		return encodeError(TypeWelcome, "flood_difficulty", ErrInvalidValue)
	}
	return checkString(TypeWelcome, "software", m.Software, MaxNameLen)
}

func (m *Welcome) Decode(b []byte) error {
	d := newDecoder(TypeWelcome, b)
	*m = Welcome{
		EdgeID:             d.u16("edge_id"),
		SessionBits:        d.u8("session_bits"),
		Extranonce1Size:    d.u8("extranonce1_size"),
		Extranonce2Size:    d.u8("extranonce2_size"),
		MaxBatch:           d.u16("max_batch"),
		PingIntervalMillis: d.u32("ping_interval"),
		TimeUnixNano:       int64(d.u64("time")),
		FloodDifficulty:    d.f64("flood_difficulty"),
		Software:           d.str("software", MaxNameLen),
	}
	if err := d.finish(); err != nil {
		return err
	}
	return m.check()
}

// Extranonce1 returns the extranonce1 value of a session on this edge.
func (m *Welcome) Extranonce1(s SessionID) uint64 {
	return uint64(m.EdgeID)<<m.SessionBits | uint64(s)
}

// MaxSession is the largest session number this edge may use.
func (m *Welcome) MaxSession() SessionID {
	return SessionID(uint64(1)<<m.SessionBits - 1)
}
