package uplink

import (
	"sync"

	"github.com/stratapool/strata/wire"
)

// maxInFlight bounds submits sent and not yet answered.
const maxInFlight = 1 << 16

// entry is a submit on its way: the record, who sent it and the id to
// answer with.
type entry struct {
	token any
	rec   wire.SubmitRecord
	idLen uint8
	id    [64]byte
	// replay marks a share that may have been credited before the link
	// dropped: a duplicate verdict on it means it was accepted.
	replay bool
}

func (e *entry) setID(id []byte) {
	e.idLen = uint8(copy(e.id[:], id))
}

// ring holds submits sent on the current link by sequence number. The
// writer adds, the reader takes.
type ring struct {
	mu    sync.Mutex // guards everything below
	slots []entry
	next  uint64 // the sequence number of the next submit sent
	done  uint64 // every seq below this is answered
}

func newRing() *ring { return &ring{slots: make([]entry, maxInFlight)} }

// reset starts a new link at sequence 0 and returns what was unanswered.
func (r *ring) reset() []entry {
	r.mu.Lock()
	defer r.mu.Unlock()
	var left []entry
	for s := r.done; s < r.next; s++ {
		if e := &r.slots[s%maxInFlight]; e.token != nil {
			left = append(left, *e)
			*e = entry{}
		}
	}
	r.next, r.done = 0, 0
	return left
}

// inFlight is how many submits went out unanswered.
func (r *ring) inFlight() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return int(r.next - r.done)
}

// room is how many more submits may go out.
func (r *ring) room() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return maxInFlight - int(r.next-r.done)
}

// add records entries about to be sent, in order.
func (r *ring) add(es []entry) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := range es {
		r.slots[r.next%maxInFlight] = es[i]
		r.next++
	}
}

// take removes the entries a VERDICT answers. ok is false when it names
// submits never sent: the core is confused, the link must go.
func (r *ring) take(first uint64, n int, into []entry) ([]entry, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if first+uint64(n) > r.next || first+uint64(n) < first {
		return into, false
	}
	for s := first; s < first+uint64(n); s++ {
		e := &r.slots[s%maxInFlight]
		if e.token == nil {
			return into, false // answered twice
		}
		into = append(into, *e)
		*e = entry{}
	}
	for r.done < r.next && r.slots[r.done%maxInFlight].token == nil {
		r.done++
	}
	return into, true
}
