package main

import (
	"fmt"
	"github.com/stratapool/strata/core/stats"
	"io"
	"runtime"
	"runtime/debug"
)

// Set by the Makefile with -ldflags "-X main.version=... -X main.commit=...".
var (
	version = "dev"
	commit  = ""
)

// buildInfo is what `strata version` reports.
type buildInfo struct {
	Version string
	Commit  string
	Go      string
	// PGO is the profile the binary was built with, or "none".
	PGO string
}

func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Go: runtime.Version(), PGO: "none"}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			switch {
			case s.Key == "-pgo" && s.Value != "":
				b.PGO = s.Value
			case s.Key == "vcs.revision" && b.Commit == "":
				b.Commit = s.Value
			}
		}
	}
	if b.Commit == "" {
		b.Commit = "unknown"
	}
	return b
}

func runVersion(args []string, out, errOut io.Writer) error {
	if len(args) > 0 {
		return usageErrorf("takes no arguments")
	}
	b := readBuildInfo()
	_, err := fmt.Fprintf(out, "strata %s\ncommit  %s\ngo      %s\npgo     %s\n", b.Version, b.Commit, b.Go, b.PGO)
	return err
}

// buildStats is the build as the statistics show it.
func buildStats() stats.Build {
	b := readBuildInfo()
	return stats.Build{Version: b.Version, Commit: b.Commit, GoVersion: b.Go, PGO: b.PGO != "none" && b.PGO != "off"}
}
