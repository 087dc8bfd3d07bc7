// Package chain holds what the core knows about Bitcoin itself: networks and
// their parameters, targets and difficulty, block headers, merkle trees and
// double SHA-256. It imports btcd's libraries and nothing of Strata.
package chain
