package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime"
	"runtime/pprof"
	"syscall"
	"time"

	"github.com/stratapool/strata/edge"
)

// edgeSettings is what `strata edge` reads.
type edgeSettings struct {
	edge.Config
	Log logConfig `toml:"log"`
}

func (s *edgeSettings) Validate() error { return errors.Join(s.Config.Validate(), s.Log.validate()) }

func runEdge(args []string, out, errOut io.Writer) error {
	s := &edgeSettings{Config: edge.DefaultConfig(), Log: defaultLog()}
	if printed, err := settings("edge", args, s, nil, out, errOut); err != nil || printed {
		return err
	}
	log := s.Log.logger(errOut)
	procsForLoops(s.Loops, log)
	e, err := edge.New(s.Config, edge.Options{Log: log, Software: "strata " + version})
	if err != nil {
		return err
	}
	return runUntilSignal(log, e.Run, e.Drain)
}

// drainTimeout bounds a SIGTERM drain.
const drainTimeout = 8 * time.Second

// runUntilSignal runs a service until SIGINT (stop now) or SIGTERM (drain
// first: miners told to reconnect, shares in flight answered).
func runUntilSignal(log *slog.Logger, run func(context.Context) error, drain func(context.Context) error) error {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sig := make(chan os.Signal, 2)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	done := make(chan error, 1)
	go func() { done <- run(ctx) }()
	select {
	case err := <-done:
		return err
	case s := <-sig:
		if s == syscall.SIGTERM && drain != nil {
			dctx, dcancel := context.WithTimeout(ctx, drainTimeout)
			err := drain(dctx)
			dcancel()
			if err != nil {
				log.Warn("drain incomplete", "err", err)
			}
		}
	}
	cancel()
	return <-done
}

// procsForLoops gives the Go scheduler one P per gnet event loop on top of
// the CPUs. An event loop waits for its sockets in epoll_wait, a system
// call; woken, it needs a P to run, and with only as many Ps as CPUs it
// queues behind whatever goroutines hold them, for up to a scheduler time
// slice. Measured with strata bench against strata run --flood on 2 CPUs:
// submit-to-reply p99 22 to 31 ms with GOMAXPROCS=2, 3 ms with 4. An
// explicit GOMAXPROCS is left alone.
func procsForLoops(loops int, log *slog.Logger) {
	if os.Getenv("GOMAXPROCS") != "" {
		return
	}
	cpus := runtime.NumCPU()
	if loops <= 0 {
		loops = cpus
	}
	if want := cpus + loops; runtime.GOMAXPROCS(0) < want {
		runtime.GOMAXPROCS(want)
		log.Debug("GOMAXPROCS raised for the event loops", "gomaxprocs", want, "cpus", cpus, "loops", loops)
	}
}

// startCPUProfile writes a CPU profile to path until stop is called; an
// empty path profiles nothing.
func startCPUProfile(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("cpu profile: %w", err)
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}, nil
}
