/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pktbuild.h - build test packets header by header.
 *
 *	struct pb b;
 *	pb_init(&b);
 *	pb_eth(&b, NULL, NULL, ETH_P_IP);
 *	size_t ip = pb_ipv4(&b, &(struct pb_ipv4_opts){ .src = PB_IP4(10, 0, 0, 1),
 *						       .dst = PB_IP4(10, 0, 0, 2),
 *						       .proto = IPPROTO_TCP });
 *	pb_tcp(&b, &(struct pb_tcp_opts){ .sport = 1234, .dport = 80, .flags = PB_TCP_SYN });
 *	pb_finish(&b);
 *
 * Every pb_<header>() appends one header in network byte order and returns its offset
 * in b.buf. The caller names the next protocol explicitly (ethertype, IP protocol,
 * next header), so a packet may say anything, including lies. pb_finish() then fills
 * in what depends on the rest of the packet, innermost header first: IPv4 total
 * length and header checksum, IPv6 payload length, UDP length, and the TCP, UDP,
 * ICMP, ICMPv6, SCTP (CRC32c) and GRE checksums. Every length runs to the end of the
 * buffer (no trailers). To craft a malformed packet, change bytes after pb_finish()
 * (PB_AT() gives a typed pointer); to model a capture cut by its snap length,
 * pb_trim() after pb_finish() (the headers keep their full lengths).
 *
 * Ports, ids and addresses in the option structs are host order; PB_IP4(a, b, c, d)
 * builds an IPv4 address, pb_in6("2001:db8::1") an IPv6 one. A builder that would
 * overflow the buffer aborts: that is a bug in the test, not a test result.
 */
#ifndef PL_PKTBUILD_H
#define PL_PKTBUILD_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PB_CAP 16384 /* bytes per packet: jumbo frames (XDP test_run takes more than a
					  page only with BPF_F_XDP_HAS_FRAGS) */
#define PB_LAYERS_MAX 32

/* Ethertypes and protocol numbers the builders know about. */
#define PB_ETH_P_IP 0x0800
#define PB_ETH_P_ARP 0x0806
#define PB_ETH_P_8021Q 0x8100
#define PB_ETH_P_8021AD 0x88a8
#define PB_ETH_P_QINQ_OLD 0x9100
#define PB_ETH_P_IPV6 0x86dd
#define PB_ETH_P_TEB 0x6558
#define PB_ETH_P_PPP 0x880b

#define PB_IPPROTO_HOPOPTS 0
#define PB_IPPROTO_ICMP 1
#define PB_IPPROTO_TCP 6
#define PB_IPPROTO_UDP 17
#define PB_IPPROTO_ROUTING 43
#define PB_IPPROTO_FRAGMENT 44
#define PB_IPPROTO_GRE 47
#define PB_IPPROTO_AH 51
#define PB_IPPROTO_ICMPV6 58
#define PB_IPPROTO_NONE 59
#define PB_IPPROTO_DSTOPTS 60
#define PB_IPPROTO_SCTP 132

#define PB_TCP_FIN 0x01
#define PB_TCP_SYN 0x02
#define PB_TCP_RST 0x04
#define PB_TCP_PSH 0x08
#define PB_TCP_ACK 0x10
#define PB_TCP_URG 0x20
#define PB_TCP_ECE 0x40
#define PB_TCP_CWR 0x80

#define PB_IP_MF 0x2000 /* IPv4 frag_off: more fragments */
#define PB_IP_DF 0x4000 /* IPv4 frag_off: don't fragment */

#define PB_VXLAN_PORT 4789

#define PB_IP4(a, b, c, d)                                                                 \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/* A typed pointer to the header at @off (as returned by a builder). */
#define PB_AT(b, off, type) ((type *)(void *)((b)->buf + (off)))

enum pb_kind {
	PB_K_RAW = 0,
	PB_K_ETH,
	PB_K_VLAN,
	PB_K_ARP,
	PB_K_IPV4,
	PB_K_IPV6,
	PB_K_IPV6_EXT,
	PB_K_TCP,
	PB_K_UDP,
	PB_K_ICMP,
	PB_K_ICMPV6,
	PB_K_SCTP,
	PB_K_GRE,
	PB_K_VXLAN,
};

struct pb_layer {
	enum pb_kind kind;
	size_t off;
	size_t len; /* header length */
	int ip;     /* index of the enclosing IPv4/IPv6 layer, -1 if none */
	bool csum;  /* GRE: checksum present */
};

struct pb {
	uint8_t buf[PB_CAP];
	size_t len;
	struct pb_layer layer[PB_LAYERS_MAX];
	int nlayers;
	int cur_ip; /* innermost IP layer so far, -1 if none */
};

static inline void pb_init(struct pb *b)
{
	memset(b, 0, sizeof(*b));
	b->cur_ip = -1;
}

/* ---- raw bytes ---------------------------------------------------------------- */

static inline void pb_die(const char *what)
{
	fprintf(stderr, "pktbuild: %s\n", what);
	abort();
}

/* Append @n zero bytes and return their offset. */
static inline size_t pb_zero(struct pb *b, size_t n)
{
	size_t off = b->len;

	if (n > PB_CAP - b->len)
		pb_die("packet larger than PB_CAP");
	memset(b->buf + off, 0, n);
	b->len += n;
	return off;
}

/* Append @n bytes from @data (zeros if NULL) and return their offset. */
static inline size_t pb_put(struct pb *b, const void *data, size_t n)
{
	size_t off = pb_zero(b, n);

	if (data)
		memcpy(b->buf + off, data, n);
	return off;
}

/* Append @n payload bytes 0, 1, 2, ... (mod 256). */
static inline size_t pb_payload(struct pb *b, size_t n)
{
	size_t off = pb_zero(b, n);

	for (size_t i = 0; i < n; i++)
		b->buf[off + i] = (uint8_t)i;
	return off;
}

/* Cut the packet to @len bytes (a truncated capture); headers past it are dropped. */
static inline void pb_trim(struct pb *b, size_t len)
{
	if (len < b->len)
		b->len = len;
	while (b->nlayers > 0 && b->layer[b->nlayers - 1].off >= b->len)
		b->nlayers--;
}

static inline void pb_set8(struct pb *b, size_t off, uint8_t v)
{
	b->buf[off] = v;
}

static inline void pb_set16(struct pb *b, size_t off, uint16_t v)
{
	b->buf[off] = (uint8_t)(v >> 8);
	b->buf[off + 1] = (uint8_t)v;
}

static inline void pb_set32(struct pb *b, size_t off, uint32_t v)
{
	pb_set16(b, off, (uint16_t)(v >> 16));
	pb_set16(b, off + 2, (uint16_t)v);
}

static inline uint16_t pb_get16(const struct pb *b, size_t off)
{
	return (uint16_t)(b->buf[off] << 8 | b->buf[off + 1]);
}

static inline size_t pb_layer_add(struct pb *b, enum pb_kind kind, size_t hlen)
{
	size_t off = pb_zero(b, hlen);
	struct pb_layer *l;

	if (b->nlayers == PB_LAYERS_MAX)
		pb_die("too many layers");
	l = &b->layer[b->nlayers];
	l->kind = kind;
	l->off = off;
	l->len = hlen;
	l->ip = b->cur_ip;
	l->csum = false;
	if (kind == PB_K_IPV4 || kind == PB_K_IPV6)
		b->cur_ip = b->nlayers;
	b->nlayers++;
	return off;
}

/* ---- addresses ---------------------------------------------------------------- */

static inline struct in6_addr pb_in6(const char *s)
{
	struct in6_addr a;

	if (inet_pton(AF_INET6, s, &a) != 1)
		pb_die("bad IPv6 address literal");
	return a;
}

/* ---- link layer --------------------------------------------------------------- */

/* Ethernet II. NULL MACs become 02:00:00:00:00:02 (dst) and 02:00:00:00:00:01 (src). */
static inline size_t pb_eth(struct pb *b, const uint8_t *dst, const uint8_t *src, uint16_t type)
{
	static const uint8_t ddst[6] = { 2, 0, 0, 0, 0, 2 }, dsrc[6] = { 2, 0, 0, 0, 0, 1 };
	size_t off = pb_layer_add(b, PB_K_ETH, 14);

	memcpy(b->buf + off, dst ? dst : ddst, 6);
	memcpy(b->buf + off + 6, src ? src : dsrc, 6);
	pb_set16(b, off + 12, type);
	return off;
}

/*
 * One VLAN tag body (TCI + next ethertype). Its TPID (0x8100, 0x88a8, 0x9100) is the
 * type field of the header before it.
 */
static inline size_t pb_vlan(struct pb *b, uint16_t vid, uint8_t pcp, uint16_t type)
{
	size_t off = pb_layer_add(b, PB_K_VLAN, 4);

	pb_set16(b, off, (uint16_t)((pcp & 7) << 13 | (vid & 0x0fff)));
	pb_set16(b, off + 2, type);
	return off;
}

/* ARP for IPv4 over Ethernet (28 bytes). NULL MACs are zero. */
static inline size_t pb_arp(struct pb *b, uint16_t op, const uint8_t *sha, uint32_t spa,
			    const uint8_t *tha, uint32_t tpa)
{
	size_t off = pb_layer_add(b, PB_K_ARP, 28);

	pb_set16(b, off, 1);          /* htype Ethernet */
	pb_set16(b, off + 2, 0x0800); /* ptype IPv4 */
	b->buf[off + 4] = 6;
	b->buf[off + 5] = 4;
	pb_set16(b, off + 6, op);
	if (sha)
		memcpy(b->buf + off + 8, sha, 6);
	pb_set32(b, off + 14, spa);
	if (tha)
		memcpy(b->buf + off + 18, tha, 6);
	pb_set32(b, off + 24, tpa);
	return off;
}

/* ---- IPv4 --------------------------------------------------------------------- */

struct pb_ipv4_opts {
	uint32_t src, dst; /* host order, see PB_IP4() */
	uint8_t proto;
	uint8_t ttl;       /* 0: 64 */
	uint8_t tos;
	uint16_t id;
	uint16_t frag_off; /* flags (PB_IP_MF, PB_IP_DF) | offset in 8-byte units */
	const void *options;
	size_t optlen;     /* padded with zeros (EOL) to a multiple of 4, at most 40 */
};

static inline size_t pb_ipv4(struct pb *b, const struct pb_ipv4_opts *o)
{
	size_t olen = (o->optlen + 3) & ~(size_t)3;
	size_t off;

	if (olen > 40)
		pb_die("IPv4 options longer than 40 bytes");
	off = pb_layer_add(b, PB_K_IPV4, 20 + olen);
	b->buf[off] = (uint8_t)(0x40 | (20 + olen) / 4);
	b->buf[off + 1] = o->tos;
	pb_set16(b, off + 4, o->id);
	pb_set16(b, off + 6, o->frag_off);
	b->buf[off + 8] = o->ttl ? o->ttl : 64;
	b->buf[off + 9] = o->proto;
	pb_set32(b, off + 12, o->src);
	pb_set32(b, off + 16, o->dst);
	if (o->optlen)
		memcpy(b->buf + off + 20, o->options, o->optlen);
	return off;
}

/* ---- IPv6 and extension headers ----------------------------------------------- */

struct pb_ipv6_opts {
	struct in6_addr src, dst;
	uint8_t nexthdr;
	uint8_t hop_limit; /* 0: 64 */
	uint8_t tclass;
	uint32_t flow_label;
};

static inline size_t pb_ipv6(struct pb *b, const struct pb_ipv6_opts *o)
{
	size_t off = pb_layer_add(b, PB_K_IPV6, 40);

	pb_set32(b, off, 6u << 28 | (uint32_t)o->tclass << 20 | (o->flow_label & 0xfffff));
	b->buf[off + 6] = o->nexthdr;
	b->buf[off + 7] = o->hop_limit ? o->hop_limit : 64;
	memcpy(b->buf + off + 8, &o->src, 16);
	memcpy(b->buf + off + 24, &o->dst, 16);
	return off;
}

/*
 * Hop-by-hop or destination options header of @len bytes (a multiple of 8, >= 8),
 * the options area filled with one PadN option.
 */
static inline size_t pb_ipv6_opts_hdr(struct pb *b, uint8_t nexthdr, size_t len)
{
	size_t off;

	if (len < 8 || len % 8 || len > 2048)
		pb_die("IPv6 options header length must be a multiple of 8 in [8, 2048]");
	off = pb_layer_add(b, PB_K_IPV6_EXT, len);
	b->buf[off] = nexthdr;
	b->buf[off + 1] = (uint8_t)(len / 8 - 1);
	b->buf[off + 2] = 1; /* PadN */
	b->buf[off + 3] = (uint8_t)(len - 4);
	return off;
}

/*
 * Routing header of type @type with @segments_left and @nseg 16-byte addresses
 * (zeros; fill them through PB_AT if they matter).
 */
static inline size_t pb_ipv6_routing(struct pb *b, uint8_t nexthdr, uint8_t type,
				     uint8_t segments_left, unsigned nseg)
{
	size_t len = 8 + 16 * (size_t)nseg;
	size_t off;

	if (nseg > 127)
		pb_die("too many routing segments");
	off = pb_layer_add(b, PB_K_IPV6_EXT, len);
	b->buf[off] = nexthdr;
	b->buf[off + 1] = (uint8_t)(len / 8 - 1);
	b->buf[off + 2] = type;
	b->buf[off + 3] = segments_left;
	return off;
}

/* Fragment header: @offset in 8-byte units, @more = M flag. */
static inline size_t pb_ipv6_frag(struct pb *b, uint8_t nexthdr, uint16_t offset, bool more,
				  uint32_t id)
{
	size_t off = pb_layer_add(b, PB_K_IPV6_EXT, 8);

	b->buf[off] = nexthdr;
	pb_set16(b, off + 2, (uint16_t)(offset << 3 | (more ? 1 : 0)));
	pb_set32(b, off + 4, id);
	return off;
}

/*
 * Authentication header (RFC 4302) with an @icv_len-byte ICV (zeros). Its length
 * field counts 4-byte words minus 2, unlike the other extension headers; the total
 * (12 + icv_len) must be a multiple of 8 over IPv6.
 */
static inline size_t pb_ah(struct pb *b, uint8_t nexthdr, uint32_t spi, uint32_t seq,
			   size_t icv_len)
{
	size_t len = 12 + icv_len;
	size_t off;

	if (len % 4 || len / 4 - 2 > 255)
		pb_die("AH length must be a multiple of 4");
	off = pb_layer_add(b, PB_K_IPV6_EXT, len);
	b->buf[off] = nexthdr;
	b->buf[off + 1] = (uint8_t)(len / 4 - 2);
	pb_set32(b, off + 4, spi);
	pb_set32(b, off + 8, seq);
	return off;
}

/* ---- transport ---------------------------------------------------------------- */

struct pb_tcp_opts {
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;  /* PB_TCP_* */
	uint16_t window; /* 0: 65535 */
	const void *options;
	size_t optlen;   /* padded with zeros (EOL) to a multiple of 4, at most 40 */
};

static inline size_t pb_tcp(struct pb *b, const struct pb_tcp_opts *o)
{
	size_t olen = (o->optlen + 3) & ~(size_t)3;
	size_t off;

	if (olen > 40)
		pb_die("TCP options longer than 40 bytes");
	off = pb_layer_add(b, PB_K_TCP, 20 + olen);
	pb_set16(b, off, o->sport);
	pb_set16(b, off + 2, o->dport);
	pb_set32(b, off + 4, o->seq);
	pb_set32(b, off + 8, o->ack);
	b->buf[off + 12] = (uint8_t)((20 + olen) / 4 << 4);
	b->buf[off + 13] = o->flags;
	pb_set16(b, off + 14, o->window ? o->window : 65535);
	if (o->optlen)
		memcpy(b->buf + off + 20, o->options, o->optlen);
	return off;
}

static inline size_t pb_udp(struct pb *b, uint16_t sport, uint16_t dport)
{
	size_t off = pb_layer_add(b, PB_K_UDP, 8);

	pb_set16(b, off, sport);
	pb_set16(b, off + 2, dport);
	return off;
}

/* ICMP header; @rest is the second word (echo: id << 16 | seq). */
static inline size_t pb_icmp(struct pb *b, uint8_t type, uint8_t code, uint32_t rest)
{
	size_t off = pb_layer_add(b, PB_K_ICMP, 8);

	b->buf[off] = type;
	b->buf[off + 1] = code;
	pb_set32(b, off + 4, rest);
	return off;
}

static inline size_t pb_icmp_echo(struct pb *b, bool reply, uint16_t id, uint16_t seq)
{
	return pb_icmp(b, reply ? 0 : 8, 0, (uint32_t)id << 16 | seq);
}

static inline size_t pb_icmp6(struct pb *b, uint8_t type, uint8_t code, uint32_t rest)
{
	size_t off = pb_layer_add(b, PB_K_ICMPV6, 8);

	b->buf[off] = type;
	b->buf[off + 1] = code;
	pb_set32(b, off + 4, rest);
	return off;
}

static inline size_t pb_icmp6_echo(struct pb *b, bool reply, uint16_t id, uint16_t seq)
{
	return pb_icmp6(b, reply ? 129 : 128, 0, (uint32_t)id << 16 | seq);
}

/* SCTP common header (12 bytes); append chunks with pb_put() or pb_sctp_chunk(). */
static inline size_t pb_sctp(struct pb *b, uint16_t sport, uint16_t dport, uint32_t vtag)
{
	size_t off = pb_layer_add(b, PB_K_SCTP, 12);

	pb_set16(b, off, sport);
	pb_set16(b, off + 2, dport);
	pb_set32(b, off + 4, vtag);
	return off;
}

/* One SCTP chunk with @len value bytes (zeros), padded to 4 bytes. */
static inline size_t pb_sctp_chunk(struct pb *b, uint8_t type, uint8_t flags, size_t len)
{
	size_t off = pb_zero(b, (4 + len + 3) & ~(size_t)3);

	b->buf[off] = type;
	b->buf[off + 1] = flags;
	pb_set16(b, off + 2, (uint16_t)(4 + len));
	return off;
}

/* ---- tunnels ------------------------------------------------------------------ */

struct pb_gre_opts {
	uint16_t proto;    /* payload ethertype: PB_ETH_P_IP, _IPV6, _TEB, _PPP, ... */
	uint8_t version;   /* 0 (RFC 2784/2890) or 1 (PPTP, RFC 2637) */
	bool csum;         /* C: checksum + reserved word, filled by pb_finish() */
	bool key;          /* K: key word (PPTP: payload length << 16 | call id) */
	bool seq;          /* S: sequence number word */
	bool ack;          /* version 1 only: acknowledgment number word */
	uint32_t key_val, seq_val, ack_val;
};

static inline size_t pb_gre(struct pb *b, const struct pb_gre_opts *o)
{
	size_t len = 4 + (o->csum ? 4 : 0) + (o->key ? 4 : 0) + (o->seq ? 4 : 0) +
		     (o->ack ? 4 : 0);
	size_t off = pb_layer_add(b, PB_K_GRE, len), p = off + 4;

	b->layer[b->nlayers - 1].csum = o->csum;
	b->buf[off] = (uint8_t)((o->csum ? 0x80 : 0) | (o->key ? 0x20 : 0) | (o->seq ? 0x10 : 0));
	b->buf[off + 1] = (uint8_t)((o->ack ? 0x80 : 0) | (o->version & 7));
	pb_set16(b, off + 2, o->proto);
	if (o->csum)
		p += 4;
	if (o->key) {
		pb_set32(b, p, o->key_val);
		p += 4;
	}
	if (o->seq) {
		pb_set32(b, p, o->seq_val);
		p += 4;
	}
	if (o->ack)
		pb_set32(b, p, o->ack_val);
	return off;
}

/* VXLAN (RFC 7348) with the I flag and @vni; an Ethernet frame follows. */
static inline size_t pb_vxlan(struct pb *b, uint32_t vni)
{
	size_t off = pb_layer_add(b, PB_K_VXLAN, 8);

	b->buf[off] = 0x08;
	pb_set32(b, off + 4, vni << 8);
	return off;
}

/* ---- finishing ---------------------------------------------------------------- */

/* Ones'-complement sum of @n bytes, added to @sum (not folded). */
static inline uint32_t pb_sum(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static inline uint16_t pb_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* Pseudo-header sum for an upper-layer packet of @len bytes inside IP layer @ip. */
static inline uint32_t pb_pseudo(const struct pb *b, int ip, uint8_t proto, size_t len)
{
	const struct pb_layer *l;
	uint32_t sum = 0;

	if (ip < 0)
		return 0;
	l = &b->layer[ip];
	if (l->kind == PB_K_IPV4) {
		sum = pb_sum(b->buf + l->off + 12, 8, 0);
		sum += proto + (uint32_t)len;
	} else {
		sum = pb_sum(b->buf + l->off + 8, 32, 0);
		sum += (uint32_t)(len >> 16) + (uint32_t)(len & 0xffff) + proto;
	}
	return sum;
}

/* CRC32c (Castagnoli), bitwise: SCTP packets in tests are small. */
static inline uint32_t pb_crc32c(const uint8_t *p, size_t n)
{
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= p[i];
		for (int k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78 & (0u - (crc & 1)));
	}
	return ~crc;
}

/*
 * Fill lengths and checksums, innermost header first so that an outer checksum
 * covers the final inner bytes. Returns the packet length.
 */
static inline size_t pb_finish(struct pb *b)
{
	for (int i = b->nlayers - 1; i >= 0; i--) {
		struct pb_layer *l = &b->layer[i];
		size_t rest = b->len - l->off; /* this header and everything after it */
		uint8_t *h = b->buf + l->off;
		uint32_t sum;
		uint16_t c;

		switch (l->kind) {
		case PB_K_IPV4:
			pb_set16(b, l->off + 2, (uint16_t)rest);
			pb_set16(b, l->off + 10, 0);
			pb_set16(b, l->off + 10, pb_fold(pb_sum(h, l->len, 0)));
			break;
		case PB_K_IPV6:
			pb_set16(b, l->off + 4, (uint16_t)(rest - 40));
			break;
		case PB_K_TCP:
			pb_set16(b, l->off + 16, 0);
			sum = pb_pseudo(b, l->ip, PB_IPPROTO_TCP, rest);
			pb_set16(b, l->off + 16, pb_fold(pb_sum(h, rest, sum)));
			break;
		case PB_K_UDP:
			pb_set16(b, l->off + 4, (uint16_t)rest);
			pb_set16(b, l->off + 6, 0);
			sum = pb_pseudo(b, l->ip, PB_IPPROTO_UDP, rest);
			c = pb_fold(pb_sum(h, rest, sum));
			pb_set16(b, l->off + 6, c ? c : 0xffff);
			break;
		case PB_K_ICMP:
			pb_set16(b, l->off + 2, 0);
			pb_set16(b, l->off + 2, pb_fold(pb_sum(h, rest, 0)));
			break;
		case PB_K_ICMPV6:
			pb_set16(b, l->off + 2, 0);
			sum = pb_pseudo(b, l->ip, PB_IPPROTO_ICMPV6, rest);
			pb_set16(b, l->off + 2, pb_fold(pb_sum(h, rest, sum)));
			break;
		case PB_K_SCTP: {
			uint32_t crc;

			pb_set32(b, l->off + 8, 0);
			crc = pb_crc32c(h, rest);
			/* stored little-endian, as the CRC register is read out */
			h[8] = (uint8_t)crc;
			h[9] = (uint8_t)(crc >> 8);
			h[10] = (uint8_t)(crc >> 16);
			h[11] = (uint8_t)(crc >> 24);
			break;
		}
		case PB_K_GRE:
			if (l->csum) {
				pb_set16(b, l->off + 4, 0);
				pb_set16(b, l->off + 4, pb_fold(pb_sum(h, rest, 0)));
			}
			break;
		default:
			break;
		}
	}
	return b->len;
}

#endif /* PL_PKTBUILD_H */
