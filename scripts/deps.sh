#!/usr/bin/env bash
# Installs what the build and the tests need that Go does not bring:
# libzmq (for the ZMQ hashblock subscriber, through cgo), pkg-config, and
# PostgreSQL's server for the accounts tests (internal/pgtest runs a
# throwaway cluster of it; nothing is left running), and e2fsprogs for the
# ext4 filesystem the power-loss test cuts.
# As root it uses apt-get; otherwise it says what to install.
set -euo pipefail

missing=()
command -v gcc >/dev/null 2>&1 || missing+=(gcc)
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
if ! pkg-config --exists libzmq 2>/dev/null; then
	missing+=(libzmq3-dev)
fi
# "build" needs only what compiles strata; "test" (the default) also what
# the tests run.
what=${1:-test}
if [ "$what" = test ] && ! command -v postgres >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
	missing+=(postgresql)
fi
# The accounts' power-loss test makes an ext4 filesystem of its own.
if [ "$what" = test ] && ! command -v mkfs.ext4 >/dev/null 2>&1 && [ ! -x /usr/sbin/mkfs.ext4 ] && [ ! -x /sbin/mkfs.ext4 ]; then
	missing+=(e2fsprogs)
fi

if [ ${#missing[@]} -eq 0 ]; then
	exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "deps: missing ${missing[*]}: install them with" >&2
	echo "  sudo apt-get install -y ${missing[*]}" >&2
	exit 1
fi
if ! command -v apt-get >/dev/null 2>&1; then
	echo "deps: missing ${missing[*]} and there is no apt-get here: install them with your package manager" >&2
	exit 1
fi
echo "deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
if [[ " ${missing[*]} " == *" postgresql "* ]]; then
	# The package starts a cluster of its own; the tests run theirs.
	service postgresql stop >/dev/null 2>&1 || true
fi
