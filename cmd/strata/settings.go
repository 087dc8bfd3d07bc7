package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/stratapool/strata/internal/config"
)

// logConfig is the [log] table every long-running command has.
type logConfig struct {
	Level  slog.Level `toml:"level" help:"debug, info, warn or error"`
	Format string     `toml:"format" help:"text or json"`
}

func defaultLog() logConfig { return logConfig{Level: slog.LevelInfo, Format: "text"} }

func (l *logConfig) validate() error {
	if l.Format != "text" && l.Format != "json" {
		return config.Errorf("log.format", "want text or json, got %q", l.Format)
	}
	return nil
}

func (l *logConfig) logger(w io.Writer) *slog.Logger {
	opts := &slog.HandlerOptions{Level: l.Level}
	if l.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// envConfigFile names the configuration file when --config is not given.
const envConfigFile = "STRATA_CONFIG"

// settings loads a command's configuration struct: cfg holds its defaults
// and implements config.Validator. It returns errHelp after printing help,
// and printed=true after --print-config.
func settings(name string, args []string, cfg config.Validator, aliases map[string]string, out, errOut io.Writer) (printed bool, err error) {
	fs := flag.NewFlagSet("strata "+name, flag.ContinueOnError)
	fs.SetOutput(errOut)
	file := fs.String("config", os.Getenv(envConfigFile), "TOML configuration file ["+envConfigFile+"]")
	printConfig := fs.Bool("print-config", false, "print the effective configuration, with defaults, and exit")
	flags := config.Bind(fs, cfg, aliases)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: strata %s [flags]\n\nEvery setting is a flag, a STRATA_* variable and a key of the TOML file:\n\n", name)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fs.SetOutput(out)
			fs.Usage()
			return false, errHelp
		}
		return false, usageError{err}
	}
	if fs.NArg() > 0 {
		return false, usageErrorf("unexpected argument %q (settings are flags: --key value)", fs.Arg(0))
	}
	src := config.Source{File: *file, Env: os.Environ(), IgnoreEnv: []string{envConfigFile}, Flags: flags}
	warnings, err := config.Apply(cfg, src)
	for _, w := range warnings {
		fmt.Fprintf(errOut, "strata %s: warning: %s\n", name, w)
	}
	if err != nil {
		return false, usageError{err}
	}
	verr := cfg.Validate()
	if *printConfig {
		if err := config.Print(out, cfg); err != nil {
			return true, err
		}
	}
	if verr != nil {
		return *printConfig, usageError{fmt.Errorf("invalid configuration:\n%s", indent(verr.Error()))}
	}
	return *printConfig, nil
}

func indent(s string) string { return "  " + strings.ReplaceAll(s, "\n", "\n  ") }
