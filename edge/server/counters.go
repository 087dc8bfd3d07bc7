package server

import (
	"sync/atomic"

	"github.com/stratapool/strata/wire"
)

// Counters are the server's totals.
type Counters struct {
	Accepts     atomic.Uint64
	Closes      [wire.NumCloseReasons]atomic.Uint64
	Connections atomic.Int64
	Authorized  atomic.Int64
	BytesIn     atomic.Uint64
	BytesOut    atomic.Uint64
	// LocalRejects counts submits the edge answered itself, never passed
	// to the core.
	LocalRejects atomic.Uint64
	// NotifyMicros is the last job's fan-out: from its arrival to the last
	// write, in microseconds.
	NotifyMicros atomic.Uint64
	// Jobs counts jobs received; Fanouts those written to every miner.
	Jobs    atomic.Uint64
	Fanouts atomic.Uint64
}
