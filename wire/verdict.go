package wire

import "fmt"

// Verdict is the core's judgement of one submitted share. The values are
// part of the protocol: never renumber. Every verdict maps to a Stratum
// result: accepted, or an error code and message for the miner.
type Verdict uint8

const (
	VerdictAccepted      Verdict = iota // credited
	VerdictBlock                        // credited, and it meets the network target
	VerdictJobNotFound                  // 21: no such job id (never sent, or expired)
	VerdictStale                        // 21: the job's block is no longer the tip
	VerdictDuplicate                    // 22: the same share was already submitted
	VerdictLowDifficulty                // 23: hash above the share target
	VerdictUnauthorized                 // 24: the session is not authorized
	VerdictNotSubscribed                // 25: the session never subscribed
	VerdictBadNTime                     // 20: ntime outside the allowed window
	VerdictBadVersion                   // 20: version bits outside the negotiated mask
	VerdictMalformed                    // 20: a field of the wrong size or form
	VerdictUnavailable                  // 20: the core cannot credit now (store down, gated)

	// NumVerdicts is the number of verdicts; arrays of counters use it.
	NumVerdicts
)

var verdictInfo = [NumVerdicts]struct {
	name    string // metric label
	code    int    // Stratum error code, 0 when accepted
	message string // Stratum error message
}{
	VerdictAccepted:      {"accepted", 0, ""},
	VerdictBlock:         {"block", 0, ""},
	VerdictJobNotFound:   {"job_not_found", 21, "Job not found"},
	VerdictStale:         {"stale", 21, "Stale job"},
	VerdictDuplicate:     {"duplicate", 22, "Duplicate share"},
	VerdictLowDifficulty: {"low_difficulty", 23, "Low difficulty share"},
	VerdictUnauthorized:  {"unauthorized", 24, "Unauthorized worker"},
	VerdictNotSubscribed: {"not_subscribed", 25, "Not subscribed"},
	VerdictBadNTime:      {"bad_ntime", 20, "ntime out of range"},
	VerdictBadVersion:    {"bad_version", 20, "Version bits outside the negotiated mask"},
	VerdictMalformed:     {"malformed", 20, "Malformed share"},
	VerdictUnavailable:   {"unavailable", 20, "Pool temporarily unavailable"},
}

// Valid reports whether v is a verdict of this protocol version.
func (v Verdict) Valid() bool { return v < NumVerdicts }

// Accepted reports whether the share was credited.
func (v Verdict) Accepted() bool { return v == VerdictAccepted || v == VerdictBlock }

// StratumCode is the error code a miner receives; 0 for accepted shares.
func (v Verdict) StratumCode() int {
	if !v.Valid() {
		return 20
	}
	return verdictInfo[v].code
}

// Message is the error message a miner receives; empty for accepted shares.
func (v Verdict) Message() string {
	if !v.Valid() {
		return "Unknown error"
	}
	return verdictInfo[v].message
}

func (v Verdict) String() string {
	if !v.Valid() {
		return fmt.Sprintf("Verdict(%d)", uint8(v))
	}
	return verdictInfo[v].name
}
