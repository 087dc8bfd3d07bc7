// Package wire is the protocol between Strata's edges and its core: its
// types, its codec and an authenticated link. This comment is the
// protocol's specification, version 1.
//
// # Frames
//
// Everything on a link is a frame:
//
//	+----------------+------+-------+------------------------+-----------+
//	| length u32 LE  | type | flags | payload                | tag       |
//	| 4 bytes        | 1    | 1     | length - tag bytes     | 16, sealed|
//	+----------------+------+-------+------------------------+-----------+
//
// length counts what follows the 6-byte header. The receiver checks it
// against its maximum (announced in the handshake; DefaultMaxFrame, between
// MinFrameLimit and MaxFrameLimit) before reading or allocating anything.
// Flags bit 0 marks an s2-compressed payload (klauspost/compress); it is
// allowed only on JOB and STATS and only when both ends offered
// CapCompression; a writer compresses those types from 512 bytes when it
// saves space. The decompressed size is checked against the maximum before
// decompressing. Every other flag bit is reserved and must be zero.
//
// All integers are little-endian. A uvarint is unsigned LEB128 in its
// shortest form; a zigzag is a signed value mapped to a uvarint
// ((v << 1) ^ (v >> 31)). A string or byte string is a uvarint length and the
// bytes; strings are UTF-8. Every count and length has a limit (const.go)
// checked before use. Encodings are canonical: a decoder refuses a
// non-shortest uvarint, a trailing byte, a reserved bit, a value out of its
// range, so that what decodes re-encodes to the same bytes.
//
// # Handshake
//
//	edge                                   core
//	HELLO      (plain) ───────────────────▶  versions, auth mode, caps, max frame, nonce_e, name
//	           ◀─────────────────── (plain)  CHALLENGE: version, caps, max frame, nonce_c
//	AUTH      (sealed) ───────────────────▶  transcript hash
//	           ◀────────────────── (sealed)  WELCOME: edge id, extranonce split, limits
//
// The transcript is SHA-256 over the HELLO and CHALLENGE frames, headers
// included. In psk mode both ends derive two keys with HKDF-SHA256 from the
// pre-shared key (salt: the transcript hash; info: "strata wire v1 link
// keys"; 64 bytes: edge-to-core, then core-to-edge) and seal every later
// frame with AES-256-GCM: the header is the additional data, the nonce four
// zero bytes and the frame's sequence number in its direction (u64 LE,
// from 0). A frame altered, dropped, replayed, reordered or reflected fails to
// open, and the link closes. The core opening AUTH proves the edge holds the
// key; the edge opening WELCOME proves the core does. Nothing else is
// accepted before WELCOME: a job cannot be forged, so miners' work cannot be
// sent elsewhere.
//
// An unknown edge name is treated exactly like a wrong key: the core goes on
// with a random key and refuses at AUTH, so names cannot be probed. A refused
// handshake ends with a GOODBYE in plain text (the peer may not hold the key)
// saying why: auth_failed, version, plaintext_refused, name_in_use.
//
// Auth mode none sends everything in plain text. An edge asks for it only
// with no key, allow_plaintext set and the core's address on loopback; the
// core accepts it only with allow_plaintext set and the edge's address on
// loopback.
//
// # Messages
//
// Each message has its own file, msg_<name>.go, that draws its payload.
//
//	type  name            direction    purpose
//	0x01  HELLO           edge → core  open the handshake
//	0x02  CHALLENGE       core → edge  version, caps, core nonce
//	0x03  AUTH            edge → core  first sealed frame: proves the edge's key
//	0x04  WELCOME         core → edge  first sealed frame: edge id, extranonce split, limits
//	0x05  GOODBYE         both         closing, with a reason
//	0x06  PING            both         liveness and round-trip time
//	0x07  PONG            both         answer to PING
//	0x08  STATS           both         counters and gauges by key
//	0x10  JOB             core → edge  work: header fields, coinbase parts, merkle branch
//	0x11  WORK_STATE      core → edge  whether work may be handed out, and why not
//	0x20  SESSION_OPEN    edge → core  authorize a miner's session
//	0x21  SESSION_UPDATE  edge → core  vardiff report: difficulty from a job on, version mask
//	0x22  SESSION_CLOSE   edge → core  a session ended
//	0x23  AUTH_RESULT     core → edge  authorization, payout script for solo mode
//	0x30  SUBMIT          edge → core  a batch of shares, 12 to 14 bytes each
//	0x31  VERDICT         core → edge  verdicts on a run of submits, run-length encoded
//	0x40  BLOCK_FOUND     core → edge  a share solved a block
//	0x41  SHOW_MESSAGE    core → edge  client.show_message to one or all sessions
//	0x42  RECONNECT       core → edge  client.reconnect, staggered
//	0x43  DROP            core → edge  close a session, optionally banning it
//	0x44  BAN             both         an IP refused for a while (with CapBans)
//
// A frame of a type the receiving end may not receive is refused, as is a
// BAN on a link without CapBans. A type this version does not know is
// refused: new types come with a new version or a capability.
//
// # Sessions, submits and verdicts
//
// A miner's extranonce1 is EdgeID << SessionBits | session, in
// Extranonce1Size bytes, unique across the pool; the submit record carries
// only the session number and the core rebuilds extranonce1. The
// extranonce2 slot is Extranonce2Size bytes; an edge that gives a miner a
// shorter extranonce2 lengthens its extranonce1 with zero bytes and folds
// them back into the record's extranonce2 value.
//
// Each SUBMIT record takes the link's next sequence number, counted from 0
// by both ends. A VERDICT names the sequence number of its first verdict
// and covers a contiguous run; batches may come in any order, and every
// submit gets exactly one verdict.
//
// The core credits a share with the difficulty the edge assigned for its
// job: SESSION_OPEN gives the first, each SESSION_UPDATE the one for jobs
// from FromJob on; jobs before keep the one before. The credit is never more
// than the hash proves, since the share is checked against that difficulty.
//
// # Errors
//
// Every error caused by the bytes a peer sent wraps ErrMalformed (decoders
// give a *DecodeError naming the message and the field); I/O errors do not.
// After either, the link is closed. A GOODBYE from the peer is returned as
// a *GoodbyeError.
package wire
