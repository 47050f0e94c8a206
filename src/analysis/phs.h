/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * phs.h - a protocol hierarchy like `tshark -q -z io,phs`: frames and bytes under the
 * link layer, then IPv4/IPv6/ARP, then the transports, then the applications nDPI
 * named. The link and network levels come from the data plane's counters; the split
 * of the transports between IPv4 and IPv6 (when a capture has both) and the
 * applications from the flow table. An application's frames are every packet of the
 * flows nDPI names so (tshark counts only the frames its dissector decoded: the same
 * for UDP protocols, more here for TCP, whose handshake and bare ACKs count too).
 */
#ifndef PL_PHS_H
#define PL_PHS_H

#include <stdint.h>
#include "analysis/report.h"

#define PL_PHS_MAX 128
#define PL_PHS_NAME 24

struct pl_phs_node {
	char name[PL_PHS_NAME];
	uint64_t frames, bytes;
	int depth; /* 0: the link layer */
};

/* Nodes in depth-first order, children by frames, most first. */
struct pl_phs {
	struct pl_phs_node n[PL_PHS_MAX];
	int count;
};

/* The application of a flow as nDPI names it ("TLS.Google", "DNS", "Unknown"). */
typedef const char *(*pl_phs_app_fn)(const void *ctx, const struct pl_flow_key *k);

/*
 * Build @h from the totals @s and the @nflows flows; @link is the link layer's name
 * (tshark's: "eth", "sll", ...); @app_of may be NULL (no application level).
 */
void pl_phs_build(struct pl_phs *h, const struct pl_stats *s, const struct pl_flow *flows,
		  size_t nflows, const char *link, pl_phs_app_fn app_of, const void *ctx);

/* tshark's name of a pcap link type (DLT_*), "frame" for those it has no short one. */
const char *pl_phs_link_name(int dlt);

/* The hierarchy as text lines (tshark's layout) and as "protocol_hierarchy" in JSON. */
void pl_phs_text(const struct pl_phs *h, pl_line_fn emit, void *arg);
void pl_phs_json(struct pl_json *j, const struct pl_phs *h);

#endif
