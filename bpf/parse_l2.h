/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse_l2.h - link layer: Ethernet with its VLAN tags, PPPoE and MPLS, and ARP/RARP.
 */
#ifndef PL_PARSE_L2_H
#define PL_PARSE_L2_H

#include <linux/if_ether.h>
#include "parse_core.h"

#ifndef ETH_P_8021AD
#define ETH_P_8021AD 0x88A8
#endif
#define PL_ETH_P_QINQ_OLD 0x9100 /* pre-standard QinQ outer tag */
#define PL_ETH_P_TEB 0x6558      /* transparent Ethernet bridging (GRE) */
#define PL_ETH_P_RARP 0x8035
#define PL_ETH_P_PPPOE_DISC 0x8863
#define PL_ETH_P_PPPOE_SES 0x8864
#define PL_ETH_P_MPLS_UC 0x8847
#define PL_ETH_P_MPLS_MC 0x8848
#define PL_PPP_IP 0x0021   /* PPP protocol numbers */
#define PL_PPP_IPV6 0x0057

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

/*
 * PPPoE (RFC 2516): 6-byte header, then in a session frame the 2-byte PPP protocol.
 * Returns the ethertype (network order) of the IPv4 or IPv6 packet inside, 0 for any
 * other PPP protocol and for discovery frames (nothing inside to count), -1 when cut.
 */
static __always_inline int parse_pppoe(struct cursor *c, struct pkt *p, int session)
{
	__u8 *h = c->pos;
	__u16 ppp;

	if (c->pos + (session ? 8 : 6) > c->end)
		return pl_short(p, PL_MAL_TRUNC_PPPOE);
	if (!session) {
		p->s->link[PL_LINK_PPPOE_DISCOVERY]++;
		return 0;
	}
	p->s->link[PL_LINK_PPPOE_SESSION]++;
	c->pos += 8;
	ppp = *(__u16 *)(h + 6);
	if (ppp == bpf_htons(PL_PPP_IP))
		return bpf_htons(ETH_P_IP);
	if (ppp == bpf_htons(PL_PPP_IPV6))
		return bpf_htons(ETH_P_IPV6);
	return 0;
}

/*
 * MPLS label stack (RFC 3032): 4-byte entries up to the one with the bottom-of-stack
 * bit, at most PL_MPLS_MAX_LABELS. Nothing says what lies under the bottom label; as
 * tshark and Linux do, the first nibble decides: 4 IPv4, 6 IPv6 (returned as their
 * ethertypes), anything else (a pseudowire's control word, ...) 0. -1 when cut.
 */
static __always_inline int mpls_payload(struct cursor *c, struct pkt *p)
{
	__u8 *h = c->pos;

	if (c->pos + 1 > c->end) {
		/* Cut before the payload: the packet exists but cannot be classed. */
		if (p->cut) {
			p->s->hdr_cut++;
			return -1;
		}
		return 0;
	}
	if ((h[0] >> 4) == 4)
		return bpf_htons(ETH_P_IP);
	if ((h[0] >> 4) == 6)
		return bpf_htons(ETH_P_IPV6);
	return 0;
}

static __always_inline int parse_mpls(struct cursor *c, struct pkt *p)
{
	p->s->link[PL_LINK_MPLS]++;
#pragma unroll
	for (int i = 0; i < PL_MPLS_MAX_LABELS; i++) {
		__u8 *h = c->pos;

		if (c->pos + 4 > c->end)
			return pl_short(p, PL_MAL_TRUNC_MPLS);
		c->pos += 4;
		if (h[2] & 1) /* bottom of stack */
			return mpls_payload(c, p);
	}
	return pl_bad(p, PL_MAL_MPLS_TOO_DEEP);
}

/*
 * The link-layer shims between Ethernet and the network layer (PPPoE, MPLS), outer
 * frame only. Returns the ethertype (network order) to parse next, -1 when malformed.
 */
static __always_inline int parse_link_shim(struct cursor *c, struct pkt *p, int proto)
{
	if (proto == bpf_htons(PL_ETH_P_PPPOE_SES))
		return parse_pppoe(c, p, 1);
	if (proto == bpf_htons(PL_ETH_P_MPLS_UC) || proto == bpf_htons(PL_ETH_P_MPLS_MC))
		return parse_mpls(c, p);
	if (proto == bpf_htons(PL_ETH_P_PPPOE_DISC))
		return parse_pppoe(c, p, 0);
	return proto;
}

/*
 * ARP, and RARP with the same header: the fixed 8-byte header and the four addresses
 * whose lengths it gives (any hardware type: 28 bytes for Ethernet and IPv4), as
 * tshark requires them.
 */
static __always_inline int parse_arp(struct cursor *c, struct pkt *p)
{
	__u8 *h = c->pos;
	__u32 len;

	if (c->pos + 8 > c->end)
		return pl_short(p, PL_MAL_TRUNC_ARP);
	len = 8 + 2 * ((__u32)h[4] + h[5]);
	if (c->pos + len > c->end)
		return pl_short(p, PL_MAL_TRUNC_ARP);
	/* Ethernet/IPv4 request (op 1): sender and target for sweep detection. */
	if (len == 28 && c->pos + 28 <= c->end && h[4] == 6 && h[5] == 4 && h[6] == 0 &&
	    h[7] == 1) {
		p->arp_req = 1;
		__builtin_memcpy(&p->key.addr_a[3], h + 14, 4);
		__builtin_memcpy(&p->key.addr_b[3], h + 24, 4);
	}
	return 0;
}

#endif /* PL_PARSE_L2_H */
