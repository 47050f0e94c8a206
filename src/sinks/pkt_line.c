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

static void put_mac(FILE *f, const uint8_t *m)
{
	fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

/*
 * The addresses in front of a transport header. After IPv6 extension headers
 * tcpdump has already printed the addresses, and shows only the ports.
 */
struct l3 {
	const char *src, *dst;
	bool ports_only;
	bool frag; /* the first fragment: the datagram is longer than this packet */
};

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
	fputs(v6 ? "ICMP6, " : "ICMP ", f);
	if (name)
		fputs(name, f);
	else
		fprintf(f, "type %u, code %u", p[0], p[1]);
	icmp_detail(f, v6, p, n);
	if (echo && n >= 8)
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
static void l4(FILE *f, const struct l3 *a, unsigned int proto, const uint8_t *p, uint32_t n,
	       uint32_t paylen)
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

	addrs(f, a);
	if (pn && (proto == 6 || proto == 17 || proto == 1 || proto == 58))
		fprintf(f, "[|%s]", pn); /* cut off by the snap length */
	else if (pn)
		fprintf(f, "%s, length %u", pn, paylen);
	else
		fprintf(f, "ip-proto-%u, length %u", proto, paylen);
}

static void ipv4(FILE *f, const uint8_t *ip, uint32_t n)
{
	char src[INET_ADDRSTRLEN], dst[INET_ADDRSTRLEN];
	struct l3 a = { src, dst, false, false };
	uint32_t hl, tot;

	if (n < 20) {
		fputs("IP [|ip]", f);
		return;
	}
	hl = (ip[0] & 0x0f) * 4;
	tot = be16(ip + 2);
	a.frag = be16(ip + 6) & 0x2000;
	if (ip[0] >> 4 != 4) {
		if (ip[0] >> 4 == 6)
			fputs("IP6, wrong link-layer encapsulation", f);
		else
			fprintf(f, "IP%u, bad version", ip[0] >> 4);
		return;
	}
	if (hl < 20) {
		fprintf(f, "IP bad-hlen %u", hl);
		return;
	}
	if (tot < hl) {
		fprintf(f, "IP bad-len %u", tot);
		return;
	}
	inet_ntop(AF_INET, ip + 12, src, sizeof(src));
	inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
	fputs("IP ", f);
	if (be16(ip + 6) & 0x1fff)
		fprintf(f, "%s > %s: %s (frag), length %u", src, dst,
			pl_proto_name(ip[9]) ? pl_proto_name(ip[9]) : "ip", tot);
	else if (hl > n)
		fprintf(f, "%s > %s: [|ip]", src, dst);
	else
		l4(f, &a, ip[9], ip + hl, n - hl, tot - hl);
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

static void ipv6(FILE *f, const uint8_t *ip6, uint32_t n)
{
	char src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	struct l3 a = { src, dst, false, false };
	uint32_t off = 40, plen, hl;
	uint8_t nh;

	if (n < 40) {
		fputs("IP6 [|ip6]", f);
		return;
	}
	plen = be16(ip6 + 4);
	nh = ip6[6];
	inet_ntop(AF_INET6, ip6 + 8, src, sizeof(src));
	inet_ntop(AF_INET6, ip6 + 24, dst, sizeof(dst));
	fputs("IP6 ", f);
	if (!is_ip6_ext(nh)) {
		l4(f, &a, nh, ip6 + off, n - off, plen);
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
	l4(f, &a, nh, ip6 + off, n - off, plen + 40 > off ? plen + 40 - off : 0);
}

/* tcpdump: "Request who-has TPA tell SPA", "Reply SPA is-at SHA", RARP's who-is / at. */
static void arp(FILE *f, const uint8_t *p, uint32_t n, uint32_t len)
{
	char spa[INET_ADDRSTRLEN], tpa[INET_ADDRSTRLEN];
	static const uint8_t zero[6];
	const uint8_t *sha = p + 8, *tha = p + 18;
	uint16_t op;

	if (n < 8) {
		fputs("ARP, [|arp]", f);
		return;
	}
	op = be16(p + 6);
	/* Only Ethernet/IPv4 has the layout below: name the others instead of misreading. */
	if (be16(p) != 1 || be16(p + 2) != 0x0800 || p[4] != 6 || p[5] != 4) {
		fprintf(f, "ARP, hardware %u (len %u), protocol 0x%04x (len %u), length %u",
			be16(p), p[4], be16(p + 2), p[5], len);
		return;
	}
	if (n < 28) {
		fputs("ARP, [|arp]", f);
		return;
	}
	inet_ntop(AF_INET, p + 14, spa, sizeof(spa));
	inet_ntop(AF_INET, p + 24, tpa, sizeof(tpa));
	fputs("ARP, ", f);
	switch (op) {
	case 1:
		fprintf(f, "Request who-has %s", tpa);
		if (memcmp(tha, zero, 6)) {
			fputs(" (", f);
			put_mac(f, tha);
			fputc(')', f);
		}
		fprintf(f, " tell %s", spa);
		break;
	case 2:
		fprintf(f, "Reply %s is-at ", spa);
		put_mac(f, sha);
		break;
	case 3:
		fputs("Reverse Request who-is ", f);
		put_mac(f, tha);
		fputs(" tell ", f);
		put_mac(f, sha);
		break;
	case 4:
		fputs("Reverse Reply ", f);
		put_mac(f, tha);
		fprintf(f, " at %s", tpa);
		break;
	default:
		fprintf(f, "op %u %s > %s", op, spa, tpa);
	}
	fprintf(f, ", length %u", len);
}

void pl_pkt_line(FILE *f, const uint8_t *d, uint32_t caplen, uint32_t wire_len, uint64_t ts_ns)
{
	time_t sec = ts_ns / 1000000000ull;
	uint32_t off = 14;
	uint16_t type;
	char tbuf[16];
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
	if (type == 0x0800) {
		ipv4(f, d + off, caplen - off);
	} else if (type == 0x86dd) {
		ipv6(f, d + off, caplen - off);
	} else if (type == 0x0806 || type == 0x8035) {
		arp(f, d + off, caplen - off, wire_len > off ? wire_len - off : 0);
	} else if ((type == 0x8100 || type == 0x88a8 || type == 0x9100) && off + 4 > caplen) {
		fputs("[|vlan]", f);
	} else {
		/* Nothing more to say: who sent it, as tcpdump shows for such frames. */
		put_mac(f, d + 6);
		fputs(" > ", f);
		put_mac(f, d);
		if (type <= 1500) /* a length: an 802.3 frame (LLC: STP, CDP, ...) */
			fprintf(f, ", 802.3, length %u", type);
		else
			fprintf(f, ", ethertype 0x%04x", type);
	}
	fprintf(f, ", frame %u\n", wire_len);
}
