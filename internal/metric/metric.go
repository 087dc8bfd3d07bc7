// Package metric has what the statistics need and Go lacks: a histogram
// cheap enough to observe on hot paths (fixed buckets, atomic counts), and
// a writer of the Prometheus text format.
package metric

import (
	"math"
	"strconv"
	"sync/atomic"
	"time"
)

// Histogram counts observations (in seconds) into fixed buckets. It is
// safe for concurrent use and allocates nothing per observation.
type Histogram struct {
	bounds []float64
	counts []atomic.Uint64 // one per bound, then +Inf
	sumNs  atomic.Int64
	count  atomic.Uint64
}

// LatencyBuckets suit RPC and request latencies: 1 ms to 30 s.
var LatencyBuckets = []float64{.001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}

// NewHistogram makes a histogram with the given upper bounds, in seconds,
// increasing.
func NewHistogram(bounds []float64) *Histogram {
	return &Histogram{bounds: bounds, counts: make([]atomic.Uint64, len(bounds)+1)}
}

// Observe counts one duration.
func (h *Histogram) Observe(d time.Duration) {
	s := d.Seconds()
	i := 0
	for i < len(h.bounds) && s > h.bounds[i] {
		i++
	}
	h.counts[i].Add(1)
	h.sumNs.Add(int64(d))
	h.count.Add(1)
}

// Snapshot is a histogram's counts at a moment: cumulative per bound.
type Snapshot struct {
	Bounds     []float64
	Cumulative []uint64
	Count      uint64
	Sum        float64
}

// Snapshot reads the histogram.
func (h *Histogram) Snapshot() Snapshot {
	s := Snapshot{Bounds: h.bounds, Cumulative: make([]uint64, len(h.bounds))}
	var acc uint64
	for i := range h.bounds {
		acc += h.counts[i].Load()
		s.Cumulative[i] = acc
	}
	s.Count = acc + h.counts[len(h.bounds)].Load()
	s.Sum = float64(h.sumNs.Load()) / 1e9
	return s
}

// Quantile estimates a quantile from the buckets (the bound of the bucket
// it falls in), in seconds; 0 with no observations.
func (s Snapshot) Quantile(q float64) float64 {
	if s.Count == 0 {
		return 0
	}
	rank := uint64(math.Ceil(q * float64(s.Count)))
	for i, c := range s.Cumulative {
		if c >= rank {
			return s.Bounds[i]
		}
	}
	return math.Inf(1)
}

// Writer writes the Prometheus text format into a buffer it grows.
type Writer struct {
	B []byte
}

// Label is a name and value for a sample.
type Label struct{ Name, Value string }

func (w *Writer) header(name, help, kind string) {
	w.B = append(w.B, "# HELP "...)
	w.B = append(w.B, name...)
	w.B = append(w.B, ' ')
	w.B = appendEscaped(w.B, help, false)
	w.B = append(w.B, "\n# TYPE "...)
	w.B = append(w.B, name...)
	w.B = append(w.B, ' ')
	w.B = append(w.B, kind...)
	w.B = append(w.B, '\n')
}

func (w *Writer) sample(name string, labels []Label, v float64) {
	w.B = append(w.B, name...)
	if len(labels) > 0 {
		w.B = append(w.B, '{')
		for i, l := range labels {
			if i > 0 {
				w.B = append(w.B, ',')
			}
			w.B = append(w.B, l.Name...)
			w.B = append(w.B, `="`...)
			w.B = appendEscaped(w.B, l.Value, true)
			w.B = append(w.B, '"')
		}
		w.B = append(w.B, '}')
	}
	w.B = append(w.B, ' ')
	w.B = appendValue(w.B, v)
	w.B = append(w.B, '\n')
}

// Counter writes a counter family (name should end in _total).
func (w *Writer) Counter(name, help string, samples ...Sample) {
	w.header(name, help, "counter")
	for _, s := range samples {
		w.sample(name, s.Labels, s.Value)
	}
}

// Gauge writes a gauge family.
func (w *Writer) Gauge(name, help string, samples ...Sample) {
	w.header(name, help, "gauge")
	for _, s := range samples {
		w.sample(name, s.Labels, s.Value)
	}
}

// Sample is one value of a family, with its labels.
type Sample struct {
	Labels []Label
	Value  float64
}

// V is a sample without labels.
func V(v float64) Sample { return Sample{Value: v} }

// L is a sample with one label.
func L(name, value string, v float64) Sample {
	return Sample{Labels: []Label{{Name: name, Value: value}}, Value: v}
}

// Histogram writes histogram families, one per labelled snapshot.
func (w *Writer) Histogram(name, help string, hs ...LabeledSnapshot) {
	w.header(name, help, "histogram")
	for _, h := range hs {
		for i, b := range h.Bounds {
			w.sample(name+"_bucket", append(h.Labels[:len(h.Labels):len(h.Labels)], Label{Name: "le", Value: strconv.FormatFloat(b, 'g', -1, 64)}), float64(h.Cumulative[i]))
		}
		w.sample(name+"_bucket", append(h.Labels[:len(h.Labels):len(h.Labels)], Label{Name: "le", Value: "+Inf"}), float64(h.Count))
		w.sample(name+"_sum", h.Labels, h.Sum)
		w.sample(name+"_count", h.Labels, float64(h.Count))
	}
}

// LabeledSnapshot is a histogram snapshot with its labels.
type LabeledSnapshot struct {
	Labels []Label
	Snapshot
}

func appendValue(b []byte, v float64) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	case v == math.Trunc(v) && math.Abs(v) < 1<<53:
		return strconv.AppendInt(b, int64(v), 10)
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}

// appendEscaped escapes a help text or (quoted) label value.
func appendEscaped(b []byte, s string, quote bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quote:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}

// Labels makes labels from name, value pairs.
func Labels(kv ...string) []Label {
	out := make([]Label, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		out = append(out, Label{Name: kv[i], Value: kv[i+1]})
	}
	return out
}
