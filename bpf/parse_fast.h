/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse_fast.h - the one-pass fast path for the common untagged IPv4/IPv6 TCP/UDP packet.
 */
#ifndef PL_PARSE_FAST_H
#define PL_PARSE_FAST_H

#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <linux/udp.h>
#include "parse_core.h"
#include "parse_l3.h" /* pl_set_v4() */

/*
 * The common packet in one pass: Ethernet without a tag in the frame, IPv4 without
 * options or fragmentation or IPv6 without extension headers (and a payload length
 * other than 0), then TCP or UDP (not to the VXLAN port) that fits in the IP packet. For such a packet it counts and records exactly what the layered
 * parsers (parse_l2.h, parse_l3.h, parse_l4.h) would, with a fraction of their checks
 * and stack traffic; the BPF tests run both on packets at every edge of these
 * conditions and compare. Returns 1 when it handled the packet, 0, having changed
 * nothing, when the layered parsers must.
 */
static __always_inline int parse_fast(struct cursor *c, struct pkt *p)
{
	struct ethhdr *eth = c->start;
	void *end = c->end, *l4;
	__u32 l4_len; /* bytes after the IP header, from its length field */
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
		l4_len = tot - sizeof(*ip);
		v6 = 0;
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end || ip6->version != 6)
			return 0;
		/* Payload length 0 (jumbogram, BIG TCP) is the layered parsers' business. */
		l4_len = bpf_ntohs(ip6->payload_len);
		if (!l4_len || l4_len + sizeof(*ip6) + sizeof(*eth) > pl_buf_len(p))
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
		if (hlen < sizeof(*th) || hlen > l4_len || l4 + hlen > end)
			return 0;
		p->key.port_a = th->source;
		p->key.port_b = th->dest;
		p->tcp_flags = ((__u8 *)th)[13];
		p->tcp_off = (__u16)(l4 - c->start);
		p->l4_len = l4_len;
		PL_COUNT_L4(p, 1, PL_L4_TCP);
	} else if (proto == IPPROTO_UDP) {
		struct udphdr *uh = l4;

		if ((void *)(uh + 1) > end || bpf_ntohs(uh->len) < sizeof(*uh) ||
		    bpf_ntohs(uh->len) > l4_len || uh->dest == bpf_htons(PL_VXLAN_PORT))
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

#endif /* PL_PARSE_FAST_H */
