/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rate.h - the rate of one row of a top list (a flow's direction, a source, ...):
 * over the last interval, and iftop's three averages. Rows that sum flows (sources,
 * destinations, ports) add their flows' rates with pl_rate_add().
 */
#ifndef PL_RATE_H
#define PL_RATE_H

#define PL_RATE_AVGS 3 /* iftop's averages over the last 2, 10 and 40 seconds */

static inline unsigned int pl_rate_avg_s(int i)
{
	return i == 0 ? 2 : i == 1 ? 10 : 40;
}

/* float: rates need no more than 7 digits, and every flow of a report carries two. */
struct pl_rate {
	float bps, pps;                   /* over the last interval */
	float bps_avg[PL_RATE_AVGS];      /* over the last 2, 10, 40 s (less since the start) */
	float pps_avg[PL_RATE_AVGS];
};

static inline void pl_rate_add(struct pl_rate *sum, const struct pl_rate *r)
{
	sum->bps += r->bps;
	sum->pps += r->pps;
	for (int i = 0; i < PL_RATE_AVGS; i++) {
		sum->bps_avg[i] += r->bps_avg[i];
		sum->pps_avg[i] += r->pps_avg[i];
	}
}

#endif
