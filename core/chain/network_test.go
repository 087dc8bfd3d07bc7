package chain

import (
	"strings"
	"testing"
)

func TestNetworkNames(t *testing.T) {
	for _, n := range Networks() {
		b, err := n.MarshalText()
		if err != nil {
			t.Fatal(err)
		}
		var back Network
		if err := back.UnmarshalText(b); err != nil || back != n {
			t.Errorf("%s: round trip gave %s, %v", n, back, err)
		}
		if n.Params() == nil || n.DefaultRPCPort() == 0 {
			t.Errorf("%s: no params or port", n)
		}
	}
	aliases := map[string]Network{"main": Mainnet, "test": Testnet3, "testnet": Testnet3, "regression": Regtest}
	for s, want := range aliases {
		var n Network
		if err := n.UnmarshalText([]byte(s)); err != nil || n != want {
			t.Errorf("%q: %s, %v", s, n, err)
		}
	}
	var n Network
	if err := n.UnmarshalText([]byte("litecoin")); err == nil || !strings.Contains(err.Error(), "testnet4") {
		t.Errorf("unknown network: %v", err)
	}
	if Mainnet.DataSubdir() != "" || Regtest.DataSubdir() != "regtest" || Testnet4.Params().Name != "testnet4" {
		t.Error("network details")
	}
	if _, err := Network(99).MarshalText(); err == nil || Network(99).String() != "Network(99)" {
		t.Error("invalid network")
	}
}
