package session

import (
	"time"

	"github.com/stratapool/strata/edge/vardiff"
)

// Config is a listener's settings for its sessions.
type Config struct {
	// Vardiff holds the difficulty limits (Min, Max, AllowFractional) too.
	Vardiff         vardiff.Config
	StartDifficulty float64
	// VersionMask is the pool's BIP310 mask; a miner gets the intersection
	// with its own.
	VersionMask uint32
	// Extranonce2Size is the extranonce2 given to miners (0, or more than
	// the core's slot: the whole slot); the rest of the
	// core's slot pads their extranonce1 with zeros.
	Extranonce2Size int
	// BanInvalid invalid shares and malformed requests (a line that is not
	// a request, a submit whose fields are not what was given) within
	// BanWindow ban the miner; 0 never.
	BanInvalid int
	BanWindow  time.Duration
}

// Defaults.
const (
	DefaultVersionMask = 0x1fffe000
	DefaultBanWindow   = time.Minute
)
