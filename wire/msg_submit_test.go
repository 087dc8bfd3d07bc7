package wire

import (
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"
)

// realisticSubmits builds a batch as an edge with 10,000 miners sends it:
// sessions spread over the edge, most shares on the newest job and some on
// the one before, extranonce2 counters, ntime a few seconds after the job's,
// version bits inside the BIP310 mask (and a few 5-parameter submits).
func realisticSubmits(rng *rand.Rand, n int, randomExtranonce2 bool) []SubmitRecord {
	const job, ntime = 0x1b2c, 0x6543210f
	recs := make([]SubmitRecord, n)
	for i := range recs {
		r := &recs[i]
		r.Session = SessionID(1 + rng.IntN(10000))
		r.Job = job
		if rng.IntN(10) == 0 {
			r.Job = job - 1
		}
		r.Extranonce2 = uint64(rng.IntN(1 << 16))
		if randomExtranonce2 {
			r.Extranonce2 = rng.Uint64()
		}
		r.NTime = ntime + uint32(rng.IntN(30))
		r.Nonce = rng.Uint32()
		if rng.IntN(20) != 0 {
			r.HasVersion = true
			r.VersionBits = rng.Uint32() & 0x1fffe000
		}
	}
	return recs
}

// randomSubmits has every field anywhere in its range.
func randomSubmits(rng *rand.Rand, n int) []SubmitRecord {
	recs := make([]SubmitRecord, n)
	for i := range recs {
		recs[i] = SubmitRecord{
			Session:     SessionID(1 + rng.Uint32N(0xffffffff)),
			Job:         JobID(rng.Uint32()),
			Extranonce2: rng.Uint64() >> rng.UintN(65),
			NTime:       rng.Uint32(),
			Nonce:       rng.Uint32(),
			HasVersion:  rng.IntN(2) == 0,
		}
		if recs[i].HasVersion {
			recs[i].VersionBits = rng.Uint32() >> rng.UintN(33)
		}
	}
	return recs
}

func TestSubmitRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var back SubmitBatch
	for i := range 2000 {
		var recs []SubmitRecord
		if i%2 == 0 {
			recs = randomSubmits(rng, 1+rng.IntN(300))
		} else {
			recs = realisticSubmits(rng, 1+rng.IntN(300), i%4 == 1)
		}
		in := SubmitBatch{Records: recs}
		b, err := Encode(&in)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != in.Len() {
			t.Fatalf("Len() = %d, encoded %d", in.Len(), len(b))
		}
		if err := back.Decode(b); err != nil {
			t.Fatalf("decode: %v", err)
		}
		if !reflect.DeepEqual(back.Records, in.Records) {
			t.Fatalf("round trip differs")
		}
	}
}

func TestSubmitMaxBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	in := SubmitBatch{Records: randomSubmits(rng, MaxSubmitBatch)}
	b, err := Encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	var back SubmitBatch
	if err := back.Decode(b); err != nil || len(back.Records) != MaxSubmitBatch {
		t.Fatalf("max batch: %v, %d records", err, len(back.Records))
	}
	in.Records = append(in.Records, in.Records[0])
	if _, err := Encode(&in); !errors.Is(err, ErrLimit) {
		t.Fatalf("batch over the limit: %v", err)
	}
}

// TestSubmitRealisticSize pins the size the benchmark reports: realistic
// submits must stay well under 24 bytes each, and random extranonce2 too.
func TestSubmitRealisticSize(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, random := range []bool{false, true} {
		in := SubmitBatch{Records: realisticSubmits(rng, 256, random)}
		per := float64(in.Len()) / 256
		if per > 24 {
			t.Errorf("random extranonce2 %v: %.1f bytes per submit, want <= 24", random, per)
		}
	}
}

func TestSubmitZeroAlloc(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	in := SubmitBatch{Records: realisticSubmits(rng, 256, false)}
	buf := make([]byte, 0, 8192)
	var out SubmitBatch
	allocs := testing.AllocsPerRun(100, func() {
		b, err := in.AppendBinary(buf[:0])
		if err != nil {
			t.Fatal(err)
		}
		if err := out.Decode(b); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Fatalf("submit encode+decode: %v allocs per batch, want 0", allocs)
	}
}

func benchmarkSubmitBatch(b *testing.B, randomExtranonce2 bool) {
	const n = 256
	rng := rand.New(rand.NewPCG(9, 10))
	in := SubmitBatch{Records: realisticSubmits(rng, n, randomExtranonce2)}
	buf := make([]byte, 0, 8192)
	var out SubmitBatch
	var size int
	b.ReportAllocs()
	for b.Loop() {
		enc, err := in.AppendBinary(buf[:0])
		if err != nil {
			b.Fatal(err)
		}
		if err := out.Decode(enc); err != nil {
			b.Fatal(err)
		}
		size = len(enc)
	}
	b.SetBytes(int64(size))
	b.ReportMetric(float64(size)/n, "bytes/submit")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/submit")
}

// BenchmarkSubmitBatch encodes and decodes a batch of 256 realistic submits.
func BenchmarkSubmitBatch(b *testing.B) { benchmarkSubmitBatch(b, false) }

// BenchmarkSubmitBatchRandomExtranonce2 is the worst case for size: miners
// that pick extranonce2 at random rather than counting.
func BenchmarkSubmitBatchRandomExtranonce2(b *testing.B) { benchmarkSubmitBatch(b, true) }

func newRand() *rand.Rand { return rand.New(rand.NewPCG(13, 14)) }
