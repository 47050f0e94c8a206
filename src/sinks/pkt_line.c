// SPDX-License-Identifier: BSD-2-Clause
/*
 * pkt_line.c - capture's one line per packet in tcpdump -n style: the entry point,
 * Ethernet and VLAN tags, IPv4, IPv6 with its extension headers, ARP (pkt_line_l4.c
 * prints what follows IP).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include "analysis/names.h"
#include "sinks/pkt_line.h"
#include "sinks/pkt_line_internal.h"

/* @word: "IP ", or "" after -e's link header, which names the protocol already. */
static void ipv4(FILE *f, const char *word, const uint8_t *ip, uint32_t n)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	struct l3 a = { src, dst, false, false };
	uint32_t hl, tot;

	if (n < 20) {
		fprintf(f, "%s[|ip]", word);
		return;
	}
	hl = (ip[0] & 0x0f) * 4;
	tot = be16(ip + 2);
	a.frag = be16(ip + 6) & 0x2000;
	if (ip[0] >> 4 != 4) {
		/* tcpdump's words, and its mark of a packet it cannot decode */
		if (ip[0] >> 4 == 6)
			fputs("IP6, wrong link-layer encapsulation (invalid)", f);
		else
			fprintf(f, "IP%u (invalid)", ip[0] >> 4);
		return;
	}
	if (hl < 20) {
		fprintf(f, "%sbad-hlen %u", word, hl);
		return;
	}
	if (tot < hl) {
		fprintf(f, "%sbad-len %u", word, tot);
		return;
	}
	inet_ntop(AF_INET, ip + 12, src, sizeof(src));
	inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
	fputs(word, f);
	if (be16(ip + 6) & 0x1fff)
		fprintf(f, "%s > %s: %s (frag), length %u", src, dst,
			pl_proto_name(ip[9]) ? pl_proto_name(ip[9]) : "ip", tot);
	else if (hl > n)
		fprintf(f, "%s > %s: [|ip]", src, dst);
	else
		pl_pkt_line_l4(f, &a, ip[9], ip + hl, n - hl, tot - hl);
}

/*
 * One IPv6 extension header the way tcpdump names it; returns its length, 0 at the
 * end of the chain (an upper layer, a non-first fragment or a header cut off).
 */
static uint32_t ip6_ext(FILE *f, uint8_t nh, const uint8_t *p, uint32_t n, uint32_t left)
{
	uint32_t len;

	switch (nh) {
	case 0:
	case 60:
		if (n < 2)
			return 0;
		fputs(nh ? "DSTOPT " : "HBH ", f);
		return (p[1] + 1u) * 8;
	case 43:
		if (n < 4)
			return 0;
		fprintf(f, "RT6 (len=%u, type=%u, segleft=%u) ", p[1], p[2], p[3]);
		return (p[1] + 1u) * 8;
	case 44:
		if (n < 8)
			return 0;
		len = left >= 8 ? left - 8 : 0;
		fprintf(f, "frag (%u|%u)", be16(p + 2) & 0xfff8, len);
		if (be16(p + 2) & 0xfff8)
			return 0; /* a later fragment: no upper header */
		fputc(' ', f);
		return 8;
	case 51:
		if (n < 12)
			return 0;
		fprintf(f, "AH(spi=0x%08x,seq=0x%x): ", be32(p + 4), be32(p + 8));
		return (p[1] + 2u) * 4;
	default:
		return 0;
	}
}

static bool is_ip6_ext(uint8_t nh)
{
	return nh == 0 || nh == 43 || nh == 44 || nh == 51 || nh == 60;
}

static void ipv6(FILE *f, const char *word, const uint8_t *ip6, uint32_t n)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct l3 a = { src, dst, false, false };
	uint32_t off = 40, plen, hl;
	uint8_t nh;

	if (n < 40) {
		fprintf(f, "%s[|ip6]", word);
		return;
	}
	plen = be16(ip6 + 4);
	nh = ip6[6];
	inet_ntop(AF_INET6, ip6 + 8, src, sizeof(src));
	inet_ntop(AF_INET6, ip6 + 24, dst, sizeof(dst));
	fputs(word, f);
	if (!is_ip6_ext(nh)) {
		pl_pkt_line_l4(f, &a, nh, ip6 + off, n - off, plen);
		return;
	}
	fprintf(f, "%s > %s: ", src, dst);
	a.ports_only = true;
	/* A bounded walk: a hostile chain of headers cannot keep us here. */
	for (int i = 0; i < 8 && is_ip6_ext(nh); i++) {
		const uint8_t *h = ip6 + off;

		hl = ip6_ext(f, nh, h, n - off, plen + 40 > off ? plen + 40 - off : 0);
		if (!hl)
			return;
		if (hl > n - off) {
			fprintf(f, "[|ip6]");
			return;
		}
		a.frag |= nh == 44;
		nh = h[0];
		off += hl;
	}
	if (is_ip6_ext(nh))
		return;
	pl_pkt_line_l4(f, &a, nh, ip6 + off, n - off, plen + 40 > off ? plen + 40 - off : 0);
}

/* tcpdump: "Request who-has TPA tell SPA", "Reply SPA is-at SHA", RARP's who-is / at. */
static void arp(FILE *f, const char *word, const uint8_t *p, uint32_t n, uint32_t len)
{
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];
	static const uint8_t zero[6];
	const uint8_t *sha = p + 8, *tha = p + 18;
	uint16_t op;

	if (n < 8) {
		fprintf(f, "%s[|arp]", word);
		return;
	}
	op = be16(p + 6);
	/* Only Ethernet/IPv4 has the layout below: name the others instead of misreading. */
	if (be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		fprintf(f, "%shardware %u (len %u), protocol 0x%04x (len %u), length %u", word,
			be16(p), p[4], be16(p + 2), p[5], len);
		return;
	}
	if (n < 28) {
		fprintf(f, "%s[|arp]", word);
		return;
	}
	inet_ntop(AF_INET, p + 14, spa, sizeof(spa));
	inet_ntop(AF_INET, p + 24, tpa, sizeof(tpa));
	fputs(word, f);
	switch (op) {
	case 1:
		fprintf(f, "Request who-has %s", tpa);
		if (memcmp(tha, zero, 6)) {
			fputs(" (", f);
			pl_put_mac(f, tha);
			fputc(')', f);
		}
		fprintf(f, " tell %s", spa);
		break;
	case 2:
		fprintf(f, "Reply %s is-at ", spa);
		pl_put_mac(f, sha);
		break;
	case 3:
		fputs("Reverse Request who-is ", f);
		pl_put_mac(f, tha);
		fputs(" tell ", f);
		pl_put_mac(f, sha);
		break;
	case 4:
		fputs("Reverse Reply ", f);
		pl_put_mac(f, tha);
		fprintf(f, " at %s", tpa);
		break;
	default:
		fprintf(f, "op %u %s > %s", op, spa, tpa);
	}
	fprintf(f, ", length %u", len);
}

void pl_pkt_line(FILE *f, struct pl_line_fmt *fmt, const uint8_t *d, uint32_t caplen,
		 uint32_t wire_len, uint64_t ts_ns)
{
	struct pl_line_fmt plain = {};
	uint32_t off = 14;
	uint16_t type;

	if (!fmt)
		fmt = &plain;
	pl_line_prefix(f, fmt, ts_ns);
	if (caplen < 14) {
		fprintf(f, "[|ether], length %u", wire_len);
		pl_line_dump(f, fmt, d, caplen, caplen);
		fputc('\n', f);
		return;
	}
	if (fmt->link_header)
		pl_line_link(f, d, wire_len);
	type = be16(d + 12);
	while (pl_is_vlan(type) && off + 4 <= caplen) {
		pl_line_tag(f, fmt, be16(d + off), be16(d + off + 2));
		type = be16(d + off + 2);
		off += 4;
	}
	if (type == 0x0800) {
		ipv4(f, fmt->link_header ? "" : "IP ", d + off, caplen - off);
	} else if (type == 0x86dd) {
		ipv6(f, fmt->link_header ? "" : "IP6 ", d + off, caplen - off);
	} else if (type == 0x0806 || type == 0x8035) {
		arp(f, fmt->link_header ? "" : "ARP, ", d + off, caplen - off,
		    wire_len > off ? wire_len - off : 0);
	} else if (pl_is_vlan(type) && off + 4 > caplen) {
		fputs("[|vlan]", f);
	} else if (!fmt->link_header) {
		/* Nothing more to say: who sent it, as tcpdump shows for such frames. */
		pl_put_mac(f, d + 6);
		fputs(" > ", f);
		pl_put_mac(f, d);
		if (pl_is_8023(type))
			fprintf(f, ", 802.3, length %u", type);
		else
			fprintf(f, ", ethertype 0x%04x", type);
	}
	/* -e printed the frame's length in front already. */
	if (!fmt->link_header)
		fprintf(f, ", frame %u", wire_len);
	pl_line_dump(f, fmt, d, caplen, off);
	fputc('\n', f);
}
