package job

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/wire"
)

// Config says how jobs are built.
type Config struct {
	Mode PayoutMode
	// PoolScript is the pool's output script: every reward in pool mode,
	// the fee in solo mode.
	PoolScript []byte
	// FeePPM is the solo-mode fee in parts per million of the coinbase value.
	FeePPM int64
	Tag    string
	// Extranonce1Size and Extranonce2Size split the extranonce space.
	Extranonce1Size int
	Extranonce2Size int
	// MaxCoinbase is the largest coinbase (without witness) allowed.
	MaxCoinbase int
}

// Builder turns templates into jobs. It is used by one goroutine.
type Builder struct {
	cfg    Config
	nextID wire.JobID
	// last is the previous job's previous-block hash, for Clean.
	last    chain.Hash
	hasLast bool
}

// NewBuilder checks the configuration. Job ids start at a random value so
// that ids from before a restart do not name new jobs.
func NewBuilder(cfg Config) (*Builder, error) {
	switch {
	case cfg.Mode == PoolMode && len(cfg.PoolScript) == 0:
		return nil, errors.New("job: pool mode needs the pool's script")
	case cfg.Mode == SoloMode && cfg.FeePPM > 0 && len(cfg.PoolScript) == 0:
		return nil, errors.New("job: a solo-mode fee needs the pool's script")
	case cfg.FeePPM < 0 || cfg.FeePPM >= 1_000_000:
		return nil, fmt.Errorf("job: fee of %d ppm out of range", cfg.FeePPM)
	case cfg.Extranonce1Size < 1 || cfg.Extranonce2Size < 1 || cfg.Extranonce1Size+cfg.Extranonce2Size > 32:
		return nil, errors.New("job: bad extranonce sizes")
	}
	var seed [4]byte
	_, _ = rand.Read(seed[:])
	return &Builder{cfg: cfg, nextID: wire.JobID(binary.LittleEndian.Uint32(seed[:]))}, nil
}

// Fee is the solo-mode fee on a coinbase value: floor(value * ppm / 1e6).
func Fee(value, ppm int64) int64 {
	hi, lo := bits.Mul64(uint64(value), uint64(ppm))
	q, _ := bits.Div64(hi, lo, 1_000_000)
	return int64(q)
}

// Build makes the next job from a template.
func (b *Builder) Build(t *chain.Template, now time.Time) (*Job, error) {
	j, err := b.build(t, now)
	if err != nil {
		return nil, err
	}
	j.Clean = !b.hasLast || t.PrevHash != b.last
	b.last, b.hasLast = t.PrevHash, true
	j.ID = b.nextID
	b.nextID++
	return j, nil
}

// Restore rebuilds an archived job with its id: a core that restarted
// judges shares on it as before. Later jobs get later ids.
func (b *Builder) Restore(t *chain.Template, id wire.JobID, clean bool, createdAt time.Time) (*Job, error) {
	j, err := b.build(t, createdAt)
	if err != nil {
		return nil, err
	}
	j.ID, j.Clean = id, clean
	b.last, b.hasLast = t.PrevHash, true
	b.nextID = id + 1
	return j, nil
}

// build makes a job from a template, without its id.
func (b *Builder) build(t *chain.Template, now time.Time) (*Job, error) {
	if err := t.Check(); err != nil {
		return nil, err
	}
	target, _ := chain.TargetFromBits(t.Bits) // Check has verified it
	commitment := chain.WitnessCommitmentScript(chain.WitnessCommitment(t.WTxIDs()))

	j := &Job{
		Height:            t.Height,
		Version:           t.Version,
		Bits:              t.Bits,
		NTime:             max(t.CurTime, t.MinTime),
		MinTime:           t.MinTime,
		PrevHash:          t.PrevHash,
		Target:            target,
		NetworkDifficulty: target.Difficulty(),
		Branch:            chain.MerkleBranch(t.TxIDs()),
		CoinbaseValue:     t.CoinbaseValue,
		Template:          t,
		CreatedAt:         now,
	}
	var outputs []output
	switch b.cfg.Mode {
	case PoolMode:
		outputs = []output{{t.CoinbaseValue, b.cfg.PoolScript}}
	case SoloMode:
		j.PayoutSlot = true
		j.PoolFee = Fee(t.CoinbaseValue, b.cfg.FeePPM)
		outputs = []output{{t.CoinbaseValue - j.PoolFee, nil}}
		if j.PoolFee > 0 {
			outputs = append(outputs, output{j.PoolFee, b.cfg.PoolScript})
		}
	}
	outputs = append(outputs, output{0, commitment})
	var err error
	extranonce := b.cfg.Extranonce1Size + b.cfg.Extranonce2Size
	j.Coinb1, j.Coinb2, j.Coinb2Tail, err = coinbaseParts(t.Height, b.cfg.Tag, extranonce, outputs, j.PayoutSlot)
	if err != nil {
		return nil, err
	}
	size := len(j.Coinb1) + extranonce + len(j.Coinb2) + len(j.Coinb2Tail)
	if j.PayoutSlot {
		size += 1 + MaxPayoutScript
	}
	if b.cfg.MaxCoinbase > 0 && size > b.cfg.MaxCoinbase {
		return nil, fmt.Errorf("%w: %d bytes, the limit is %d (pool.coinbase_max_bytes)", ErrCoinbaseTooLarge, size, b.cfg.MaxCoinbase)
	}
	return j, nil
}
