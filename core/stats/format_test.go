package stats

import "testing"

// The endpoints are tested against a running core in e2e/stats_test.go,
// and on a real store in api_test.go; here, the page's formatting.
func TestFormatting(t *testing.T) {
	for in, want := range map[float64]string{0: "0.00 H/s", 999: "999.00 H/s", 1.5e12: "1.50 TH/s", 4.2e20: "420.00 EH/s"} {
		if got := hashrate(in); got != want {
			t.Errorf("hashrate(%g) = %s, want %s", in, got, want)
		}
	}
	for in, want := range map[float64]string{0: "0", 0.001: "0.001", 1: "1.00", 1536: "1.54k", 1.2e14: "120.00T", 3.5e-15: "3.5e-15"} {
		if got := difficulty(in); got != want {
			t.Errorf("difficulty(%g) = %s, want %s", in, got, want)
		}
	}
}
