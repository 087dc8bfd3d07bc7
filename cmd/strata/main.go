// Command strata is the Strata mining pool in one binary:
//
//	strata core     the core: nodes, jobs, share checks, accounts, statistics
//	strata edge     an edge: miners' Stratum connections, linked to a core
//	strata run      core and edge in one process, the single-machine default
//	strata bench    a load tester for any Stratum v1 pool
//	strata keygen   a key for the link between an edge and the core
//	strata version  version, commit, Go version and PGO profile
//
// Every setting comes from the defaults, a TOML file (--config or
// STRATA_CONFIG), STRATA_* environment variables and flags, in that order.
package main

import (
	"errors"
	"fmt"
	"io"
	"os"
)

// command is one subcommand.
type command struct {
	name    string
	summary string
	run     func(args []string, out, errOut io.Writer) error
}

func commands() []command {
	return []command{
		{"core", "run the core: nodes, jobs, share checks, accounts, statistics", runCore},
		{"edge", "run an edge: miners' Stratum connections, linked to a core", runEdge},
		{"run", "run core and edge in one process (the single-machine default)", runRun},
		{"bench", "load-test a Stratum v1 pool", runBench},
		{"keygen", "make a key for the link between an edge and the core", runKeygen},
		{"version", "print the version, commit, Go version and PGO profile", runVersion},
	}
}

// Exit codes.
const (
	exitOK    = 0
	exitError = 1 // the command failed
	exitUsage = 2 // bad flags, configuration or arguments
)

// usageError marks an error the user can fix by changing the command line or
// the configuration.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

func usageErrorf(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// errHelp ends a command that printed help.
var errHelp = errors.New("help requested")

func main() { os.Exit(run(os.Args[1:], os.Stdout, os.Stderr)) }

func run(args []string, out, errOut io.Writer) int {
	if len(args) == 0 {
		usage(errOut)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	switch name {
	case "-h", "-help", "--help", "help":
		if len(rest) > 0 {
			return run([]string{rest[0], "--help"}, out, errOut)
		}
		usage(out)
		return exitOK
	case "-version", "--version":
		name = "version"
	}
	for _, c := range commands() {
		if c.name != name {
			continue
		}
		err := c.run(rest, out, errOut)
		var ue usageError
		switch {
		case err == nil, errors.Is(err, errHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(errOut, "strata %s: %v\n", name, err)
			return exitUsage
		default:
			fmt.Fprintf(errOut, "strata %s: %v\n", name, err)
			return exitError
		}
	}
	fmt.Fprintf(errOut, "strata: unknown command %q\n\n", name)
	usage(errOut)
	return exitUsage
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "Strata is a Bitcoin mining pool: edges hold miners' connections, one core judges their work.\n\n")
	fmt.Fprintf(w, "Usage:\n  strata <command> [flags]\n\nCommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s  %s\n", c.name, c.summary)
	}
	fmt.Fprintf(w, "\nRun 'strata <command> --help' for a command's flags.\n")
	fmt.Fprintf(w, "Settings come from the defaults, a TOML file (--config or STRATA_CONFIG),\nSTRATA_* environment variables and flags, each overriding the one before.\n")
}
