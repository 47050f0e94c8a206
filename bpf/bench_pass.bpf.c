// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_pass.bpf.c - the empty XDP program. bench/bench_pipeline runs it exactly as it
 * runs the programs it measures and subtracts its time: what is left is the cost of
 * the program itself, without BPF_PROG_TEST_RUN's own timing and dispatch overhead.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("xdp")
int xdp_bench_pass(struct xdp_md *ctx)
{
	return XDP_PASS;
}
