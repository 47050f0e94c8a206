/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pkt.h - the transport view of one IP packet as the classifier needs it: protocol,
 * ports, TCP sequence number and flags, and the payload, bounded by both the bytes
 * captured and the lengths the headers declare (Ethernet padding is not payload).
 */
#ifndef PL_L7_PKT_H
#define PL_L7_PKT_H

#include <stddef.h>
#include <stdint.h>

struct pl_l7_pkt {
	uint8_t family;   /* 4 or 6 */
	uint8_t l4proto;  /* IPPROTO_* of the transport header (after IPv6 extensions) */
	uint8_t tcp_flags;
	uint8_t fragment; /* a later fragment: no transport header */
	uint16_t sport, dport;
	uint32_t seq;
	const uint8_t *payload; /* NULL when there is no transport payload */
	size_t payload_len;
};

/*
 * Decode the IPv4/IPv6 packet @l3[0..@len). Returns 0 (fills @p), -EINVAL when it
 * is not an IP packet or its header does not fit; a transport header that does not
 * fit leaves the ports 0 and no payload.
 */
int pl_l7_pkt_decode(const uint8_t *l3, size_t len, struct pl_l7_pkt *p);

#endif
