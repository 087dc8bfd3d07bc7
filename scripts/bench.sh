#!/usr/bin/env bash
# Runs the benchmark sets the issues name and records each in
# bench/results/<set>.txt: the command, the date, the machine, benchstat's
# summary and the raw runs (each package's test binary is built, then the
# disk synced, then the binary run: run_set). A "## notes" section written by hand at the end
# of a results file is kept when the file is rewritten.
#
#   scripts/bench.sh            every set
#   scripts/bench.sh wire       one set
#   COUNT=10 scripts/bench.sh   runs per benchmark (default 10)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib.sh

count=${COUNT:-10}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# set name ; package ; benchmark regexp ; extra flags ; what it measures
sets=(
	"wire;./wire;^(BenchmarkSubmitBatch|BenchmarkSubmitBatchRandomExtranonce2|BenchmarkVerdictBatch|BenchmarkSealedSubmitFrame)\$;;wire v1: a SUBMIT batch of 256 realistic records encoded and decoded (bytes/submit, ns/submit), the worst case of random extranonce2, VERDICT batches, and a whole sealed frame (AES-256-GCM) of 256 submits written and read"
	"jobs;./core/job ./core/work;^(BenchmarkTemplateToJob|BenchmarkZMQToJob)\$;-benchtime=1s;core jobs: BenchmarkTemplateToJob builds a job from a 4,000-transaction template (witness commitment, merkle branch, coinbase parts); BenchmarkZMQToJob is the time from a Bitcoin Core-format hashblock notification to the new job handed to the link layer, against a btcd regtest node (getblocktemplate, parsing, job, validator), one block per iteration"
	"edge;./edge/stratum;^BenchmarkParseSubmit\$;-benchtime=1s;edge/stratum: a 6-parameter mining.submit line parsed on the zero-allocation path"
	"edge;./e2e;^(BenchmarkEdge|BenchmarkLoopbackFanoutFloor)\$;-benchtime=30x;the edge alone in this process, the core and 10,000 miners in a helper process, btcd beside: user-space memory per idle authorized miner (Go heap and stacks after GC), and each new job (a block mined on btcd) from its JOB frame to the last miner's write, with the miners reading as jobs come (live) or their process stopped during the fan-out (paused: the edge's own cost); the floor: one write(2) of a notify-sized line to each of 9,000 loopback sockets, scaled to 10,000, nobody reading"
	"floor;./e2e;^BenchmarkLoopbackShareFloor\$;-benchtime=1000000x;what loopback TCP alone allows on this machine, nothing else done at either end: shares per second between a load generator and a pool (a 160-byte submit written and read, a 40-byte reply written and read: four system calls a share; one epoll loop a side on its own thread; 9,000 connections, each with a share in flight) and the CPU time a share costs both ends together"
	"floor;./e2e;^BenchmarkLoopbackNotifySpreadFloor\$;-benchtime=30x;and a new job's spread: a 300-byte line written to each of 9,000 connections by one writer thread a CPU and read at the other ends by one epoll loop, first write to last read, scaled to 10,000"
	"account;./core/account;^(BenchmarkCommit|BenchmarkFsyncFloor)\$;-benchtime=6000x;core/account: batches of 256 accepted shares committed durably from 8 submitters (1,000 workers, every share new): sqlite and postgres offered 200,000 shares/s on a schedule (open loop; p50/p99/max-ms from Commit to durable, what the accounts add to a verdict; write-p99/max-ms the transaction alone, sync-p99/max-ms the WAL's fdatasync alone), and the -max variants as fast as answers come back (closed loop); the disk's floor for the sqlite figure: a 24 KiB write every 1.28 ms, round a file written whole beforehand as SQLite's WAL is, made durable by an fdatasync loop beside it, alone and with checkpoint-like writes appended and fsynced to another file"
	"share;./core/share ./core/block ./core/share/sha256x;^(BenchmarkValidate|BenchmarkValidateKernel|BenchmarkBlockHandoff|BenchmarkBlock16|BenchmarkBlock16Const|BenchmarkBlock8|BenchmarkSHANISingle|BenchmarkCompressGeneric)\$;-benchtime=1s;share validation on the issue's fixture (250-byte coinbase, 12-step merkle branch, 6-parameter submits from 1,000 sessions, every share fresh): single lane (sha256-simd, SHA-NI), batches of 256 on the best kernel, all cores (each owning its sessions), the batch path on each kernel; the kernels per lane-compression; verdict to submitblock against btcd"
)

# run_set runs what the recorded go test command would, each package's
# test binary built first and the disk synced before it runs: go test
# links the binary just before running it, and the kernel writing those
# tens of MB back would land on the first runs of the disk-bound
# benchmarks (core/account's). A set carries one go test flag at most,
# passed on as its -test. form.
run_set() {
	local pkgs=$1 regex=$2 flags=$3 p bin
	for p in $pkgs; do
		bin="$tmp/$(echo "$p" | tr './' '__').test"
		go test -c -o "$bin" "$p"
		sync
		(cd "$p" && "$bin" -test.run '^$' -test.bench "$regex" -test.benchmem -test.count "$count" ${flags:+-test.${flags#-}})
	done
}

want=("$@")
mkdir -p bench/results
# A set may have several entries (different flags); they share one file.
declare -A cmds whats
order=()
for entry in "${sets[@]}"; do
	IFS=';' read -r name pkg regex flags what <<<"$entry"
	if [ ${#want[@]} -gt 0 ] && [[ ! " ${want[*]} " == *" $name "* ]]; then
		continue
	fi
	raw="$tmp/$name"
	cmd="go test -run '^\$' -bench '$regex' -benchmem -count $count $flags $pkg"
	echo "bench: $name: $cmd"
	run_set "$pkg" "$regex" "$flags" | tee -a "$raw"
	if [ -z "${cmds[$name]:-}" ]; then
		order+=("$name")
		cmds[$name]="$cmd"
		whats[$name]="$what"
	else
		cmds[$name]+=$'\n         '"$cmd"
		whats[$name]+=$'\n\n'"$what"
	fi
done
for name in "${order[@]}"; do
	out="bench/results/$name.txt"
	raw="$tmp/$name"
	notes=$(notes_of "$out")
	{
		echo "# $name"
		echo
		echo "${whats[$name]}"
		echo
		echo "command: ${cmds[$name]}"
		machine
		echo
		echo "## benchstat"
		echo
		go tool benchstat "$name=$raw"
		echo
		raw_and_notes "$raw" "$notes"
	} >"$out"
	echo "bench: wrote $out"
done
