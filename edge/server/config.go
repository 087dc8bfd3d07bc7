package server

import (
	"crypto/tls"
	"time"

	"github.com/stratapool/strata/edge/session"
)

// Listener is one Stratum port.
type Listener struct {
	Address string
	// TLS, when set, makes the port speak Stratum over TLS.
	TLS *tls.Config
	// Session holds the port's difficulty settings.
	Session session.Config
	// ProxyProtocol expects a PROXY v1/v2 header before the miner's bytes.
	ProxyProtocol bool
	// ReadBuffer and WriteBuffer set the sockets' kernel buffers (0: the
	// system's); KeepAlive the TCP keep-alive period (0: off).
	ReadBuffer, WriteBuffer int
	KeepAlive               time.Duration
}

// Limits protect the edge from floods and misbehaving miners.
type Limits struct {
	// PerIP caps connections from one address (0: no cap).
	PerIP int
	// AcceptRate caps new connections per second, with bursts of
	// AcceptBurst (0: no cap).
	AcceptRate  float64
	AcceptBurst int
	// Idle closes a connection silent this long.
	Idle time.Duration
	// MaxOutbound closes a miner that leaves this many bytes unread.
	MaxOutbound int
	// BanTime is how long a banned address is refused.
	BanTime time.Duration
	// Stagger spreads reconnect requests to all miners over this long.
	Stagger time.Duration
	// GateHold: with the core's gate closed this long, miners are told to
	// reconnect (to go to a backup pool).
	GateHold time.Duration
}

// DefaultLimits are for a pool open to the internet.
func DefaultLimits() Limits {
	return Limits{PerIP: 256, AcceptRate: 500, AcceptBurst: 2000, Idle: 10 * time.Minute,
		MaxOutbound: 512 << 10, BanTime: 10 * time.Minute, Stagger: 30 * time.Second, GateHold: 60 * time.Second}
}
