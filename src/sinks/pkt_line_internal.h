/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt_line_internal.h - what pkt_line.c (Ethernet, VLAN, IPv4, IPv6, ARP) and
 * pkt_line_l4.c (TCP, UDP, ICMP) share; not for use outside them (the API is pkt_line.h).
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

/*
 * pkt_line_l4.c: the transport part of the line, from the addresses on. @n: the bytes
 * captured at @p; @paylen: the bytes the IP header says follow.
 */
void pl_pkt_line_l4(FILE *f, const struct l3 *a, unsigned int proto, const uint8_t *p,
		    uint32_t n, uint32_t paylen);

#endif
