# Shared by the measuring scripts: sourced, not run.

# notes_of FILE prints the "## notes" section written by hand at the end of
# FILE, if it has one, so that a script rewriting FILE can keep it.
notes_of() {
	if [ -f "$1" ] && grep -q '^## notes' "$1"; then
		sed -n '/^## notes/,$p' "$1"
	fi
}

# start_pool BIN DIR [FLAGS...] runs `BIN run --flood` without per-IP limits
# in DIR with a fresh data directory, sets $pool to its pid, and returns
# once it has printed its URLs (it waits for work first). A pool that does
# not come up ends the script.
start_pool() {
	local bin=$1 dir=$2
	shift 2
	rm -rf "$dir/data"
	(cd "$dir" && exec "$bin" run --flood --limits.per-ip 0 --limits.accept-rate 0 "$@" >"$dir/pool.out" 2>"$dir/pool.err") &
	pool=$!
	for _ in $(seq 300); do
		if grep -q "Ctrl-C" "$dir/pool.out" 2>/dev/null; then
			return
		fi
		if ! kill -0 "$pool" 2>/dev/null; then
			break
		fi
		sleep 1
	done
	echo "$(basename "$0"): the pool did not start" >&2
	cat "$dir/pool.err" >&2
	exit 1
}

# stop_pool stops the pool start_pool ran, as Ctrl-C does, and waits for it.
stop_pool() {
	if [ -n "${pool:-}" ]; then
		kill -INT "$pool" 2>/dev/null || true
		wait "$pool" 2>/dev/null || true
		pool=""
	fi
}

# machine prints the lines on which a results file says when and where it
# was measured.
machine() {
	echo "date:    $(date -u +%Y-%m-%dT%H:%M:%SZ)"
	echo "go:      $(go env GOVERSION) $(go env GOOS)/$(go env GOARCH)"
	echo "cpu:     $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(nproc) cores, $(grep -m1 -o -w 'sha_ni\|avx512f' /proc/cpuinfo | sort -u | tr '\n' ' ')"
	echo "commit:  $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
}

# raw_and_notes RAW NOTES prints the end of a results file: the raw runs
# from the file RAW, then the hand-written notes kept by notes_of.
raw_and_notes() {
	echo "## raw"
	echo
	cat "$1"
	if [ -n "$2" ]; then
		echo
		echo "$2"
	fi
}
