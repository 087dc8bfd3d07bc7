package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/stratapool/strata/bench/load"
)

func runBench(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("strata bench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	cfg := load.Config{}
	fs.IntVar(&cfg.Connections, "conns", 100, "simulated miners (connections)")
	fs.Float64Var(&cfg.Ramp, "ramp", 1000, "new connections per second (0: all at once)")
	fs.Float64Var(&cfg.Rate, "rate", 1, "shares per second each miner aims to send")
	fs.DurationVar(&cfg.Settle, "settle", 2*time.Second, "after the ramp, wait this long before the steady part that rates and latency are measured over")
	fs.DurationVar(&cfg.Duration, "duration", 30*time.Second, "how long the run lasts (at most "+load.MaxDuration.String()+")")
	fs.Int64Var(&cfg.MaxShares, "max-shares", 0, "stop sending after this many shares (0: no limit)")
	fs.StringVar(&cfg.User, "user", "", "username: the pool's payout address, or the miner's in solo mode (required)")
	fs.StringVar(&cfg.Password, "password", "x", "password sent with mining.authorize")
	fs.BoolVar(&cfg.Shared, "shared", false, "every miner uses the user as given (default: a worker name each, user.b<n>)")
	handshakes := fs.String("handshakes", strings.Join(load.Handshakes(), ","), "the miners' openings, taken in turn")
	fs.BoolVar(&cfg.Flood, "flood", false, "the pool is in flood mode: send shares without searching for work")
	fs.DurationVar(&cfg.BlockEvery, "block-every", 0, "with --flood on regtest: send a share that is a block this often, so new jobs reach the miners and their spread is measured")
	fs.BoolVar(&cfg.Insecure, "insecure", false, "accept any certificate on stratum+ssl:// (self-signed pools)")
	asJSON := fs.Bool("json", false, "print the report as one JSON object")
	cpuProfile := fs.String("cpu-profile", "", "write a CPU profile of the run to this file")
	quiet := fs.Bool("quiet", false, "no progress line")
	fs.Usage = func() {
		io.WriteString(fs.Output(), `Usage: strata bench [flags] <pool> [<pool>...]

Load-tests any Stratum v1 pool with simulated miners: each pool address is
host:port, stratum+tcp://host:port or stratum+ssl://host:port. Shares are
real SHA256d work at the pool's difficulty, or (--flood) taken as they come
from a pool in flood mode. The run is bounded by --duration (and
--max-shares) and connects only to the addresses given.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			fs.SetOutput(out)
			fs.Usage()
			return errHelp
		}
		return usageError{err}
	}
	cfg.Targets = fs.Args()
	for _, h := range strings.Split(*handshakes, ",") {
		if h = strings.TrimSpace(h); h != "" && !slices.Contains(cfg.Handshakes, h) {
			cfg.Handshakes = append(cfg.Handshakes, h)
		}
	}
	if !*quiet && !*asJSON {
		cfg.Progress = errOut
	}
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := load.Run(ctx, cfg)
	if err != nil && rep.Connections == 0 && rep.Submitted == 0 {
		if rep.DurationS == 0 {
			return usageError{err} // the settings
		}
		return err
	}
	if *asJSON {
		b, jerr := json.MarshalIndent(rep, "", "  ")
		if jerr != nil {
			return jerr
		}
		fmt.Fprintln(out, string(b))
	} else {
		printReport(out, &rep)
	}
	return err
}

func printReport(w io.Writer, r *load.Report) {
	fmt.Fprintf(w, "connections   %d (%d failed to connect, %d lost)\n", r.Connections, r.ConnectFailures, r.Disconnects)
	fmt.Fprintf(w, "duration      %.1f s (%.1f s steady, after the ramp and settling)\n", r.DurationS, r.SteadyS)
	fmt.Fprintf(w, "shares        %d sent, %d accepted, %d rejected, %d unanswered\n", r.Submitted, r.Accepted, r.Rejected, r.Unanswered)
	fmt.Fprintf(w, "rate          %.0f accepted/s, %.0f rejected/s\n", r.AcceptedPerS, r.RejectedPerS)
	if len(r.RejectsByReason) > 0 {
		var parts []string
		for k, v := range r.RejectsByReason {
			parts = append(parts, fmt.Sprintf("%s %d", k, v))
		}
		slices.Sort(parts)
		fmt.Fprintf(w, "rejects       %s\n", strings.Join(parts, ", "))
	}
	fmt.Fprintf(w, "latency       p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms (submit to reply, steady)\n", r.LatencyMs.P50, r.LatencyMs.P99, r.LatencyMs.P999)
	fmt.Fprintf(w, "              p50 %.2f ms, p99 %.2f ms, p99.9 %.2f ms (the whole run)\n", r.LatencyAllMs.P50, r.LatencyAllMs.P99, r.LatencyAllMs.P999)
	fmt.Fprintf(w, "notify spread p99 %.2f ms over %d new jobs (first to last miner); %d blocks sent\n", r.NotifySpreadMsP99, r.Jobs, r.Blocks)
	if r.Reconnects > 0 {
		fmt.Fprintf(w, "reconnects    %d asked by the pool\n", r.Reconnects)
	}
	if r.Errors > 0 {
		fmt.Fprintf(w, "errors        %d: %s\n", r.Errors, strings.Join(r.ErrorSamples, "; "))
	}
}
