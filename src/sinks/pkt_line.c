// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include "analysis/names.h"
#include "sinks/pkt_line.h"

/* Big-endian fields read byte by byte: headers in a frame have no alignment. */
static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
}

/* tcpdump's words for the ICMP and ICMPv6 types it names most often. */
static const char *icmp_type_name(bool v6, uint8_t type)
{
	switch (v6 ? type | 0x100 : type) {
	case 0: return "echo reply";
	case 3: return "destination unreachable";
	case 5: return "redirect";
	case 8: return "echo request";
	case 11: return "time exceeded";
	case 12: return "parameter problem";
	case 0x100 | 1: return "destination unreachable";
	case 0x100 | 2: return "packet too big";
	case 0x100 | 3: return "time exceeded";
	case 0x100 | 4: return "parameter problem";
	case 0x100 | 128: return "echo request";
	case 0x100 | 129: return "echo reply";
	case 0x100 | 133: return "router solicitation";
	case 0x100 | 134: return "router advertisement";
	case 0x100 | 135: return "neighbor solicitation";
	case 0x100 | 136: return "neighbor advertisement";
	case 0x100 | 143: return "multicast listener report v2";
	default: return NULL;
	}
}

/*
 * "ICMP echo request, id 7, seq 1, length 64" and "ICMP6, echo reply, id 7, seq 1,
 * length 64" as tcpdump prints them; types without a name as "type 42, code 0".
 */
static void icmp(FILE *f, const char *src, const char *dst, bool v6, const uint8_t *p,
		 uint32_t n, uint32_t paylen)
{
	const char *name = icmp_type_name(v6, p[0]);
	bool echo = v6 ? p[0] == 128 || p[0] == 129 : p[0] == 0 || p[0] == 8;

	fprintf(f, "%s > %s: %s", src, dst, v6 ? "ICMP6, " : "ICMP ");
	if (name)
		fputs(name, f);
	else
		fprintf(f, "type %u, code %u", p[0], p[1]);
	if (echo && n >= 8)
		fprintf(f, ", id %u, seq %u", be16(p + 4), be16(p + 6));
	fprintf(f, ", length %u", paylen);
}

/* Transport part: "198.18.0.1.5000 > 198.18.0.2.80: Flags [S], seq 1, win 512, length 0". */
static void l4(FILE *f, const char *src, const char *dst, unsigned int proto, const uint8_t *p,
	       uint32_t n, uint32_t paylen)
{
	char fl[16];

	switch (proto) {
	case 6:
		if (n < 20)
			break;
		fprintf(f, "%s.%u > %s.%u: Flags [%s], seq %u", src, be16(p), dst, be16(p + 2),
			pl_tcp_flags_str(p[13], fl), be32(p + 4));
		if (p[13] & 0x10) /* ACK */
			fprintf(f, ", ack %u", be32(p + 8));
		fprintf(f, ", win %u, length %u", be16(p + 14),
			paylen >= (uint32_t)(p[12] >> 4) * 4 ? paylen - (p[12] >> 4) * 4 : 0);
		return;
	case 17:
		if (n < 8)
			break;
		fprintf(f, "%s.%u > %s.%u: UDP, length %u", src, be16(p), dst, be16(p + 2),
			paylen >= 8 ? paylen - 8 : 0);
		return;
	case 1:
	case 58:
		if (n < 4)
			break;
		icmp(f, src, dst, proto == 58, p, n, paylen);
		return;
	}
	const char *pn = pl_proto_name(proto);

	if (pn)
		fprintf(f, "%s > %s: %s, length %u", src, dst, pn, paylen);
	else
		fprintf(f, "%s > %s: ip-proto-%u, length %u", src, dst, proto, paylen);
}

void pl_pkt_line(FILE *f, const uint8_t *d, uint32_t caplen, uint32_t wire_len, uint64_t ts_ns)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN], tbuf[16];
	time_t sec = ts_ns / 1000000000ull;
	uint32_t off = 14;
	uint16_t type;
	struct tm tm;

	localtime_r(&sec, &tm);
	strftime(tbuf, sizeof(tbuf), "%H:%M:%S", &tm);
	fprintf(f, "%s.%06u ", tbuf, (unsigned int)(ts_ns % 1000000000ull / 1000));
	if (caplen < 14) {
		fprintf(f, "[|ether], length %u\n", wire_len);
		return;
	}
	type = be16(d + 12);
	while ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 4 <= caplen) {
		fprintf(f, "vlan %u, ", be16(d + off) & 0x0fff);
		type = be16(d + off + 2);
		off += 4;
	}
	if (type == 0x0800 && off + 20 <= caplen && (d[off] >> 4) == 4) {
		const uint8_t *ip = d + off;
		uint32_t hl = (ip[0] & 0x0f) * 4, tot = be16(ip + 2);

		inet_ntop(AF_INET, ip + 12, src, sizeof(src));
		inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
		fputs("IP ", f);
		if ((be16(ip + 6) & 0x1fff) || hl < 20 || off + hl > caplen)
			fprintf(f, "%s > %s: %s (frag), length %u", src, dst,
				pl_proto_name(ip[9]) ? pl_proto_name(ip[9]) : "ip", tot);
		else
			l4(f, src, dst, ip[9], ip + hl, caplen - off - hl, tot > hl ? tot - hl : 0);
	} else if (type == 0x86dd && off + 40 <= caplen) {
		const uint8_t *ip6 = d + off;

		inet_ntop(AF_INET6, ip6 + 8, src, sizeof(src));
		inet_ntop(AF_INET6, ip6 + 24, dst, sizeof(dst));
		fputs("IP6 ", f);
		l4(f, src, dst, ip6[6], ip6 + 40, caplen - off - 40, be16(ip6 + 4));
	} else if (type == 0x0806 && off + 28 <= caplen) {
		inet_ntop(AF_INET, d + off + 14, src, sizeof(src));
		inet_ntop(AF_INET, d + off + 24, dst, sizeof(dst));
		const uint8_t *sha = d + off + 8;

		/* tcpdump: "Request who-has TPA tell SPA", "Reply SPA is-at SHA" */
		if (be16(d + off + 6) == 1)
			fprintf(f, "ARP, Request who-has %s tell %s", dst, src);
		else if (be16(d + off + 6) == 2)
			fprintf(f, "ARP, Reply %s is-at %02x:%02x:%02x:%02x:%02x:%02x", src, sha[0],
				sha[1], sha[2], sha[3], sha[4], sha[5]);
		else
			fprintf(f, "ARP, op %u %s > %s", be16(d + off + 6), src, dst);
		fputs(", length 28", f);
	} else {
		fprintf(f, "ethertype 0x%04x", type);
	}
	fprintf(f, ", frame %u\n", wire_len);
}
