package share

import (
	"encoding/binary"

	"github.com/stratapool/strata/core/job"
)

// cbPlan hashes a pool-mode job's coinbases in lanes. Every share of the
// job has the same coinbase but for extranonce1 and extranonce2, so the
// padded message is kept as rows ready to copy into the lanes, and only the
// words the extranonce touches are written per lane.
type cbPlan struct {
	blocks int
	// rows[b][w] is word w of block b, the same in every lane (the
	// extranonce bytes zero).
	rows [][16][16]uint32
	// window is the padded message bytes around the extranonce, aligned to
	// words: window[0] is byte 4*firstWord.
	window    []byte
	firstWord int // the first word the extranonce touches
	words     int // how many words it touches
	offset    int // where the extranonce starts in window
	en1Size   int
}

// newCBPlan prepares a pool-mode job; it returns nil for a solo job, whose
// coinbases differ in their payout too.
func newCBPlan(j *job.Job, en1Size, en2Size int) *cbPlan {
	if j.PayoutSlot {
		return nil
	}
	start := len(j.Coinb1)
	n := start + en1Size + en2Size + len(j.Coinb2)
	blocks := (n + 9 + 63) / 64
	msg := make([]byte, 64*blocks)
	copy(msg, j.Coinb1)
	copy(msg[start+en1Size+en2Size:], j.Coinb2)
	msg[n] = 0x80
	binary.BigEndian.PutUint64(msg[len(msg)-8:], uint64(n)*8)
	p := &cbPlan{blocks: blocks, rows: make([][16][16]uint32, blocks), en1Size: en1Size}
	for b := range blocks {
		for w := range 16 {
			v := binary.BigEndian.Uint32(msg[64*b+4*w:])
			for l := range 16 {
				p.rows[b][w][l] = v
			}
		}
	}
	end := start + en1Size + en2Size
	p.firstWord = start / 4
	p.words = (end+3)/4 - p.firstWord
	p.window = msg[4*p.firstWord : 4*(p.firstWord+p.words)]
	p.offset = start - 4*p.firstWord
	return p
}

// hash sets h[.][l] to the txid words of each lane's coinbase: lane l has
// extranonce1 en1[l] and extranonce2 en2[l] (the slot's width).
func (p *cbPlan) hash(c *BatchChecker, n int, en1 [][]byte, en2 [][]byte) {
	st, m := &c.st, &c.msg
	// The extranonce words of every lane, built in a copy of the window.
	var win [32]byte
	var vars [8][lanes]uint32
	for l := range n {
		copy(win[:], p.window)
		copy(win[p.offset:], en1[l])
		copy(win[p.offset+p.en1Size:], en2[l])
		for w := range p.words {
			vars[w][l] = binary.BigEndian.Uint32(win[4*w:])
		}
	}
	st.Reset()
	for b := range p.blocks {
		*m = p.rows[b]
		for w := range p.words {
			if gw := p.firstWord + w; gw/16 == b {
				m[gw%16] = vars[w]
			}
		}
		c.kernel.Block(st, m)
	}
	c.secondHash(&c.h, st)
}
