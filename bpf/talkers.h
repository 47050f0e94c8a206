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

/* Buckets of pl_srcs and pl_dsts (a power of two; user space sizes the maps to match). */
const volatile __u32 pl_cfg_addr_buckets[2] = { PL_ADDR_BUCKETS, PL_ADDR_BUCKETS };

/* Read by user space through a mapping of their memory, like the port array. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PL_ADDR_ENTRIES);
	__type(key, __u32);
	__type(value, union pl_addr_entry);
} pl_srcs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, PL_ADDR_ENTRIES);
	__type(key, __u32);
	__type(value, union pl_addr_entry);
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

/* Is slot @s address @a of IPv6-ness @v6? Two 64-bit compares. */
static __always_inline int slot_is(const struct pl_addr_slot *s, const __u64 *a, __u64 v6)
{
	const __u64 *x = (const __u64 *)s->addr;

	return x[0] == a[0] && x[1] == a[1] && (s->packets & PL_ADDR_V6) == v6 &&
	       PL_ADDR_PKTS(s->packets);
}

/* Make slot @s a new address's: its first packet. */
static __always_inline void slot_take(struct pl_addr_slot *s, const __u64 *a, __u64 v6, __u64 len)
{
	__builtin_memcpy(s->addr, a, 16);
	s->bytes = len;
	s->packets = v6 | 1; /* last: another CPU matches the slot only once it is whole */
}

/*
 * Before way @victim of bucket @b is retaken: when another way holds the same address
 * (two CPUs made it at once), the victim's counts go to that one instead of being lost
 * with the eviction. 1 when they did (the address stays in the table), else 0.
 */
static __always_inline int fold_duplicate(union pl_addr_entry *b, __u32 victim)
{
	struct pl_addr_slot *v = &b->slot[victim & (PL_ADDR_WAYS - 1)];
	__u64 v6 = v->packets & PL_ADDR_V6, n = PL_ADDR_PKTS(v->packets), bytes = v->bytes;
	__u64 a[2];
	__u32 w;

	if (!n)
		return 0;
	__builtin_memcpy(a, v->addr, 16);
#pragma unroll
	for (w = 0; w < PL_ADDR_WAYS; w++) {
		if (w == (victim & (PL_ADDR_WAYS - 1)) || !slot_is(&b->slot[w], a, v6))
			continue;
		__sync_fetch_and_add(&b->slot[w].packets, n);
		__sync_fetch_and_add(&b->slot[w].bytes, bytes);
		return 1;
	}
	return 0;
}

/* One packet for one address table (count_addr()), as one argument. */
struct pl_addr_op {
	__u64 a[2];  /* the address (IPv4-mapped for IPv4) */
	__u64 v6;    /* PL_ADDR_V6 or 0 */
	__u64 len;
	__u64 h;     /* the address's hash: picks the bucket */
	__u64 hpeer; /* the peer's hash, for the peers sketch */
	__u64 hport; /* protocol << 16 | destination port; 0: none */
	__u64 spread; /* add to the sketches (the flow's first packet in this direction) */
};

/*
 * Count a packet for address op->a in @map (@which: 0 sources, 1 destinations), and,
 * when op->spread, or when the entry is made now, add the peer and the port to its
 * sketches. A new address takes a free way of its bucket or evicts the way with the
 * fewest packets. Two CPUs making the same address at once may both take a way (user
 * space adds the two up; a way retaken while another holds its address gives its counts
 * to that one), or race for one free way (the loser counts into the winner's); a packet
 * counted into a way while it is being retaken is lost.
 */
static __always_inline int count_addr(void *map, int which, struct pl_addr_op *op)
{
	__u32 nb = pl_cfg_addr_buckets[which & 1];
	__u32 idx = (op->h >> PL_ADDR_IDX_SHIFT) & (nb - 1), zero = 0, w, way = 0;
	__u64 least = ~0ULL, spread = op->spread;
	union pl_addr_entry *b = bpf_map_lookup_elem(map, &idx), *e;
	struct pl_addr_slot *s;
	struct pl_talk_stats *t;
	int found = 0;

	if (!b)
		goto fail;
#pragma unroll
	for (w = 0; w < PL_ADDR_WAYS; w++) {
		__u64 n;

		s = &b->slot[w];
		if (slot_is(s, op->a, op->v6)) {
			__sync_fetch_and_add(&s->packets, 1);
			__sync_fetch_and_add(&s->bytes, op->len);
			way = w;
			found = 1;
			break;
		}
		n = PL_ADDR_PKTS(s->packets);
		if (n < least) {
			least = n;
			way = w;
		}
	}
	if (!found && !least) {
		/*
		 * A free way (its counts are 0): claimed by its packet count, after its address
		 * is written, so that two CPUs making the same address at once (the first
		 * packets of a new host, on two flows) do not both take it and lose a packet:
		 * the one that loses finds the address and counts into it.
		 */
		s = &b->slot[way & (PL_ADDR_WAYS - 1)];
		__builtin_memcpy(s->addr, op->a, 16);
		if (__sync_val_compare_and_swap(&s->packets, 0, op->v6 | 1) == 0) {
			__sync_fetch_and_add(&s->bytes, op->len);
			t = bpf_map_lookup_elem(&pl_talk_stats, &zero);
			if (t)
				t->created[which & 1]++;
		} else if (slot_is(s, op->a, op->v6)) {
			__sync_fetch_and_add(&s->packets, 1);
			__sync_fetch_and_add(&s->bytes, op->len);
			found = 1;
		} else {
			goto fail; /* another address took it at that instant */
		}
	} else if (!found) {
		int folded = fold_duplicate(b, way);

		t = bpf_map_lookup_elem(&pl_talk_stats, &zero);
		if (t) {
			t->created[which & 1]++;
			if (!folded)
				t->evicted[which & 1]++;
		}
		slot_take(&b->slot[way & (PL_ADDR_WAYS - 1)], op->a, op->v6, op->len);
	}
	if (!spread && found)
		return 0;
	idx = PL_ADDR_SKETCH_OF(nb, idx, way & (PL_ADDR_WAYS - 1));
	e = bpf_map_lookup_elem(map, &idx);
	if (!e)
		goto fail;
	if (!found)
		__builtin_memset(&e->sk, 0, sizeof(e->sk));
	pl_hll_add(e->sk.peers, op->hpeer);
	/* The port's hash: a bit set that neither the register index nor the rank reads. */
	if (op->hport)
		pl_hll_add(e->sk.ports, pl_mix64(op->hport) | PL_HLL_NONZERO);
	return 0;
fail:
	t = bpf_map_lookup_elem(&pl_talk_stats, &zero);
	if (t)
		t->update_fail++;
	return 0;
}

/*
 * One global function per table: the verifier checks each once, not at every path of
 * the parser that reaches it, and each keeps its map lookup inlined (one map per call).
 */
__noinline int pl_count_src(struct pl_addr_op *op)
{
	return op ? count_addr(&pl_srcs, 0, op) : 0;
}

__noinline int pl_count_dst(struct pl_addr_op *op)
{
	return op ? count_addr(&pl_dsts, 1, op) : 0;
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
 * (later fragments too: they carry no ports). After update_flow() when the packet has
 * a flow (@tracked): the key is then ordered, p->l7_dir says which end sent it, and the
 * sketches change only on the first packet of a flow in a direction, the only packet
 * that can bring a new peer or port (a flow key holds both). Untracked: every packet.
 */
static __always_inline void count_talkers(struct pkt *p, int tracked)
{
	struct pl_flow_key *k = &p->key;
	int rev = tracked && p->l7_dir == PL_DIR_B_TO_A;
	const __u32 *src = rev ? k->addr_b : k->addr_a, *dst = rev ? k->addr_a : k->addr_b;
	__be16 sport = rev ? k->port_b : k->port_a, dport = rev ? k->port_a : k->port_b;
	struct pl_addr_op op = { .v6 = k->family == 6 ? PL_ADDR_V6 : 0, .len = p->len,
				 .spread = !tracked || p->l7_dir_pkts <= 1 };
	__u64 hs = pl_hash_addr(src), hd = pl_hash_addr(dst);

	if (p->has_flow && (k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP ||
			    k->proto == IPPROTO_SCTP)) {
		/* Never 0 (the protocol is not): 0 means "no port" to count_addr(). */
		op.hport = (__u64)k->proto << 16 | bpf_ntohs(dport);
		if (k->proto == IPPROTO_TCP) {
			count_port(PL_PORT_TCP_DST, dport, p->len);
		} else if (k->proto == IPPROTO_UDP) {
			count_port(PL_PORT_UDP_DST, dport, p->len);
			count_port(PL_PORT_UDP_SRC, sport, p->len);
		} else {
			count_port(PL_PORT_SCTP_DST, dport, p->len);
		}
	}
	__builtin_memcpy(op.a, src, 16);
	op.h = hs;
	op.hpeer = hd;
	pl_count_src(&op);
	__builtin_memcpy(op.a, dst, 16);
	op.h = hd;
	op.hpeer = hs;
	pl_count_dst(&op);
}

/*
 * ICMP/ICMPv6 type and code of an outer header parse_icmp() accepted at c->pos; not for
 * a packet leaving (the L7 egress program parses with the same code and counts nothing).
 */
static __always_inline void count_icmp(struct cursor *c, const struct pkt *p, int v6)
{
	__u8 *h = c->pos;
	__u32 k;
	__u64 *n;

	if (!pl_cfg_talkers || p->egress || (void *)(h + 2) > c->end)
		return;
	k = PL_ICMP_KEY(v6, h[0], h[1]);
	n = bpf_map_lookup_elem(&pl_icmp, &k);
	if (n)
		__sync_fetch_and_add(n, 1);
}

#endif /* PL_TALKERS_BPF_H */
