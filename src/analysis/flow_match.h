/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flow_match.h - a tcpdump expression applied to flows (monitor's '/' key): libpcap
 * compiles it and runs it on a packet made from the flow's key, as its initiator would
 * send it (Ethernet, the VLAN tag if any, IPv4 or IPv6, the transport header with the
 * ports). So "src" is the initiator's side, "dst" the responder's; "host", "net" and
 * "port" match either end, as on a packet.
 */
#ifndef PL_FLOW_MATCH_H
#define PL_FLOW_MATCH_H

#include <stdbool.h>
#include <pcap/pcap.h>
#include "analysis/stats.h"

#define PL_FLOW_MATCH_LEN 128 /* longest expression kept */

struct pl_flow_match {
	bool set;
	struct bpf_program prog;
	char text[PL_FLOW_MATCH_LEN];
};

/*
 * Compile @expr into @m (an empty one clears it: every flow matches). On error @m is
 * unchanged and @err says why in libpcap's words: -EINVAL (bad expression), -E2BIG.
 */
int pl_flow_match_set(struct pl_flow_match *m, const char *expr, char *err, size_t errlen);
bool pl_flow_match(const struct pl_flow_match *m, const struct pl_flow *f);
void pl_flow_match_free(struct pl_flow_match *m);

/* The packet pl_flow_match() runs the expression on; returns its length (<= 128). */
size_t pl_flow_packet(const struct pl_flow *f, unsigned char *pkt);

#endif
