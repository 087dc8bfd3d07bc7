// Package core is the pool's core: it talks to Bitcoin nodes, builds jobs,
// judges every share, submits blocks, keeps the accounts and serves the
// statistics. Its parts live in the packages below it; this package holds
// the core's configuration and wires the parts together.
//
// The core never imports the edge: the two speak the wire protocol.
package core
