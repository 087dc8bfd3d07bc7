package account

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/stratapool/strata/core/chain"
)

// Share is one credited share as a batch keeps it.
type Share struct {
	Hash    chain.Hash
	Worker  uint32
	Edge    uint16
	Session uint32
	// Difficulty is what was credited; HashDifficulty what the hash proves.
	Difficulty     float64
	HashDifficulty float64
	Height         uint32
	Job            uint32
	Time           time.Time
	Block          bool
}

// The batch format: a version byte, then fixed-size records.
const (
	codecVersion = 1
	recordSize   = 32 + 4 + 2 + 4 + 8 + 8 + 4 + 4 + 4 + 1
	flagBlock    = 1
)

// Errors from DecodeShares.
var (
	ErrBadVersion = errors.New("account: share batch of an unknown format")
	ErrBadLength  = errors.New("account: share batch length is not whole records")
	ErrBadFlags   = errors.New("account: share batch record with unknown flags")
)

// newBatchData starts a batch's data with room for n shares.
func newBatchData(n int) []byte {
	b := make([]byte, 1, 1+n*recordSize)
	b[0] = codecVersion
	return b
}

// appendShare adds a share to a batch's data; times are kept in
// milliseconds from the batch's time.
func appendShare(b []byte, base time.Time, s *Share) []byte {
	var r [recordSize]byte
	copy(r[0:32], s.Hash[:])
	binary.LittleEndian.PutUint32(r[32:], s.Worker)
	binary.LittleEndian.PutUint16(r[36:], s.Edge)
	binary.LittleEndian.PutUint32(r[38:], s.Session)
	binary.LittleEndian.PutUint64(r[42:], math.Float64bits(s.Difficulty))
	binary.LittleEndian.PutUint64(r[50:], math.Float64bits(s.HashDifficulty))
	binary.LittleEndian.PutUint32(r[58:], s.Height)
	binary.LittleEndian.PutUint32(r[62:], s.Job)
	binary.LittleEndian.PutUint32(r[66:], uint32(max(0, min(s.Time.Sub(base).Milliseconds(), math.MaxUint32))))
	if s.Block {
		r[70] = flagBlock
	}
	return append(b, r[:]...)
}

// DecodeShares calls fn for each share of a batch's data, in the order
// they were credited, until fn returns false. The Share is reused between
// calls. Data that is not a whole, well-formed batch is an error before fn
// sees any of it.
func DecodeShares(data []byte, base time.Time, fn func(*Share) bool) error {
	if len(data) == 0 || data[0] != codecVersion {
		return ErrBadVersion
	}
	data = data[1:]
	if len(data)%recordSize != 0 {
		return fmt.Errorf("%w: %d bytes", ErrBadLength, len(data))
	}
	// Flags this version does not know mean damage or a newer writer:
	// dropping them silently would credit something else than was stored.
	for i := recordSize - 1; i < len(data); i += recordSize {
		if data[i]&^flagBlock != 0 {
			return fmt.Errorf("%w: %#x in share %d", ErrBadFlags, data[i], i/recordSize)
		}
	}
	var s Share
	for len(data) > 0 {
		r := data[:recordSize]
		data = data[recordSize:]
		copy(s.Hash[:], r[0:32])
		s.Worker = binary.LittleEndian.Uint32(r[32:])
		s.Edge = binary.LittleEndian.Uint16(r[36:])
		s.Session = binary.LittleEndian.Uint32(r[38:])
		s.Difficulty = math.Float64frombits(binary.LittleEndian.Uint64(r[42:]))
		s.HashDifficulty = math.Float64frombits(binary.LittleEndian.Uint64(r[50:]))
		s.Height = binary.LittleEndian.Uint32(r[58:])
		s.Job = binary.LittleEndian.Uint32(r[62:])
		s.Time = base.Add(time.Duration(binary.LittleEndian.Uint32(r[66:])) * time.Millisecond)
		s.Block = r[70]&flagBlock != 0
		if !fn(&s) {
			return nil
		}
	}
	return nil
}

// shareCount is how many shares a batch's data holds.
func shareCount(data []byte) int {
	if len(data) == 0 {
		return 0
	}
	return (len(data) - 1) / recordSize
}
