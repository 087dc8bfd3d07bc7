package ring

import (
	"sync"
	"testing"
)

func TestRing(t *testing.T) {
	r := New[int](12)
	if r.Size() != 16 {
		t.Fatalf("size %d, want 16", r.Size())
	}
	vals := make([]int, 40)
	start := uint32(0xfffffff0) // across the wrap of the id
	for i := range vals {
		vals[i] = i
		r.Put(start+uint32(i), &vals[i])
	}
	for i := range vals {
		got := r.Get(start + uint32(i))
		if i < len(vals)-16 {
			if got != nil {
				t.Errorf("id %d: still found after 16 newer", i)
			}
			continue
		}
		if got == nil || *got != i {
			t.Errorf("id %d: got %v", i, got)
		}
	}
	if r.Get(12345) != nil {
		t.Error("an id never stored was found")
	}
}

func TestRingConcurrent(t *testing.T) {
	r := New[uint32](8)
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				for id := uint32(0); id < 1000; id++ {
					if v := r.Get(id); v != nil && *v != id {
						t.Errorf("id %d holds %d", id, *v)
						return
					}
				}
			}
		}()
	}
	for id := uint32(0); id < 1000; id++ {
		v := id
		r.Put(id, &v)
	}
	close(stop)
	wg.Wait()
}

func BenchmarkGet(b *testing.B) {
	r := New[int](32)
	v := 1
	for id := range uint32(32) {
		r.Put(id, &v)
	}
	b.ReportAllocs()
	var id uint32
	for b.Loop() {
		if r.Get(id&31) == nil {
			b.Fatal("missing")
		}
		id++
	}
}
