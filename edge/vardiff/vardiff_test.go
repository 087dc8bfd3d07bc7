package vardiff

import (
	"testing"
	"time"
)

var cfg = Config{TargetPerMinute: 20, Retarget: 30 * time.Second, Min: 1, Max: 1 << 20}

// simulate runs a miner of the given hashrate (difficulty-1 shares per
// minute) for n windows from difficulty d, and returns the difficulties.
func simulate(rate float64, d float64, n int, c *Config) []float64 {
	var s State
	now := time.Unix(1_700_000_000, 0)
	s.Reset(now)
	var out []float64
	for range n {
		shares := int(rate / d * c.Retarget.Minutes())
		for range shares {
			s.Share(now, c)
		}
		now = now.Add(c.Retarget)
		d, _ = s.Retarget(d, now, c)
		out = append(out, d)
	}
	return out
}

func TestConvergesUp(t *testing.T) {
	// A miner finding 20 shares a minute at difficulty 50,000 starts at 1,000.
	ds := simulate(20*50_000, 1_000, 10, &cfg)
	last := ds[len(ds)-1]
	if last < 35_000 || last > 71_000 {
		t.Fatalf("settled at %g after %v, want about 50,000", last, ds)
	}
	for i := 1; i < len(ds); i++ {
		if ds[i] > ds[i-1]*maxStep {
			t.Fatalf("a step above 4x: %v", ds)
		}
	}
}

func TestDeclineSafe(t *testing.T) {
	// A miner that stops finding shares comes down on every window, to the
	// minimum, without any share arriving.
	ds := simulate(0, 4096, 8, &cfg)
	want := []float64{1024, 256, 64, 16, 4, 1, 1, 1}
	for i := range want {
		if ds[i] != want[i] {
			t.Fatalf("difficulties %v, want %v", ds, want)
		}
	}
}

func TestHysteresis(t *testing.T) {
	// 20% off target changes nothing.
	if ds := simulate(24*1000, 1000, 3, &cfg); ds[0] != 1000 || ds[2] != 1000 {
		t.Errorf("small drift changed the difficulty: %v", ds)
	}
}

func TestEarlyRetarget(t *testing.T) {
	var s State
	now := time.Unix(0, 0)
	s.Reset(now)
	early := false
	for i := range 100 {
		if s.Share(now.Add(time.Duration(i)*10*time.Millisecond), &cfg) {
			early = true
			break
		}
	}
	if !early {
		t.Error("a miner 100 times too fast was not retargeted early")
	}
	s.Reset(now)
	for i := range 10 {
		if s.Share(now.Add(time.Duration(i)*3*time.Second), &cfg) {
			t.Fatal("a miner at the target rate was retargeted early")
		}
	}
}

func TestClamp(t *testing.T) {
	frac := Config{Min: 0.0001, Max: 0, AllowFractional: true}
	cases := []struct {
		d    float64
		c    Config
		want float64
	}{
		{1000.7, cfg, 1000},
		{0.3, cfg, 1},
		{5e6, cfg, 1 << 20},
		{0.012345, frac, 0.0123},
		{0.00001, frac, 0.0001},
		{123456.9, frac, 123456},
		{0.5, Config{Min: 0.5, AllowFractional: true}, 0.5},
	}
	for _, c := range cases {
		if got := Clamp(c.d, &c.c); got != c.want {
			t.Errorf("Clamp(%g) = %g, want %g", c.d, got, c.want)
		}
	}
}
