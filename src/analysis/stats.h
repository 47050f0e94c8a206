/* SPDX-License-Identifier: BSD-2-Clause */
/* stats.h - read the per-CPU counters and the flow table into plain structs. */
#ifndef PL_STATS_H
#define PL_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include "pktlens.h"
#include "analysis/rate.h"

/* Sum the per-CPU pl_stats slot over every possible CPU. */
int pl_stats_read(int stats_fd, struct pl_stats *out);
/* out = a - b, counter by counter (for per-interval rates). */
void pl_stats_sub(struct pl_stats *out, const struct pl_stats *a, const struct pl_stats *b);
/* out += a, counter by counter. */
void pl_stats_add(struct pl_stats *out, const struct pl_stats *a);
/*
 * Count a frame too short for an Ethernet header (the kernel refuses to run it)
 * exactly as the program counts one: packet, bytes, size class, trunc_eth, no tunnel.
 */
void pl_stats_add_short_frame(struct pl_stats *s, __u64 caplen, __u64 wire_len);

struct pl_flow {
	struct pl_flow_key key;
	struct pl_flow_value val;
	struct pl_rate rate[2]; /* by enum pl_flow_dir; live only (pl_rates_update), else 0 */
};

/* Read every flow. *flows is malloc'ed (caller frees) and holds *n entries. */
int pl_flows_read(int flows_fd, struct pl_flow **flows, size_t *n);

/* Rate: bits/s over the last interval, both directions together. */
enum pl_flow_order { PL_ORDER_BYTES, PL_ORDER_PACKETS, PL_ORDER_RATE, PL_ORDERS };
void pl_flows_sort(struct pl_flow *flows, size_t n, enum pl_flow_order order);

/* Traffic sent by one address, summed over its flows. */
struct pl_talker {
	__u32 addr[4];
	__u8 family;
	__u64 packets;
	__u64 bytes;
	__u32 flows;
	struct pl_rate rate; /* the sum of its flows' rates in the direction it sent */
};

/* Aggregate senders. *out is malloc'ed, sorted by bytes, descending. */
int pl_top_sources(const struct pl_flow *flows, size_t n, struct pl_talker **out, size_t *nout);
/* Receivers, the same way: each with the flows it received in and their rates that way. */
int pl_top_destinations(const struct pl_flow *flows, size_t n, struct pl_talker **out,
			size_t *nout);
/* Sort talkers (of any top list) by bytes, packets or rate, descending. */
void pl_talkers_sort(struct pl_talker *t, size_t n, enum pl_flow_order order);
/* A flow's rate over both directions. */
void pl_flow_rate(const struct pl_flow *f, struct pl_rate *sum);

/* Text form of an address from a flow key ("198.18.0.1", "2001:db8::1"); buf >= 46. */
const char *pl_addr_str(const __u32 addr[4], __u8 family, char *buf, size_t len);

/* Endpoints in initiator order: the side that sent the first packet first. */
struct pl_flow_view {
	const __u32 *src, *dst;
	__u16 sport, dport; /* host order */
	__u64 pkts_fwd, pkts_rev, bytes_fwd, bytes_rev;
	__u8 flags_fwd, flags_rev;
};
void pl_flow_view(const struct pl_flow *f, struct pl_flow_view *v);
/*
 * TCP state from the flags each side sent: "syn_sent", "established", "closed", "reset",
 * ...; "unidirectional" or "bidirectional" for other protocols. With @ingress_only
 * (live: pktlens sees the packets that arrive, not those that leave), a flow without
 * packets in one direction is "ingress-only" whatever its protocol and flags.
 */
const char *pl_flow_state_seen(const struct pl_flow *f, bool ingress_only);
/* The state where both directions are observed (a capture file). */
const char *pl_flow_state(const struct pl_flow *f);
/* Every name the two above return (for column widths). */
#define PL_FLOW_STATES 10
extern const char *const pl_flow_states[PL_FLOW_STATES];

#endif
