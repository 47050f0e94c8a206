/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse_l3.h - network layer: IPv4 with options, IPv6 with its extension-header chain.
 */
#ifndef PL_PARSE_L3_H
#define PL_PARSE_L3_H

#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include "parse_core.h"

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
	/*
	 * Total length 0: a TSO/GSO segment captured on the sending host before the NIC
	 * cut it (and BIG TCP over 64 KiB). As Wireshark does, the length is the frame's.
	 */
	if (tot == 0 && pl_buf_len(p) >= l3_off + hlen) {
		tot = pl_buf_len(p) - l3_off;
		if (outer && tot > hlen)
			p->s->tso++;
	}
	if (tot < hlen || tot + l3_off > pl_buf_len(p))
		return pl_bad(p, PL_MAL_BAD_IPV4_TOTLEN);
	c->pos += hlen;
	p->l4_len = tot - hlen;

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
	p->frag_first = !!(frag & 0x2000);
	if (outer && p->frag_first)
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
 * IPv6 and its extension-header chain (at most PL_IPV6_EXT_MAX headers). @l3_off is
 * this header's offset in the buffer: the payload length must fit in the frame on the
 * wire, as IPv4's total length must; 0 (a jumbogram, a BIG TCP or LSO segment) means
 * the rest of the frame. Returns the upper-layer protocol, -1 when malformed, -2 for
 * a later fragment.
 */
static __always_inline int parse_ipv6(struct cursor *c, struct pkt *p, __u64 l3_off, int outer)
{
	struct ipv6hdr *ip6 = c->pos;
	__u64 end, pos_off;
	__u32 plen;
	__u8 nh;

	if ((void *)(ip6 + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_IPV6);
	if (ip6->version != 6)
		return pl_bad(p, PL_MAL_BAD_IPV6_VERSION);
	plen = bpf_ntohs(ip6->payload_len);
	end = plen ? l3_off + sizeof(*ip6) + plen : pl_buf_len(p);
	if (end > pl_buf_len(p))
		return pl_bad(p, PL_MAL_BAD_IPV6_PAYLOAD_LEN);
	c->pos = ip6 + 1;
	nh = ip6->nexthdr;
	/*
	 * Payload length 0 on a longer frame without a jumbo payload option (type 0xc2, at
	 * its aligned place first in a hop-by-hop header): TSO/GSO, as for IPv4.
	 */
	if (!plen && outer && end > l3_off + sizeof(*ip6)) {
		__u8 *hbh = c->pos;

		if (!(nh == IPPROTO_HOPOPTS && c->pos + 3 <= c->end && hbh[2] == 0xc2))
			p->s->tso++;
	}
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
			if (off & 1) {
				p->frag_first = 1;
				if (outer)
					p->s->ipv6_frag_first++;
			}
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
	pos_off = c->pos - c->start;
	asm volatile("" : "+r"(pos_off)); /* a scalar, not pointer math */
	if (pos_off > end) /* the chain runs past the payload length */
		return pl_bad(p, PL_MAL_BAD_IPV6_EXT_CHAIN);
	p->l4_len = end - pos_off;
	if (outer)
		p->key.proto = nh;
	return nh;
}

/*
 * IPv4's authentication header (RFC 4302), skipped as IPv6's AH is in its chain: its
 * length counts 4-byte words minus 2. Returns the protocol after it, -1 when cut.
 */
static __always_inline int parse_ah4(struct cursor *c, struct pkt *p, int outer)
{
	__u8 *h = c->pos;
	__u32 len;

	if (p->l4_len < 2)
		return pl_bad(p, PL_MAL_TRUNC_AH);
	if (c->pos + 2 > c->end)
		return pl_short(p, PL_MAL_TRUNC_AH);
	len = ((__u32)h[1] + 2) * 4;
	if (len > p->l4_len)
		return pl_bad(p, PL_MAL_TRUNC_AH);
	if (c->pos + len > c->end)
		return pl_short(p, PL_MAL_TRUNC_AH);
	c->pos += len;
	p->l4_len -= len;
	if (outer)
		p->key.proto = h[0];
	return h[0];
}

#endif /* PL_PARSE_L3_H */
