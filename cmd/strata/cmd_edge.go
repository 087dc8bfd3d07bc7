package main

import (
	"errors"
	"io"

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
	return errNotBuilt("edge")
}
