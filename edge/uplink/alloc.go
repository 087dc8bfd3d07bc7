package uplink

import (
	"sync"

	"github.com/stratapool/strata/wire"
)

// allocator hands out session numbers 1 .. 2^bits-1. A resumed extranonce1
// gets its number back when it is this edge's and free.
type allocator struct {
	mu     sync.Mutex // guards everything below
	ready  bool
	w      wire.Welcome
	used   []uint64 // a bit per session number
	cursor uint32
	inUse  int
}

// setWelcome sizes the allocator for the edge's id and split. Numbers in
// use stay in use across a reconnect.
func (a *allocator) setWelcome(w *wire.Welcome) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := uint64(1) << w.SessionBits
	if !a.ready || a.w.SessionBits != w.SessionBits {
		a.used = make([]uint64, (n+63)/64)
		a.inUse = 0
	}
	a.w, a.ready = *w, true
}

func (a *allocator) free(n uint32) bool { return a.used[n/64]&(1<<(n%64)) == 0 }
func (a *allocator) take(n uint32)      { a.used[n/64] |= 1 << (n % 64); a.inUse++ }

// allocate returns a session number and its extranonce1, resuming resume
// (an extranonce1 a miner had) when it can.
func (a *allocator) allocate(resume []byte) (wire.SessionID, []byte, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !a.ready {
		return 0, nil, false
	}
	max := uint32(a.w.MaxSession())
	if len(resume) == int(a.w.Extranonce1Size) {
		var v uint64
		for _, b := range resume {
			v = v<<8 | uint64(b)
		}
		n := uint32(v & uint64(max))
		if v>>a.w.SessionBits == uint64(a.w.EdgeID) && n != 0 && a.free(n) {
			a.take(n)
			return wire.SessionID(n), a.en1(n), true
		}
	}
	if a.inUse >= int(max) {
		return 0, nil, false
	}
	// Next fit: free numbers are found after the last one given, so a
	// number just released is not handed out again at once.
	for {
		a.cursor++
		if a.cursor > max {
			a.cursor = 1
		}
		if a.used[a.cursor/64] == ^uint64(0) {
			a.cursor |= 63 // a full word: skip to its end
			continue
		}
		if a.free(a.cursor) {
			a.take(a.cursor)
			return wire.SessionID(a.cursor), a.en1(a.cursor), true
		}
	}
}

func (a *allocator) en1(n uint32) []byte {
	v := a.w.Extranonce1(wire.SessionID(n))
	out := make([]byte, a.w.Extranonce1Size)
	for i := len(out) - 1; i >= 0; i-- {
		out[i] = byte(v)
		v >>= 8
	}
	return out
}

func (a *allocator) release(id wire.SessionID) {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := uint32(id)
	if a.ready && int(n/64) < len(a.used) && !a.free(n) {
		a.used[n/64] &^= 1 << (n % 64)
		a.inUse--
	}
}

// slot is the core's extranonce2 slot.
func (a *allocator) slot() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	return int(a.w.Extranonce2Size)
}
