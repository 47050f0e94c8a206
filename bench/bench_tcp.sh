#!/bin/bash
# bench_tcp.sh - in-kernel cost per packet of passive TCP RTT and health tracking
# (bpf/rtt.h) on ingress (xdp_pktlens, tracking on vs off) and on egress (the tc egress
# program as monitor loads it, with tracking vs --no-tcp, L7 and detection on in both,
# and its bare return for reference), through BPF_PROG_TEST_RUN over distinct
# frames of 64k flows, once with every ACK an RTT sample and once with none. See
# bench/bench_tcp.c for the method.
set -euo pipefail

BIN=${BUILD:-build}/bench/bench_tcp
die() { echo "bench_tcp: $*" >&2; exit 1; }
[ "$(id -u)" = 0 ] || die "needs root (BPF_PROG_TEST_RUN)"
[ -x "$BIN" ] || die "$BIN not built: run 'make bench'"
timeout 600 "$BIN" "$@"
# the same without RTT samples: what every packet costs between a flow's samples
timeout 600 "$BIN" --no-echo "$@"
