package stats

import "time"

// Pagination limits.
const (
	defaultLimit = 50
	maxLimit     = 1000
	// ledgerLimit is the ledger entries /api/balance/{address} shows
	// without a limit.
	ledgerLimit = 100
)

// storeTimeout bounds the store reads of one request.
const storeTimeout = 5 * time.Second
