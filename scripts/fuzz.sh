#!/usr/bin/env bash
# Runs every fuzz target of the module for the given time each (default 30s).
# A crash stops the run; its input is left in the package's testdata/fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzztime=${1:-30s}

for pkg in $(go list ./...); do
	targets=$(go test -list '^Fuzz' "$pkg" | grep '^Fuzz' || true)
	for t in $targets; do
		echo "fuzz: $pkg $t for $fuzztime"
		go test -run '^$' -fuzz "^${t}\$" -fuzztime "$fuzztime" "$pkg"
	done
done
