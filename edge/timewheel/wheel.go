package timewheel

import "time"

// Wheel visits each item once per period.
type Wheel[T any] struct {
	slots [][]*Entry[T]
	tick  time.Duration
	pos   int
	next  time.Time
	n     int
}

// Entry is an item's place in the wheel.
type Entry[T any] struct {
	Item T
	slot int
	idx  int
}

// New makes a wheel of slots slots of tick each: items are visited every
// slots*tick.
func New[T any](slots int, tick time.Duration, now time.Time) *Wheel[T] {
	return &Wheel[T]{slots: make([][]*Entry[T], slots), tick: tick, next: now.Add(tick)}
}

// Len is the number of items.
func (w *Wheel[T]) Len() int { return w.n }

// Add puts an item in the slot furthest from the current one, so its first
// visit comes a full period from now.
func (w *Wheel[T]) Add(item T) *Entry[T] {
	slot := (w.pos + len(w.slots) - 1) % len(w.slots)
	e := &Entry[T]{Item: item, slot: slot, idx: len(w.slots[slot])}
	w.slots[slot] = append(w.slots[slot], e)
	w.n++
	return e
}

// Remove takes an item out; removing it twice is harmless.
func (w *Wheel[T]) Remove(e *Entry[T]) {
	if e == nil || e.idx < 0 {
		return
	}
	s := w.slots[e.slot]
	last := s[len(s)-1]
	s[e.idx] = last
	last.idx = e.idx
	w.slots[e.slot] = s[:len(s)-1]
	e.idx = -1
	w.n--
}

// Advance visits every slot whose time has come by now. visit may remove
// the entry it is given, and no other.
func (w *Wheel[T]) Advance(now time.Time, visit func(*Entry[T])) {
	for !now.Before(w.next) {
		s := w.slots[w.pos]
		for i := len(s) - 1; i >= 0; i-- {
			visit(s[i])
			s = w.slots[w.pos] // visit may have removed it
			if i > len(s) {
				i = len(s)
			}
		}
		w.pos = (w.pos + 1) % len(w.slots)
		w.next = w.next.Add(w.tick)
	}
}
