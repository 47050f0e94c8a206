/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * talkers.h - addresses, ports and ICMP types counted on their own, apart from the flow
 * table (maps pl_srcs, pl_dsts, pl_ports, pl_icmp, pl_talk_stats; include/pktlens.h),
 * so that a flood that evicts flows leaves them whole. Included by pktlens.bpf.c after
 * its pl_cfg_* settings.
 */
#ifndef PL_TALKERS_BPF_H
#define PL_TALKERS_BPF_H

#include "parse_core.h"

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_ADDRS_DEFAULT);
	__type(key, struct pl_addr_key);
	__type(value, struct pl_addr_value);
} pl_srcs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_ADDRS_DEFAULT);
	__type(key, struct pl_addr_key);
	__type(value, struct pl_addr_value);
} pl_dsts SEC(".maps");

/*
 * Ports and ICMP types: shared arrays that user space maps into its memory and reads
 * without a system call (per-CPU arrays of these sizes cost ~150 ms of map reads per
 * monitor interval); counted with atomic adds.
 */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PL_PORT_KINDS << 16);
	__type(key, __u32);
	__type(value, struct pl_count);
} pl_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PL_ICMP_SLOTS);
	__type(key, __u32);
	__type(value, __u64);
} pl_icmp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_talk_stats);
} pl_talk_stats SEC(".maps");

/* A 64-bit finalizer (MurmurHash3's fmix64): every input bit moves every output bit. */
static __always_inline __u64 pl_mix64(__u64 h)
{
	h ^= h >> 33;
	h *= 0xff51afd7ed558ccdULL;
	h ^= h >> 33;
	h *= 0xc4ceb9fe1a85ec53ULL;
	h ^= h >> 33;
	return h;
}

static __always_inline __u64 pl_hash_addr(const __u32 *a)
{
	__u64 hi = (__u64)a[0] << 32 | a[1], lo = (__u64)a[2] << 32 | a[3];

	return pl_mix64(hi * 0x9e3779b97f4a7c15ULL + lo);
}

/*
 * Add a hash to a sketch: the top bits pick a 4-bit register, which keeps the largest
 * rank (1 + trailing zeros of the low PL_HLL_Q bits) seen. Not atomic: a race between
 * CPUs may lose one register raise, which can only lower an estimate a little.
 */
static __always_inline void pl_hll_add(__u8 *regs, __u64 h)
{
	__u32 idx = h >> (64 - PL_HLL_BITS), x = ((__u32)h & ((1u << PL_HLL_Q) - 1)) | 1u << PL_HLL_Q;
	__u32 rank = 1, shift = (idx & 1) * 4, old;
	__u8 *b = &regs[(idx >> 1) & (PL_HLL_BYTES - 1)];

	if (!(x & 0xff))
		rank += 8, x >>= 8;
	if (!(x & 0xf))
		rank += 4, x >>= 4;
	if (!(x & 0x3))
		rank += 2, x >>= 2;
	if (!(x & 0x1))
		rank += 1;
	old = (*b >> shift) & 0xf;
	if (rank > old)
		*b = (*b & ~(0xf << shift)) | rank << shift;
}

/*
 * One address's entry in @map (@which: 0 sources, 1 destinations): packets, bytes, and
 * the sketches of its peer (@hpeer) and of the destination port (@hport, 0: none).
 * One lookup per packet when the entry exists, as for flows; a new entry is built in
 * this CPU's pl_talk_stats (the stack has no room for it).
 */
static __always_inline void count_addr(void *map, int which, const __u32 *addr, __u8 family,
				       __u64 len, __u64 hpeer, __u64 hport)
{
	struct pl_addr_key k = { .family = family };
	struct pl_addr_value *v;
	struct pl_talk_stats *t;
	__u32 zero = 0;

	__builtin_memcpy(k.addr, addr, 16);
	v = bpf_map_lookup_elem(map, &k);
	if (!v) {
		t = bpf_map_lookup_elem(&pl_talk_stats, &zero);
		if (!t)
			return;
		v = &t->scratch;
		__builtin_memset(v, 0, sizeof(*v));
		v->packets = 1;
		v->bytes = len;
		pl_hll_add(v->peers, hpeer);
		if (hport)
			pl_hll_add(v->ports, hport);
		if (!bpf_map_update_elem(map, &k, v, BPF_NOEXIST)) {
			t->created[which & 1]++;
			return;
		}
		/* Another CPU made it first: add to its entry. */
		v = bpf_map_lookup_elem(map, &k);
		if (!v) {
			t->update_fail++;
			return;
		}
	}
	__sync_fetch_and_add(&v->packets, 1);
	__sync_fetch_and_add(&v->bytes, len);
	pl_hll_add(v->peers, hpeer);
	if (hport)
		pl_hll_add(v->ports, hport);
}

static __always_inline void count_port(__u32 kind, __be16 port, __u64 len)
{
	__u32 k = kind << 16 | bpf_ntohs(port);
	struct pl_count *c = bpf_map_lookup_elem(&pl_ports, &k);

	if (c) {
		__sync_fetch_and_add(&c->packets, 1);
		__sync_fetch_and_add(&c->bytes, len);
	}
}

/*
 * Sources, destinations and ports of an outer IP packet whose addresses were read
 * (later fragments too: they carry no ports). Before update_flow(), which reorders
 * the key.
 */
static __always_inline void count_talkers(struct pkt *p)
{
	struct pl_flow_key *k = &p->key;
	__u64 hport = 0;

	if (p->has_flow && (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
			    k->proto == IPPROTO_SCTP)) {
		/*
		 * Never 0, which means "no port" to count_addr(): a bit that neither the
		 * register index (top bits) nor the rank (low bits) reads is set.
		 */
		hport = pl_mix64((__u64)k->proto << 16 | bpf_ntohs(k->port_b)) | PL_HLL_NONZERO;
		if (k->proto == IPPROTO_TCP) {
			count_port(PL_PORT_TCP_DST, k->port_b, p->len);
		} else if (k->proto == IPPROTO_UDP) {
			count_port(PL_PORT_UDP_DST, k->port_b, p->len);
			count_port(PL_PORT_UDP_SRC, k->port_a, p->len);
		} else {
			count_port(PL_PORT_SCTP_DST, k->port_b, p->len);
		}
	}
	count_addr(&pl_srcs, 0, k->addr_a, k->family, p->len, pl_hash_addr(k->addr_b), hport);
	count_addr(&pl_dsts, 1, k->addr_b, k->family, p->len, pl_hash_addr(k->addr_a), hport);
}

/* ICMP/ICMPv6 type and code of an outer header parse_icmp() accepted at c->pos. */
static __always_inline void count_icmp(struct cursor *c, int v6)
{
	__u8 *h = c->pos;
	__u32 k;
	__u64 *n;

	if (!pl_cfg_talkers || (void *)(h + 2) > c->end)
		return;
	k = PL_ICMP_KEY(v6, h[0], h[1]);
	n = bpf_map_lookup_elem(&pl_icmp, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
}

#endif /* PL_TALKERS_BPF_H */
