// SPDX-License-Identifier: BSD-2-Clause
/*
 * gen_pkts.c - a deterministic mix of frames for the filter differential test
 * (tests/filter/difftest.c). Ethernet: IPv4 (options, fragments first/later, bad headers),
 * IPv6 (extension header chains, fragments), TCP/UDP/ICMP/ICMPv6/SCTP/IGMP/GRE/ESP,
 * ARP/RARP, 802.1Q / QinQ (0x8100, 0x88a8, 0x9100), MPLS, PPPoE session/discovery,
 * Geneve and VXLAN with inner frames, 802.3/LLC (STP, SNAP, ISO), broadcast and
 * multicast MACs, jumbo frames (beyond one page: XDP multi-buffer), and truncated
 * frames (caplen < len, a few shorter than the 14 bytes XDP test runs accept).
 * Then, for each link type an "@NAME" line of expressions.txt names, frames of that
 * link type (count / 16 each): LINUX_SLL and LINUX_SLL2 (every packet type, interface
 * indexes 1-3), RAW, NULL (address families in both byte orders), PPP, C_HDLC,
 * FRELAY, and IEEE802_11_RADIO (radiotap with and without TSFT, flags, data padding
 * and an extended present word; management, control and data frames, QoS, all four
 * directions, LLC/SNAP with IPv4, IPv6 and ARP), so that those expressions are compared
 * and match without any capture file.
 *
 * The frames need not be valid: the point is that libpcap's interpreter and the
 * translated program see the same bytes. Addresses and ports come from small pools so
 * that the expressions in expressions.txt match a fair share of them.
 *
 *	void gen_pkts(unsigned int count, gen_pkt_fn fn, void *ud);
 *
 * calls fn once per frame with its link type (DLT_*), the captured bytes (valid during
 * the call only), the captured length and the original (wire) length.
 */
#include <pcap/dlt.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef void (*gen_pkt_fn)(void *ud, int linktype, const uint8_t *data, uint32_t caplen,
			   uint32_t len);
void gen_pkts(unsigned int count, gen_pkt_fn fn, void *ud);

#define GEN_MAX 10000

struct gb {
	uint8_t buf[GEN_MAX];
	size_t n;
	uint64_t rng;
};

static uint32_t rnd(struct gb *g)
{
	/* xorshift64* */
	g->rng ^= g->rng >> 12;
	g->rng ^= g->rng << 25;
	g->rng ^= g->rng >> 27;
	return (uint32_t)((g->rng * 0x2545F4914F6CDD1DULL) >> 32);
}
static uint32_t below(struct gb *g, uint32_t n) { return n ? rnd(g) % n : 0; }
static int chance(struct gb *g, unsigned int pct) { return below(g, 100) < pct; }

static void p8(struct gb *g, uint32_t v)
{
	if (g->n < GEN_MAX)
		g->buf[g->n++] = (uint8_t)v;
}
static void p16(struct gb *g, uint32_t v) { p8(g, v >> 8); p8(g, v); }
static void p32(struct gb *g, uint32_t v) { p16(g, v >> 16); p16(g, v); }
static void pbytes(struct gb *g, const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p8(g, b[i]);
}
static void prand(struct gb *g, size_t n)
{
	for (size_t i = 0; i < n; i++)
		p8(g, rnd(g));
}
static void set16(struct gb *g, size_t at, uint32_t v)
{
	if (at + 2 <= GEN_MAX) {
		g->buf[at] = (uint8_t)(v >> 8);
		g->buf[at + 1] = (uint8_t)v;
	}
}

static const uint8_t macs[][6] = {
	{ 0x00, 0x11, 0x22, 0x33, 0x44, 0x55 }, { 0x00, 0x11, 0x22, 0x33, 0x44, 0x66 },
	{ 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 }, { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff },
	{ 0x01, 0x00, 0x5e, 0x00, 0x00, 0x01 }, { 0x33, 0x33, 0x00, 0x00, 0x00, 0x01 },
	{ 0x01, 0x80, 0xc2, 0x00, 0x00, 0x00 }, { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 },
};
static const uint32_t ip4s[] = {
	0xc6120001, 0xc6120002, 0xc6120203, 0xc6130101, 0xc6130164, 0xc61301ff, 0xc6120504,
	0x08080808, 0xe0000001, 0xef010203, 0xffffffff, 0x7f000001, 0xc6130001, 0xc61200ff,
	0x0a000001, 0xc0a80105,
};
static const uint8_t ip6s[][16] = {
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5 },
	{ 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ 0xff, 0x02, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 1 },
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1 },
	{ 0x20, 0x01, 0x0d, 0xb8, 0xab, 0xcd, 0, 0, 0, 0, 0, 0, 0, 0, 0x12, 0x34 },
};
static const uint16_t ports[] = {
	80, 443, 22, 53, 8080, 20, 21, 25, 67, 68, 123, 161, 1024, 6081, 4789,
	5060, 0, 65535, 1023, 3000, 3999, 4000, 110, 179,
};
static const uint8_t tcpflags[] = {
	0x02, 0x12, 0x10, 0x11, 0x04, 0x18, 0x14, 0x01, 0x29, 0xc2, 0x3f, 0x00, 0xff, 0x20,
};

static void put_mac(struct gb *g)
{
	if (chance(g, 15))
		prand(g, 6);
	else
		pbytes(g, macs[below(g, sizeof(macs) / sizeof(macs[0]))], 6);
}
static uint32_t pick_ip4(struct gb *g)
{
	return chance(g, 15) ? rnd(g) : ip4s[below(g, sizeof(ip4s) / sizeof(ip4s[0]))];
}
static void put_ip6(struct gb *g)
{
	if (chance(g, 15))
		prand(g, 16);
	else
		pbytes(g, ip6s[below(g, sizeof(ip6s) / sizeof(ip6s[0]))], 16);
}
static uint32_t pick_port(struct gb *g)
{
	return chance(g, 20) ? below(g, 65536) : ports[below(g, sizeof(ports) / sizeof(ports[0]))];
}

static void payload(struct gb *g, unsigned int maxlen)
{
	unsigned int r = below(g, 100), n;

	if (r < 25)
		n = 0;
	else if (r < 70)
		n = below(g, 64);
	else if (r < 95)
		n = below(g, maxlen < 1400 ? maxlen + 1 : 1400);
	else
		n = below(g, maxlen + 1);
	if (n > maxlen)
		n = maxlen;
	if (chance(g, 10) && n >= 16) {
		static const char get[] = "GET / HTTP/1.1\r\n";
		pbytes(g, (const uint8_t *)get, 16);
		n -= 16;
	}
	prand(g, n);
}

static void put_eth_frame(struct gb *g, int depth, unsigned int maxpay);

static void put_tcp(struct gb *g, unsigned int maxpay)
{
	unsigned int doff = chance(g, 70) ? 5 : 5 + below(g, 11);

	if (chance(g, 3))
		doff = below(g, 5); /* bogus data offset */
	p16(g, pick_port(g));
	p16(g, pick_port(g));
	p32(g, rnd(g));
	p32(g, chance(g, 30) ? 0 : rnd(g));
	p8(g, (doff << 4) | (chance(g, 5) ? below(g, 16) : 0));
	p8(g, chance(g, 85) ? tcpflags[below(g, sizeof(tcpflags))] : below(g, 256));
	p16(g, chance(g, 10) ? 0 : below(g, 65536));
	p16(g, rnd(g));
	p16(g, chance(g, 80) ? 0 : rnd(g));
	for (unsigned int i = 5; i < doff; i++)
		p32(g, chance(g, 50) ? 0x020405b4 : 0x01010101);
	payload(g, maxpay);
}

static void put_udp(struct gb *g, unsigned int maxpay)
{
	size_t start = g->n;
	uint32_t sport = pick_port(g), dport = pick_port(g);
	unsigned int r = below(g, 100);

	if (r < 20)
		dport = 6081;
	else if (r < 26)
		dport = 4789;
	else if (r < 30)
		sport = 6081;
	p16(g, sport);
	p16(g, dport);
	p16(g, 0);
	p16(g, 0);
	if (dport == 6081 && chance(g, 90)) {
		unsigned int optlen = chance(g, 60) ? 0 : below(g, 4);
		unsigned int proto = chance(g, 70) ? 0x6558 : (chance(g, 50) ? 0x0800 : 0x86dd);

		p8(g, (chance(g, 90) ? 0 : 0x40) | optlen); /* version 0 (or 1) | opt len */
		p8(g, chance(g, 20) ? 0x80 : 0);
		p16(g, proto);
		p32(g, (chance(g, 30) ? 256 : below(g, 4)) << 8); /* VNI */
		for (unsigned int i = 0; i < optlen; i++)
			p32(g, rnd(g));
		if (proto == 0x6558) {
			put_eth_frame(g, 1, maxpay);
		} else if (proto == 0x0800) {
			p8(g, 0x45);
			p8(g, 0);
			p16(g, 40);
			p32(g, 0);
			p8(g, 64);
			p8(g, chance(g, 50) ? 6 : 17);
			p16(g, 0);
			p32(g, pick_ip4(g));
			p32(g, pick_ip4(g));
			p16(g, pick_port(g));
			p16(g, pick_port(g));
			prand(g, 16);
		} else {
			prand(g, 40);
		}
	} else if (dport == 4789 && chance(g, 90)) {
		p32(g, 0x08000000);
		p32(g, below(g, 4) << 8);
		put_eth_frame(g, 1, maxpay);
	} else {
		payload(g, maxpay);
	}
	set16(g, start + 4, chance(g, 90) ? (uint32_t)(g->n - start) : below(g, 65536));
}

static void put_icmp(struct gb *g, unsigned int maxpay)
{
	static const uint8_t types[] = { 0, 3, 5, 8, 11, 13, 14, 17, 18, 8, 0, 3 };

	p8(g, chance(g, 90) ? types[below(g, sizeof(types))] : below(g, 256));
	p8(g, chance(g, 70) ? 0 : below(g, 16));
	p16(g, rnd(g));
	p32(g, rnd(g));
	payload(g, maxpay);
}

static void put_icmp6(struct gb *g, unsigned int maxpay)
{
	static const uint8_t types[] = { 1, 2, 3, 4, 128, 129, 133, 134, 135, 136, 143, 128 };

	p8(g, chance(g, 90) ? types[below(g, sizeof(types))] : below(g, 256));
	p8(g, chance(g, 70) ? 0 : below(g, 8));
	p16(g, rnd(g));
	p32(g, rnd(g));
	payload(g, maxpay);
}

static void put_sctp(struct gb *g, unsigned int maxpay)
{
	p16(g, pick_port(g));
	p16(g, pick_port(g));
	p32(g, rnd(g));
	p32(g, chance(g, 30) ? 0 : rnd(g)); /* checksum */
	p8(g, below(g, 16));                /* chunk type */
	p8(g, 0);
	p16(g, 16);
	prand(g, 12);
	payload(g, maxpay);
}

static void put_l4(struct gb *g, unsigned int proto, unsigned int maxpay)
{
	switch (proto) {
	case 6: put_tcp(g, maxpay); break;
	case 17: put_udp(g, maxpay); break;
	case 1: put_icmp(g, maxpay); break;
	case 58: put_icmp6(g, maxpay); break;
	case 132: put_sctp(g, maxpay); break;
	case 47: /* GRE carrying IPv4 or Ethernet */
		p16(g, 0);
		p16(g, chance(g, 50) ? 0x0800 : 0x6558);
		payload(g, maxpay);
		break;
	default:
		payload(g, maxpay);
		break;
	}
}

static unsigned int pick_l4(struct gb *g, int v6)
{
	unsigned int r = below(g, 100);

	if (v6 && chance(g, 20))
		return 58;
	if (r < 35) return 6;
	if (r < 62) return 17;
	if (r < 75) return v6 ? 58 : 1;
	if (r < 81) return 132;
	if (r < 84) return v6 ? 1 : 58;
	if (r < 87) return 2;  /* IGMP */
	if (r < 90) return 47; /* GRE */
	if (r < 92) return 50; /* ESP */
	if (r < 94) return 41; /* IPv6 in IP */
	if (r < 96) return 89; /* OSPF */
	return below(g, 256);
}

static void put_ipv4(struct gb *g, unsigned int maxpay)
{
	size_t start = g->n;
	unsigned int ihl = chance(g, 80) ? 5 : 6 + below(g, 10);
	unsigned int proto = pick_l4(g, 0);
	unsigned int frag = 0, r = below(g, 100);

	if (chance(g, 2))
		ihl = below(g, 5); /* bogus */
	if (r < 10)
		frag = 0x4000;                          /* DF */
	else if (r < 18)
		frag = 0x2000;                          /* MF, offset 0: first fragment */
	else if (r < 26)
		frag = (chance(g, 50) ? 0x2000 : 0) | (1 + below(g, 0x1fff)); /* later */
	p8(g, (chance(g, 97) ? 0x40 : (below(g, 16) << 4)) | ihl);
	p8(g, chance(g, 70) ? 0 : below(g, 256));
	p16(g, 0);
	p16(g, rnd(g));
	p16(g, frag);
	p8(g, chance(g, 90) ? 64 : below(g, 256));
	p8(g, proto);
	p16(g, 0);
	p32(g, pick_ip4(g));
	p32(g, pick_ip4(g));
	for (unsigned int i = 5; i < ihl; i++) {
		static const uint32_t opts[] = { 0x01010101, 0x07070400, 0x94040000, 0x00000000 };

		p32(g, chance(g, 70) ? opts[below(g, 4)] : rnd(g));
	}
	put_l4(g, proto, maxpay);
	set16(g, start + 2, chance(g, 92) ? (uint32_t)(g->n - start) : below(g, 65536));
}

static void put_ipv6(struct gb *g, unsigned int maxpay)
{
	size_t start = g->n, nxt_at;
	unsigned int next = 0, hdrs = 0, r = below(g, 100);

	if (r >= 60)
		hdrs = r < 80 ? 1 : r < 92 ? 2 : 3;
	p32(g, (chance(g, 97) ? 0x60000000u : (below(g, 16) << 28)) | below(g, 1 << 20));
	p16(g, 0);
	nxt_at = g->n;
	p8(g, 0);
	p8(g, chance(g, 90) ? 64 : 255);
	put_ip6(g);
	put_ip6(g);
	for (unsigned int i = 0; i < hdrs; i++) {
		static const uint8_t ext[] = { 0, 43, 44, 60, 51 };
		size_t here;

		next = i == 0 && chance(g, 40) ? 0 : ext[1 + below(g, 4)];
		g->buf[nxt_at] = (uint8_t)next;
		here = g->n;
		nxt_at = here;
		p8(g, 0);
		if (next == 44) { /* fragment: first or later */
			p8(g, 0);
			p16(g, chance(g, 50) ? 1 : ((1 + below(g, 0x1fff)) << 3) | below(g, 2));
			p32(g, rnd(g));
		} else if (next == 51) { /* AH: length in 4-octet units minus 2 */
			p8(g, 1);
			p16(g, 0);
			p32(g, rnd(g));
			p32(g, rnd(g));
		} else {
			unsigned int len8 = below(g, 2);

			p8(g, len8);
			prand(g, 6 + 8 * len8);
		}
	}
	next = chance(g, 4) ? 59 : pick_l4(g, 1);
	if (nxt_at < GEN_MAX)
		g->buf[nxt_at] = (uint8_t)next;
	put_l4(g, next, maxpay);
	set16(g, start + 4, chance(g, 95) ? (uint32_t)(g->n - start - 40) : below(g, 65536));
}

static void put_arp(struct gb *g, int rarp)
{
	p16(g, 1);
	p16(g, 0x0800);
	p8(g, 6);
	p8(g, 4);
	p16(g, rarp ? 3 + below(g, 2) : 1 + below(g, 2));
	put_mac(g);
	p32(g, pick_ip4(g));
	put_mac(g);
	p32(g, pick_ip4(g));
}

static void put_l3(struct gb *g, unsigned int type, unsigned int maxpay)
{
	switch (type) {
	case 0x0800: put_ipv4(g, maxpay); break;
	case 0x86dd: put_ipv6(g, maxpay); break;
	case 0x0806: put_arp(g, 0); break;
	case 0x8035: put_arp(g, 1); break;
	default: payload(g, maxpay); break;
	}
}

/* Ethernet header (with tags) + payload; depth > 0 for inner frames. */
static void put_eth_frame(struct gb *g, int depth, unsigned int maxpay)
{
	unsigned int r = below(g, 100), type, tags = 0, outer = 0x8100;

	put_mac(g);
	put_mac(g);
	if (!depth) {
		unsigned int t = below(g, 100);

		if (t >= 62)
			tags = t < 82 ? 1 : 2;
		if (tags == 2)
			outer = chance(g, 50) ? 0x88a8 : (chance(g, 50) ? 0x8100 : 0x9100);
		if (tags == 1 && chance(g, 10))
			outer = chance(g, 50) ? 0x88a8 : 0x9100;
	} else if (chance(g, 25)) {
		tags = 1; /* a tagged inner frame (geneve and vlan) */
	}
	for (unsigned int i = 0; i < tags; i++) {
		static const uint16_t vids[] = { 100, 200, 1, 4095, 0, 100, 300 };
		uint32_t vid = chance(g, 80) ? vids[below(g, 7)] : below(g, 4096);

		p16(g, i == 0 ? outer : 0x8100);
		p16(g, (below(g, 8) << 13) | vid);
	}
	if (r < 42)
		type = 0x0800;
	else if (r < 66)
		type = 0x86dd;
	else if (r < 71)
		type = 0x0806;
	else if (r < 73)
		type = 0x8035;
	else if (r < 78)
		type = 0x8847; /* MPLS */
	else if (r < 83)
		type = 0x8864; /* PPPoE session */
	else if (r < 85)
		type = 0x8863; /* PPPoE discovery */
	else if (r < 90)
		type = 0; /* 802.3 length + LLC */
	else if (r < 93)
		type = 0x8100; /* tag with nothing sensible behind */
	else
		type = chance(g, 50) ? 0x88cc : below(g, 65536);
	if (depth && type >= 0x8847 && type <= 0x8864)
		type = 0x0800;

	if (type == 0) {
		size_t lat = g->n;
		static const uint8_t llc[][3] = {
			{ 0x42, 0x42, 0x03 }, { 0xaa, 0xaa, 0x03 }, { 0xfe, 0xfe, 0x03 },
			{ 0xe0, 0xe0, 0x03 }, { 0xf0, 0xf0, 0x03 },
		};
		unsigned int l = below(g, 5);

		p16(g, 0);
		pbytes(g, llc[l], 3);
		if (l == 1) { /* SNAP */
			p8(g, 0);
			p8(g, 0);
			p8(g, 0);
			p16(g, chance(g, 50) ? 0x0800 : 0x0806);
		}
		payload(g, maxpay < 200 ? maxpay : 200);
		set16(g, lat, chance(g, 90) ? (uint32_t)(g->n - lat - 2) : below(g, 1501));
		return;
	}
	p16(g, type);
	if (type == 0x8847) {
		unsigned int labels = 1 + below(g, 3);

		for (unsigned int i = 0; i < labels; i++) {
			uint32_t label = chance(g, 50) ? 100 + below(g, 3) : below(g, 1 << 20);

			p32(g, (label << 12) | (i == labels - 1 ? 0x100 : 0) | 64);
		}
		if (chance(g, 90)) {
			if (chance(g, 65))
				put_ipv4(g, maxpay);
			else
				put_ipv6(g, maxpay);
		} else {
			payload(g, maxpay);
		}
	} else if (type == 0x8864 || type == 0x8863) {
		size_t lat;
		unsigned int ppp = chance(g, 60) ? 0x0021 : (chance(g, 70) ? 0x0057 : 0xc021);

		p8(g, 0x11);
		p8(g, type == 0x8864 ? 0 : 0x09);
		p16(g, chance(g, 50) ? 0x1234 : below(g, 65536));
		lat = g->n;
		p16(g, 0);
		if (type == 0x8864) {
			p16(g, ppp);
			if (ppp == 0x0021)
				put_ipv4(g, maxpay);
			else if (ppp == 0x0057)
				put_ipv6(g, maxpay);
			else
				payload(g, 40);
		} else {
			payload(g, 40);
		}
		set16(g, lat, (uint32_t)(g->n - lat - 2));
	} else if (type == 0x8100) {
		p16(g, 100);
		p16(g, chance(g, 50) ? 0x0800 : 0x86dd);
		put_l3(g, chance(g, 50) ? 0x0800 : 0x86dd, maxpay);
	} else {
		put_l3(g, type, maxpay);
	}
}

/* ---- other link types ---- */

/* An IPv4 or IPv6 packet (mostly), else a few random bytes. */
static void put_ip_any(struct gb *g, unsigned int maxpay)
{
	unsigned int r = below(g, 100);

	if (r < 60)
		put_ipv4(g, maxpay);
	else if (r < 92)
		put_ipv6(g, maxpay);
	else
		payload(g, 64);
}

static void put_by_ethertype(struct gb *g, unsigned int type, unsigned int maxpay)
{
	if (type == 0x0800 || type == 0x86dd || type == 0x0806 || type == 0x8035)
		put_l3(g, type, maxpay);
	else
		payload(g, 64);
}

static unsigned int pick_ethertype(struct gb *g)
{
	static const uint16_t types[] = { 0x0800, 0x0800, 0x0800, 0x86dd, 0x86dd, 0x0806 };

	return chance(g, 90) ? types[below(g, sizeof(types) / sizeof(types[0]))] : below(g, 65536);
}

/* Linux cooked v1: packet type, ARPHRD, address length, 8 address bytes, protocol. */
static void put_sll(struct gb *g, unsigned int maxpay)
{
	unsigned int proto = chance(g, 8) ? 0x0004 : pick_ethertype(g); /* 4: 802.2 LLC */

	p16(g, chance(g, 90) ? below(g, 5) : below(g, 65536)); /* host .. outgoing */
	p16(g, chance(g, 85) ? 1 : (chance(g, 50) ? 772 : 65534)); /* ether, loopback, none */
	p16(g, 6);
	put_mac(g);
	p16(g, 0);
	p16(g, proto);
	put_by_ethertype(g, proto, maxpay);
}

/* Linux cooked v2: protocol, reserved, interface index, ARPHRD, packet type, address. */
static void put_sll2(struct gb *g, unsigned int maxpay)
{
	unsigned int proto = pick_ethertype(g);

	p16(g, proto);
	p16(g, 0);
	p32(g, chance(g, 85) ? 1 + below(g, 3) : rnd(g));
	p16(g, chance(g, 85) ? 1 : 772);
	p8(g, chance(g, 90) ? below(g, 5) : below(g, 256));
	p8(g, 6);
	put_mac(g);
	p16(g, 0);
	put_by_ethertype(g, proto, maxpay);
}

/* BSD loopback: the address family as a 32-bit word in either byte order. */
static void put_null(struct gb *g, unsigned int maxpay)
{
	static const uint8_t fams[] = { 2, 2, 10, 24, 28, 30, 7 };
	unsigned int fam = fams[below(g, sizeof(fams))];

	if (chance(g, 70)) { /* little endian, as written on x86 */
		p8(g, fam);
		p16(g, 0);
		p8(g, 0);
	} else {
		p32(g, fam);
	}
	if (fam == 2)
		put_ipv4(g, maxpay);
	else if (fam != 7)
		put_ipv6(g, maxpay);
	else
		payload(g, 64);
}

static void put_ppp(struct gb *g, unsigned int maxpay)
{
	static const uint16_t protos[] = { 0x0021, 0x0021, 0x0057, 0xc021, 0x8021, 0x002b };
	unsigned int proto = protos[below(g, sizeof(protos) / sizeof(protos[0]))];

	p8(g, 0xff);
	p8(g, 0x03);
	p16(g, proto);
	if (proto == 0x0021)
		put_ipv4(g, maxpay);
	else if (proto == 0x0057)
		put_ipv6(g, maxpay);
	else
		payload(g, 40);
}

/* Cisco HDLC: address (unicast / broadcast), control, EtherType (0x8035: SLARP). */
static void put_chdlc(struct gb *g, unsigned int maxpay)
{
	unsigned int type = chance(g, 85) ? pick_ethertype(g) : (chance(g, 50) ? 0x8035 : 0x2000);

	p8(g, chance(g, 70) ? 0x0f : 0x8f);
	p8(g, 0);
	p16(g, type);
	if (type == 0x8035 || type == 0x2000)
		payload(g, 40);
	else
		put_by_ethertype(g, type, maxpay);
}

/* Frame relay: Q.922 address, UI control, NLPID (0xcc IPv4, 0x8e IPv6, 0x80 SNAP). */
static void put_frelay(struct gb *g, unsigned int maxpay)
{
	static const uint8_t nlpids[] = { 0xcc, 0xcc, 0xcc, 0x8e, 0x80, 0x81, 0x08 };
	unsigned int nlpid = nlpids[below(g, sizeof(nlpids))];

	p16(g, ((16 + below(g, 1000)) << 6 & 0xfc00) | ((16 + below(g, 16)) << 4 & 0xf0) | 0x01);
	p8(g, chance(g, 95) ? 0x03 : below(g, 256));
	p8(g, nlpid);
	if (nlpid == 0xcc) {
		put_ipv4(g, maxpay);
	} else if (nlpid == 0x8e) {
		put_ipv6(g, maxpay);
	} else if (nlpid == 0x80) { /* SNAP: pad, OUI 0, EtherType */
		p8(g, 0);
		p8(g, 0);
		p16(g, 0);
		p16(g, 0x0800);
		put_ipv4(g, maxpay);
	} else {
		payload(g, 40);
	}
}

/*
 * Radiotap (little endian: version, pad, length, present words; TSFT and flags as
 * present says, flags sometimes with "data pad" 0x20) + an 802.11 frame.
 */
static void put_radiotap_80211(struct gb *g, unsigned int maxpay)
{
	static const uint8_t mgt_sub[] = { 0, 4, 5, 8, 8, 11, 12, 13 };
	static const uint8_t ctl_sub[] = { 13, 13, 11, 12, 9, 8 };
	static const uint8_t data_sub[] = { 0, 0, 8, 8, 4, 12 };
	size_t rt = g->n, hdr;
	unsigned int r = below(g, 100), type, sub, flags1, dir, datapad = 0;
	uint32_t present = 0;

	if (chance(g, 70))
		present |= 0x2;              /* flags */
	if (chance(g, 40))
		present |= 0x1;              /* TSFT */
	if (chance(g, 30))
		present |= 0x4;              /* rate */
	if (chance(g, 10))
		present |= 0x80000000u;      /* another present word follows */
	p8(g, chance(g, 97) ? 0 : 1);
	p8(g, 0);
	p16(g, 0);                           /* length, set below */
	p8(g, present);
	p8(g, present >> 8);
	p8(g, present >> 16);
	p8(g, present >> 24);
	if (present & 0x80000000u)
		p32(g, 0);
	if (present & 0x1) {
		while ((g->n - rt) % 8)
			p8(g, 0);
		prand(g, 8);
	}
	if (present & 0x2) {
		unsigned int fl = chance(g, 50) ? 0 : (chance(g, 50) ? 0x20 : below(g, 256));

		datapad = fl & 0x20;
		p8(g, fl);
	}
	if (present & 0x4)
		p8(g, 2 * below(g, 60));
	while ((g->n - rt) % 4)
		p8(g, 0);
	if (rt + 4 <= GEN_MAX) {
		g->buf[rt + 2] = (uint8_t)(g->n - rt);
		g->buf[rt + 3] = (uint8_t)((g->n - rt) >> 8);
	}

	hdr = g->n;
	if (r < 35) {
		type = 0;
		sub = mgt_sub[below(g, sizeof(mgt_sub))];
	} else if (r < 55) {
		type = 1;
		sub = ctl_sub[below(g, sizeof(ctl_sub))];
	} else {
		type = 2;
		sub = data_sub[below(g, sizeof(data_sub))];
	}
	dir = type == 2 ? below(g, 4) : (chance(g, 85) ? 0 : below(g, 4));
	flags1 = dir | (chance(g, 10) ? 0x40 : 0) | (chance(g, 10) ? below(g, 256) & 0xbc : 0);
	p8(g, chance(g, 97) ? (sub << 4 | type << 2) : below(g, 256));
	p8(g, flags1);
	p16(g, rnd(g));                      /* duration */
	put_mac(g);                          /* addr1 */
	if (type == 1 && (sub == 13 || sub == 12)) /* ack, cts: addr1 only */
		return;
	put_mac(g);                          /* addr2 */
	if (type == 1) {
		payload(g, 8);
		return;
	}
	put_mac(g);                          /* addr3 */
	p16(g, rnd(g));                      /* sequence control */
	if (type == 2 && dir == 3)
		put_mac(g);                  /* addr4 */
	if (type == 2 && (sub & 8))
		p16(g, below(g, 8));         /* QoS control */
	if (datapad && chance(g, 90))
		while ((g->n - hdr) % 4)
			p8(g, 0);
	if (type == 0) {
		payload(g, 120);
	} else if (!(sub & 4)) {             /* data with a body (not null) */
		unsigned int et = pick_ethertype(g);

		if (chance(g, 90)) {
			static const uint8_t snap[] = { 0xaa, 0xaa, 0x03, 0, 0, 0 };

			pbytes(g, snap, sizeof(snap));
			p16(g, et);
			put_by_ethertype(g, et, maxpay);
		} else {
			payload(g, 64);
		}
	}
}

struct linktype_gen {
	int linktype;
	void (*put)(struct gb *g, unsigned int maxpay);
};

static const struct linktype_gen others[] = {
	{ DLT_LINUX_SLL, put_sll },
	{ DLT_LINUX_SLL2, put_sll2 },
	{ DLT_RAW, put_ip_any },
	{ DLT_NULL, put_null },
	{ DLT_PPP, put_ppp },
	{ DLT_C_HDLC, put_chdlc },
	{ DLT_FRELAY, put_frelay },
	{ DLT_IEEE802_11_RADIO, put_radiotap_80211 },
};

/* Cut the frame now and then (snap length, a wire length beyond it, a runt), hand it on. */
static void emit_frame(struct gb *g, int linktype, gen_pkt_fn fn, void *ud)
{
	uint32_t caplen, len;
	unsigned int r;

	caplen = len = (uint32_t)g->n;
	r = below(g, 100);
	if (r < 12) {           /* snapped: caplen < len */
		caplen = 14 + below(g, len > 14 ? len - 14 : 1);
	} else if (r < 14) {    /* cut short and len says more */
		len = caplen + 1 + below(g, 2000);
	} else if (r < 15) {    /* shorter than an Ethernet header */
		caplen = below(g, 14);
	}
	if (caplen > len)
		caplen = len;
	fn(ud, linktype, g->buf, caplen, len);
}

void gen_pkts(unsigned int count, gen_pkt_fn fn, void *ud)
{
	static struct gb g; /* large buffer: not on the stack */

	g.rng = 0x9e3779b97f4a7c15ULL;
	for (unsigned int i = 0; i < count; i++) {
		unsigned int maxpay = chance(&g, 6) ? 3000 + below(&g, 6000) : 1460;

		g.n = 0;
		put_eth_frame(&g, 0, maxpay);
		if (g.n < 60 && chance(&g, 50)) /* Ethernet padding */
			while (g.n < 60)
				p8(&g, 0);
		emit_frame(&g, DLT_EN10MB, fn, ud);
	}
	for (size_t t = 0; t < sizeof(others) / sizeof(others[0]); t++) {
		for (unsigned int i = 0; i < count / 16; i++) {
			unsigned int maxpay = chance(&g, 3) ? 3000 + below(&g, 6000) : 1460;

			g.n = 0;
			others[t].put(&g, maxpay);
			emit_frame(&g, others[t].linktype, fn, ud);
		}
	}
}
