package wire

import (
	"math/rand/v2"
	"slices"
	"testing"
)

func TestVerdictRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	var back VerdictBatch
	for range 2000 {
		in := VerdictBatch{FirstSeq: rng.Uint64() >> rng.UintN(64), Verdicts: make([]Verdict, 1+rng.IntN(600))}
		for i := range in.Verdicts {
			if rng.IntN(8) == 0 {
				in.Verdicts[i] = Verdict(rng.IntN(int(NumVerdicts)))
			}
		}
		b, err := Encode(&in)
		if err != nil {
			t.Fatal(err)
		}
		if len(b) != in.Len() {
			t.Fatalf("Len() = %d, encoded %d", in.Len(), len(b))
		}
		if err := back.Decode(b); err != nil {
			t.Fatal(err)
		}
		if back.FirstSeq != in.FirstSeq || !slices.Equal(back.Verdicts, in.Verdicts) {
			t.Fatal("round trip differs")
		}
	}
}

func TestVerdictLimit(t *testing.T) {
	in := VerdictBatch{Verdicts: make([]Verdict, MaxVerdictBatch)}
	b, err := Encode(&in)
	if err != nil {
		t.Fatal(err)
	}
	var back VerdictBatch
	if err := back.Decode(b); err != nil || len(back.Verdicts) != MaxVerdictBatch {
		t.Fatalf("%v, %d verdicts", err, len(back.Verdicts))
	}
	in.Verdicts = append(in.Verdicts, VerdictAccepted)
	if _, err := Encode(&in); err == nil {
		t.Fatal("a batch over the limit encoded")
	}
}

func TestVerdictZeroAlloc(t *testing.T) {
	in := VerdictBatch{FirstSeq: 123456, Verdicts: make([]Verdict, 256)}
	in.Verdicts[17] = VerdictDuplicate
	in.Verdicts[200] = VerdictLowDifficulty
	buf := make([]byte, 0, 1024)
	var out VerdictBatch
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
		t.Fatalf("verdict encode+decode: %v allocs per batch, want 0", allocs)
	}
}

// BenchmarkVerdictBatch encodes and decodes verdicts on 256 submits, a few
// of them rejected.
func BenchmarkVerdictBatch(b *testing.B) {
	const n = 256
	in := VerdictBatch{FirstSeq: 1 << 30, Verdicts: make([]Verdict, n)}
	in.Verdicts[17] = VerdictDuplicate
	in.Verdicts[200] = VerdictStale
	buf := make([]byte, 0, 1024)
	var out VerdictBatch
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
	b.ReportMetric(float64(size)/n, "bytes/verdict")
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/n, "ns/verdict")
}
