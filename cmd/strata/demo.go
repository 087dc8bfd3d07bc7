package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/stratapool/strata/bench/miner"
)

// demoPace is how often a demo miner sends a share, on average: on
// regtest each is a block, so the chain grows about that fast per miner.
const demoPace = 5 * time.Second

// runDemoMiners mines on the pool with n simulated miners until ctx ends,
// each reconnecting if it loses its connection.
func runDemoMiners(ctx context.Context, n int, addr, payout string, log *slog.Logger) {
	done := make(chan struct{})
	for i := range n {
		go func() {
			defer func() { done <- struct{}{} }()
			for ctx.Err() == nil {
				if err := demoMine(ctx, i, addr, payout, log); err != nil && ctx.Err() == nil {
					log.Warn("demo miner lost its connection", "miner", i, "err", err)
					select {
					case <-ctx.Done():
					case <-time.After(2 * time.Second):
					}
				}
			}
		}()
	}
	for range n {
		<-done
	}
}

// demoMine is one demo miner's connection: a Bitaxe-like handshake, then
// real SHA256d work at the demo difficulty, a share every demoPace or so.
func demoMine(ctx context.Context, i int, addr, payout string, log *slog.Logger) error {
	c, err := miner.Dial(ctx, addr, nil)
	if err != nil {
		return err
	}
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	c.Start()
	hctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := c.Configure(hctx, 0xffffffff); err != nil {
		return err
	}
	if err := c.Subscribe(hctx, fmt.Sprintf("strata-demo/%d", i), ""); err != nil {
		return err
	}
	user := fmt.Sprintf("%s.demo%d", payout, i)
	if err := c.Authorize(hctx, user, fmt.Sprintf("d=%g", demoDifficulty)); err != nil {
		return err
	}
	var n uint64
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.Done():
			return c.Err()
		case <-time.After(time.Duration(rand.Int64N(int64(2 * demoPace)))):
		}
		j, _, d := c.Work()
		if j == nil || d <= 0 {
			continue
		}
		target, err := miner.TargetFor(d)
		if err != nil {
			return err
		}
		// Search in slices, so a new job or a stop is noticed.
		var share miner.Share
		found := false
		for !found && ctx.Err() == nil {
			n++
			en2 := miner.Extranonce2(uint64(i)<<40|n, c.Extranonce2Size)
			for start := uint32(0); start < 1<<22 && !found; start += 1 << 16 {
				share, found = miner.Search(j, c.Extranonce1, en2, &target, c.VersionMask(), start, 1<<16)
				if cur, _, _ := c.Work(); cur != j {
					break // a new job came: mine that
				}
			}
			if cur, _, _ := c.Work(); cur != j {
				break
			}
		}
		if !found {
			continue
		}
		r, err := c.Submit(ctx, user, &share)
		if err != nil {
			return err
		}
		if r.Error != nil {
			log.Info("demo share refused", "miner", i, "err", r.Error.Message)
		}
	}
}
