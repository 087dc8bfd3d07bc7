package account

import (
	"context"
	"fmt"
	"math/big"
	"slices"
	"strings"
)

// window is a PPLNS window being filled: difficulty per address, walking
// back from the block's share until size is reached. The share that
// crosses the edge counts for the part inside.
type window struct {
	size  float64
	total float64
	parts map[string]float64
}

func newWindow(size float64) *window { return &window{size: size, parts: map[string]float64{}} }

// add counts a share; it reports false once the window is full.
func (w *window) add(address string, difficulty float64) bool {
	if w.total >= w.size || difficulty <= 0 {
		return w.total < w.size
	}
	take := min(difficulty, w.size-w.total)
	w.parts[address] += take
	w.total += take
	return w.total < w.size
}

// fillWindow walks the shares back from a block's (batch, index) and fills
// w; address names each share's worker's address.
func fillWindow(ctx context.Context, st Store, batchID int64, index int, address func(worker uint32) string, w *window) error {
	next := batchID
	first := true
	for next > 0 {
		batches, err := st.BatchesBefore(ctx, next, 64)
		if err != nil {
			return err
		}
		if len(batches) == 0 {
			return nil // the pool's whole history is shorter than the window
		}
		for _, b := range batches {
			// Newest first: decode the batch, then walk it backwards.
			var shares []Share
			if err := DecodeShares(b.Data, b.Time, func(s *Share) bool {
				shares = append(shares, *s)
				return true
			}); err != nil {
				return fmt.Errorf("account: batch %d: %w", b.ID, err)
			}
			end := len(shares) - 1
			if first {
				if b.ID != batchID {
					return fmt.Errorf("account: the block's batch %d is missing", batchID)
				}
				end = min(index, end)
				first = false
			}
			for i := end; i >= 0; i-- {
				if !w.add(address(shares[i].Worker), shares[i].Difficulty) {
					return nil
				}
			}
			next = b.ID - 1
		}
	}
	return nil
}

// split shares amount out in proportion to the window's parts, exactly:
// each address gets the floor of its share, and the satoshis left over go
// one each to the largest remainders (ties to the smaller address), so the
// amounts add up to amount.
func split(block string, amount int64, w *window) []Split {
	if amount <= 0 || w.total <= 0 {
		return nil
	}
	type part struct {
		address string
		diff    float64
		amount  int64
		rem     *big.Rat
	}
	total := new(big.Rat).SetFloat64(w.total)
	if total == nil || total.Sign() <= 0 {
		return nil
	}
	parts := make([]part, 0, len(w.parts))
	var given int64
	for addr, d := range w.parts {
		r := new(big.Rat).SetFloat64(d)
		if r == nil {
			continue
		}
		// amount × d / total, as a whole part and a remainder.
		r.Mul(r, new(big.Rat).SetInt64(amount))
		r.Quo(r, total)
		q := new(big.Int).Quo(r.Num(), r.Denom())
		rem := new(big.Rat).Sub(r, new(big.Rat).SetInt(q))
		parts = append(parts, part{addr, d, q.Int64(), rem})
		given += q.Int64()
	}
	slices.SortFunc(parts, func(a, b part) int {
		if c := b.rem.Cmp(a.rem); c != 0 {
			return c
		}
		return strings.Compare(a.address, b.address)
	})
	for i := 0; given < amount && len(parts) > 0; i = (i + 1) % len(parts) {
		parts[i].amount++
		given++
	}
	out := make([]Split, 0, len(parts))
	for _, p := range parts {
		out = append(out, Split{Block: block, Address: p.address, Difficulty: p.diff, Amount: p.amount})
	}
	slices.SortFunc(out, func(a, b Split) int { return strings.Compare(a.Address, b.Address) })
	return out
}
