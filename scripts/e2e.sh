#!/usr/bin/env bash
# The end-to-end figures of bench/results/e2e.txt: strata bench against
# strata run --flood, both on this machine, with 10,000 miners.
#
#   scripts/e2e.sh            RUNS=3 runs of each load
#
# It starts a pool in a temporary directory (its own btcd regtest node),
# runs the bench at the issue's load (10 shares/s from each of 10,000
# miners, a block every 5 s) and at a lighter one, times /metrics and
# /api/overview while the 10,000 are connected, and writes the file.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh
runs=${RUNS:-3}
bin=$PWD/bin/strata
make -s build >/dev/null
work=$(mktemp -d)
out=bench/results/e2e.txt
raw=$work/raw
addr=bcrt1qw508d6qejxtdg4y5r3zarvary0c5xw7kygt080
pool_cmd="strata run --flood --limits.per-ip 0 --limits.accept-rate 0"

trap 'stop_pool; rm -rf "$work"' EXIT

# endpoint times /metrics and /api/overview 20 times each, in ms.
endpoints() {
	for path in /metrics /api/overview; do
		for _ in $(seq 20); do
			curl -s -o /dev/null -w "$path %{time_total}\n" "http://127.0.0.1:8080$path"
			sleep 0.2
		done
	done
}

# fanouts records the edge's own time for each job's fan-out (from its JOB
# frame to the last miner's write), as /api/edges reports it, in ms.
fanouts() {
	local last=""
	: >"$1"
	while sleep 0.5; do
		v=$({ curl -s http://127.0.0.1:8080/api/edges || true; } | { grep -o '"notify_latency_us":[0-9]*' || true; } | head -1 | cut -d: -f2)
		if [ -n "$v" ] && [ "$v" != "$last" ] && [ "$v" -gt 1000 ]; then # under 1 ms: a miner's first job, not a fan-out
			awk -v us="$v" 'BEGIN {printf "%.1f\n", us / 1000}' >>"$1"
			last=$v
		fi
	done
}

: >"$raw"
for load in "10 5s" "2 5s" "0.2 5s"; do
	set -- $load
	rate=$1 every=$2
	for i in $(seq "$runs"); do
		start_pool "$bin" "$work"
		cmd="strata bench --conns 10000 --ramp 2000 --rate $rate --duration 45s --settle 10s --flood --block-every $every --json --user $addr 127.0.0.1:3333"
		echo "bench: $cmd (run $i)"
		(sleep 25; endpoints >"$work/endpoints.$rate.$i") &
		timer=$!
		fanouts "$work/fanout.$rate.$i" &
		poller=$!
		"$bin" bench --conns 10000 --ramp 2000 --rate "$rate" --duration 45s --settle 10s --flood \
			--block-every "$every" --json --user "$addr" 127.0.0.1:3333 >"$work/report.$rate.$i"
		wait "$timer" || true
		kill "$poller" 2>/dev/null || true
		wait "$poller" 2>/dev/null || true
		stop_pool
		{
			echo "### rate $rate/s per miner, run $i"
			echo "pool:  $pool_cmd"
			echo "bench: $cmd"
			cat "$work/report.$rate.$i"
			echo "endpoints (seconds, while the 10,000 are connected):"
			awk '{n[$1]++; v[$1]=v[$1]" "$2} END {for (k in n) print " ", k, v[k]}' "$work/endpoints.$rate.$i"
			echo "the edge's own fan-out of each new job (ms, from /api/edges):"
			echo " " $(cat "$work/fanout.$rate.$i")
			echo
		} >>"$raw"
	done
done

notes=$(notes_of "$out")
summary() {
	python3 - "$work" "$runs" <<'PY'
import json, statistics, sys, glob, os
work, runs = sys.argv[1], int(sys.argv[2])
for rate in ("10", "2", "0.2"):
    reps = [json.load(open(f)) for f in sorted(glob.glob(os.path.join(work, f"report.{rate}.*")))]
    if not reps:
        continue
    med = lambda k, sub=None: statistics.median((r[k][sub] if sub else r[k]) for r in reps)
    print(f"rate {rate}/s per miner ({len(reps)} runs, medians):")
    print(f"  connections held        {med('connections'):.0f} (lost {med('disconnects'):.0f})")
    print(f"  accepted                {med('accepted_per_s'):.0f}/s over {med('steady_s'):.0f} s steady")
    print(f"  rejected                {med('rejected_per_s'):.1f}/s {reps[0]['rejects_by_reason']}")
    print(f"  submit to reply         p50 {med('latency_ms','p50'):.2f} ms, p99 {med('latency_ms','p99'):.2f} ms, p99.9 {med('latency_ms','p999'):.2f} ms")
    print(f"  new block to last miner p99 {med('notify_spread_ms_p99'):.2f} ms ({med('jobs'):.0f} blocks)")
    fan = []
    for f in glob.glob(os.path.join(work, f"fanout.{rate}.*")):
        fan += [float(x) for x in open(f).read().split()]
    if fan:
        fan.sort()
        print(f"  the edge's fan-out      median {statistics.median(fan):.1f} ms, worst {fan[-1]:.1f} ms ({len(fan)} jobs; JOB frame to the last write)")
    times = {}
    for f in glob.glob(os.path.join(work, f"endpoints.{rate}.*")):
        for line in open(f):
            p, t = line.split()
            times.setdefault(p, []).append(float(t) * 1000)
    for p, ts in sorted(times.items()):
        ts.sort()
        print(f"  {p:<23} median {statistics.median(ts):.2f} ms, worst {ts[-1]:.2f} ms ({len(ts)} requests)")
PY
}
{
	echo "# e2e"
	echo
	echo "strata bench --json against strata run --flood, both on this machine; 10,000 miners;"
	echo "a share that is a block every 5 s so new jobs reach them during the run;"
	echo "three loads: 10, 2 and 0.2 shares/s from each miner."
	echo
	echo "command: RUNS=$runs scripts/e2e.sh"
	machine
	echo
	echo "## summary"
	echo
	summary
	echo
	raw_and_notes "$raw" "$notes"
} >"$out"
echo "e2e: wrote $out"
