#!/bin/bash
# bench_pipeline.sh - in-kernel cost per packet of xdp_pktlens against a minimal flow
# counter (bpf/bench_ref.bpf.c), through BPF_PROG_TEST_RUN, over 1k, 64k and 1M distinct
# flows, plus the hot-cache figure. See bench/bench_pipeline.c for the method.
set -euo pipefail

BIN=${BUILD:-build}/bench/bench_pipeline
die() { echo "bench_pipeline: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF_PROG_TEST_RUN)"
[ -x "$BIN" ] || die "$BIN not built: run 'make bench'"
exec timeout 600 "$BIN" "$@"
