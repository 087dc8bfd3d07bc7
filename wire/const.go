package wire

import "time"

// Protocol versions this package speaks. A HELLO offers a range; the core
// picks the highest version both ends know.
const (
	MinVersion uint16 = 1
	MaxVersion uint16 = 1
)

// Frame layout sizes.
const (
	// HeaderSize is the fixed frame header: length (4), type (1), flags (1).
	HeaderSize = 6
	// TagSize is the AES-GCM tag that ends every sealed frame.
	TagSize = 16
	// NonceSize is the size of the random nonce each end puts in the handshake.
	NonceSize = 32
	// KeySize is the size of a pre-shared link key.
	KeySize = 32
)

// Limits. Every count and length read from the wire is checked against one
// of these before anything is read or allocated.
const (
	// DefaultMaxFrame is the largest frame payload an end accepts unless
	// configured otherwise. A JOB is a few KiB; a full SUBMIT batch about 6 KiB.
	DefaultMaxFrame = 1 << 20
	// MaxFrameLimit is the largest maximum either end may announce.
	MaxFrameLimit = 16 << 20
	// MinFrameLimit is the smallest maximum either end may announce: enough
	// for a full SUBMIT batch and a JOB with the largest coinbase.
	MinFrameLimit = 256 << 10

	// MaxSubmitBatch is the most records in one SUBMIT frame.
	MaxSubmitBatch = 4096
	// MaxVerdictBatch is the most verdicts one VERDICT frame covers.
	MaxVerdictBatch = 65536
	// MaxMerkleBranch is the most merkle steps in a JOB: 2^32 transactions.
	MaxMerkleBranch = 32
	// MaxCoinbasePart is the largest coinb1, coinb2 or coinb2 tail.
	MaxCoinbasePart = 32 << 10
	// MaxPayoutScript is the largest payout script in an AUTH_RESULT.
	MaxPayoutScript = 80
	// MaxStats is the most entries in a STATS frame.
	MaxStats = 256

	// String limits, in bytes.
	MaxNameLen     = 64   // edge names, software versions
	MaxWorkerLen   = 256  // "address.worker" as the miner sent it
	MaxAgentLen    = 256  // miner user agent
	MaxAddrLen     = 64   // "ip:port" of a miner
	MaxHostLen     = 255  // reconnect host name
	MaxTextLen     = 1024 // operator messages, reasons and details
	MaxExtranonce2 = 8    // bytes in the extranonce2 slot

	// compressThreshold is the payload size from which compressible
	// messages (JOB, STATS) are compressed when both ends agreed to it.
	compressThreshold = 512
)

// DefaultHandshakeTimeout bounds the whole handshake.
const DefaultHandshakeTimeout = 10 * time.Second
