package chain

import (
	"errors"
	"fmt"

	"github.com/btcsuite/btcd/address/v2"
	"github.com/btcsuite/btcd/txscript/v2"
)

// Address errors; an *AddressError wraps one of them.
var (
	ErrBadAddress         = errors.New("not a valid bitcoin address")
	ErrWrongNetwork       = errors.New("an address of another network")
	ErrUnsupportedAddress = errors.New("an address type the pool cannot pay")
)

// AddressError explains why an address cannot be paid.
type AddressError struct {
	Address string
	Network Network
	// Other is the network the address belongs to, for ErrWrongNetwork.
	Other Network
	Err   error
}

func (e *AddressError) Error() string {
	switch e.Err {
	case ErrWrongNetwork:
		return fmt.Sprintf("address %q is for %s, the pool is on %s", e.Address, e.Other, e.Network)
	case ErrUnsupportedAddress:
		return fmt.Sprintf("address %q: %v (p2pkh, p2sh, p2wpkh, p2wsh and p2tr are)", e.Address, e.Err)
	}
	return fmt.Sprintf("address %q: %v on %s", e.Address, e.Err, e.Network)
}

func (e *AddressError) Unwrap() error { return e.Err }

// AddressKind is the type of output an address pays to.
type AddressKind uint8

const (
	P2PKH AddressKind = iota + 1
	P2SH
	P2WPKH
	P2WSH
	P2TR
)

func (k AddressKind) String() string {
	switch k {
	case P2PKH:
		return "p2pkh"
	case P2SH:
		return "p2sh"
	case P2WPKH:
		return "p2wpkh"
	case P2WSH:
		return "p2wsh"
	case P2TR:
		return "p2tr"
	}
	return fmt.Sprintf("AddressKind(%d)", uint8(k))
}

// maxAddressLen bounds what is decoded: the longest valid address (p2wsh
// or p2tr in bech32m on regtest) is 64 characters.
const maxAddressLen = 90

// PayoutScript decodes an address of network n and returns the output
// script that pays it.
func PayoutScript(addr string, n Network) ([]byte, AddressKind, error) {
	fail := func(err error) ([]byte, AddressKind, error) {
		return nil, 0, &AddressError{Address: addr, Network: n, Err: err}
	}
	if addr == "" || len(addr) > maxAddressLen {
		return fail(ErrBadAddress)
	}
	a, err := address.DecodeAddress(addr, n.Params())
	if err != nil {
		if other, ok := otherNetwork(addr, n); ok {
			return nil, 0, &AddressError{Address: addr, Network: n, Other: other, Err: ErrWrongNetwork}
		}
		return fail(ErrBadAddress)
	}
	var kind AddressKind
	switch a.(type) {
	case *address.AddressPubKeyHash:
		kind = P2PKH
	case *address.AddressScriptHash:
		kind = P2SH
	case *address.AddressWitnessPubKeyHash:
		kind = P2WPKH
	case *address.AddressWitnessScriptHash:
		kind = P2WSH
	case *address.AddressTaproot:
		kind = P2TR
	default:
		return fail(ErrUnsupportedAddress)
	}
	if !a.IsForNet(n.Params()) {
		other, _ := otherNetwork(addr, n)
		return nil, 0, &AddressError{Address: addr, Network: n, Other: other, Err: ErrWrongNetwork}
	}
	script, err := txscript.PayToAddrScript(a)
	if err != nil {
		return fail(ErrUnsupportedAddress)
	}
	return script, kind, nil
}

// otherNetwork finds a network other than n that addr is valid for.
func otherNetwork(addr string, n Network) (Network, bool) {
	for _, other := range Networks() {
		if other == n {
			continue
		}
		if a, err := address.DecodeAddress(addr, other.Params()); err == nil && a.IsForNet(other.Params()) {
			return other, true
		}
	}
	return 0, false
}
