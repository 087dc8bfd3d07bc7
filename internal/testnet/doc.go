// Package testnet hands out loopback ports below the ephemeral range for
// tests, which must not use ports the kernel gives to outgoing connections.
// Each process starts at its own offset so parallel test binaries rarely
// collide, and a port that turns out to be taken is skipped.
//
// It does not import testing, so that it stays a plain package; tests wrap
// its errors themselves.
package testnet
