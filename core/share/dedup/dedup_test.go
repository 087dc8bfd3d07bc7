package dedup

import (
	"math/rand/v2"
	"sync"
	"testing"
)

func TestAddDuplicateFull(t *testing.T) {
	s := New(stripes * 2)
	if s.Add(7) != Added || s.Add(7) != Duplicate {
		t.Fatal("second add of a key is not a duplicate")
	}
	// Fill the stripe of key 7 (keys congruent mod the stripe count).
	if s.Add(7+stripes) != Added {
		t.Fatal("stripe full too early")
	}
	if s.Add(7+2*stripes) != Full {
		t.Fatal("a full stripe took another key")
	}
	if s.Add(7) != Duplicate {
		t.Fatal("a full set must still report duplicates")
	}
	if s.Len() != 2 {
		t.Fatalf("Len = %d", s.Len())
	}
}

func TestConcurrentAddsCountOnce(t *testing.T) {
	s := New(1 << 20)
	keys := make([]uint64, 10000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range keys {
		keys[i] = rng.Uint64()
	}
	var added [4]int
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for _, k := range keys {
				if s.Add(k) == Added {
					added[w]++
				}
			}
		})
	}
	wg.Wait()
	if total := added[0] + added[1] + added[2] + added[3]; total != len(keys) || s.Len() != len(keys) {
		t.Fatalf("each key must be added exactly once: %d adds, %d keys", total, s.Len())
	}
}

func BenchmarkAdd(b *testing.B) {
	s := New(1 << 24)
	rng := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	for b.Loop() {
		s.Add(rng.Uint64())
	}
}

func BenchmarkAddParallel(b *testing.B) {
	s := New(1 << 24)
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 5))
		for pb.Next() {
			s.Add(rng.Uint64())
		}
	})
}
