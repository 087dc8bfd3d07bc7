#!/usr/bin/env bash
# Records CPU profiles of Strata's hot paths, merges them into
# profiles/strata.pgo (the profile `make build` uses), and measures what it
# buys: the same benchmarks built with and without the profile, several runs
# each, compared by benchstat. Rewrites profiles/README.md with the scenario,
# the date, the Go version and the result.
set -euo pipefail
cd "$(dirname "$0")/.."

count=${COUNT:-8}
benchtime=${BENCHTIME:-3s}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# package ; benchmark regexp: the hot paths whose profiles go into the merge.
sources=(
	"./wire;^(BenchmarkSubmitBatch|BenchmarkVerdictBatch|BenchmarkSealedSubmitFrame)\$"
	"./core/share;^(BenchmarkValidate)\$"
)

i=0
for entry in "${sources[@]}"; do
	IFS=';' read -r pkg regex <<<"$entry"
	echo "pgo: profiling $pkg $regex"
	go test -pgo=off -run '^$' -bench "$regex" -benchtime "$benchtime" \
		-o "$tmp/bin$i.test" -cpuprofile "$tmp/cpu$i.pprof" "$pkg" >/dev/null
	i=$((i + 1))
done
go tool pprof -proto "$tmp"/cpu*.pprof >"$tmp/merged.pgo"
mkdir -p profiles
mv "$tmp/merged.pgo" profiles/strata.pgo
echo "pgo: wrote profiles/strata.pgo"

# The gain: alternate builds without and with the profile so that noise on
# this shared machine falls on both alike.
for entry in "${sources[@]}"; do
	IFS=';' read -r pkg regex <<<"$entry"
	for run in $(seq "$count"); do
		go test -pgo=off -run '^$' -bench "$regex" -count 1 "$pkg" | grep '^Benchmark' >>"$tmp/without-pgo"
		go test -pgo=profiles/strata.pgo -run '^$' -bench "$regex" -count 1 "$pkg" | grep '^Benchmark' >>"$tmp/with-pgo"
	done
done
go tool benchstat "without-pgo=$tmp/without-pgo" "with-pgo=$tmp/with-pgo" >"$tmp/gain"

notes=""
if [ -f profiles/README.md ] && grep -q '^## notes' profiles/README.md; then
	notes=$(sed -n '/^## notes/,$p' profiles/README.md)
fi
{
	cat <<HEADER
# PGO profiles

\`profiles/strata.pgo\` is a build input: \`make build\` passes it to
\`go build -pgo\`, and \`strata version\` shows whether a binary was built with
it. \`make pgo\` (scripts/pgo.sh) regenerates it and rewrites this file.

## Scenario

CPU profiles of these benchmarks, merged with \`go tool pprof -proto\`:

HEADER
	for entry in "${sources[@]}"; do
		IFS=';' read -r pkg regex <<<"$entry"
		echo "- \`go test -bench '$regex' -benchtime $benchtime $pkg\`"
	done
	cat <<INFO

- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)
- go: $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)
- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores
- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)

## Gain

The same benchmarks built with \`-pgo=off\` and with \`-pgo=profiles/strata.pgo\`,
$count alternating runs each, compared by benchstat:

\`\`\`
INFO
	cat "$tmp/gain"
	echo '```'
	if [ -n "$notes" ]; then
		echo
		echo "$notes"
	fi
} >profiles/README.md
echo "pgo: wrote profiles/README.md"
