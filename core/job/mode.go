package job

import "fmt"

// PayoutMode says whom a job's coinbase pays.
type PayoutMode uint8

const (
	// PoolMode pays the pool's address; shares are credited for PPLNS.
	PoolMode PayoutMode = iota
	// SoloMode pays the miner who finds the block, minus an optional fee
	// output to the pool's address.
	SoloMode
)

func (m PayoutMode) String() string {
	switch m {
	case PoolMode:
		return "pool"
	case SoloMode:
		return "solo"
	}
	return fmt.Sprintf("PayoutMode(%d)", uint8(m))
}

// MarshalText writes the mode's name.
func (m PayoutMode) MarshalText() ([]byte, error) {
	if m > SoloMode {
		return nil, fmt.Errorf("job: invalid payout mode %d", uint8(m))
	}
	return []byte(m.String()), nil
}

// UnmarshalText reads "pool" or "solo".
func (m *PayoutMode) UnmarshalText(b []byte) error {
	switch string(b) {
	case "pool":
		*m = PoolMode
	case "solo":
		*m = SoloMode
	default:
		return fmt.Errorf("unknown payout mode %q: want pool or solo", b)
	}
	return nil
}
