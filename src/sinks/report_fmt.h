/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report_fmt.h - figures and labels that the text report and the terminal view both
 * print (implemented in report_text.c), so that the two say the same thing.
 */
#ifndef PL_REPORT_FMT_H
#define PL_REPORT_FMT_H

#include "analysis/report.h"

/* Receive rate over the interval: packets and bits per second (0 without a span). */
double pl_report_pps(const struct pl_report *r);
double pl_report_bps(const struct pl_report *r);

/*
 * @part's share of @all as "97.8%", never "0.0%" for a class that is not empty: "<0.1%"
 * then (a handful of IPv6 packets among millions still shows), and never "100.0%" when
 * others are not empty: ">99.9%" then. @buf >= 8 bytes.
 */
const char *pl_report_share(__u64 part, __u64 all, char *buf, size_t len);

/* The rate of the address @addr among @nft talkers of the flows (pl_top_sources() or
 * pl_top_destinations()): the sum of its flows' rates that way; zero when absent. */
const struct pl_rate *pl_talker_rate(const struct pl_talker *ft, size_t nft, const __u32 addr[4],
				     __u8 family);

/* Malformed packets of all reasons together. */
__u64 pl_report_malformed_total(const struct pl_report *r);
/* "198.18.0.1.40000" / "2001:db8::1.443" (tcpdump's address.port for both families)
 * for each end, in initiator order; the protocol's name ("tcp", or its number) in
 * @proto (>= 8 bytes). */
void pl_flow_ends(const struct pl_flow *f, char *e1, char *e2, size_t len, char *proto);

#endif
