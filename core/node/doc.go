// Package node talks to Bitcoin nodes: JSON-RPC over HTTP (Bitcoin Core in
// production, btcd in tests) with cookie or user/password authentication and
// a deadline on every call; block templates; a ZMQ hashblock subscriber; and
// a Set of nodes with priorities that serves templates from the best ready
// node, fails over when it stops answering and fails back when it recovers.
package node
