package dedup

import (
	"sync"
	"sync/atomic"
)

// Stripes is the number of stripes; shard numbers are taken modulo it.
const Stripes = 64

const stripes = Stripes

// Outcome of an Add.
type Outcome uint8

const (
	Added     Outcome = iota // a new key
	Duplicate                // seen before
	Full                     // the set holds its maximum; the key was not added
)

// Set is a bounded, concurrent set of 64-bit keys, each added under a shard
// number that picks its stripe. Keys must be uniformly random (hash
// fingerprints). Callers that run on several cores give each core its own
// shards (shard mod the core count, with the count dividing Stripes): then
// no two cores touch the same stripe, and nothing bounces between caches.
// The same key must always come with the same shard.
type Set struct {
	perStripe int // keys a stripe may hold
	hint      int // keys a stripe has room for when first used
	stripes   [stripes]stripe
}

// stripe is an open-addressing table with linear probing, at most half full.
// Stripes are used by different cores: each fills two cache lines, so
// however the array is aligned, no two stripes share a line.
type stripe struct {
	mu   sync.Mutex               // guards n, zero and writes to tab
	tab  atomic.Pointer[[]uint64] // slots; 0 marks an empty one
	n    int
	zero bool // key 0, which cannot live in a slot
	_    [128 - 32]byte
}

// New makes a set that holds up to max keys (rounded up to a multiple of
// the stripe count) and grows without allocating until it holds about hint.
func New(max, hint int) *Set {
	return &Set{perStripe: (max + stripes - 1) / stripes, hint: min(max, hint) / stripes}
}

func slotOf(key uint64, size int) int { return int(key) & (size - 1) }

// Touch reads the slot key would go in, so that an Add soon after finds it
// in cache. Touching the keys of a batch first lets their cache misses
// overlap instead of queueing.
func (s *Set) Touch(shard uint32, key uint64) uint64 {
	tab := s.stripes[shard%stripes].tab.Load()
	if tab == nil {
		return 0
	}
	return atomic.LoadUint64(&(*tab)[slotOf(key, len(*tab))])
}

// Add inserts key unless it is present or its stripe is full.
func (s *Set) Add(shard uint32, key uint64) Outcome {
	st := &s.stripes[shard%stripes]
	st.mu.Lock()
	defer st.mu.Unlock()
	if key == 0 {
		if st.zero {
			return Duplicate
		}
		if st.n >= s.perStripe {
			return Full
		}
		st.zero = true
		st.n++
		return Added
	}
	tab := st.tab.Load()
	if tab == nil {
		t := make([]uint64, pow2(max(2*s.hint, 16)))
		tab = &t
		st.tab.Store(tab)
	}
	slots := *tab
	mask := len(slots) - 1
	i := slotOf(key, len(slots))
	for {
		switch atomic.LoadUint64(&slots[i]) {
		case key:
			return Duplicate
		case 0:
			if st.n >= s.perStripe {
				return Full
			}
			atomic.StoreUint64(&slots[i], key)
			st.n++
			if 2*st.n > len(slots) {
				st.grow()
			}
			return Added
		}
		i = (i + 1) & mask
	}
}

// Remove takes key out, so that it may be added again; it reports whether
// the key was there. Linear probing has no tombstones: the keys after it
// in its run move back into the gap when their home slot allows.
func (s *Set) Remove(shard uint32, key uint64) bool {
	st := &s.stripes[shard%stripes]
	st.mu.Lock()
	defer st.mu.Unlock()
	if key == 0 {
		if !st.zero {
			return false
		}
		st.zero = false
		st.n--
		return true
	}
	tab := st.tab.Load()
	if tab == nil {
		return false
	}
	slots := *tab
	mask := len(slots) - 1
	gap := slotOf(key, len(slots))
	for {
		switch atomic.LoadUint64(&slots[gap]) {
		case 0:
			return false
		case key:
		default:
			gap = (gap + 1) & mask
			continue
		}
		break
	}
	for j := (gap + 1) & mask; ; j = (j + 1) & mask {
		k := atomic.LoadUint64(&slots[j])
		if k == 0 {
			break
		}
		// k stays unless its home lies cyclically outside (gap, j]: then
		// the gap is on its probe path and it moves back into it.
		home := slotOf(k, len(slots))
		if (j-home)&mask >= (j-gap)&mask {
			atomic.StoreUint64(&slots[gap], k)
			gap = j
		}
	}
	atomic.StoreUint64(&slots[gap], 0)
	st.n--
	return true
}

// grow doubles the table; readers see the old one until the new one is
// published, and only Touch reads without the lock.
func (st *stripe) grow() {
	old := *st.tab.Load()
	bigger := make([]uint64, 2*len(old))
	mask := len(bigger) - 1
	for _, k := range old {
		if k == 0 {
			continue
		}
		i := slotOf(k, len(bigger))
		for bigger[i] != 0 {
			i = (i + 1) & mask
		}
		bigger[i] = k
	}
	st.tab.Store(&bigger)
}

func pow2(n int) int {
	p := 1
	for p < n {
		p <<= 1
	}
	return p
}

// Len counts the keys.
func (s *Set) Len() int {
	n := 0
	for i := range s.stripes {
		st := &s.stripes[i]
		st.mu.Lock()
		n += st.n
		st.mu.Unlock()
	}
	return n
}
