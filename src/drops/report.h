/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - what `pktlens drops` (and monitor) print: the drops since the previous
 * snapshot and since the start, by reason, by interface, by interface and port, and by
 * kernel location, as text in dropwatch's manner or as one JSON object.
 */
#ifndef PL_DROPS_REPORT_H
#define PL_DROPS_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include "drops/collect.h"
#include "drops/ksyms.h"
#include "drops/reasons.h"
#include "sinks/json.h"

/* One line of a grouping: totals since the start and in the last interval. */
struct pl_drop_agg {
	struct pl_drop_key k; /* the fields that group it; the rest are 0 */
	__u64 loc;            /* location rows */
	__u64 total, delta;
};

struct pl_xdp_verdicts;

struct pl_drops_view {
	struct pl_drop_agg *reasons, *ifaces, *entries, *locs;
	size_t nreasons, nifaces, nentries, nlocs;
	__u64 total, delta;
	const __u64 *totals; /* the current snapshot's enum pl_drop_total counters */
};

struct pl_drops_ctx {
	const struct pl_drop_names *names;
	const struct pl_ksyms *ksyms; /* NULL: locations as addresses */
	__u32 own_netns;
	unsigned int top;             /* rows per list (0: all) */
	const struct pl_xdp_verdicts *xdp; /* the XDP programs' verdicts, or NULL */
	const char *ifname;           /* -i: the one interface counted, else NULL */
};

/*
 * The view of @cur against @prev (NULL: the start), each list sorted by its total,
 * largest first. 0 or -ENOMEM; free with pl_drops_view_free().
 */
int pl_drops_view(const struct pl_drops_snap *prev, const struct pl_drops_snap *cur,
		  struct pl_drops_view *v);
void pl_drops_view_free(struct pl_drops_view *v);

/* dropwatch-style lines for an interval's drops (nothing when there were none). */
void pl_drops_text_interval(FILE *f, const struct pl_drops_ctx *c, const struct pl_drops_view *v,
			    const char *clock);
/* The summary since the start: top reasons, interfaces and ports, locations. */
void pl_drops_text_summary(FILE *f, const struct pl_drops_ctx *c, const struct pl_drops_view *v,
			   double elapsed_s);
/* "450 (NO_SOCKET 300, NETFILTER_DROP 150)": the total and the top 3 reasons. */
const char *pl_drops_brief(const struct pl_drops_ctx *c, const struct pl_drops_view *v,
			   char *buf, size_t len);
/* monitor's text: "kernel drops BRIEF", then the top interface/port/reason rows. */
void pl_drops_lines(const struct pl_drops_ctx *c, const struct pl_drops_view *v,
		    void (*emit)(void *arg, const char *line), void *arg);
/* The members of one JSON object (the caller opens and closes it). */
void pl_drops_json(struct pl_json *j, const struct pl_drops_ctx *c, const struct pl_drops_view *v);

#endif
