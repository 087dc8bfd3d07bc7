package metric

import (
	"math"
	"strings"
	"testing"
	"time"
)

func TestHistogramAndText(t *testing.T) {
	h := NewHistogram([]float64{0.01, 0.1, 1})
	for _, d := range []time.Duration{5 * time.Millisecond, 50 * time.Millisecond, 50 * time.Millisecond, 2 * time.Second} {
		h.Observe(d)
	}
	s := h.Snapshot()
	if s.Count != 4 || s.Cumulative[0] != 1 || s.Cumulative[1] != 3 || s.Cumulative[2] != 3 || math.Abs(s.Sum-2.105) > 1e-9 {
		t.Fatalf("snapshot %+v", s)
	}
	if q := s.Quantile(0.5); q != 0.1 {
		t.Errorf("median %g", q)
	}
	if q := s.Quantile(0.99); !math.IsInf(q, 1) {
		t.Errorf("p99 %g", q)
	}
	var w Writer
	w.Counter("strata_shares_total", "Shares judged, by result.", L("result", "accepted", 10), L("result", `a"b\c`, 1))
	w.Gauge("strata_up", "Always 1.\nSecond line.", V(1))
	w.Histogram("strata_rpc_seconds", "RPC latency.", LabeledSnapshot{[]Label{{"method", "getblocktemplate"}}, s})
	want := `# HELP strata_shares_total Shares judged, by result.
# TYPE strata_shares_total counter
strata_shares_total{result="accepted"} 10
strata_shares_total{result="a\"b\\c"} 1
# HELP strata_up Always 1.\nSecond line.
# TYPE strata_up gauge
strata_up 1
# HELP strata_rpc_seconds RPC latency.
# TYPE strata_rpc_seconds histogram
strata_rpc_seconds_bucket{method="getblocktemplate",le="0.01"} 1
strata_rpc_seconds_bucket{method="getblocktemplate",le="0.1"} 3
strata_rpc_seconds_bucket{method="getblocktemplate",le="1"} 3
strata_rpc_seconds_bucket{method="getblocktemplate",le="+Inf"} 4
strata_rpc_seconds_sum{method="getblocktemplate"} 2.105
strata_rpc_seconds_count{method="getblocktemplate"} 4
`
	if got := string(w.B); got != want {
		t.Errorf("text:\n%s\nwant:\n%s", got, want)
		for i, l := range strings.Split(got, "\n") {
			if ws := strings.Split(want, "\n"); i < len(ws) && ws[i] != l {
				t.Logf("first difference at line %d: %q vs %q", i, l, ws[i])
				break
			}
		}
	}
}

func TestObserveAllocatesNothing(t *testing.T) {
	h := NewHistogram(LatencyBuckets)
	if n := testing.AllocsPerRun(100, func() { h.Observe(3 * time.Millisecond) }); n != 0 {
		t.Errorf("%g allocs per observation", n)
	}
}
