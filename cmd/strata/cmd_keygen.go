package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"

	"github.com/stratapool/strata/wire"
)

func runKeygen(args []string, out, errOut io.Writer) error {
	fs := flag.NewFlagSet("strata keygen", flag.ContinueOnError)
	fs.SetOutput(errOut)
	name := fs.String("name", wire.AnyEdge, "the edge the key is for; * lets any edge name use it")
	file := fs.String("o", "", "append the line to this key file (created with mode 600) instead of printing it")
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), `Usage: strata keygen [-name edge] [-o file]

Makes a random link key and writes it as a line "<edge name> <key>". The
core's link.keys_file holds such lines, one per edge (or * for all); an
edge's uplink.key_file holds its own line, or the bare key.

`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fs.Usage()
			return errHelp
		}
		return usageError{err}
	}
	if *name == "" || len(*name) > wire.MaxNameLen || containsSpace(*name) {
		return usageErrorf("-name must be 1 to %d characters without spaces", wire.MaxNameLen)
	}
	key, err := wire.NewKey()
	if err != nil {
		return err
	}
	line := *name + " " + wire.FormatKey(key) + "\n"
	if *file == "" {
		_, err := io.WriteString(out, line)
		return err
	}
	return appendSecret(*file, line)
}

func containsSpace(s string) bool {
	for _, r := range s {
		if r == ' ' || r == '\t' || r == '\n' || r == '\r' {
			return true
		}
	}
	return false
}

// appendSecret appends a line to a file only its owner can read.
func appendSecret(path, line string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return err
	}
	st, err := f.Stat()
	if err == nil && st.Mode().Perm()&0o077 != 0 {
		err = fmt.Errorf("%s is readable by others (mode %v): chmod 600 it first", path, st.Mode().Perm())
	}
	if err == nil {
		_, err = f.WriteString(line)
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}
