package node

import (
	"errors"
	"fmt"
)

// Health is a node's state as the Set sees it.
type Health uint8

const (
	HealthUnknown      Health = iota // not probed yet
	HealthReady                      // answers and is synced: may give work
	HealthSyncing                    // answers but is still catching up
	HealthDown                       // does not answer
	HealthUnauthorized               // refuses the credentials, or there are none
	HealthBadAnswer                  // answers something that is not JSON-RPC

	numHealth
)

var healthNames = [numHealth]string{"unknown", "ready", "syncing", "down", "unauthorized", "bad_answer"}

func (h Health) String() string {
	if h >= numHealth {
		return fmt.Sprintf("Health(%d)", uint8(h))
	}
	return healthNames[h]
}

// classify maps a call's outcome to a health state.
func classify(err error, info *ChainInfo) Health {
	var rpcErr *RPCError
	switch {
	case err == nil && info != nil && info.Syncing():
		return HealthSyncing
	case err == nil:
		return HealthReady
	case errors.Is(err, ErrUnauthorized), errors.Is(err, ErrForbidden), errors.Is(err, ErrNoCredentials):
		return HealthUnauthorized
	case errors.Is(err, ErrBadResponse):
		return HealthBadAnswer
	case errors.As(err, &rpcErr) && rpcErr.Syncing():
		return HealthSyncing
	case errors.As(err, &rpcErr):
		return HealthBadAnswer
	}
	return HealthDown
}
