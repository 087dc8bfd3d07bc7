package stats

import (
	"errors"
	"strings"

	"github.com/stratapool/strata/core/account"
	"github.com/valyala/fasthttp"
)

// BlockDetail is /api/block/{hash}: a found block and its PPLNS split
// (empty until the split is computed, and in solo mode).
type BlockDetail struct {
	BlockView
	Splits []SplitView `json:"splits"`
}

// SplitView is one address's part of a block's reward.
type SplitView struct {
	Address    string  `json:"address"`
	Difficulty float64 `json:"difficulty"`
	Amount     int64   `json:"amount"`
}

func (s *Server) block(ctx *fasthttp.RequestCtx, hash string) {
	hash, ok := blockHash(hash)
	if !ok {
		s.fail(ctx, fasthttp.StatusBadRequest, "a block hash is 64 hex digits")
		return
	}
	if s.src.Accounts == nil {
		s.fail(ctx, fasthttp.StatusNotFound, "no such block: "+hash)
		return
	}
	rctx, cancel := storeCtx()
	defer cancel()
	st := s.src.Accounts.Store()
	b, err := st.Block(rctx, hash)
	switch {
	case errors.Is(err, account.ErrNotFound):
		s.fail(ctx, fasthttp.StatusNotFound, "no such block: "+hash)
		return
	case err != nil:
		s.fail(ctx, fasthttp.StatusServiceUnavailable, err.Error())
		return
	}
	splits, err := st.Splits(rctx, hash)
	if err != nil {
		s.fail(ctx, fasthttp.StatusServiceUnavailable, err.Error())
		return
	}
	d := BlockDetail{BlockView: blockView(&b), Splits: make([]SplitView, 0, len(splits))}
	for _, sp := range splits {
		d.Splits = append(d.Splits, SplitView{Address: sp.Address, Difficulty: sp.Difficulty, Amount: sp.Amount})
	}
	s.json(ctx, d)
}

// blockHash checks a hash in display order (64 hex digits) and writes it
// as the store does, in lower case. Anything else is refused before the
// store is asked.
func blockHash(h string) (string, bool) {
	if len(h) != 64 {
		return "", false
	}
	for i := 0; i < len(h); i++ {
		switch c := h[i]; {
		case '0' <= c && c <= '9', 'a' <= c && c <= 'f', 'A' <= c && c <= 'F':
		default:
			return "", false
		}
	}
	return strings.ToLower(h), true
}
