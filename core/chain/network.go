package chain

import (
	"fmt"

	"github.com/btcsuite/btcd/chaincfg/v2"
)

// Network is a Bitcoin network the pool mines on.
type Network uint8

const (
	Mainnet Network = iota
	Testnet3
	Testnet4
	Signet
	Regtest
	numNetworks
)

var networks = [numNetworks]struct {
	name string
	// dir is the subdirectory Bitcoin Core uses for the network's data and
	// cookie file; empty for mainnet.
	dir     string
	rpcPort int
	params  *chaincfg.Params
}{
	Mainnet:  {"mainnet", "", 8332, &chaincfg.MainNetParams},
	Testnet3: {"testnet3", "testnet3", 18332, &chaincfg.TestNet3Params},
	Testnet4: {"testnet4", "testnet4", 48332, &chaincfg.TestNet4Params},
	Signet:   {"signet", "signet", 38332, &chaincfg.SigNetParams},
	Regtest:  {"regtest", "regtest", 18443, &chaincfg.RegressionNetParams},
}

// Networks lists every network in order.
func Networks() []Network {
	out := make([]Network, numNetworks)
	for i := range out {
		out[i] = Network(i)
	}
	return out
}

func (n Network) valid() bool { return n < numNetworks }

func (n Network) String() string {
	if !n.valid() {
		return fmt.Sprintf("Network(%d)", uint8(n))
	}
	return networks[n].name
}

// Params are btcd's chain parameters for the network.
func (n Network) Params() *chaincfg.Params { return networks[n].params }

// DataSubdir is where Bitcoin Core keeps the network's files, the cookie
// among them, inside its data directory; empty for mainnet.
func (n Network) DataSubdir() string { return networks[n].dir }

// DefaultRPCPort is Bitcoin Core's RPC port for the network.
func (n Network) DefaultRPCPort() int { return networks[n].rpcPort }

// MarshalText writes the network's name.
func (n Network) MarshalText() ([]byte, error) {
	if !n.valid() {
		return nil, fmt.Errorf("chain: invalid network %d", uint8(n))
	}
	return []byte(networks[n].name), nil
}

// UnmarshalText reads a network's name. "testnet" means testnet3 and
// "main", "test" and "regression" are accepted as Bitcoin Core spells them.
func (n *Network) UnmarshalText(b []byte) error {
	switch s := string(b); s {
	case "main":
		*n = Mainnet
	case "test", "testnet":
		*n = Testnet3
	case "regression":
		*n = Regtest
	default:
		for i, info := range networks {
			if info.name == s {
				*n = Network(i)
				return nil
			}
		}
		return fmt.Errorf("unknown network %q: want mainnet, testnet3, testnet4, signet or regtest", s)
	}
	return nil
}
