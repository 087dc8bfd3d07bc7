#!/usr/bin/env bash
# Records CPU profiles of the whole path — strata bench against
# strata run --flood: miners' sockets, the edge, the link, share checks,
# the accounts' commits, verdicts back — merges them into
# profiles/strata.pgo (the profile `make build` uses), and measures what it
# buys: the pool built without and with the profile, the same bench
# against each, alternating, several runs, medians. Rewrites
# profiles/README.md with the scenario, the date, the Go version and the
# result.
#
#   scripts/pgo.sh          COUNT=3 runs of each build for the gain
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

count=${COUNT:-3}
conns=${CONNS:-2000}
rate=${RATE:-10}
duration=${DURATION:-30s}
work=$(mktemp -d)
addr=bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080
ldflags="-X main.version=pgo-scenario"
pool=""
trap 'stop_pool; rm -rf "$work"' EXIT

echo "pgo: building without a profile"
go build -pgo=off -ldflags "$ldflags" -o "$work/strata-nopgo" ./cmd/strata
go build -o "$work/btcd" github.com/btcsuite/btcd # strata run finds it beside the binary

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
bench() { # bench binary, extra flags...
	local bin=$1
	shift
	"$bin" bench --conns "$conns" --ramp 2000 --rate "$rate" --duration "$duration" --settle 5s --flood \
		--block-every 5s --json --user "$addr" "$@" 127.0.0.1:3333
}

# 1. The profiles: the pool and the load generator, one run.
echo "pgo: recording the scenario ($conns miners x $rate shares/s, $duration)"
start_pool "$work/strata-nopgo" "$work" --cpu-profile "$work/run.pprof"
bench "$work/strata-nopgo" --cpu-profile "$work/bench.pprof" >/dev/null
stop_pool
# The hot paths on their own, so that their weight does not depend on how
# much of the machine the load generator took: share checks and the link.
micro_benches=("./core/share:^BenchmarkValidate$" "./wire:^(BenchmarkSubmitBatch|BenchmarkVerdictBatch|BenchmarkSealedSubmitFrame)$")
for mb in "${micro_benches[@]}"; do
	pkg=${mb%%:*} pattern=${mb#*:}
	name=$(basename "$pkg")
	echo "pgo: recording $pkg $pattern"
	go test -pgo=off -run '^$' -bench "$pattern" -benchtime 3s -cpuprofile "$work/$name.pprof" -o "$work/$name.test" "$pkg" >/dev/null
done
go tool pprof -proto "$work/run.pprof" "$work/bench.pprof" "$work/share.pprof" "$work/wire.pprof" >"$work/merged.pgo"
mkdir -p profiles
cp "$work/merged.pgo" profiles/strata.pgo
echo "pgo: wrote profiles/strata.pgo"

# 2. The gain: the pool without and with the profile, alternating so that
# noise on this shared machine falls on both alike. What is compared is
# the pool's CPU time per accepted share at the same offered load, and the
# latency the miners see; the load generator is the same binary in both.
go build -pgo=profiles/strata.pgo -ldflags "$ldflags" -o "$work/strata-pgo" ./cmd/strata
: >"$work/gain"
for run in $(seq "$count"); do
	for variant in nopgo pgo; do
		start_pool "$work/strata-$variant" "$work"
		t0=$(cpu_ticks "$pool")
		bench "$work/strata-nopgo" >"$work/report.$variant.$run"
		t1=$(cpu_ticks "$pool")
		stop_pool
		python3 - "$variant" "$((t1 - t0))" "$work/report.$variant.$run" >>"$work/gain" <<'PY'
import json, os, sys
variant, ticks, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
r = json.load(open(path))
hz = os.sysconf("SC_CLK_TCK")
us = ticks / hz * 1e6 / max(r["accepted"], 1)
print(variant, f"{us:.2f}", f"{r['accepted_per_s']:.0f}", f"{r['latency_ms']['p50']:.3f}", f"{r['latency_ms']['p99']:.3f}")
PY
		echo "pgo: $variant run $run: $(tail -1 "$work/gain")"
	done
done
table=$(python3 - "$work/gain" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
by = {}
for v, *vals in rows:
    by.setdefault(v, []).append([float(x) for x in vals])
def med(v, i): return statistics.median(r[i] for r in by[v])
print(f"{'':8} {'pool CPU µs/share':>18} {'accepted/s':>11} {'p50 ms':>8} {'p99 ms':>8}")
for v in ("nopgo", "pgo"):
    print(f"{v:8} {med(v,0):>18.2f} {med(v,1):>11.0f} {med(v,2):>8.3f} {med(v,3):>8.3f}")
gain = (med("pgo", 0) - med("nopgo", 0)) / med("nopgo", 0) * 100
print(f"\npool CPU per share with the profile: {gain:+.1f}% (medians of {len(by['pgo'])} runs each)")
PY
)

# 3. The hot paths' benchmarks built without and with the profile,
# alternating, compared by benchstat.
for mb in "${micro_benches[@]}"; do
	pkg=${mb%%:*} pattern=${mb#*:}
	name=$(basename "$pkg")
	go test -c -pgo=off -o "$work/$name-nopgo.test" "$pkg"
	go test -c -pgo=profiles/strata.pgo -o "$work/$name-pgo.test" "$pkg"
	for _ in $(seq 6); do
		for variant in nopgo pgo; do
			(cd "$pkg" && "$work/$name-$variant.test" -test.run '^$' -test.bench "$pattern" -test.benchmem -test.benchtime 1s) |
				grep '^Benchmark' >>"$work/micro.$variant"
		done
	done
done
micro=$(go tool benchstat without-pgo="$work/micro.nopgo" with-pgo="$work/micro.pgo")

notes=$(notes_of profiles/README.md)
{
	cat <<HEADER
# PGO profiles

\`profiles/strata.pgo\` is a build input: \`make build\` passes it to
\`go build -pgo\`, and \`strata version\` shows whether a binary was built with
it. \`make pgo\` (scripts/pgo.sh) regenerates it and rewrites this file.

## Scenario

The whole path under load, on this machine: \`strata run --flood\` (btcd
regtest, core and edge in one process, SQLite accounts) and
\`strata bench --conns $conns --ramp 2000 --rate $rate --duration $duration --settle 5s --flood --block-every 5s\`
against it, both built without a profile, with \`--cpu-profile\`; and the
hot paths on their own, so their weight does not depend on the share of
the machine the load generator took:
\`go test -bench '^BenchmarkValidate\$' -benchtime 3s ./core/share\` and
\`go test -bench '^(BenchmarkSubmitBatch|BenchmarkVerdictBatch|BenchmarkSealedSubmitFrame)\$' -benchtime 3s ./wire\`.
The four profiles are merged with \`go tool pprof -proto\`.

- date: $(date -u +%Y-%m-%dT%H:%M:%SZ)
- go: $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)
- cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores
- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)

## Gain

The pool built with \`-pgo=off\` and with \`-pgo=profiles/strata.pgo\`, the
same bench against each, $count alternating runs; medians. Pool CPU per
accepted share is the pool process's CPU time over the bench (from
/proc) divided by the shares it accepted.

\`\`\`
$table
\`\`\`

Each run (variant, CPU µs/share, accepted/s, p50 ms, p99 ms):

\`\`\`
$(cat "$work/gain")
\`\`\`

The hot paths' benchmarks, test binaries built with \`-pgo=off\` and with
the profile, 6 alternating runs of \`-benchtime 1s\`, benchstat:

\`\`\`
$micro
\`\`\`
HEADER
	if [ -n "$notes" ]; then
		echo
		echo "$notes"
	fi
} >profiles/README.md
echo "pgo: wrote profiles/README.md"
