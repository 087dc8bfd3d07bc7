// Package regtest runs a btcd node on regtest: for the tests, which need a
// real node, and for `strata run`, which starts one so the pool works out of
// the box. The btcd is the version pinned as a tool in go.mod, found with
// `go tool -n btcd` (which builds it once), or the binary $STRATA_BTCD names.
//
// btcd wipes its regtest chain at every start and has no `generatetoaddress`:
// blocks are mined with `generate` to the address given at start.
package regtest
