package main

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"os/signal"
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
