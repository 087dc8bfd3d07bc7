// Package dedup is the set of shares already accepted for one job, so the
// same share is never credited twice. Keys are 64-bit fingerprints of the
// share's header hash: the hash covers every field a miner sends, decoded, so
// the same share in other hex case is the same key. The set is split into
// stripes with a lock each, chosen by the share's session: validators on
// every core insert side by side, each into stripes no other core touches.
// It holds at most a fixed number of keys: memory stays bounded, and the set
// goes away with its job.
package dedup
