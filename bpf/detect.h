/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detect.h - per-address counters for detection (map pl_det_srcs, include/pktlens.h):
 * SYNs, invalid flag pairs, UDP, ICMP, ARP requests (with a sketch of their targets),
 * land packets, tiny first fragments, overlapping fragments (pl_det_frags), and
 * answers nobody asked for: large UDP answers
 * from amplifier ports and SYN-ACKs, counted on the victim with a sketch of the
 * reflectors. Everything else (the styles of scans, spread) is decided in user space
 * from the flow table. Included at the end of pktlens.bpf.c: the request check reads
 * the flow table and the egress program's map (l7_egress.h) before the flow update.
 */
#ifndef PL_DETECT_BPF_H
#define PL_DETECT_BPF_H

const volatile __u32 pl_cfg_amp_min = PL_DET_AMP_MIN_DEFAULT;

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_DET_SRCS_DEFAULT);
	__type(key, struct pl_addr_key);
	__type(value, struct pl_det_src);
} pl_det_srcs SEC(".maps");

/*
 * Per CPU: entries made, updates that failed, and scratch space (a new entry, the keys):
 * the stack of the callers leaves this function little room.
 */
struct pl_det_scratch {
	__u64 created;
	__u64 update_fail;
	struct pl_det_src v;
	struct pl_flow_key fk;
	struct pl_addr_key ak;
	struct pl_frag_key frk;
	struct pl_frag_val frv;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_scratch);
} pl_det_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, PL_DET_FRAGS_DEFAULT);
	__type(key, struct pl_frag_key);
	__type(value, struct pl_frag_val);
} pl_det_frags SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct pl_det_frag_counts);
} pl_det_frag_stats SEC(".maps");

/*
 * Does this fragment overlap one of its datagram's (struct pl_frag_val)? Only bytes
 * seen are compared, so a missed fragment can hide an overlap but never make one up.
 * @p's key is source -> destination here.
 */
static __always_inline int det_frag_overlap(const struct pkt *p, struct pl_det_scratch *t)
{
	__u32 start = (__u32)(p->frag & 0x1fff) * 8, end = start + p->l4_len;
	struct pl_det_frag_counts *c;
	struct pl_frag_key *k = &t->frk;
	struct pl_frag_val *v;
	__u32 zero = 0, hit = 0, i, slot;
	__u64 now = pl_now();

	c = bpf_map_lookup_elem(&pl_det_frag_stats, &zero);
	if (!c)
		return 0;
	__builtin_memcpy(k->src, p->key.addr_a, 16);
	__builtin_memcpy(k->dst, p->key.addr_b, 16);
	k->id = p->frag_id;
	/* IPv6 reassembles by addresses and identification only (RFC 8200 4.5) */
	k->proto = p->key.family == 4 ? p->key.proto : 0;
	k->family = p->key.family;
	k->pad = 0;
	v = bpf_map_lookup_elem(&pl_det_frags, k);
	if (v && now - v->seen_ns > PL_FRAG_TIMEOUT_NS) {
		/* quiet for longer than reassembly waits: a new datagram with the same id */
		c->restarted++;
		bpf_map_delete_elem(&pl_det_frags, k);
		v = NULL;
	}
	if (!v) {
		__builtin_memset(&t->frv, 0, sizeof(t->frv));
		t->frv.seen_ns = now;
		t->frv.start[0] = start;
		t->frv.end[0] = end;
		t->frv.covered = end - start;
		t->frv.total = p->frag & 0x2000 ? 0 : end;
		t->frv.n = 1;
		if (bpf_map_update_elem(&pl_det_frags, k, &t->frv, BPF_NOEXIST))
			c->fail++;
		else
			c->datagrams++;
		return 0;
	}
	v->seen_ns = now;
#pragma unroll
	for (i = 0; i < PL_FRAG_RANGES; i++) {
		if (i >= v->n)
			break;
		if (v->start[i] == start && v->end[i] == end)
			return 0; /* a repeat (counted when it first came, if it overlapped) */
		if (start < v->end[i] && v->start[i] < end)
			hit = 1;
	}
	slot = v->n % PL_FRAG_RANGES;
	v->start[slot] = start;
	v->end[slot] = end;
	v->n++;
	if (!(p->frag & 0x2000))
		v->total = end;
	if (!hit)
		v->covered += end - start;
	if (!hit && v->total && v->covered >= v->total) {
		/* every byte is in: the identification may come again for another datagram */
		c->completed++;
		bpf_map_delete_elem(&pl_det_frags, k);
	}
	return hit;
}

static __always_inline int det_amp_port(__u16 port)
{
	/* DNS, NTP, SNMP, CLDAP, SSDP, memcached */
	return port == 53 || port == 123 || port == 161 || port == 389 || port == 1900 ||
	       port == 11211;
}

/*
 * Did the other side (the packet's destination) send anything on this flow before?
 * In the flow table (what arrived: offline, both directions) or in what left (live,
 * the egress program's counts).
 */
static __always_inline int det_requested(const struct pkt *p)
{
	struct pl_flow_value *f;
	struct pl_l7_egress_val *e;
	struct pl_det_scratch *t;
	__u32 zero = 0, back;

	t = bpf_map_lookup_elem(&pl_det_stats, &zero);
	if (!t)
		return 1; /* cannot tell: not counted as unsolicited */
	t->fk = p->key;
	back = !normalize_key(&t->fk);
	f = bpf_map_lookup_elem(&pl_flows, &t->fk);
	if (f && f->packets[back & 1])
		return 1;
	e = bpf_map_lookup_elem(&pl_l7_egress, &t->fk);
	return e && e->packets[back & 1];
}

/* The class of an outer IP packet, or PL_DC_MAX: nothing to count. */
static __always_inline __u32 det_class(const struct pkt *p)
{
	const struct pl_flow_key *k = &p->key;
	__u8 f = p->tcp_flags;

	/*
	 * Land: the same address both ways and, as the attack sends it, a SYN or the same
	 * port both ways; not loopback (127/8, ::1: normal there) nor, with other ports,
	 * a protocol that talks to itself (BFD echo).
	 */
	if (k->addr_a[0] == k->addr_b[0] && k->addr_a[1] == k->addr_b[1] &&
	    k->addr_a[2] == k->addr_b[2] && k->addr_a[3] == k->addr_b[3] &&
	    !((k->family == 4 && (bpf_ntohl(k->addr_a[3]) >> 24) == 127) ||
	      (k->family == 6 && !k->addr_a[0] && !k->addr_a[1] && !k->addr_a[2] &&
	       k->addr_a[3] == bpf_htonl(1))) &&
	    ((k->proto == IPPROTO_TCP && (f & PL_TCP_SYN)) ||
	     (p->has_flow && k->port_a == k->port_b && k->port_a)))
		return PL_DC_LAND;
	if (k->proto == IPPROTO_TCP) {
		if (p->frag_first && p->l4_len < 20)
			return PL_DC_TINY_FRAG;
		if (!p->has_flow)
			return PL_DC_MAX;
		if (((f & PL_TCP_SYN) && (f & (PL_TCP_FIN | PL_TCP_RST))) ||
		    ((f & PL_TCP_FIN) && (f & PL_TCP_RST)))
			return PL_DC_BAD_FLAGS;
		if ((f & (PL_TCP_SYN | PL_TCP_ACK)) == PL_TCP_SYN)
			return PL_DC_SYN;
		if ((f & (PL_TCP_SYN | PL_TCP_ACK)) == (PL_TCP_SYN | PL_TCP_ACK) &&
		    !det_requested(p))
			return PL_DC_SYNACK_RCVD;
		return PL_DC_MAX;
	}
	if (!p->has_flow)
		return PL_DC_MAX;
	if (k->proto == IPPROTO_UDP) {
		if (p->len >= pl_cfg_amp_min && det_amp_port(bpf_ntohs(k->port_a)) &&
		    !det_requested(p))
			return PL_DC_AMP_RCVD;
		return PL_DC_UDP;
	}
	if ((k->proto == IPPROTO_ICMP || k->proto == IPPROTO_ICMPV6) && p->icmp_req)
		return PL_DC_ICMP;
	return PL_DC_MAX;
}

static __always_inline void det_add(struct pl_det_src *v, __u32 cls, const struct pkt *p)
{
	if (cls >= PL_DC_MAX)
		return;
	__sync_fetch_and_add(&v->n[cls], 1);
	if (cls == PL_DC_UDP || cls == PL_DC_AMP_RCVD) {
		__sync_fetch_and_add(&v->n[cls + 1], p->len); /* the bytes follow */
	}
	if (cls == PL_DC_ARP_REQ)
		pl_hll_add(v->arp_targets, pl_mix64((__u64)p->key.addr_b[3] * 0x9e3779b97f4a7c15ULL));
	if (cls == PL_DC_AMP_RCVD || cls == PL_DC_SYNACK_RCVD) {
		pl_hll_add(v->reflectors, pl_hash_addr(p->key.addr_a));
		__builtin_memcpy(v->peer, p->key.addr_a, 16);
	} else if (cls == PL_DC_ARP_REQ) {
		v->peer[0] = v->peer[1] = 0;
		v->peer[2] = bpf_htonl(0xffff);
		v->peer[3] = p->key.addr_b[3]; /* the ARP target */
	} else {
		__builtin_memcpy(v->peer, p->key.addr_b, 16);
	}
}

/*
 * Count the packet against its address: one lookup, and only for the classes above.
 * Before update_flow() (the key is the packet's own: a is the source). A global
 * function: the verifier checks it once, not in every caller's paths (the tc program
 * was too long to verify with it inlined). Reads only plain fields of @p.
 */
__noinline int pl_count_detect(struct pkt *p)
{
	struct pl_det_scratch *t;
	struct pl_addr_key *k;
	struct pl_det_src *v;
	__u32 cls, zero = 0;

	if (!p || !(p->arp_req || p->key.family))
		return 0;
	/* Called after the flow update, which put the key in its order: back to
	 * source -> destination. */
	if (p->has_flow && p->l7_dir == PL_DIR_B_TO_A) {
		struct pl_flow_key *k = &p->key;
		__u16 port = k->port_a;

#pragma unroll
		for (int i = 0; i < 4; i++) {
			__u32 t = k->addr_a[i];

			k->addr_a[i] = k->addr_b[i];
			k->addr_b[i] = t;
		}
		k->port_a = k->port_b;
		k->port_b = port;
	}
	cls = p->arp_req ? PL_DC_ARP_REQ : det_class(p);
	if (cls >= PL_DC_MAX && !p->frag)
		return 0;
	t = bpf_map_lookup_elem(&pl_det_stats, &zero);
	if (!t)
		return 0;
	/* Fragments are rare: an overlap is what matters of them (before a SYN's count) */
	if (p->frag && !p->arp_req && det_frag_overlap(p, t))
		cls = PL_DC_FRAG_OVERLAP;
	if (cls >= PL_DC_MAX)
		return 0;
	k = &t->ak;
	__builtin_memset(k, 0, sizeof(*k));
	if (p->arp_req) {
		k->family = 4;
		k->addr[2] = bpf_htonl(0xffff);
		k->addr[3] = p->key.addr_a[3]; /* the ARP sender */
	} else {
		k->family = p->key.family;
		/* Received classes count on the victim, the rest on the sender. */
		if (cls == PL_DC_AMP_RCVD || cls == PL_DC_SYNACK_RCVD)
			__builtin_memcpy(k->addr, p->key.addr_b, 16);
		else
			__builtin_memcpy(k->addr, p->key.addr_a, 16);
	}
	v = bpf_map_lookup_elem(&pl_det_srcs, k);
	if (!v) {
		__builtin_memset(&t->v, 0, sizeof(t->v));
		det_add(&t->v, cls, p);
		if (!bpf_map_update_elem(&pl_det_srcs, k, &t->v, BPF_NOEXIST)) {
			t->created++;
			return 0;
		}
		v = bpf_map_lookup_elem(&pl_det_srcs, k); /* another CPU made it first */
		if (!v) {
			t->update_fail++;
			return 0;
		}
	}
	det_add(v, cls, p);
	return 0;
}

#endif /* PL_DETECT_BPF_H */
