package dedup

import "sync"

const stripes = 64

// Outcome of an Add.
type Outcome uint8

const (
	Added     Outcome = iota // a new key
	Duplicate                // seen before
	Full                     // the set holds its maximum; the key was not added
)

// Set is a bounded, concurrent set of 64-bit keys.
type Set struct {
	perStripe int
	stripes   [stripes]stripe
}

type stripe struct {
	mu   sync.Mutex // guards keys
	keys map[uint64]struct{}
	_    [40]byte // keep stripes on separate cache lines
}

// New makes a set that holds up to max keys (rounded up to a multiple of
// the stripe count).
func New(max int) *Set {
	return &Set{perStripe: (max + stripes - 1) / stripes}
}

// Add inserts key unless it is present or its stripe is full.
func (s *Set) Add(key uint64) Outcome {
	// The low bits pick the stripe; keys are uniformly random.
	st := &s.stripes[key%stripes]
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.keys == nil {
		st.keys = make(map[uint64]struct{}, 64)
	}
	if _, ok := st.keys[key]; ok {
		return Duplicate
	}
	if len(st.keys) >= s.perStripe {
		return Full
	}
	st.keys[key] = struct{}{}
	return Added
}

// Len counts the keys.
func (s *Set) Len() int {
	n := 0
	for i := range s.stripes {
		st := &s.stripes[i]
		st.mu.Lock()
		n += len(st.keys)
		st.mu.Unlock()
	}
	return n
}
