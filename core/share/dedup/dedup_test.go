package dedup

import (
	"math/rand/v2"
	"sync"
	"testing"
	"unsafe"
)

func TestAddDuplicateFull(t *testing.T) {
	s := New(stripes*2, 0)
	if s.Add(3, 7) != Added || s.Add(3, 7) != Duplicate {
		t.Fatal("second add of a key is not a duplicate")
	}
	// Fill the stripe of shard 3 (shards congruent mod the stripe count).
	if s.Add(3+stripes, 8) != Added {
		t.Fatal("stripe full too early")
	}
	if s.Add(3, 9) != Full {
		t.Fatal("a full stripe took another key")
	}
	if s.Add(3, 7) != Duplicate {
		t.Fatal("a full set must still report duplicates")
	}
	if s.Add(4, 9) != Added {
		t.Fatal("another stripe is not full")
	}
	if s.Len() != 3 {
		t.Fatalf("Len = %d", s.Len())
	}
}

func TestZeroKeyAndGrowth(t *testing.T) {
	s := New(1<<20, 0)
	if s.Add(1, 0) != Added || s.Add(1, 0) != Duplicate {
		t.Fatal("key 0")
	}
	rng := rand.New(rand.NewPCG(9, 9))
	keys := make([]uint64, 50000)
	for i := range keys {
		keys[i] = rng.Uint64() | 1
		s.Touch(uint32(i), keys[i])
		if s.Add(uint32(i), keys[i]) != Added {
			t.Fatalf("key %d not added", i)
		}
	}
	for i, k := range keys {
		if s.Add(uint32(i), k) != Duplicate {
			t.Fatalf("key %d lost when the table grew", i)
		}
	}
	if s.Len() != len(keys)+1 {
		t.Fatalf("Len = %d", s.Len())
	}
}

func TestConcurrentAddsCountOnce(t *testing.T) {
	s := New(1<<20, 1<<14)
	keys := make([]uint64, 10000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range keys {
		keys[i] = rng.Uint64()
	}
	var added [4]int
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i, k := range keys {
				s.Touch(uint32(i), k)
				if s.Add(uint32(i), k) == Added {
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
	s := New(1<<24, 1<<16)
	rng := rand.New(rand.NewPCG(3, 4))
	b.ReportAllocs()
	for b.Loop() {
		k := rng.Uint64()
		s.Add(uint32(k>>40), k)
	}
}

func BenchmarkAddParallel(b *testing.B) {
	s := New(1<<24, 1<<16)
	b.RunParallel(func(pb *testing.PB) {
		rng := rand.New(rand.NewPCG(rand.Uint64(), 5))
		for pb.Next() {
			k := rng.Uint64()
			s.Add(uint32(k>>40), k)
		}
	})
}

func TestStripeFillsTwoCacheLines(t *testing.T) {
	if size := unsafe.Sizeof(stripe{}); size != 128 {
		t.Fatalf("a stripe is %d bytes, want 128 so cores never share a line", size)
	}
}

// Remove against a map, on keys made to collide (few home slots, long
// runs that wrap round the table's end): after every step the set holds
// exactly the map's keys, and a removed key can be added again.
func TestRemoveKeepsEveryOtherKey(t *testing.T) {
	for seed := range uint64(20) {
		rng := rand.New(rand.NewPCG(seed, 7))
		s := New(stripes*1000, stripes*64)
		want := map[uint64]bool{}
		// Keys whose low bits pick a handful of slots, near the end of a
		// 128-slot table so that runs wrap.
		key := func() uint64 { return rng.Uint64()<<8 | uint64(120+rng.IntN(8)) }
		var keys []uint64
		for range 400 {
			switch {
			case len(keys) == 0 || rng.IntN(3) > 0:
				k := key()
				if k == 0 {
					continue
				}
				out := s.Add(5, k)
				if want[k] != (out == Duplicate) {
					t.Fatalf("seed %d: Add(%x) = %v, in the map %v", seed, k, out, want[k])
				}
				if out == Added {
					want[k] = true
					keys = append(keys, k)
				}
			default:
				i := rng.IntN(len(keys))
				k := keys[i]
				if got := s.Remove(5, k); got != want[k] {
					t.Fatalf("seed %d: Remove(%x) = %v, in the map %v", seed, k, got, want[k])
				}
				delete(want, k)
				if s.Remove(5, k) {
					t.Fatalf("seed %d: removed %x twice", seed, k)
				}
			}
			for _, k := range keys {
				if present := s.Add(5, k) == Duplicate; present != want[k] {
					t.Fatalf("seed %d: key %x present %v, want %v", seed, k, present, want[k])
				}
				if !want[k] {
					s.Remove(5, k) // undo the probe's add
				}
			}
		}
		if s.Len() != len(want) {
			t.Fatalf("seed %d: Len %d, want %d", seed, s.Len(), len(want))
		}
	}
	s := New(stripes*4, 0)
	if s.Add(2, 0) != Added || !s.Remove(2, 0) || s.Remove(2, 0) || s.Add(2, 0) != Added {
		t.Error("key 0 is not removed and added again")
	}
	if s.Remove(9, 42) {
		t.Error("removed a key from a stripe never used")
	}
}
