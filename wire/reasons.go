package wire

import "fmt"

// The reason enums below are part of the protocol: never renumber. Each
// String is a short snake_case name, fit for logs and metric labels.

// enumName returns names[v], or a numbered placeholder for values the
// protocol does not define.
func enumName(kind string, names []string, v uint8) string {
	if int(v) < len(names) && names[v] != "" {
		return names[v]
	}
	return fmt.Sprintf("%s(%d)", kind, v)
}

// CloseReason says why an edge closed a miner's connection.
type CloseReason uint8

const (
	CloseClientEOF     CloseReason = iota // the miner closed the connection
	CloseReadError                        // a socket error
	CloseIdle                             // nothing heard within the idle timeout
	CloseLineTooLong                      // a line over the limit
	CloseProtocolError                    // bytes that are not Stratum
	CloseSlowReader                       // unread output over the limit
	CloseBanned                           // too many invalid shares
	CloseReconnect                        // told to reconnect (maintenance, drain)
	CloseShutdown                         // the edge is stopping
	CloseDropped                          // the core asked for it
	CloseNoWork                           // no work to hand out for too long
	CloseTooManyPerIP                     // the per-IP connection cap
	CloseRateLimited                      // accept or message rate limit
	CloseTLSError                         // a failed TLS handshake

	// NumCloseReasons is the number of close reasons.
	NumCloseReasons
)

var closeReasonNames = []string{
	CloseClientEOF:     "client_eof",
	CloseReadError:     "read_error",
	CloseIdle:          "idle",
	CloseLineTooLong:   "line_too_long",
	CloseProtocolError: "protocol_error",
	CloseSlowReader:    "slow_reader",
	CloseBanned:        "banned",
	CloseReconnect:     "reconnect",
	CloseShutdown:      "shutdown",
	CloseDropped:       "dropped",
	CloseNoWork:        "no_work",
	CloseTooManyPerIP:  "too_many_per_ip",
	CloseRateLimited:   "rate_limited",
	CloseTLSError:      "tls_error",
}

// Valid reports whether r is a close reason of this protocol version.
func (r CloseReason) Valid() bool { return r < NumCloseReasons }

func (r CloseReason) String() string {
	return enumName("CloseReason", closeReasonNames, uint8(r))
}

// AuthStatus is the core's answer to a SESSION_OPEN.
type AuthStatus uint8

const (
	AuthOK              AuthStatus = iota // authorized
	AuthBadAddress                        // not a valid address
	AuthWrongNetwork                      // an address of another network
	AuthBadWorkerName                     // empty or unprintable worker name
	AuthBanned                            // the address or worker is banned
	AuthNotReady                          // the core has no work to give (gated)
	AuthUnsupportedAddr                   // a valid address this pool cannot pay

	// NumAuthStatuses is the number of authorization results.
	NumAuthStatuses
)

var authStatusNames = []string{
	AuthOK:              "ok",
	AuthBadAddress:      "bad_address",
	AuthWrongNetwork:    "wrong_network",
	AuthBadWorkerName:   "bad_worker_name",
	AuthBanned:          "banned",
	AuthNotReady:        "not_ready",
	AuthUnsupportedAddr: "unsupported_address",
}

// Valid reports whether s is an authorization result of this protocol version.
func (s AuthStatus) Valid() bool { return s < NumAuthStatuses }

func (s AuthStatus) String() string {
	return enumName("AuthStatus", authStatusNames, uint8(s))
}

// GoodbyeReason says why an end is closing the link.
type GoodbyeReason uint8

const (
	GoodbyeShutdown         GoodbyeReason = iota // orderly stop
	GoodbyeProtocolError                         // the peer sent something malformed
	GoodbyeAuthFailed                            // wrong key or unknown edge name
	GoodbyeVersion                               // no common protocol version
	GoodbyePlaintextRefused                      // plain text asked for, not allowed
	GoodbyeNameInUse                             // another edge holds this name
	GoodbyeTimeout                               // the peer went quiet
	GoodbyeOverloaded                            // the peer cannot keep up

	// NumGoodbyeReasons is the number of goodbye reasons.
	NumGoodbyeReasons
)

var goodbyeReasonNames = []string{
	GoodbyeShutdown:         "shutdown",
	GoodbyeProtocolError:    "protocol_error",
	GoodbyeAuthFailed:       "auth_failed",
	GoodbyeVersion:          "version",
	GoodbyePlaintextRefused: "plaintext_refused",
	GoodbyeNameInUse:        "name_in_use",
	GoodbyeTimeout:          "timeout",
	GoodbyeOverloaded:       "overloaded",
}

// Valid reports whether r is a goodbye reason of this protocol version.
func (r GoodbyeReason) Valid() bool { return r < NumGoodbyeReasons }

func (r GoodbyeReason) String() string {
	return enumName("GoodbyeReason", goodbyeReasonNames, uint8(r))
}

// WorkReason says whether edges may hand out work, and if not, why.
type WorkReason uint8

const (
	WorkReady         WorkReason = iota // work may be handed out
	WorkNoNode                          // no node answers
	WorkNodeSyncing                     // every node is still syncing
	WorkTemplateStale                   // the newest template is older than the limit
	WorkStoreDown                       // the accounts store cannot commit
	WorkDraining                        // the core is shutting down

	// NumWorkReasons is the number of work states.
	NumWorkReasons
)

var workReasonNames = []string{
	WorkReady:         "ready",
	WorkNoNode:        "no_node",
	WorkNodeSyncing:   "node_syncing",
	WorkTemplateStale: "template_stale",
	WorkStoreDown:     "store_down",
	WorkDraining:      "draining",
}

// Valid reports whether r is a work state of this protocol version.
func (r WorkReason) Valid() bool { return r < NumWorkReasons }

func (r WorkReason) String() string {
	return enumName("WorkReason", workReasonNames, uint8(r))
}

// DropReason says why the core asks an edge to close a session.
type DropReason uint8

const (
	DropBanned   DropReason = iota // banned by the core
	DropOperator                   // an operator asked for it
	DropReplaced                   // the session resumed elsewhere

	// NumDropReasons is the number of drop reasons.
	NumDropReasons
)

var dropReasonNames = []string{
	DropBanned:   "banned",
	DropOperator: "operator",
	DropReplaced: "replaced",
}

// Valid reports whether r is a drop reason of this protocol version.
func (r DropReason) Valid() bool { return r < NumDropReasons }

func (r DropReason) String() string {
	return enumName("DropReason", dropReasonNames, uint8(r))
}

// BanReason says why an address is banned.
type BanReason uint8

const (
	BanInvalidShares BanReason = iota // too many invalid shares
	BanOperator                       // an operator asked for it
	BanMalformed                      // too many malformed requests

	// NumBanReasons is the number of ban reasons.
	NumBanReasons
)

var banReasonNames = []string{
	BanInvalidShares: "invalid_shares",
	BanOperator:      "operator",
	BanMalformed:     "malformed_requests",
}

// Valid reports whether r is a ban reason of this protocol version.
func (r BanReason) Valid() bool { return r < NumBanReasons }

func (r BanReason) String() string {
	return enumName("BanReason", banReasonNames, uint8(r))
}
