package link

import (
	"errors"
	"strings"
	"unicode"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/wire"
)

// maxWorkerName bounds the part after the address.
const maxWorkerName = 64

// authResult is the outcome of authorizing a user name.
type authResult struct {
	status  wire.AuthStatus
	message string
	address string
	worker  string // "address.rig" as the miner wrote it, or just the address
	payout  []byte // the address's script, paid in solo mode
}

// authorize checks a miner's user name, "address" or "address.worker": the
// address must be of the pool's network, and one the pool can pay.
func authorize(user string, network chain.Network, mode job.PayoutMode) authResult {
	address, rig, _ := strings.Cut(strings.TrimSpace(user), ".")
	if len(rig) > maxWorkerName || strings.IndexFunc(rig, func(r rune) bool { return !unicode.IsPrint(r) || r == ' ' }) >= 0 {
		return authResult{status: wire.AuthBadWorkerName, message: "worker names are up to 64 printable characters without spaces"}
	}
	script, kind, err := chain.PayoutScript(address, network)
	if err != nil {
		res := authResult{status: wire.AuthBadAddress, message: err.Error()}
		switch {
		case errors.Is(err, chain.ErrWrongNetwork):
			res.status = wire.AuthWrongNetwork
		case errors.Is(err, chain.ErrUnsupportedAddress):
			res.status = wire.AuthUnsupportedAddr
		}
		return res
	}
	switch kind {
	case chain.P2WPKH, chain.P2WSH, chain.P2TR:
		// Bech32 is one address in either case (upper case fits QR codes):
		// one worker and one balance, in the usual lower case.
		address = strings.ToLower(address)
	}
	res := authResult{status: wire.AuthOK, address: address, worker: address}
	if rig != "" {
		res.worker = address + "." + rig
	}
	if mode == job.SoloMode {
		if len(script) > job.MaxPayoutScript {
			return authResult{status: wire.AuthUnsupportedAddr, message: "the address's script does not fit the coinbase"}
		}
		res.payout = script
	}
	return res
}
