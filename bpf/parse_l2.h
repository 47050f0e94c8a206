/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse_l2.h - link layer: Ethernet with its VLAN tags, and ARP.
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
 * ARP: the fixed 8-byte header and the four addresses whose lengths it gives (any
 * hardware type: 28 bytes for Ethernet and IPv4), as tshark requires them.
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
	return 0;
}

#endif /* PL_PARSE_L2_H */
