package main

import (
	"flag"
	"io"
)

func runBench(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("strata bench", flag.ContinueOnError)
	fs.SetOutput(errOut)
	fs.Usage = func() {
		io.WriteString(fs.Output(), "Usage: strata bench [flags] <host:port>\n\nLoad-tests a Stratum v1 pool with simulated miners.\n")
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
	return errNotBuilt("bench")
}
