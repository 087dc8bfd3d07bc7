package ring

import "sync/atomic"

type entry[T any] struct {
	id uint32
	v  *T
}

// Ring holds the last Size values. Get is safe from any goroutine; Put from
// one at a time.
type Ring[T any] struct {
	mask  uint32
	slots []atomic.Pointer[entry[T]]
}

// New makes a ring of at least size slots, rounded up to a power of two.
func New[T any](size int) *Ring[T] {
	n := 1
	for n < size {
		n <<= 1
	}
	return &Ring[T]{mask: uint32(n - 1), slots: make([]atomic.Pointer[entry[T]], n)}
}

// Size is the number of values the ring keeps.
func (r *Ring[T]) Size() int { return len(r.slots) }

// Put stores v under id, replacing what id-Size held.
func (r *Ring[T]) Put(id uint32, v *T) {
	r.slots[id&r.mask].Store(&entry[T]{id: id, v: v})
}

// Get returns the value stored under id, or nil when it was never stored or
// has been replaced.
func (r *Ring[T]) Get(id uint32) *T {
	e := r.slots[id&r.mask].Load()
	if e == nil || e.id != id {
		return nil
	}
	return e.v
}
