package load

import (
	"math"
	"sync/atomic"
	"time"
)

// histogram keeps submit-to-reply latencies in log-linear buckets: 64
// per power of two of microseconds, so a quantile is within 1.6% of the
// truth, from 1 µs to about 17 minutes.
type histogram struct {
	buckets [30 * 64]atomic.Uint64
	count   atomic.Uint64
}

func bucketOf(d time.Duration) int {
	us := uint64(max(d.Microseconds(), 1))
	exp := 63 - leadingZeros(us) // floor(log2)
	if exp < 6 {
		return int(us) // exact below 64 µs
	}
	mant := (us >> (exp - 6)) & 63
	b := (exp-5)*64 + int(mant)
	if b >= 30*64 {
		return 30*64 - 1
	}
	return b
}

func leadingZeros(x uint64) int {
	n := 0
	for i := 63; i >= 0 && x&(1<<i) == 0; i-- {
		n++
	}
	return n
}

// bucketValue is a bucket's upper edge in microseconds.
func bucketValue(b int) float64 {
	if b < 64 {
		return float64(b)
	}
	exp := b/64 + 5
	mant := b % 64
	return float64(uint64(64+mant+1)<<(exp-6)) - 1
}

func (h *histogram) observe(d time.Duration) {
	h.buckets[bucketOf(d)].Add(1)
	h.count.Add(1)
}

// quantile is in milliseconds.
func (h *histogram) quantile(q float64) float64 {
	n := h.count.Load()
	if n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(n)))
	var acc uint64
	for b := range h.buckets {
		acc += h.buckets[b].Load()
		if acc >= rank {
			return bucketValue(b) / 1000
		}
	}
	return math.Inf(1)
}
