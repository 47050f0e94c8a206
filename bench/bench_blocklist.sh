#!/bin/bash
# bench_blocklist.sh - in-kernel cost of the blocklist lookup (bpf/blocklist.h) against a
# plain BPF LPM trie of the same prefixes, at 1k, 100k and 1M prefixes, through
# BPF_PROG_TEST_RUN. See bench/bench_blocklist.c for the method and the prefix mix.
set -euo pipefail

BIN=${BUILD:-build}/bench/bench_blocklist
die() { echo "bench_blocklist: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF_PROG_TEST_RUN)"
[ -x "$BIN" ] || die "$BIN not built: run 'make bench'"
exec timeout 900 "$BIN" "$@"
