package miner

import (
	"encoding/binary"
	"encoding/hex"
)

func hexEncode(b []byte) string { return hex.EncodeToString(b) }

func hexDecode(s string) ([]byte, error) { return hex.DecodeString(s) }

// Extranonce2 is the n-th extranonce2 of the given size, big-endian.
func Extranonce2(n uint64, size int) []byte {
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], n)
	if size >= 8 {
		return append(make([]byte, size-8), b[:]...)
	}
	return append([]byte(nil), b[8-size:]...)
}

// Search looks for a share of job at target among maxNonces nonces from
// start, with extranonce2 en2 and, when mask is not 0, the version bits
// rolled through it. It returns the share and whether it was found.
func Search(job *Job, extranonce1, en2 []byte, target *Target, mask uint32, start uint32, maxNonces int) (Share, bool) {
	root := job.MerkleRoot(extranonce1, en2)
	version := job.Version
	var bits uint32
	if mask != 0 {
		// Roll the lowest bit of the mask, as ASICs do with their own bits.
		bits = (job.Version ^ (mask & -mask)) & mask
		version = (job.Version &^ mask) | bits
	}
	for i := range maxNonces {
		nonce := start + uint32(i)
		h := job.Header(root, version, job.NTime, nonce)
		hash := HashHeader(&h)
		if target.Meets(hash) {
			s := Share{JobID: job.ID, Extranonce2: en2, NTime: job.NTime, Nonce: nonce, Hash: hash}
			if mask != 0 {
				s.VersionBits, s.HasVersion = bits, true
			}
			return s, true
		}
	}
	return Share{}, false
}
