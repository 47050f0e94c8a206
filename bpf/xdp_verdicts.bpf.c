// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * xdp_verdicts.bpf.c - the verdicts of the XDP program attached to an interface
 * (`pktlens drops`): an fexit program on that program's entry function counts what it
 * returned, per action (XDP_ABORTED, DROP, PASS, TX, REDIRECT; anything else in the
 * last slot). User space sets the target before loading, one copy per interface.
 * Packets an XDP program drops never reach skb:kfree_skb: this is where they show.
 */
#include <linux/bpf.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "pktlens.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_XDP_ACTS);
	__type(key, __u32);
	__type(value, __u64);
} pl_xdp_acts SEC(".maps");

SEC("fexit")
int BPF_PROG(pl_xdp_verdict, void *xdp, int ret)
{
	__u32 k = ret >= 0 && ret < PL_XDP_ACTS - 1 ? (__u32)ret : PL_XDP_ACTS - 1;
	__u64 *n = bpf_map_lookup_elem(&pl_xdp_acts, &k);

	if (n)
		(*n)++;
	return 0;
}
