package account

import (
	"errors"
	"testing"
	"time"
)

func TestSharesRoundTrip(t *testing.T) {
	base := time.UnixMilli(1_700_000_000_123)
	in := []Share{
		{Hash: [32]byte{1, 2, 3}, Worker: 7, Edge: 2, Session: 0x010203, Difficulty: 1024, HashDifficulty: 5000.5,
			Height: 840000, Job: 0xdeadbeef, Time: base.Add(1500 * time.Millisecond), Block: true},
		{Hash: [32]byte{31: 9}, Worker: 1 << 31, Difficulty: 1e-9, HashDifficulty: 3e-9, Time: base},
	}
	data := newBatchData(len(in))
	for i := range in {
		data = appendShare(data, base, &in[i])
	}
	if shareCount(data) != 2 {
		t.Fatalf("count %d", shareCount(data))
	}
	var out []Share
	if err := DecodeShares(data, base, func(s *Share) bool { out = append(out, *s); return true }); err != nil {
		t.Fatal(err)
	}
	for i := range in {
		if out[i] != in[i] {
			t.Errorf("share %d: got %+v\nwant %+v", i, out[i], in[i])
		}
	}
	// A time before the batch's is clamped to it, not wrapped.
	early := Share{Time: base.Add(-time.Hour)}
	data = appendShare(newBatchData(1), base, &early)
	DecodeShares(data, base, func(s *Share) bool {
		if !s.Time.Equal(base) {
			t.Errorf("early time decoded as %v", s.Time)
		}
		return true
	})
	if err := DecodeShares([]byte{2}, base, nil); !errors.Is(err, ErrBadVersion) {
		t.Errorf("unknown version: %v", err)
	}
	if err := DecodeShares([]byte{1, 0, 0}, base, nil); !errors.Is(err, ErrBadLength) {
		t.Errorf("torn record: %v", err)
	}
	// Unknown flags are refused before any share is handed out.
	two := appendShare(appendShare(newBatchData(2), base, &early), base, &early)
	two[len(two)-1] |= 0x80
	called := 0
	if err := DecodeShares(two, base, func(*Share) bool { called++; return true }); !errors.Is(err, ErrBadFlags) || called != 0 {
		t.Errorf("unknown flags: %v after %d shares", err, called)
	}
}

func FuzzDecodeShares(f *testing.F) {
	s := Share{Hash: [32]byte{1}, Worker: 3, Difficulty: 2, Time: time.UnixMilli(5)}
	f.Add(appendShare(newBatchData(1), time.UnixMilli(0), &s))
	f.Add([]byte{1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		base := time.UnixMilli(1_700_000_000_000)
		var got []Share
		if err := DecodeShares(data, base, func(s *Share) bool { got = append(got, *s); return true }); err != nil {
			return
		}
		// What decodes, encodes back to the same bytes.
		again := newBatchData(len(got))
		for i := range got {
			again = appendShare(again, base, &got[i])
		}
		if string(again) != string(data) {
			t.Fatalf("re-encoded differently:\n%x\n%x", again, data)
		}
	})
}
