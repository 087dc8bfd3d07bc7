// Package testwallet is a one-key wallet for regtest tests: its addresses,
// and transactions spending legacy (p2pkh) and segwit (p2wpkh) outputs,
// signed with btcd's libraries so a real node accepts them.
package testwallet
