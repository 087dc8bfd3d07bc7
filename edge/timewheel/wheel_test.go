package timewheel

import (
	"testing"
	"time"
)

func TestEveryItemOncePerPeriod(t *testing.T) {
	t0 := time.Unix(0, 0)
	w := New[int](5, time.Second, t0)
	entries := map[int]*Entry[int]{}
	for i := range 100 {
		entries[i] = w.Add(i)
	}
	visits := map[int]int{}
	for s := 1; s <= 10; s++ { // two periods
		w.Advance(t0.Add(time.Duration(s)*time.Second), func(e *Entry[int]) { visits[e.Item]++ })
	}
	for i := range 100 {
		if visits[i] != 2 {
			t.Fatalf("item %d visited %d times in two periods", i, visits[i])
		}
	}
	// Removing, also from inside a visit.
	w.Remove(entries[3])
	w.Remove(entries[3])
	removed := 0
	w.Advance(t0.Add(20*time.Second), func(e *Entry[int]) {
		if e.Item%2 == 0 {
			w.Remove(e)
			removed++
		}
	})
	if w.Len() != 100-1-removed || removed != 50 {
		t.Fatalf("len %d after removing %d", w.Len(), removed+1)
	}
	seen := map[int]bool{}
	w.Advance(t0.Add(25*time.Second), func(e *Entry[int]) {
		if e.Item%2 == 0 || e.Item == 3 || seen[e.Item] {
			t.Fatalf("item %d visited after removal or twice", e.Item)
		}
		seen[e.Item] = true
	})
}

func TestFirstVisitAfterAFullPeriod(t *testing.T) {
	t0 := time.Unix(0, 0)
	w := New[string](4, time.Second, t0)
	w.Advance(t0.Add(2*time.Second), func(*Entry[string]) {})
	w.Add("x")
	var at []int
	for s := 3; s <= 10; s++ {
		w.Advance(t0.Add(time.Duration(s)*time.Second), func(*Entry[string]) { at = append(at, s) })
	}
	if len(at) != 2 || at[0] != 6 || at[1] != 10 {
		t.Fatalf("visited at %v, want [6 10]", at)
	}
}

func BenchmarkAdvance10k(b *testing.B) {
	t0 := time.Unix(0, 0)
	w := New[int](30, time.Second, t0)
	for i := range 10000 {
		w.Add(i)
	}
	now := t0
	b.ReportAllocs()
	for b.Loop() {
		now = now.Add(time.Second)
		w.Advance(now, func(*Entry[int]) {})
	}
}
