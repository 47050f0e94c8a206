/* SPDX-License-Identifier: BSD-2-Clause */
/* rules_pkt.h - the decoded packet the rule engine tests. */
#ifndef PL_SIGS_PKT_H
#define PL_SIGS_PKT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct rpkt {
	uint8_t family, alen, proto, ttl, tcp_flags, itype, icode;
	bool has_l4, has_opts;
	uint16_t ipid, sport, dport, window, icmp_id, icmp_seq;
	uint32_t seq, ack;
	uint64_t opts_lo, opts_mid, opts_hi; /* IPv4 option types seen */
	uint8_t src[16], dst[16];
	const uint8_t *payload;
	size_t plen;
};

/* 0, or -1 when @d is not an IPv4/IPv6 packet whose header fits. */
int pl_rpkt_decode(const uint8_t *d, size_t len, struct rpkt *p);

#endif
