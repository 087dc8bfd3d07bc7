// Package job turns block templates into jobs: the coinbase split around
// the extranonce slot, the payout outputs for pool or solo mode, the merkle
// branch computed once per template, short job ids and a ring of recent jobs.
package job
