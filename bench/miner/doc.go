// Package miner is a Stratum v1 client that mines: it opens a connection
// with the handshakes real miners use, follows mining.notify and
// mining.set_difficulty, builds block headers from the job exactly as
// firmware does, and finds shares by real double SHA-256 work at the
// difficulty the pool asks for.
//
// strata bench runs thousands of them against any Stratum v1 pool,
// strata run's demo miners are a few of them, and the end-to-end tests use
// them to find regtest blocks through the whole pool.
package miner
