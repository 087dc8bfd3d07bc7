// Package session is a miner's Stratum session, sans I/O: bytes and a clock
// go in, reply bytes and calls to the link to the core come out. The gnet
// and TLS adapters in edge/server drive the same code.
//
// Handshake messages are taken in any order (configure, subscribe and
// authorize come in every order real miners use), request ids are echoed
// byte for byte, and every request gets an answer. The session keeps the
// difficulty: vardiff, a miner's suggestion and password options, applied
// with the next notify while shares of earlier jobs keep the difficulty
// they were found at.
package session
