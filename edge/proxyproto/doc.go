// Package proxyproto reads the PROXY protocol header (versions 1 and 2) a
// load balancer puts in front of a connection, so the edge sees the miner's
// own address for its limits, bans and logs.
package proxyproto
