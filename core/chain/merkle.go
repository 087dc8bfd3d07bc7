package chain

// MerkleBranch returns the coinbase's merkle branch for a block whose other
// transactions have the given ids, in block order: the sibling of the
// coinbase's path at each level, from the leaves up. A share's merkle root is
// the coinbase txid folded up this branch (FoldBranch). It costs one hash per
// pair of transactions not on the coinbase's path: about n hashes in all.
func MerkleBranch(txids []Hash) []Hash {
	if len(txids) == 0 {
		return nil
	}
	// level holds the current level without its first element, which is
	// always on the coinbase's path and unknown.
	level := make([]Hash, len(txids))
	copy(level, txids)
	var branch []Hash
	for len(level) > 0 {
		branch = append(branch, level[0])
		// The next level, past the coinbase's path: pairs from index 1 of
		// this level (index 0 pairs with the path). An odd level hashes its
		// last element with itself.
		rest := level[1:]
		next := level[:0]
		for i := 0; i < len(rest); i += 2 {
			right := &rest[i]
			if i+1 < len(rest) {
				right = &rest[i+1]
			}
			var h Hash
			hashPair(&h, &rest[i], right)
			next = append(next, h)
		}
		level = next
	}
	return branch
}

// FoldBranch folds a coinbase txid up its merkle branch to the merkle root.
func FoldBranch(coinbase Hash, branch []Hash) Hash {
	h := coinbase
	for i := range branch {
		hashPair(&h, &h, &branch[i])
	}
	return h
}

// MerkleRoot is the root of the tree over hashes, with Bitcoin's rule of
// pairing an odd level's last hash with itself.
func MerkleRoot(hashes []Hash) Hash {
	switch len(hashes) {
	case 0:
		return Hash{}
	case 1:
		return hashes[0]
	}
	level := make([]Hash, len(hashes))
	copy(level, hashes)
	for len(level) > 1 {
		next := level[:0]
		for i := 0; i < len(level); i += 2 {
			right := &level[i]
			if i+1 < len(level) {
				right = &level[i+1]
			}
			var h Hash
			hashPair(&h, &level[i], right)
			next = append(next, h)
		}
		level = next
	}
	return level[0]
}

// WitnessCommitment is the BIP141 commitment over the block's wtxids (the
// coinbase's counted as zero) with the all-zero witness reserved value the
// coinbase carries.
func WitnessCommitment(wtxids []Hash) Hash {
	leaves := make([]Hash, len(wtxids)+1)
	copy(leaves[1:], wtxids)
	root := MerkleRoot(leaves)
	var buf [64]byte
	copy(buf[:32], root[:])
	return DoubleSHA256(buf[:])
}

// WitnessCommitmentScript is the output script that carries a commitment:
// OP_RETURN, a 36-byte push of aa21a9ed and the commitment.
func WitnessCommitmentScript(commitment Hash) []byte {
	s := make([]byte, 0, 38)
	s = append(s, 0x6a, 0x24, 0xaa, 0x21, 0xa9, 0xed)
	return append(s, commitment[:]...)
}
