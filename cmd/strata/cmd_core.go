package main

import (
	"errors"
	"io"

	"github.com/stratapool/strata/core"
)

// coreSettings is what `strata core` reads: the core's configuration and logging.
type coreSettings struct {
	core.Config
	Log logConfig `toml:"log"`
}

func (s *coreSettings) Validate() error { return errors.Join(s.Config.Validate(), s.Log.validate()) }

// coreAliases are short flags for what container platforms and home users
// set most: the node's RPC, cookie and ZMQ.
var coreAliases = map[string]string{
	"rpc-url":      "node.rpc_url",
	"rpc-user":     "node.rpc_user",
	"rpc-password": "node.rpc_password",
	"cookie":       "node.cookie_file",
	"zmq":          "node.zmq_hashblock",
}

func runCore(args []string, out, errOut io.Writer) error {
	s := &coreSettings{Config: core.DefaultConfig(), Log: defaultLog()}
	if printed, err := settings("core", args, s, coreAliases, out, errOut); err != nil || printed {
		return err
	}
	log := s.Log.logger(errOut)
	c, err := core.New(s.Config, core.Options{Log: log, Software: "strata " + version, Build: buildStats()})
	if err != nil {
		return err
	}
	return runUntilSignal(log, c.Run, nil)
}

// errNotBuilt reports a command whose service is not in this build yet.
func errNotBuilt(name string) error {
	return errors.New("the " + name + " service is not in this build yet; its configuration is valid")
}
