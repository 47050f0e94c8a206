/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse_l4.h - transport layer and tunnels: TCP, UDP, ICMP/ICMPv6, SCTP, GRE.
 */
#ifndef PL_PARSE_L4_H
#define PL_PARSE_L4_H

#include <linux/in.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "parse_core.h"

static __always_inline int parse_tcp(struct cursor *c, struct pkt *p, int outer)
{
	struct tcphdr *th = c->pos;
	__u32 hlen;

	if (p->l4_len < sizeof(*th))
		return pl_bad(p, PL_MAL_TRUNC_TCP);
	if ((void *)(th + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_TCP);
	hlen = th->doff * 4;
	if (hlen < sizeof(*th))
		return pl_bad(p, PL_MAL_BAD_TCP_DOFF);
	if (hlen > p->l4_len) /* options past the end of the IP packet */
		return pl_bad(p, PL_MAL_TRUNC_TCP);
	/* Options cut by a snap length: the ports and flags are in the fixed part. */
	if (c->pos + hlen > c->end && !p->cut)
		return pl_bad(p, PL_MAL_TRUNC_TCP);
	if (outer) {
		p->key.port_a = th->source;
		p->key.port_b = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->has_flow = 1;
		p->tcp_off = (__u16)((void *)th - c->start);
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
	if (p->l4_len < sizeof(*uh))
		return pl_bad(p, PL_MAL_TRUNC_UDP);
	if ((void *)(uh + 1) > c->end)
		return pl_short(p, PL_MAL_TRUNC_UDP);
	ulen = bpf_ntohs(uh->len);
	/* Length 0 is legal for a datagram over 64 KiB (IPv6 jumbogram, BIG TCP GSO). */
	if (ulen < sizeof(*uh) && !(ulen == 0 && pl_buf_len(p) > off + 0xffff))
		return pl_bad(p, PL_MAL_BAD_UDP_LEN);
	/* Longer than the IP packet; a first fragment holds only the start of it. */
	if (ulen > p->l4_len && !p->frag_first)
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

	if (p->l4_len < (v6 ? 4 : 8))
		return pl_bad(p, v6 ? PL_MAL_TRUNC_ICMPV6 : PL_MAL_TRUNC_ICMP);
	if ((void *)h + (v6 ? 4 : 8) > c->end)
		return pl_short(p, v6 ? PL_MAL_TRUNC_ICMPV6 : PL_MAL_TRUNC_ICMP);
	if (!outer)
		return 0;
	p->has_flow = 1;
	/* Requests: echo, timestamp, information, mask; ICMPv6 echo, router and neighbour
	 * solicitations (detection counts these, not answers or errors). */
	p->icmp_req = v6 ? h[0] == 128 || h[0] == 133 || h[0] == 135 :
			   h[0] == 8 || h[0] == 13 || h[0] == 15 || h[0] == 17;
	if ((h[0] == echo_req || h[0] == echo_rep) && p->l4_len >= 8 && (void *)h + 8 <= c->end) {
		__u16 id = *(__u16 *)(h + 4);

		p->key.port_a = id;
		p->key.port_b = id;
	}
	return 0;
}

static __always_inline int parse_sctp(struct cursor *c, struct pkt *p, int outer)
{
	__be16 *ports = c->pos;

	if (p->l4_len < 12)
		return pl_bad(p, PL_MAL_TRUNC_SCTP);
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

	if (p->l4_len < 4)
		return pl_bad(p, PL_MAL_TRUNC_GRE);
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
	if (len > p->l4_len)
		return pl_bad(p, PL_MAL_TRUNC_GRE);
	if (c->pos + len > c->end)
		return pl_short(p, PL_MAL_TRUNC_GRE);
	c->pos += len;
	return *(__be16 *)(h + 2);
}

#endif /* PL_PARSE_L4_H */
