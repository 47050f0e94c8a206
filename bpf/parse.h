/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse.h - cursor-style header parsers for the ingress pipeline.
 *
 * Every parser bounds-checks before it reads, validates variable lengths against
 * their minimum first, advances the cursor past the header and returns the next
 * protocol. Problems are reported as an enum pl_malformed reason in pkt->malformed;
 * parsing stops at the first one. Loops have constant bounds for the verifier.
 */
#ifndef PL_PARSE_H
#define PL_PARSE_H

#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "pktlens.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define PL_ETH_P_QINQ_OLD 0x9100 /* pre-standard QinQ outer tag */
#define PL_ETH_P_TEB 0x6558      /* transparent Ethernet bridging (GRE) */

/* Headers starting beyond this offset are not parsed (only absurd IPv6 chains get there). */
#define PL_HDR_OFF_MAX 0x7fff

struct cursor {
	void *pos;
	void *end;
	void *start; /* first byte of the frame */
};

/*
 * Re-derive the cursor as start + an offset the verifier only knows to be bounded.
 * Called between layers so that every way of reaching a layer (0, 1 or 2 VLAN tags,
 * any IPv4 option length, any IPv6 extension chain) looks the same to the verifier
 * and is checked once: the layers' costs add up instead of multiplying.
 */
static __always_inline int cursor_settle(struct cursor *c)
{
	__u64 off = c->pos - c->start;

	asm volatile("" : "+r"(off)); /* keep clang from folding it back to c->pos */
	/* The verifier tracks packet offsets up to 0xffff, headers included: leave room. */
	if (off > PL_HDR_OFF_MAX)
		return -1;
	c->pos = c->start + off;
	return 0;
}

/*
 * What the parsers learned about one packet; the key doubles as the flow key.
 * Classes (L3, L4, malformed reason, ...) are not stored here: the parsers count
 * them on the spot with constant indexes. Storing them and indexing counters
 * later makes the verifier track every combination and blows its budget.
 */
struct pkt {
	struct pl_flow_key key; /* filled un-normalized: a = source, b = destination */
	__u64 len;              /* frame length on the wire */
	struct pl_stats *s;     /* this CPU's counters */
	__u8 tcp_flags;
	__u8 has_flow;          /* key is a complete 5-tuple */
	__u8 malformed;         /* a reason was counted */
	__u8 vlan_pre;          /* tags already removed from the frame (TC: skb vlan_tci) */
	__u8 tunnel;            /* a GRE or VXLAN header was opened (counted in encap) */
	__u8 cut;               /* the buffer holds less than the frame (snap length, frags) */
};

/*
 * Bytes of the wire frame that are in the buffer: TC counts a tag the kernel took out
 * in len, but header offsets in the buffer do not include it.
 */
static __always_inline __u64 pl_buf_len(const struct pkt *p)
{
	return p->len - (p->vlan_pre ? 4 : 0);
}

/* Count a malformed reason and fail the parse; evaluates to -1 for `return`. */
static __always_inline int pl_bad(struct pkt *p, enum pl_malformed why)
{
	p->s->malformed[why]++;
	p->malformed = 1;
	return -1;
}

/*
 * A header runs past the end of the buffer. When the frame is longer than the buffer
 * (a capture's snap length; live, a multi-buffer frame's first buffer) the rest of the
 * header exists but is not visible: counted as cut, not malformed, as tshark calls it
 * "packet size limited during capture". Otherwise the frame is truncated: malformed.
 */
static __always_inline int pl_short(struct pkt *p, enum pl_malformed why)
{
	if (p->cut) {
		p->s->hdr_cut++;
		return -1;
	}
	return pl_bad(p, why);
}

/* Count a header class, outer or inside a tunnel. */
#define PL_COUNT_L3(p, outer, cls)                                \
	do {                                                      \
		if (outer) {                                      \
			(p)->s->l3_packets[cls]++;                \
			(p)->s->l3_bytes[cls] += (p)->len;        \
		} else {                                          \
			(p)->s->inner_l3_packets[cls]++;          \
		}                                                 \
	} while (0)
#define PL_COUNT_L4(p, outer, cls)                                \
	do {                                                      \
		if (outer) {                                      \
			(p)->s->l4_packets[cls]++;                \
			(p)->s->l4_bytes[cls] += (p)->len;        \
		} else {                                          \
			(p)->s->inner_l4_packets[cls]++;          \
		}                                                 \
	} while (0)

struct vlan_hdr_pl {
	__be16 tci;
	__be16 proto;
};

static __always_inline int pl_is_vlan(__u16 proto)
{
	return proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD) ||
	       proto == bpf_htons(PL_ETH_P_QINQ_OLD);
}

/*
 * Ethernet plus up to PL_VLAN_MAX_DEPTH tags. Returns the ethertype (network order)
 * or -1. Records the innermost VLAN id when @outer.
 */
static __always_inline int parse_eth(struct cursor *c, struct pkt *p, int outer)
{
	struct ethhdr *eth = c->pos;
	__u16 proto;

	if ((void *)(eth + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_ETH);
	c->pos = eth + 1;
	proto = eth->h_proto;

#pragma unroll
	for (int i = 0; i < PL_VLAN_MAX_DEPTH; i++) {
		struct vlan_hdr_pl *vh = c->pos;

		if (!pl_is_vlan(proto))
			break;
		if ((void *)(vh + 1) > c->end)
			return pl_short(p, PL_MAL_TRUNC_VLAN);
		c->pos = vh + 1;
		proto = vh->proto;
		if (outer) {
			/* TC may already have taken the outer tag out of the frame. */
			__u32 depth = i + p->vlan_pre;

			if (depth >= PL_VLAN_MAX_DEPTH)
				return pl_bad(p, PL_MAL_VLAN_TOO_DEEP);
			if (depth == 0)
				p->s->vlan_tagged++;
			else
				p->s->qinq++;
			p->key.vlan = bpf_ntohs(vh->tci) & 0x0fff;
		}
	}
	if (pl_is_vlan(proto))
		return pl_bad(p, PL_MAL_VLAN_TOO_DEEP);
	return proto;
}

/* ARP: the fixed 8-byte header must be present. */
static __always_inline int parse_arp(struct cursor *c, struct pkt *p)
{
	if (c->pos + 8 > c->end)
		return pl_short(p, PL_MAL_TRUNC_ARP);
	return 0;
}

static __always_inline void pl_set_v4(__u32 *a, __u32 addr)
{
	a[0] = 0;
	a[1] = 0;
	a[2] = bpf_htonl(0x0000ffff);
	a[3] = addr;
}

/*
 * IPv4 with options. @l3_off is this header's offset in the buffer: tot_len must fit
 * in the frame on the wire (pl_buf_len(); a capture may hold fewer bytes). Returns the IP
 * protocol, or -1 when malformed, or -2 for a later fragment (no L4 header).
 */
static __always_inline int parse_ipv4(struct cursor *c, struct pkt *p, __u64 l3_off, int outer)
{
	struct iphdr *ip = c->pos;
	__u32 hlen, tot;
	__u16 frag;

	if ((void *)(ip + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_IPV4);
	if (ip->version != 4)
		return pl_bad(p, PL_MAL_BAD_IPV4_VERSION);
	hlen = ip->ihl * 4;
	if (hlen < sizeof(*ip))
		return pl_bad(p, PL_MAL_BAD_IPV4_IHL);
	if (c->pos + hlen > c->end)
		return pl_short(p, PL_MAL_TRUNC_IPV4);
	tot = bpf_ntohs(ip->tot_len);
	/* BIG TCP: a GSO frame over 64 KiB has total length 0, meaning "the whole frame". */
	if (!(tot == 0 && pl_buf_len(p) > l3_off + 0xffff) &&
	    (tot < hlen || tot + l3_off > pl_buf_len(p)))
		return pl_bad(p, PL_MAL_BAD_IPV4_TOTLEN);
	c->pos += hlen;

	if (outer) {
		p->key.family = 4;
		p->key.proto = ip->protocol;
		pl_set_v4(p->key.addr_a, ip->saddr);
		pl_set_v4(p->key.addr_b, ip->daddr);
		if (hlen > sizeof(*ip))
			p->s->ipv4_options++;
	}
	frag = bpf_ntohs(ip->frag_off);
	if (frag & 0x1fff) {
		if (outer)
			p->s->ipv4_frag_later++;
		return -2;
	}
	if (outer && (frag & 0x2000))
		p->s->ipv4_frag_first++;
	return ip->protocol;
}

struct ipv6_opt_pl {
	__u8 nexthdr;
	__u8 hdrlen;
	__be16 frag_off; /* fragment header only */
};

static __always_inline int pl_is_ipv6_ext(__u8 nh)
{
	return nh == IPPROTO_HOPOPTS || nh == IPPROTO_ROUTING || nh == IPPROTO_FRAGMENT ||
	       nh == IPPROTO_DSTOPTS || nh == IPPROTO_AH || nh == 135 /* mobility */;
}

/*
 * IPv6 and its extension-header chain (at most PL_IPV6_EXT_MAX headers). Returns
 * the upper-layer protocol, -1 when malformed, -2 for a later fragment.
 */
static __always_inline int parse_ipv6(struct cursor *c, struct pkt *p, int outer)
{
	struct ipv6hdr *ip6 = c->pos;
	__u8 nh;

	if ((void *)(ip6 + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_IPV6);
	if (ip6->version != 6)
		return pl_bad(p, PL_MAL_BAD_IPV6_VERSION);
	c->pos = ip6 + 1;
	nh = ip6->nexthdr;
	if (outer) {
		p->key.family = 6;
		__builtin_memcpy(p->key.addr_a, &ip6->saddr, 16);
		__builtin_memcpy(p->key.addr_b, &ip6->daddr, 16);
	}

#pragma unroll
	for (int i = 0; i < PL_IPV6_EXT_MAX; i++) {
		struct ipv6_opt_pl *opt = c->pos;
		__u32 len;

		if (!pl_is_ipv6_ext(nh))
			break;
		if ((void *)(opt + 1) > c->end)
			return pl_short(p, PL_MAL_BAD_IPV6_EXT_CHAIN);
		if (outer && i == 0)
			p->s->ipv6_ext++;
		if (nh == IPPROTO_FRAGMENT) {
			__u16 off = bpf_ntohs(opt->frag_off);

			len = 8;
			if (off & 0xfff8) {
				if (outer)
					p->s->ipv6_frag_later++;
				return -2;
			}
			if (outer && (off & 1))
				p->s->ipv6_frag_first++;
		} else if (nh == IPPROTO_AH) {
			len = ((__u32)opt->hdrlen + 2) * 4;
		} else {
			len = ((__u32)opt->hdrlen + 1) * 8;
		}
		if (c->pos + len > c->end)
			return pl_short(p, PL_MAL_BAD_IPV6_EXT_CHAIN);
		nh = opt->nexthdr;
		c->pos += len;
		if (cursor_settle(c))
			return pl_bad(p, PL_MAL_BAD_IPV6_EXT_CHAIN);
	}
	if (pl_is_ipv6_ext(nh))
		return pl_bad(p, PL_MAL_BAD_IPV6_EXT_CHAIN);
	if (outer)
		p->key.proto = nh;
	return nh;
}

static __always_inline int parse_tcp(struct cursor *c, struct pkt *p, int outer)
{
	struct tcphdr *th = c->pos;
	__u32 hlen;

	if ((void *)(th + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_TCP);
	hlen = th->doff * 4;
	if (hlen < sizeof(*th))
		return pl_bad(p, PL_MAL_BAD_TCP_DOFF);
	/* Options cut by a snap length: the ports and flags are in the fixed part. */
	if (c->pos + hlen > c->end && !p->cut)
		return pl_bad(p, PL_MAL_TRUNC_TCP);
	if (outer) {
		p->key.port_a = th->source;
		p->key.port_b = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->has_flow = 1;
	}
	if (c->pos + hlen > c->end)
		return pl_short(p, PL_MAL_TRUNC_TCP);
	c->pos += hlen;
	return 0;
}

/* Returns the destination port (host order) so the caller can spot VXLAN. */
static __always_inline int parse_udp(struct cursor *c, struct pkt *p, int outer)
{
	struct udphdr *uh = c->pos;
	__u64 off = c->pos - c->start;
	__u16 ulen;

	asm volatile("" : "+r"(off)); /* a scalar, not pointer math */
	if ((void *)(uh + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_UDP);
	ulen = bpf_ntohs(uh->len);
	/* Length 0 is legal for a datagram over 64 KiB (IPv6 jumbogram, BIG TCP GSO). */
	if (ulen < sizeof(*uh) && !(ulen == 0 && pl_buf_len(p) > off + 0xffff))
		return pl_bad(p, PL_MAL_BAD_UDP_LEN);
	if (outer) {
		p->key.port_a = uh->source;
		p->key.port_b = uh->dest;
		p->has_flow = 1;
	}
	c->pos = uh + 1;
	return bpf_ntohs(uh->dest);
}

/* ICMP (8-byte header) and ICMPv6 (4-byte minimum). Echo id joins request and reply. */
static __always_inline int parse_icmp(struct cursor *c, struct pkt *p, int outer, int v6)
{
	__u8 *h = c->pos;
	__u8 echo_req = v6 ? 128 : 8, echo_rep = v6 ? 129 : 0;

	if ((void *)h + (v6 ? 4 : 8) > c->end)
		return pl_short(p, v6 ? PL_MAL_TRUNC_ICMPV6 : PL_MAL_TRUNC_ICMP);
	if (!outer)
		return 0;
	p->has_flow = 1;
	if ((h[0] == echo_req || h[0] == echo_rep) && (void *)h + 8 <= c->end) {
		__u16 id = *(__u16 *)(h + 4);

		p->key.port_a = id;
		p->key.port_b = id;
	}
	return 0;
}

static __always_inline int parse_sctp(struct cursor *c, struct pkt *p, int outer)
{
	__be16 *ports = c->pos;

	if (c->pos + 12 > c->end)
		return pl_short(p, PL_MAL_TRUNC_SCTP);
	if (outer) {
		p->key.port_a = ports[0];
		p->key.port_b = ports[1];
		p->has_flow = 1;
	}
	return 0;
}

/*
 * GRE (RFC 2784/2890; version 1 is PPTP's enhanced GRE, not opened). Returns the
 * payload ethertype (network order), 0 when there is nothing to open, -1 malformed.
 */
static __always_inline int parse_gre(struct cursor *c, struct pkt *p, int outer)
{
	__u8 *h = c->pos;
	__u32 len = 4;
	__u8 flags, ver;

	if (c->pos + 4 > c->end)
		return pl_short(p, PL_MAL_TRUNC_GRE);
	flags = h[0];
	ver = h[1] & 0x07;
	if (ver > 1)
		return pl_bad(p, PL_MAL_BAD_GRE_VERSION);
	if (outer)
		p->has_flow = 1;
	if (ver == 1 || (flags & 0x40)) /* PPTP or source routing: not opened */
		return 0;
	if (flags & 0x80)
		len += 4;
	if (flags & 0x20)
		len += 4;
	if (flags & 0x10)
		len += 4;
	if (c->pos + len > c->end)
		return pl_short(p, PL_MAL_TRUNC_GRE);
	c->pos += len;
	return *(__be16 *)(h + 2);
}

/*
 * The common packet in one pass: Ethernet without a tag in the frame, IPv4 without
 * options or fragmentation or IPv6 without extension headers, then TCP or UDP (not to
 * the VXLAN port). For such a packet it counts and records exactly what the layered
 * parsers above would, with a fraction of their checks and stack traffic; the BPF
 * tests run both on packets at every edge of these conditions and compare. Returns 1
 * when it handled the packet, 0, having changed nothing, when the layered parsers must.
 */
static __always_inline int parse_fast(struct cursor *c, struct pkt *p)
{
	struct ethhdr *eth = c->start;
	void *end = c->end, *l4;
	__u8 proto;
	int v6;

	if ((void *)(eth + 1) > end)
		return 0;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);
		__u32 tot;

		if ((void *)(ip + 1) > end || *(__u8 *)ip != 0x45 ||
		    (ip->frag_off & bpf_htons(0x3fff)))
			return 0;
		tot = bpf_ntohs(ip->tot_len);
		if (tot < sizeof(*ip) || tot + sizeof(*eth) > pl_buf_len(p))
			return 0;
		proto = ip->protocol;
		l4 = ip + 1;
		v6 = 0;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->version != 6)
			return 0;
		proto = ip6->nexthdr;
		l4 = ip6 + 1;
		v6 = 1;
	} else {
		return 0;
	}

	if (proto == IPPROTO_TCP) {
		struct tcphdr *th = l4;
		__u32 hlen;

		if ((void *)(th + 1) > end)
			return 0;
		hlen = th->doff * 4;
		if (hlen < sizeof(*th) || l4 + hlen > end)
			return 0;
		p->key.port_a = th->source;
		p->key.port_b = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		PL_COUNT_L4(p, 1, PL_L4_TCP);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end || bpf_ntohs(uh->len) < sizeof(*uh) ||
		    uh->dest == bpf_htons(PL_VXLAN_PORT))
			return 0;
		p->key.port_a = uh->source;
		p->key.port_b = uh->dest;
		PL_COUNT_L4(p, 1, PL_L4_UDP);
	} else {
		return 0;
	}

	p->key.proto = proto;
	p->has_flow = 1;
	if (v6) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		p->key.family = 6;
		__builtin_memcpy(p->key.addr_a, &ip6->saddr, 16);
		__builtin_memcpy(p->key.addr_b, &ip6->daddr, 16);
		PL_COUNT_L3(p, 1, PL_L3_IPV6);
	} else {
		struct iphdr *ip = (void *)(eth + 1);

		p->key.family = 4;
		pl_set_v4(p->key.addr_a, ip->saddr);
		pl_set_v4(p->key.addr_b, ip->daddr);
		PL_COUNT_L3(p, 1, PL_L3_IPV4);
	}
	return 1;
}

#endif /* PL_PARSE_H */
