// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <netinet/in.h>
#include "l7/pkt.h"

#define IPV6_HLEN   40
#define MAX_EXT_HDR 8

/* Skip IPv6 extension headers; returns the transport offset or -1 (and *frag). */
static long ipv6_skip_ext(const uint8_t *l3, size_t end, uint8_t *nh, uint8_t *frag)
{
	size_t off = IPV6_HLEN;

	for (int i = 0; i < MAX_EXT_HDR; i++) {
		switch (*nh) {
		case IPPROTO_HOPOPTS:
		case IPPROTO_ROUTING:
		case IPPROTO_DSTOPTS:
		case 135: /* mobility */
			if (off + 8 > end)
				return -1;
			*nh = l3[off];
			off += ((size_t)l3[off + 1] + 1) * 8;
			break;
		case IPPROTO_AH:
			if (off + 8 > end)
				return -1;
			*nh = l3[off];
			off += ((size_t)l3[off + 1] + 2) * 4;
			break;
		case IPPROTO_FRAGMENT:
			if (off + 8 > end)
				return -1;
			*nh = l3[off];
			if ((l3[off + 2] << 8 | l3[off + 3]) & 0xfff8)
				*frag = 1;
			off += 8;
			break;
		default:
			return off <= end ? (long)off : -1;
		}
	}
	return -1;
}

static void decode_l4(const uint8_t *l4, size_t n, struct pl_l7_pkt *p)
{
	size_t hl;

	if (p->l4proto == IPPROTO_TCP) {
		if (n < 20)
			return;
		hl = (size_t)(l4[12] >> 4) * 4;
		if (hl < 20 || hl > n)
			return;
		p->seq = (uint32_t)l4[4] << 24 | (uint32_t)l4[5] << 16 | (uint32_t)l4[6] << 8 | l4[7];
		p->tcp_flags = l4[13];
	} else if (p->l4proto == IPPROTO_UDP) {
		if (n < 8)
			return;
		hl = 8;
	} else {
		return;
	}
	p->sport = (uint16_t)(l4[0] << 8 | l4[1]);
	p->dport = (uint16_t)(l4[2] << 8 | l4[3]);
	p->payload = l4 + hl;
	p->payload_len = n - hl;
}

int pl_l7_pkt_decode(const uint8_t *l3, size_t len, struct pl_l7_pkt *p)
{
	size_t end, off;

	memset(p, 0, sizeof(*p));
	if (len < 1)
		return -EINVAL;
	if (l3[0] >> 4 == 4) {
		size_t tot;

		if (len < 20 || (l3[0] & 0xf) < 5)
			return -EINVAL;
		off = (size_t)(l3[0] & 0xf) * 4;
		tot = (size_t)(l3[2] << 8 | l3[3]);
		/* TSO: a length of 0 on a frame the NIC will cut; the data plane takes the
		 * frame's length too (its "tso" count). */
		if (!tot)
			tot = len;
		if (off > len || tot < off)
			return -EINVAL;
		end = tot < len ? tot : len;
		p->family = 4;
		p->l4proto = l3[9];
		if ((l3[6] << 8 | l3[7]) & 0x1fff) {
			p->fragment = 1;
			return 0;
		}
	} else if (l3[0] >> 4 == 6) {
		long l4;

		if (len < IPV6_HLEN)
			return -EINVAL;
		end = IPV6_HLEN + (size_t)(l3[4] << 8 | l3[5]);
		if (end > len)
			end = len;
		p->family = 6;
		p->l4proto = l3[6];
		l4 = ipv6_skip_ext(l3, end, &p->l4proto, &p->fragment);
		if (l4 < 0 || p->fragment)
			return 0;
		off = (size_t)l4;
	} else {
		return -EINVAL;
	}
	decode_l4(l3 + off, end - off, p);
	return 0;
}
