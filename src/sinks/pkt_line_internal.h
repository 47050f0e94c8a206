/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt_line_internal.h - what pkt_line.c (Ethernet, VLAN, IPv4, IPv6, ARP),
 * pkt_line_l4.c (TCP, UDP, ICMP) and pkt_line_fmt.c (tcpdump's -#, -t, -e, -x, -X, -A)
 * share; not for use outside them (the API is pkt_line.h).
 */
#ifndef PL_PKT_LINE_INTERNAL_H
#define PL_PKT_LINE_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* Big-endian fields read byte by byte: headers in a frame have no alignment. */
static inline uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t be32(const uint8_t *p)
{
	return (uint32_t)be16(p) << 16 | be16(p + 2);
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

/* 802.1Q, 802.1ad and the two old QinQ EtherTypes: a VLAN tag follows (as tcpdump). */
static inline bool pl_is_vlan(uint16_t type)
{
	return type == 0x8100 || type == 0x88a8 || type == 0x9100 || type == 0x9200;
}

/* An EtherType field that holds a length: an 802.3 frame (LLC: STP, CDP, ...). */
static inline bool pl_is_8023(uint16_t type)
{
	return type <= 1500;
}

static inline void pl_put_mac(FILE *f, const uint8_t *m)
{
	fprintf(f, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
}

struct pl_line_fmt;

/* pkt_line_fmt.c: -#'s number and the time stamp (and the state they keep). */
void pl_line_prefix(FILE *f, struct pl_line_fmt *fmt, uint64_t ts_ns);

/* pkt_line_fmt.c: -e's link header of a frame of at least 14 bytes, up to the tags. */
void pl_line_link(FILE *f, const uint8_t *d, uint32_t wire_len);

/* pkt_line_fmt.c: one VLAN tag, followed by the EtherType @next (-e says it). */
void pl_line_tag(FILE *f, const struct pl_line_fmt *fmt, uint16_t tci, uint16_t next);

/* pkt_line_fmt.c: the -x, -xx, -X, -XX, -A or -AA dump; @off: where the VLAN tags end. */
void pl_line_dump(FILE *f, const struct pl_line_fmt *fmt, const uint8_t *d, uint32_t caplen,
		  uint32_t off);

/*
 * pkt_line_l4.c: the transport part of the line, from the addresses on. @n: the bytes
 * captured at @p; @paylen: the bytes the IP header says follow.
 */
void pl_pkt_line_l4(FILE *f, const struct l3 *a, unsigned int proto, const uint8_t *p,
		    uint32_t n, uint32_t paylen);

#endif
