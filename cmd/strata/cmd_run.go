package main

import (
	"errors"
	"io"

	"github.com/stratapool/strata/core"
	"github.com/stratapool/strata/edge"
)

// runSettings is what `strata run` reads: the core's and the edge's
// settings side by side (their keys do not overlap) and logging.
type runSettings struct {
	Core core.Config `toml:",inline"`
	Edge edge.Config `toml:",inline"`
	Log  logConfig   `toml:"log"`
}

func (s *runSettings) Validate() error {
	return errors.Join(s.Core.Validate(), s.Edge.Validate(), s.Log.validate())
}

func runRun(args []string, out, errOut io.Writer) error {
	s := &runSettings{Core: core.DefaultConfig(), Edge: edge.DefaultConfig(), Log: defaultLog()}
	if printed, err := settings("run", args, s, coreAliases, out, errOut); err != nil || printed {
		return err
	}
	return errNotBuilt("run")
}
