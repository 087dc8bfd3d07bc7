package block

import (
	"time"

	"github.com/stratapool/strata/core/chain"
	"github.com/stratapool/strata/core/job"
)

// Candidate is a share whose hash met the network target, with what it
// takes to build its block. Its slices are its own, not a checker's scratch.
type Candidate struct {
	Job         *job.Job
	Header      [80]byte
	Hash        chain.Hash
	Extranonce1 []byte
	Extranonce2 []byte
	// Payout is the finder's script in solo mode.
	Payout []byte
	Worker string
	// FoundAt is when the share got its verdict.
	FoundAt time.Time
}

// Head is the start of the block: the header, the transaction count and the
// coinbase with its witness. The template's TxHex follows it.
func (c *Candidate) Head() []byte {
	j := c.Job
	b := make([]byte, 0, 80+9+len(j.Coinb1)+len(j.Coinb2)+len(j.Coinb2Tail)+128)
	b = append(b, c.Header[:]...)
	b = chain.AppendCompactSize(b, uint64(len(j.Template.Transactions)+1))
	return j.AppendCoinbaseWitness(b, c.Extranonce1, c.Extranonce2, c.Payout)
}
