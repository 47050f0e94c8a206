// SPDX-License-Identifier: BSD-2-Clause
/* decode.c - the header fields rules test, from an IPv4/IPv6 packet (rules_pkt.h). */
#include <string.h>
#include "rules/rules_pkt.h"

static void ipv4_opts(const uint8_t *o, size_t n, struct rpkt *p)
{
	for (size_t i = 0; i < n;) {
		uint8_t t = o[i];

		p->has_opts = true;
		if (t < 64)
			p->opts_lo |= 1ull << t;
		else if (t < 128)
			p->opts_mid |= 1ull << (t - 64);
		else if (t < 192)
			p->opts_hi |= 1ull << (t - 128);
		if (t == 0)
			break;
		if (t == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || o[i + 1] < 2)
			break;
		i += o[i + 1];
	}
}

static void l4(const uint8_t *d, size_t n, struct rpkt *p)
{
	size_t hl;

	if (p->proto == 6) {
		if (n < 20 || (hl = (size_t)(d[12] >> 4) * 4) < 20 || hl > n)
			return;
		p->seq = (uint32_t)d[4] << 24 | (uint32_t)d[5] << 16 | (uint32_t)d[6] << 8 | d[7];
		p->ack = (uint32_t)d[8] << 24 | (uint32_t)d[9] << 16 | (uint32_t)d[10] << 8 | d[11];
		p->tcp_flags = d[13];
		p->window = (uint16_t)(d[14] << 8 | d[15]);
	} else if (p->proto == 17) {
		if (n < 8)
			return;
		hl = 8;
	} else if (p->proto == 1 || p->proto == 58) {
		if (n < 8)
			return;
		p->itype = d[0];
		p->icode = d[1];
		p->icmp_id = (uint16_t)(d[4] << 8 | d[5]);
		p->icmp_seq = (uint16_t)(d[6] << 8 | d[7]);
		p->has_l4 = true;
		p->payload = d + 8;
		p->plen = n - 8;
		return;
	} else {
		p->payload = d;
		p->plen = n;
		return;
	}
	p->sport = (uint16_t)(d[0] << 8 | d[1]);
	p->dport = (uint16_t)(d[2] << 8 | d[3]);
	p->has_l4 = true;
	p->payload = d + hl;
	p->plen = n - hl;
}

int pl_rpkt_decode(const uint8_t *d, size_t len, struct rpkt *p)
{
	size_t hl, end;

	memset(p, 0, sizeof(*p));
	if (len >= 20 && d[0] >> 4 == 4) {
		hl = (size_t)(d[0] & 0xf) * 4;
		end = (size_t)(d[2] << 8 | d[3]);
		if (hl < 20 || hl > len || end < hl)
			return -1;
		if (end > len)
			end = len;
		p->family = 4;
		memcpy(p->src, d + 12, 4);
		memcpy(p->dst, d + 16, 4);
		p->alen = 4;
		p->ttl = d[8];
		p->ipid = (uint16_t)(d[4] << 8 | d[5]);
		p->proto = d[9];
		ipv4_opts(d + 20, hl - 20, p);
		if ((d[6] << 8 | d[7]) & 0x1fff)
			return 0; /* a later fragment: no transport header */
		l4(d + hl, end - hl, p);
		return 0;
	}
	if (len >= 40 && d[0] >> 4 == 6) {
		uint8_t nh = d[6];

		end = 40 + (size_t)(d[4] << 8 | d[5]);
		if (end > len)
			end = len;
		p->family = 6;
		memcpy(p->src, d + 8, 16);
		memcpy(p->dst, d + 24, 16);
		p->alen = 16;
		p->ttl = d[7];
		hl = 40;
		for (int i = 0; i < 8; i++) { /* hop-by-hop, routing, destination options */
			if ((nh != 0 && nh != 43 && nh != 60) || hl + 8 > end)
				break;
			nh = d[hl];
			hl += ((size_t)d[hl + 1] + 1) * 8;
		}
		if (hl > end)
			return -1;
		p->proto = nh;
		if (nh == 44)
			return 0;
		l4(d + hl, end - hl, p);
		return 0;
	}
	return -1;
}
