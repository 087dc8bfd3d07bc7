package chain

import (
	"encoding/hex"
	"errors"
	"testing"

	"github.com/btcsuite/btcd/address/v2"
)

func TestPayoutScriptKnownAddresses(t *testing.T) {
	cases := []struct {
		addr   string
		net    Network
		kind   AddressKind
		script string
	}{
		// The genesis coinbase's address and the examples of BIP13, BIP173 and BIP350.
		{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", Mainnet, P2PKH, "76a91462e907b15cbf27d5425399ebf6f0fb50ebb88f1888ac"},
		{"3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy", Mainnet, P2SH, "a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87"},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Mainnet, P2WPKH, "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4", Mainnet, P2WPKH, "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"bc1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3qccfmv3", Mainnet, P2WSH, "00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262"},
		{"bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0", Mainnet, P2TR, "512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"},
		{"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", Testnet3, P2WPKH, "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", Testnet4, P2WPKH, "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", Signet, P2WPKH, "0014751e76e8199196d454941c45d1b3a323f1433bd6"},
		{"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", Testnet3, P2PKH, "76a914243f1394f44554f4ce3fd68649c19adc483ce92488ac"},
	}
	for _, c := range cases {
		script, kind, err := PayoutScript(c.addr, c.net)
		if err != nil {
			t.Errorf("%s on %s: %v", c.addr, c.net, err)
			continue
		}
		if kind != c.kind || hex.EncodeToString(script) != c.script {
			t.Errorf("%s: %s %x, want %s %s", c.addr, kind, script, c.kind, c.script)
		}
	}
}

func TestPayoutScriptRegtestKinds(t *testing.T) {
	h20, h32 := make([]byte, 20), make([]byte, 32)
	for i := range h32 {
		h32[i] = byte(i + 1)
	}
	copy(h20, h32)
	p := Regtest.Params()
	mk := func(a address.Address, err error) string {
		if err != nil {
			t.Fatal(err)
		}
		return a.EncodeAddress()
	}
	addrs := map[AddressKind]string{
		P2PKH:  mk(address.NewAddressPubKeyHash(h20, p)),
		P2SH:   mk(address.NewAddressScriptHashFromHash(h20, p)),
		P2WPKH: mk(address.NewAddressWitnessPubKeyHash(h20, p)),
		P2WSH:  mk(address.NewAddressWitnessScriptHash(h32, p)),
		P2TR:   mk(address.NewAddressTaproot(h32, p)),
	}
	for kind, a := range addrs {
		if _, got, err := PayoutScript(a, Regtest); err != nil || got != kind {
			t.Errorf("%s %s: %s, %v", kind, a, got, err)
		}
	}
	// A regtest bech32 address is not a testnet one, and the reverse.
	if _, _, err := PayoutScript(addrs[P2WPKH], Testnet3); !errors.Is(err, ErrWrongNetwork) {
		t.Errorf("regtest address on testnet3: %v", err)
	}
}

func TestPayoutScriptRefusals(t *testing.T) {
	cases := []struct {
		addr string
		net  Network
		want error
	}{
		{"tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx", Mainnet, ErrWrongNetwork},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4", Regtest, ErrWrongNetwork},
		{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNa", Testnet4, ErrWrongNetwork},
		{"mipcBbFg9gMiCh81Kj8tqqdgoZub1ZJRfn", Mainnet, ErrWrongNetwork},
		{"1A1zP1eP5QGefi2DMPTfTL5SLmv7DivfNb", Mainnet, ErrBadAddress}, // checksum
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", Mainnet, ErrBadAddress},
		{"", Mainnet, ErrBadAddress},
		{"rig1", Mainnet, ErrBadAddress},
		{"bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4x", Mainnet, ErrBadAddress},
		// A raw public key is an address btcd decodes, but not one we pay.
		{"0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798", Mainnet, ErrUnsupportedAddress},
		// Pay-to-anchor: a valid witness program nobody can be paid to.
		{"bc1pfeessrawgf", Mainnet, ErrUnsupportedAddress},
	}
	for _, c := range cases {
		_, _, err := PayoutScript(c.addr, c.net)
		var ae *AddressError
		if !errors.Is(err, c.want) || !errors.As(err, &ae) {
			t.Errorf("%q on %s: %v, want %v", c.addr, c.net, err, c.want)
			continue
		}
		t.Logf("%s", err)
	}
}
