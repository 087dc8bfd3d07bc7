// Package share judges miners' shares: the core's hot path.
//
// Every share is checked in full, and no setting turns a check off: the
// session is known and authorized, the job is known and current, the
// extranonce2 fits its slot, the version bits stay inside the session's
// BIP310 mask, ntime lies in [job mintime, now + NTimeFuture], the coinbase
// rebuilt from the job's parts hashes up the merkle branch into a header
// whose double SHA-256 meets the share target, and the share was not
// accepted before. A share whose hash meets the network target is a block.
//
// A share is credited with the difficulty its session was assigned for its
// job, and never more than its hash proves.
package share
