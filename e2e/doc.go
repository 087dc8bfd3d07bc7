// Package e2e holds the tests that run the whole pool over real sockets: a
// btcd regtest node, the core and an edge, with miners speaking Stratum to
// the edge over TCP and TLS. It has no code of its own; it is the one place
// that may use the core and the edge together, as strata run does.
package e2e
