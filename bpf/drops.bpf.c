// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * drops.bpf.c - the kernel's drop reasons for received packets (`pktlens drops`).
 *
 * One program on the skb:kfree_skb tracepoint (tp_btf, or raw_tp where the kernel
 * refuses that) counts every drop of a packet this host received, keyed by the
 * kernel's skb_drop_reason value, the device's network namespace and ifindex, and
 * the IP protocol and destination port when the headers are in the linear data, and
 * a second table by the kernel address that freed it (dropwatch's "drops at").
 * Names are not known here: user space reads them from the kernel's BTF.
 *
 * Kernel structures are read with CO-RE (local declarations below, matched by name
 * against the running kernel's BTF), never with a generated vmlinux.h.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "pktlens.h"

struct ns_common___pl {
	unsigned int inum;
} __attribute__((preserve_access_index));

struct net___pl {
	struct ns_common___pl ns;
} __attribute__((preserve_access_index));

typedef struct {
	struct net___pl *net;
} possible_net___pl;

struct net_device___pl {
	int ifindex;
	possible_net___pl nd_net;
} __attribute__((preserve_access_index));

struct sock_common___pl {
	possible_net___pl skc_net;
} __attribute__((preserve_access_index));

struct sock___pl {
	struct sock_common___pl __sk_common;
} __attribute__((preserve_access_index));

struct sk_buff___pl {
	struct net_device___pl *dev;
	struct sock___pl *sk;
	unsigned char *head;
	unsigned char *data;
	unsigned int tail; /* an offset from head on 64-bit kernels */
	__u16 network_header;
	__be16 protocol;
	int skb_iif;
} __attribute__((preserve_access_index));

/* The first bytes of an IPv4 and an IPv6 header, as far as they are read here. */
struct v4_start {
	__u8 ver_ihl;
	__u8 tos;
	__be16 tot_len;
	__be16 id;
	__be16 frag_off;
	__u8 ttl;
	__u8 protocol;
};

struct v6_start {
	__be32 ver_tc_flow;
	__be16 payload_len;
	__u8 nexthdr;
};

#define V6_HDR_LEN 40
#define IP_FRAG_OFFSET 0x1fff

/*
 * Reads beyond the linear data go through a dynptr of the skb (tp_btf, Linux 6.14+);
 * weak, so the object loads on kernels without it and reads the linear part only.
 */
extern int bpf_dynptr_from_skb(struct __sk_buff *skb, __u64 flags,
			       struct bpf_dynptr *ptr__uninit) __ksym __weak;

/* Set by user space before load. */
const volatile __u32 pl_consumed = 0xffffffff;     /* SKB_CONSUMED, if the kernel has it */
const volatile __u32 pl_not_dropped = 0xffffffff;  /* SKB_NOT_DROPPED_YET */
const volatile __u32 pl_netns;                     /* 0: every network namespace */
const volatile __s32 pl_ifindex;                   /* 0: every interface */
const volatile __u8 pl_use_dynptr = 1;             /* 0: linear data only */

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PL_DROP_KEYS_DEFAULT);
	__type(key, struct pl_drop_key);
	__type(value, __u64);
} pl_drops SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, PL_DROP_LOCS_DEFAULT);
	__type(key, struct pl_drop_loc);
	__type(value, __u64);
} pl_drop_locs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, PL_DT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} pl_drop_totals SEC(".maps");

static __always_inline void total_inc(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&pl_drop_totals, &i);

	if (v)
		*v += 1;
}

/* Add one to @map[@key]; false when the key is new and the map is full. */
static __always_inline int count(void *map, const void *key)
{
	static const __u64 one = 1;
	__u64 *v = bpf_map_lookup_elem(map, key);

	if (v) {
		*v += 1;
		return 1;
	}
	/* Another CPU may add the key meanwhile: then ours is a new per-CPU slot anyway. */
	if (bpf_map_update_elem(map, key, &one, BPF_NOEXIST) == 0)
		return 1;
	v = bpf_map_lookup_elem(map, key);
	if (v) {
		*v += 1;
		return 1;
	}
	return 0;
}

static __always_inline int has_ports(__u8 proto)
{
	return proto == IPPROTO_TCP || proto == IPPROTO_UDP || proto == IPPROTO_SCTP ||
	       proto == IPPROTO_UDPLITE;
}

/* Where the packet's bytes are: the linear part, and the whole through @dp (or NULL). */
struct skb_bytes {
	unsigned char *head;
	__u32 tail;     /* end of the linear part, from head */
	__u32 data;     /* skb->data, from head: the dynptr's offset 0 */
	struct bpf_dynptr *dp;
};

/* @len bytes at @off (from head) into @dst; 0 or -1 when they cannot be read. */
static __always_inline int read_at(const struct skb_bytes *b, __u32 off, void *dst, __u32 len)
{
	if (off + len <= b->tail)
		return bpf_probe_read_kernel(dst, len, b->head + off) ? -1 : 0;
	if (b->dp && off >= b->data && off - b->data < 0xffff)
		return bpf_dynptr_read(dst, len, b->dp, off - b->data, 0) ? -1 : 0;
	return -1;
}

/*
 * IP protocol and destination port from the network header, where the bytes can be
 * read. The transport header is found from the IP header itself: the kernel sets its
 * own only after the checks that may drop the packet.
 */
static __always_inline void read_headers(struct sk_buff___pl *skb, struct pl_drop_key *k,
					 struct bpf_dynptr *dp)
{
	struct skb_bytes b = { .head = BPF_CORE_READ(skb, head), .dp = dp };
	__u32 nh = BPF_CORE_READ(skb, network_header);
	__be16 proto = BPF_CORE_READ(skb, protocol);
	__u32 l4 = 0;
	__be16 ports[2];

	b.tail = BPF_CORE_READ(skb, tail);
	b.data = (__u32)(BPF_CORE_READ(skb, data) - b.head);
	if (nh == 0xffff || !b.head)
		return;
	if (proto == bpf_htons(ETH_P_IP)) {
		struct v4_start ip;

		if (read_at(&b, nh, &ip, sizeof(ip)) || (ip.ver_ihl >> 4) != 4)
			return;
		k->l3 = 4;
		k->l4proto = ip.protocol;
		if (bpf_ntohs(ip.frag_off) & IP_FRAG_OFFSET)
			return; /* a later fragment: no transport header */
		l4 = nh + (ip.ver_ihl & 0xf) * 4;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct v6_start ip6;

		if (read_at(&b, nh, &ip6, sizeof(ip6)) || (bpf_ntohl(ip6.ver_tc_flow) >> 28) != 6)
			return;
		k->l3 = 6;
		k->l4proto = ip6.nexthdr; /* extension headers are not walked */
		l4 = nh + V6_HDR_LEN;
	} else {
		return;
	}
	if (has_ports(k->l4proto) && !read_at(&b, l4, ports, sizeof(ports)))
		k->dport = bpf_ntohs(ports[1]);
}

/* The network namespace of the device, or of the socket when there is no device. */
static __always_inline __u32 netns_of(struct sk_buff___pl *skb, struct net_device___pl *dev)
{
	struct sock___pl *sk;

	if (dev)
		return BPF_CORE_READ(dev, nd_net.net, ns.inum);
	sk = BPF_CORE_READ(skb, sk);
	if (sk)
		return BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum);
	return 0;
}

static __always_inline int on_drop(struct sk_buff___pl *skb, void *location, __u32 reason,
				   struct bpf_dynptr *dp)
{
	struct pl_drop_key k = {};
	struct pl_drop_loc lk = {};
	struct net_device___pl *dev;

	if (reason == pl_consumed || reason == pl_not_dropped) {
		total_inc(PL_DT_CONSUMED);
		return 0;
	}
	/* skb_iif is set when the packet enters the receive path; a packet sent here has 0. */
	if (!BPF_CORE_READ(skb, skb_iif)) {
		total_inc(PL_DT_NOT_RECEIVED);
		return 0;
	}
	dev = BPF_CORE_READ(skb, dev);
	k.reason = reason;
	k.ifindex = dev ? BPF_CORE_READ(dev, ifindex) : BPF_CORE_READ(skb, skb_iif);
	k.netns = netns_of(skb, dev);
	if ((pl_netns && k.netns != pl_netns) || (pl_ifindex && k.ifindex != pl_ifindex)) {
		total_inc(PL_DT_OTHER_IF);
		return 0;
	}
	read_headers(skb, &k, dp);
	total_inc(PL_DT_COUNTED);
	if (!count(&pl_drops, &k))
		total_inc(PL_DT_KEYS_FULL);
	lk.location = (__u64)location;
	lk.reason = reason;
	if (!count(&pl_drop_locs, &lk))
		total_inc(PL_DT_LOCS_FULL);
	return 0;
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(pl_kfree_skb, struct sk_buff___pl *skb, void *location, unsigned int reason)
{
	struct bpf_dynptr dp;

	if (bpf_dynptr_from_skb && pl_use_dynptr &&
	    !bpf_dynptr_from_skb((struct __sk_buff *)skb, 0, &dp))
		return on_drop(skb, location, reason, &dp);
	return on_drop(skb, location, reason, NULL);
}

/* The same where tp_btf is refused; user space loads one of the two. */
SEC("raw_tp/kfree_skb")
int BPF_PROG(pl_kfree_skb_raw, struct sk_buff___pl *skb, void *location, unsigned int reason)
{
	return on_drop(skb, location, reason, NULL);
}

char LICENSE[] SEC("license") = "Dual BSD/GPL";
