/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dissect.h - pktlens's own metadata parsers applied to one flow's packets: the
 * TCP stream starts of both directions, then DNS, HTTP, TLS and SSH where the bytes
 * look like them. Knows nothing of nDPI (the classifier adds nDPI's fields itself),
 * allocates nothing: the state is a plain struct inside the flow.
 */
#ifndef PL_L7_DISSECT_H
#define PL_L7_DISSECT_H

#include <stdint.h>
#include "l7/meta.h"
#include "l7/pkt.h"
#include "l7/quic.h"
#include "l7/stream.h"

#define PL_L7_DIR_TOSERVER 0 /* from the side that started the flow */
#define PL_L7_DIR_TOCLIENT 1

struct pl_l7_dissect {
	struct pl_l7_stream stream[2];
	int16_t tls_at[2];  /* offset of the first TLS handshake record in stream[dir], or -1 */
	int16_t http_at[2]; /* offset of the first HTTP message head, or -1 */
	uint8_t ssh;        /* a direction began with "SSH-" */
	uint8_t inited;
	struct pl_l7_meta meta;
	struct pl_l7_quic quic; /* the client's Initial CRYPTO bytes (QUIC flows) */
};

/* Reset @d for a new flow. */
void pl_l7_dissect_init(struct pl_l7_dissect *d);

/*
 * One packet of the flow in direction @dir (PL_L7_DIR_*), decoded by
 * pl_l7_pkt_decode(). @dns_hint: the classifier holds the flow for DNS (parse UDP
 * payloads as DNS whatever the ports).
 */
void pl_l7_dissect_packet(struct pl_l7_dissect *d, int dir, const struct pl_l7_pkt *p,
			  uint64_t ts_ns, int dns_hint);

/* No more packets will come: read what cut messages hold. */
void pl_l7_dissect_final(struct pl_l7_dissect *d, uint64_t ts_ns);

#endif
