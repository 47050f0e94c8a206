/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rates.h - live rates per flow and direction, from the counters the flow table holds:
 * the change since the previous read over the last interval, and iftop's 2 s, 10 s
 * and 40 s averages from a short history kept in user space for every flow.
 *
 * Memory: about 420 bytes per flow in the table (a copy of its key and counters, and
 * 21 two-second slots of packets and bytes per direction), allocated as flows appear
 * and freed as they leave the table; never more entries than the table can hold, so
 * 65536 flows (the default --flows) cost at most ~27 MiB. Offline (analyze) nothing
 * is kept: a capture has no "now" to give a rate at.
 */
#ifndef PL_RATES_H
#define PL_RATES_H

#include <stddef.h>
#include "analysis/stats.h"

struct pl_rates;

/*
 * A history for a flow table of at most @max_flows entries whose counters started at
 * @start_ns (CLOCK_MONOTONIC; the attach time: a flow met later started from 0 then).
 * NULL when out of memory.
 */
struct pl_rates *pl_rates_new(size_t max_flows, __u64 start_ns);
void pl_rates_free(struct pl_rates *rt);

/*
 * The table read at @now_ns: fill every flow's rate[] and remember its counters.
 * A flow not seen before counts from 0 at the previous read; one that left the table
 * is forgotten; one evicted and created again (first seen later, counters lower)
 * starts over. 0, or -ENOMEM (the rates of flows without room are 0).
 */
int pl_rates_update(struct pl_rates *rt, struct pl_flow *flows, size_t n, __u64 now_ns);

#endif
