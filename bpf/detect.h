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

/* A fragment as its headers say it (det_frag_parse). */
#define DET_FRAG_EXT_MAX 4 /* IPv6 headers before the fragment header: RFC 8200 orders 2 */
struct det_frag {
	__u32 start, end; /* its bytes of the datagram */
	__u8 more;        /* more fragments follow */
};

/*
 * Is the frame at @data an outer IPv4 or IPv6 fragment (after at most two VLAN tags)?
 * Its datagram's key into @k and its place into @f. Read again from the frame here,
 * once per program, rather than kept by the parsers: storing it in struct pkt on some
 * paths made the verifier walk the paths after the parsers twice (+50k instructions).
 */
static __always_inline int det_frag_parse(void *data, void *end, struct pl_frag_key *k,
					  struct det_frag *f)
{
	__u32 off = 14, pos;
	__u16 proto;

	if (data + 14 > end)
		return 0;
	proto = *(__be16 *)(data + 12);
#pragma unroll
	for (int i = 0; i < 2; i++) {
		if (proto != bpf_htons(0x8100) && proto != bpf_htons(0x88a8))
			break;
		if (data + off + 4 > end)
			return 0;
		proto = *(__be16 *)(data + off + 2);
		off += 4;
	}
	__builtin_memset(k, 0, sizeof(*k));
	if (proto == bpf_htons(0x0800)) {
		struct iphdr *ip = data + off;
		__u32 frag, hlen, tot;

		if ((void *)(ip + 1) > end)
			return 0;
		frag = bpf_ntohs(ip->frag_off) & 0x3fff;
		hlen = ip->ihl * 4;
		tot = bpf_ntohs(ip->tot_len);
		if (!frag || tot < hlen || hlen < 20)
			return 0;
		f->start = (frag & 0x1fff) * 8;
		f->end = f->start + tot - hlen;
		f->more = !!(frag & 0x2000);
		pl_set_v4(k->src, ip->saddr);
		pl_set_v4(k->dst, ip->daddr);
		k->id = bpf_ntohs(ip->id);
		k->proto = ip->protocol;
		k->family = 4;
		return 1;
	}
	if (proto != bpf_htons(0x86dd))
		return 0;
	{
		struct ipv6hdr *ip6 = data + off;
		__u32 plen;
		__u8 nh;

		if ((void *)(ip6 + 1) > end)
			return 0;
		plen = bpf_ntohs(ip6->payload_len);
		nh = ip6->nexthdr;
		__builtin_memcpy(k->src, &ip6->saddr, 16);
		__builtin_memcpy(k->dst, &ip6->daddr, 16);
		pos = 40;
		for (int i = 0; i < DET_FRAG_EXT_MAX; i++) {
			__u8 *h;

			if (pos > 2048) /* bounded for the verifier: no chain is longer here */
				return 0;
			h = data + off + pos;
			if ((void *)(h + 8) > end)
				return 0;
			if (nh == IPPROTO_FRAGMENT) {
				__u16 fo = bpf_ntohs(*(__be16 *)(h + 2));

				/* an atomic fragment (offset 0, no more) is no fragment */
				if (!(fo & 0xfff9) || plen < pos - 40 + 8)
					return 0;
				f->start = fo & 0xfff8;
				f->end = f->start + plen - (pos - 40 + 8);
				f->more = fo & 1;
				/* reassembly keys by addresses and identification (RFC 8200 4.5) */
				k->id = bpf_ntohl(*(__be32 *)(h + 4));
				k->family = 6;
				return 1;
			}
			if (nh == IPPROTO_AH)
				pos += ((__u32)h[1] + 2) * 4;
			else if (nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING ||
				 nh == IPPROTO_DSTOPTS || nh == 135)
				pos += ((__u32)h[1] + 1) * 8;
			else
				return 0;
			nh = h[0];
		}
	}
	return 0;
}

/*
 * Does this fragment overlap one of its datagram's (struct pl_frag_val)? Only bytes
 * seen are compared, so a missed fragment can hide an overlap but never make one up.
 */
static __always_inline int det_frag_overlap(struct pl_det_scratch *t, const struct det_frag *f)
{
	struct pl_det_frag_counts *c;
	struct pl_frag_key *k = &t->frk;
	struct pl_frag_val *v;
	__u32 zero = 0, hit = 0, i, slot, start = f->start, end = f->end;
	__u64 now = pl_now();

	c = bpf_map_lookup_elem(&pl_det_frag_stats, &zero);
	if (!c)
		return 0;
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
		t->frv.total = f->more ? 0 : end;
		t->frv.n = 1;
		if (bpf_map_update_elem(&pl_det_frags, k, &t->frv, BPF_NOEXIST))
			c->fail++;
		else
			c->datagrams++;
		return 0;
	}
	v->seen_ns = now;
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
	if (!f->more)
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

/*
 * A SYN without ACK with 12 or more bytes of options, as an operating system's connect()
 * sends it (raw scanners: the MSS at most): marked on its flow (PL_FLOW_OS_SYN). Before
 * the key is turned back to source -> destination (update_flow() normalised it).
 */
static __always_inline void det_os_syn(void *data, void *end, const struct pkt *p)
{
	struct pl_flow_value *v;
	struct pl_det_scratch *t;
	__u32 zero = 0, off = p->tcp_off;
	__u8 *th;

	if (!p->has_flow || p->key.proto != IPPROTO_TCP ||
	    (p->tcp_flags & (PL_TCP_SYN | PL_TCP_ACK)) != PL_TCP_SYN)
		return;
	asm volatile("" : "+r"(off)); /* clang would drop the mask, which tells the verifier */
	th = data + (off & PL_HDR_OFF_MAX);
	if ((void *)(th + 13) > end || (th[12] >> 4) < 8)
		return;
	t = bpf_map_lookup_elem(&pl_det_stats, &zero);
	if (!t)
		return;
	t->fk = p->key;
	v = bpf_map_lookup_elem(&pl_flows, &t->fk);
	if (v && !(v->tcp_flags & (PL_FLOW_OS_SYN << (p->l7_dir & 1))))
		__sync_fetch_and_or(&v->tcp_flags, PL_FLOW_OS_SYN << (p->l7_dir & 1));
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
 * After update_flow(); reads only plain fields of @p and the frame's headers.
 */
static __always_inline int det_count(void *data, void *end, struct pkt *p)
{
	struct pl_det_scratch *t;
	struct pl_addr_key *k;
	struct pl_det_src *v;
	struct det_frag fr;
	__u32 cls, zero = 0;
	int frag;

	if (!p || !(p->arp_req || p->key.family))
		return 0;
	det_os_syn(data, end, p);
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
	/* Fragments: first ones (frag_first) and later ones (no L4, not malformed) */
	frag = !p->arp_req && (p->frag_first || (!p->has_flow && !p->malformed));
	if (cls >= PL_DC_MAX && !frag)
		return 0;
	t = bpf_map_lookup_elem(&pl_det_stats, &zero);
	if (!t)
		return 0;
	/* Fragments are rare: an overlap is what matters of them (before a SYN's count) */
	if (frag && det_frag_parse(data, end, &t->frk, &fr) && det_frag_overlap(t, &fr))
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

/*
 * Detection's part of a frame, as global functions: the verifier checks them once, not
 * in every caller's paths (the tc program was too long to verify with them inlined).
 */
__noinline int pl_det_xdp(struct xdp_md *ctx, struct pkt *p)
{
	if (!ctx)
		return 0;
	return det_count((void *)(long)ctx->data, (void *)(long)ctx->data_end, p);
}

__noinline int pl_det_tc(struct __sk_buff *skb, struct pkt *p)
{
	if (!skb)
		return 0;
	return det_count((void *)(long)skb->data, (void *)(long)skb->data_end, p);
}

#endif /* PL_DETECT_BPF_H */
