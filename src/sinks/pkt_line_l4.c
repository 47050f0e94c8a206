// SPDX-License-Identifier: BSD-2-Clause
/*
 * pkt_line_l4.c - the transport part of capture's tcpdump -n style line: TCP with its
 * options, UDP, ICMP and ICMPv6 (pkt_line.c prints the link and network layers).
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <stdio.h>
#include "analysis/names.h"
#include "sinks/pkt_line_internal.h"

static void addrs(FILE *f, const struct l3 *a)
{
	if (!a->ports_only)
		fprintf(f, "%s > %s: ", a->src, a->dst);
}

static void addr_ports(FILE *f, const struct l3 *a, const uint8_t *p)
{
	if (a->ports_only)
		fprintf(f, "%u > %u: ", be16(p), be16(p + 2));
	else
		fprintf(f, "%s.%u > %s.%u: ", a->src, be16(p), a->dst, be16(p + 2));
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

/* Extra words tcpdump adds to some types: ND targets, time exceeded codes. */
static void icmp_detail(FILE *f, bool v6, const uint8_t *p, uint32_t n)
{
	char a[INET6_ADDRSTRLEN];

	if (v6 && (p[0] == 135 || p[0] == 136) && n >= 24) {
		inet_ntop(AF_INET6, p + 8, a, sizeof(a));
		fprintf(f, p[0] == 135 ? ", who has %s" : ", tgt is %s", a);
	} else if (v6 && p[0] == 143 && n >= 8) {
		fprintf(f, ", %u group record(s)", be16(p + 6));
	} else if (!v6 && p[0] == 11 && p[1] <= 1) {
		fputs(p[1] ? " reassembly" : " in-transit", f);
	}
}

/*
 * "ICMP echo request, id 7, seq 1, length 64" and "ICMP6, echo reply, id 7, seq 1,
 * length 64" as tcpdump prints them; types without a name as "type 42, code 0".
 */
static void icmp(FILE *f, const struct l3 *a, bool v6, const uint8_t *p, uint32_t n,
		 uint32_t paylen)
{
	const char *name = icmp_type_name(v6, p[0]);
	bool echo = v6 ? p[0] == 128 || p[0] == 129 : p[0] == 0 || p[0] == 8;

	addrs(f, a);
	/* An echo whose id and sequence were cut off, in tcpdump's words: ICMPv6 names it. */
	if (echo && n < 8 && !v6) {
		fputs(" [|icmp]", f);
		return;
	}
	fputs(v6 ? "ICMP6, " : "ICMP ", f);
	if (name)
		fputs(name, f);
	else
		fprintf(f, "type %u, code %u", p[0], p[1]);
	if (echo && n < 8) {
		fputs(" [|icmp6]", f);
		return;
	}
	icmp_detail(f, v6, p, n);
	if (echo)
		fprintf(f, ", id %u, seq %u", be16(p + 4), be16(p + 6));
	fprintf(f, ", length %u", paylen);
}

/* tcpdump's letters in tcpdump's order (FIN first, ACK as '.'). */
static const char *tcp_flags(uint8_t fl, char *buf)
{
	static const char letters[] = "FSRP.UEW";
	int n = 0;

	for (int i = 0; i < 8; i++)
		if (fl & (1u << i))
			buf[n++] = letters[i];
	if (!n)
		return "none";
	buf[n] = 0;
	return buf;
}

/* One option's words as tcpdump prints them; the others as "unknown-N 0x<data>". */
static void tcp_opt(FILE *f, const uint8_t *o, uint32_t len)
{
	switch (o[0]) {
	case 2:
		if (len == 4)
			return (void)fprintf(f, "mss %u", be16(o + 2));
		break;
	case 3:
		if (len == 3)
			return (void)fprintf(f, "wscale %u", o[2]);
		break;
	case 4:
		if (len == 2)
			return (void)fputs("sackOK", f);
		break;
	case 5:
		if (len >= 2 && (len - 2) % 8 == 0) {
			fprintf(f, "sack %u ", (len - 2) / 8);
			for (uint32_t i = 2; i < len; i += 8)
				fprintf(f, "{%u:%u}", be32(o + i), be32(o + i + 4));
			return;
		}
		break;
	case 8:
		if (len == 10)
			return (void)fprintf(f, "TS val %u ecr %u", be32(o + 2), be32(o + 6));
		break;
	}
	fprintf(f, "unknown-%u", o[0]);
	for (uint32_t i = 2; i < len; i++)
		fprintf(f, "%s%02x", i == 2 ? " 0x" : "", o[i]);
}

/* ", options [mss 1460,sackOK,TS val 1 ecr 0,nop,wscale 7]"; @n: the captured bytes. */
static void tcp_opts(FILE *f, const uint8_t *o, uint32_t hl, uint32_t n)
{
	uint32_t i = 0, end = hl - 20;

	o += 20;
	fputs(", options [", f);
	while (i < end) {
		if (i)
			fputc(',', f);
		if (20 + i >= n) {
			fputs("[|tcp]", f); /* cut by the snap length */
			break;
		}
		if (o[i] == 0) {
			fputs("eol", f);
			break;
		}
		if (o[i] == 1) {
			fputs("nop", f);
			i++;
			continue;
		}
		if (i + 1 < end && 20 + i + 1 >= n) { /* its length byte was cut off */
			fputs("[|tcp]", f);
			break;
		}
		if (i + 1 >= end || o[i + 1] < 2 || i + o[i + 1] > end || 20 + i + o[i + 1] > n) {
			fputs("[bad opt]", f);
			break;
		}
		tcp_opt(f, o + i, o[i + 1]);
		i += o[i + 1];
	}
	fputc(']', f);
}

/*
 * "Flags [P.], seq 1001:1101, ack 8, win 502, length 100" as tcpdump -S: a sequence
 * number (a range when there is data) only with data, SYN, FIN or RST.
 */
static void tcp(FILE *f, const struct l3 *a, const uint8_t *p, uint32_t n, uint32_t paylen)
{
	uint32_t hl = (uint32_t)(p[12] >> 4) * 4, seq = be32(p + 4), len;
	uint8_t fl = p[13];
	char buf[12];

	addr_ports(f, a, p);
	if (hl < 20) {
		fprintf(f, " tcp %u [bad hdr length %u - too short, < 20]", paylen, hl);
		return;
	}
	if (hl > paylen) {
		fprintf(f, "Flags [%s] [bad hdr length %u - too long, > %u]", tcp_flags(fl, buf),
			hl, paylen);
		return;
	}
	len = paylen - hl;
	fprintf(f, "Flags [%s]", tcp_flags(fl, buf));
	if (len)
		fprintf(f, ", seq %u:%u", seq, seq + len);
	else if (fl & 0x07) /* FIN, SYN, RST */
		fprintf(f, ", seq %u", seq);
	if (fl & 0x10)
		fprintf(f, ", ack %u", be32(p + 8));
	fprintf(f, ", win %u", be16(p + 14));
	if (fl & 0x20)
		fprintf(f, ", urg %u", be16(p + 18));
	if (hl > 20)
		tcp_opts(f, p, hl, n);
	fprintf(f, ", length %u", len);
}

/* tcpdump prints the UDP header's length, the whole datagram even in a first fragment. */
static void udp(FILE *f, const struct l3 *a, const uint8_t *p, uint32_t paylen)
{
	uint16_t ulen = be16(p + 4);

	addr_ports(f, a, p);
	if (ulen < 8)
		fprintf(f, "truncated-udplength %u", ulen);
	else if (ulen > paylen && !a->frag)
		fprintf(f, "UDP, bad length %u > %u", ulen - 8, paylen >= 8 ? paylen - 8 : 0);
	else
		fprintf(f, "UDP, length %u", ulen - 8);
}

/* Transport part: "198.18.0.1.5000 > 198.18.0.2.80: Flags [S], seq 1, win 512, length 0". */
void pl_pkt_line_l4(FILE *f, const struct l3 *a, unsigned int proto, const uint8_t *p,
		    uint32_t n, uint32_t paylen)
{
	switch (proto) {
	case 6:
		if (n < 20)
			break;
		tcp(f, a, p, n, paylen);
		return;
	case 17:
		if (n < 8)
			break;
		udp(f, a, p, paylen);
		return;
	case 1:
	case 58:
		if (n < 4)
			break;
		icmp(f, a, proto == 58, p, n, paylen);
		return;
	}
	const char *pn = pl_proto_name(proto);

	if ((proto == 6 || proto == 17) && n >= 4) {
		/* The ports were captured, the rest of the header was not: tcpdump shows them. */
		addr_ports(f, a, p);
		fprintf(f, " [|%s]", pn);
		return;
	}
	addrs(f, a);
	if (pn && (proto == 6 || proto == 17 || proto == 1 || proto == 58))
		fprintf(f, "[|%s]", pn); /* cut off by the snap length */
	else if (pn)
		fprintf(f, "%s, length %u", pn, paylen);
	else
		fprintf(f, "ip-proto-%u, length %u", proto, paylen);
}
