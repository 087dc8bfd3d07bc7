package account

import (
	"context"
	"path/filepath"
	"testing"
	"time"
)

func TestWindowCountsTheCrossingSharePartly(t *testing.T) {
	w := newWindow(10) // N=2 × difficulty 5
	for _, s := range []struct {
		addr string
		d    float64
	}{{"A", 2}, {"B", 3}, {"A", 4}, {"C", 5}, {"D", 7}} {
		if !w.add(s.addr, s.d) {
			break
		}
	}
	want := map[string]float64{"A": 6, "B": 3, "C": 1}
	if len(w.parts) != len(want) || w.total != 10 {
		t.Fatalf("window %+v total %g", w.parts, w.total)
	}
	for a, d := range want {
		if w.parts[a] != d {
			t.Errorf("%s: %g, want %g", a, w.parts[a], d)
		}
	}
	got := split("blk", 1000, w)
	wantAmounts := map[string]int64{"A": 600, "B": 300, "C": 100}
	for _, sp := range got {
		if sp.Amount != wantAmounts[sp.Address] {
			t.Errorf("%s gets %d, want %d", sp.Address, sp.Amount, wantAmounts[sp.Address])
		}
	}
}

func TestSplitIsExactToTheSatoshi(t *testing.T) {
	// Three equal parts of 100: 33 each and one left over, which goes to
	// the smallest address among equal remainders.
	w := newWindow(3)
	w.add("bc1qc", 1)
	w.add("bc1qa", 1)
	w.add("bc1qb", 1)
	got := split("blk", 100, w)
	want := []Split{{"blk", "bc1qa", 1, 34}, {"blk", "bc1qb", 1, 33}, {"blk", "bc1qc", 1, 33}}
	if len(got) != 3 {
		t.Fatalf("split %+v", got)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("split %d: %+v, want %+v", i, got[i], want[i])
		}
	}
	// Largest remainder first: 2/7 and 5/7 of 10 are 2.857 and 7.142:
	// floors 2 and 7, the one left goes to 2.857's address.
	w = newWindow(7)
	w.add("x", 2)
	w.add("y", 5)
	got = split("blk", 10, w)
	if got[0].Amount != 3 || got[1].Amount != 7 {
		t.Errorf("largest remainder: %+v", got)
	}
	// Whatever the parts, the amounts add up.
	w = newWindow(1e12)
	for i, d := range []float64{1e-9, 3.3, 1e6, 12345.678, 0.5, 777} {
		w.add(string(rune('a'+i)), d)
	}
	var sum int64
	for _, sp := range split("blk", 312_500_000+123_456, w) {
		sum += sp.Amount
	}
	if sum != 312_500_000+123_456 {
		t.Errorf("amounts add up to %d", sum)
	}
}

// A window that spans a vardiff change: newer shares at difficulty 4,
// older ones at 1. Walking back from the block: B 4, B 4, then A 1, 1 to
// fill the window of 10; A's older shares are outside.
func TestWindowAcrossADifficultyChangeFromTheStore(t *testing.T) {
	ctx := context.Background()
	st, err := OpenSQLite(ctx, filepath.Join(t.TempDir(), "a.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	now := time.UnixMilli(1_700_000_000_000)
	w := &Write{Workers: []Worker{{ID: 1, Name: "A.rig", Address: "A", Created: now}, {ID: 2, Name: "B.rig", Address: "B", Created: now}}}
	// Batch 1: six shares of A at difficulty 1. Batch 2: B at 4, B at 4,
	// the block's share (B at 4, index 2), then a share after the block.
	b1 := newBatchData(6)
	for range 6 {
		b1 = appendShare(b1, now, &Share{Worker: 1, Difficulty: 1, Time: now})
	}
	b2 := newBatchData(4)
	for i, d := range []float64{4, 4, 4, 100} {
		b2 = appendShare(b2, now, &Share{Worker: 2, Difficulty: d, Time: now, Block: i == 2})
	}
	w.Batches = []Batch{{ID: 1, Time: now, Count: 6, Difficulty: 6, Data: b1}, {ID: 2, Time: now, Count: 4, Difficulty: 112, Data: b2}}
	if err := st.Write(ctx, w); err != nil {
		t.Fatal(err)
	}
	// Block at difficulty 7, N = 2: a window of 14. B: 4+4+4 = 12, then
	// A's newest two shares: 1 + 1.
	win := newWindow(2 * 7)
	addr := map[uint32]string{1: "A", 2: "B"}
	if err := fillWindow(ctx, st, 2, 2, func(id uint32) string { return addr[id] }, win); err != nil {
		t.Fatal(err)
	}
	if win.parts["B"] != 12 || win.parts["A"] != 2 || win.total != 14 {
		t.Fatalf("window %+v", win.parts)
	}
	// 4,950,000,000 sat (50 BTC less a 1% fee): B 12/14, A 2/14.
	got := split("blk", 4_950_000_000, win)
	if got[0].Address != "A" || got[0].Amount != 707_142_857 || got[1].Amount != 4_242_857_143 {
		t.Errorf("split %+v", got)
	}
	// A window longer than the pool's history takes all of it.
	win = newWindow(1000)
	if err := fillWindow(ctx, st, 2, 2, func(id uint32) string { return addr[id] }, win); err != nil {
		t.Fatal(err)
	}
	if win.total != 18 {
		t.Errorf("whole history: %g", win.total)
	}
}
