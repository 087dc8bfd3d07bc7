package e2e

import (
	"context"
	"encoding/hex"
	"math"
	"testing"
	"time"

	"github.com/btcsuite/btcd/chaincfg/v2"
	"github.com/btcsuite/btcd/txscript/v2"
	"github.com/stratapool/strata/bench/miner"
	"github.com/stratapool/strata/core/job"
	"github.com/stratapool/strata/internal/testwallet"
)

// TestBlocksOverTCPAndTLS: miners over plain TCP and over TLS find blocks
// through edge and core that btcd accepts, paying the pool in pool mode
// and the miner (less the fee) in solo mode.
func TestBlocksOverTCPAndTLS(t *testing.T) {
	t.Run("pool mode", func(t *testing.T) {
		p := startPool(t, options{mode: job.PoolMode})
		for _, secure := range []bool{false, true} {
			c := p.dialMiner(secure, p.wallet.SegwitAddress()+".rig", 0x1fffe000)
			outs := p.mineBlock(t, c, p.wallet.SegwitAddress()+".rig")
			if len(outs) != 1 || outs[p.wallet.SegwitAddress()] != 50_0000_0000 {
				t.Errorf("tls=%v: coinbase pays %v, want 50 BTC to the pool", secure, outs)
			}
		}
	})
	t.Run("solo mode with a fee", func(t *testing.T) {
		p := startPool(t, options{mode: job.SoloMode, fee: 1.5})
		solo := testwallet.New(77, &chaincfg.RegressionNetParams)
		for _, secure := range []bool{false, true} {
			user := solo.SegwitAddress() + ".bitaxe"
			c := p.dialMiner(secure, user, 0x1fffe000)
			outs := p.mineBlock(t, c, user)
			fee := int64(50_0000_0000) * 15 / 1000
			if len(outs) != 2 || outs[solo.SegwitAddress()] != 50_0000_0000-fee || outs[p.wallet.SegwitAddress()] != fee {
				t.Errorf("tls=%v: coinbase pays %v, want %d to the miner and %d to the pool", secure, outs, 50_0000_0000-fee, fee)
			}
		}
	})
}

// mineBlock finds a share (on regtest, a block), submits it and returns
// the new block's coinbase outputs by address.
func (p *pool) mineBlock(t *testing.T, c *miner.Client, user string) map[string]int64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	before := p.height()
	s := findShare(t, c, uint64(before))
	r, err := c.Submit(ctx, user, &s)
	if err != nil || r.Error != nil || string(r.Result) != "true" {
		t.Fatalf("submit: %v %v %s", err, r.Error, r.Result)
	}
	if err := p.node.WaitHeight(ctx, before+1, 10*time.Second); err != nil {
		t.Fatalf("btcd did not take the block: %v", err)
	}
	var hash string
	if err := p.node.Call(ctx, "getbestblockhash", nil, &hash); err != nil {
		t.Fatal(err)
	}
	if rev := reverseHex(s.Hash); rev != hash {
		t.Errorf("tip %s, the share's hash %s", hash, rev)
	}
	type vout struct {
		Value        float64
		ScriptPubKey struct{ Hex string }
	}
	// btcd puts the decoded transactions under rawtx.
	var blk struct {
		RawTx []struct{ Vout []vout }
	}
	if err := p.node.Call(ctx, "getblock", []any{hash, 2}, &blk); err != nil {
		t.Fatal(err)
	}
	outs := map[string]int64{}
	if len(blk.RawTx) == 0 {
		t.Fatal("getblock: no transactions")
	}
	for _, o := range blk.RawTx[0].Vout {
		if o.Value == 0 {
			continue // the witness commitment
		}
		script, _ := hex.DecodeString(o.ScriptPubKey.Hex)
		_, addrs, _, err := txscript.ExtractPkScriptAddrs(script, &chaincfg.RegressionNetParams)
		if err != nil || len(addrs) != 1 {
			t.Fatalf("coinbase output %s: %v", o.ScriptPubKey.Hex, err)
		}
		outs[addrs[0].EncodeAddress()] += int64(math.Round(o.Value * 1e8))
	}
	if c, worker, ok := p.ledger.get(s.Hash); !ok || !c.Block || worker != user {
		t.Errorf("ledger has %+v (%s) for the block's share", c, worker)
	}
	p.settle(t)
	return outs
}

func reverseHex(h [32]byte) string {
	var r [32]byte
	for i := range h {
		r[i] = h[31-i]
	}
	return hex.EncodeToString(r[:])
}
