// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * bench_ref.bpf.c - the reference that bench/bench_pipeline compares xdp_pktlens with:
 * the least a flow counter can do and still be correct. Ethernet, then IPv4 (any
 * header length) or IPv6 (no extension headers), then TCP or UDP ports; one LRU hash
 * keyed by the 5-tuple with 16-byte addresses, packets and bytes added atomically.
 * A flow that is not in the table is inserted with BPF_NOEXIST; if another CPU got
 * there first, its entry is looked up again and updated. No VLANs, no tunnels, no
 * direction normalization, no per-packet statistics.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct ref_key {
	__u32 src[4]; /* IPv4 in the last word, the other words zero */
	__u32 dst[4];
	__u16 sport;
	__u16 dport;
	__u8 proto;
	__u8 pad[3];
};

struct ref_value {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 65536); /* the bench sets it */
	__type(key, struct ref_key);
	__type(value, struct ref_value);
} ref_flows SEC(".maps");

/* Flows inserted, so the bench can tell whether its lookups hit. */
__u64 ref_inserted;

SEC("xdp")
int xdp_bench_ref(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *data_end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct ref_key k = {};
	struct ref_value *v, nv;
	__u64 len = data_end - data;
	void *l4;

	if ((void *)(eth + 1) > data_end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > data_end || ip->ihl < 5)
			return XDP_PASS;
		k.src[3] = ip->saddr;
		k.dst[3] = ip->daddr;
		k.proto = ip->protocol;
		l4 = (void *)ip + ip->ihl * 4;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > data_end)
			return XDP_PASS;
		__builtin_memcpy(k.src, &ip6->saddr, 16);
		__builtin_memcpy(k.dst, &ip6->daddr, 16);
		k.proto = ip6->nexthdr;
		l4 = ip6 + 1;
	} else {
		return XDP_PASS;
	}
	if (k.proto != IPPROTO_TCP && k.proto != IPPROTO_UDP)
		return XDP_PASS;
	/* Source and destination ports are the first 4 bytes of both headers. */
	if (l4 + 4 > data_end)
		return XDP_PASS;
	k.sport = ((__u16 *)l4)[0];
	k.dport = ((__u16 *)l4)[1];

	v = bpf_map_lookup_elem(&ref_flows, &k);
	if (!v) {
		nv.packets = 1;
		nv.bytes = len;
		if (!bpf_map_update_elem(&ref_flows, &k, &nv, BPF_NOEXIST)) {
			__sync_fetch_and_add(&ref_inserted, 1);
			return XDP_PASS;
		}
		v = bpf_map_lookup_elem(&ref_flows, &k);
		if (!v)
			return XDP_PASS;
	}
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, len);
	return XDP_PASS;
}
