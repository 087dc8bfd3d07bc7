package vardiff

import (
	"math"
	"time"
)

// Config is a listener's vardiff.
type Config struct {
	// TargetPerMinute is the share rate aimed at.
	TargetPerMinute float64
	// Retarget is how often the difficulty is reconsidered.
	Retarget time.Duration
	// Min and Max bound the difficulty (Max 0: no bound); AllowFractional
	// allows difficulties below 1.
	Min, Max        float64
	AllowFractional bool
}

// Defaults.
const (
	DefaultTargetPerMinute = 20
	DefaultRetarget        = 30 * time.Second
	// maxStep bounds one retarget to a factor of 4 either way.
	maxStep = 4.0
	// hysteresis: rates within these bounds of the target change nothing.
	lowBand, highBand = 0.7, 1.4
	// earlyFactor: this many times the expected shares retargets at once.
	earlyFactor = 4.0
	earlyMin    = 16
)

// State is one miner's vardiff.
type State struct {
	shares int
	since  time.Time
}

// Since is when the current window began.
func (s *State) Since() time.Time { return s.since }

// Reset starts a window at now.
func (s *State) Reset(now time.Time) { s.shares, s.since = 0, now }

// Share counts an accepted share. It reports whether the miner is so far
// above the target rate that it should be retargeted now.
func (s *State) Share(now time.Time, c *Config) bool {
	s.shares++
	elapsed := now.Sub(s.since).Minutes()
	expected := c.TargetPerMinute * elapsed
	return s.shares >= earlyMin && float64(s.shares) > earlyFactor*max(expected, 1)
}

// Retarget returns the difficulty for the next window, given the current
// one, and starts that window. changed is false when it stays.
func (s *State) Retarget(cur float64, now time.Time, c *Config) (next float64, changed bool) {
	elapsed := now.Sub(s.since)
	shares := s.shares
	s.Reset(now)
	if elapsed <= 0 {
		return cur, false
	}
	rate := float64(shares) / elapsed.Minutes()
	ratio := rate / c.TargetPerMinute
	if ratio >= lowBand && ratio <= highBand {
		return cur, false
	}
	// No shares at all: come down by the largest step (decline safe).
	ratio = math.Max(1/maxStep, math.Min(maxStep, ratio))
	next = Clamp(cur*ratio, c)
	return next, next != cur
}

// Clamp bounds a difficulty to the listener's limits and rounds it as
// miners take it: a whole number from 1 up, fractional only below 1 and only
// where allowed.
func Clamp(d float64, c *Config) float64 {
	if c.Max > 0 && d > c.Max {
		d = c.Max
	}
	if d < c.Min {
		d = c.Min
	}
	switch {
	case d >= 1:
		d = math.Floor(d)
	case !c.AllowFractional:
		d = 1
	default:
		// Three significant digits are plenty below 1.
		scale := math.Pow(10, 2-math.Floor(math.Log10(d)))
		d = math.Floor(d*scale) / scale
	}
	if d < c.Min {
		d = c.Min // the floor rounded below a fractional minimum
	}
	return d
}
