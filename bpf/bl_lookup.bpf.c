// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bl_lookup.bpf.c - the blocklist lookup (bpf/blocklist.h) on its own, for its test
 * (tests/bpf/test_blocklist.c) and its benchmark (bench/bench_blocklist.c): each program
 * takes an Ethernet frame, reads its IPv4 or IPv6 source address and leaves the rule
 * found in bl_result. xdp_bl_fast asks the blocklist, xdp_bl_trie one plain LPM trie
 * holding the same prefixes, xdp_bl_parse nothing (the parse alone, for the benchmark).
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pktlens.h"
#include "blocklist.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* struct bpf_lpm_trie_key's layout. */
struct pl_lpm4_key {
	__u32 prefixlen;
	__u32 addr;
};

struct pl_lpm6_key {
	__u32 prefixlen;
	__u32 addr[4];
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_BL_ENTRIES_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm4_key);
	__type(value, __u32);
} bl_plain4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, PL_BL_ENTRIES_DEFAULT);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct pl_lpm6_key);
	__type(value, __u32);
} bl_plain6 SEC(".maps");

volatile __u32 bl_result;

/* The source address: 4 (IPv4, in a[0]), 6, or 0 when the frame has none. */
static __always_inline int src_addr(struct xdp_md *ctx, __u32 *a)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;

	if ((void *)(eth + 1) > end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return 0;
		a[0] = ip->saddr;
		return 4;
	}
	if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return 0;
		__builtin_memcpy(a, &ip6->saddr, 16);
		return 6;
	}
	return 0;
}

SEC("xdp")
int xdp_bl_fast(struct xdp_md *ctx)
{
	__u32 a[4];
	int fam = src_addr(ctx, a);

	if (fam == 4)
		bl_result = pl_bl_lookup4(a[0]);
	else if (fam == 6)
		bl_result = pl_bl_lookup6(a);
	return XDP_PASS;
}

SEC("xdp")
int xdp_bl_trie(struct xdp_md *ctx)
{
	struct pl_lpm6_key k6 = { .prefixlen = 128 };
	struct pl_lpm4_key k4 = { .prefixlen = 32 };
	__u32 a[4], *v = NULL;
	int fam = src_addr(ctx, a);

	if (fam == 4) {
		k4.addr = a[0];
		v = bpf_map_lookup_elem(&bl_plain4, &k4);
	} else if (fam == 6) {
		__builtin_memcpy(k6.addr, a, 16);
		v = bpf_map_lookup_elem(&bl_plain6, &k6);
	}
	bl_result = v ? *v : 0;
	return XDP_PASS;
}

SEC("xdp")
int xdp_bl_parse(struct xdp_md *ctx)
{
	__u32 a[4];

	bl_result = src_addr(ctx, a) ? a[0] : 0;
	return XDP_PASS;
}
