/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tc_filters.h - how many tc filters an interface has at a parent (for example its
 * clsact ingress), so that pktlens removes a clsact qdisc it created only when no one
 * else has put filters on it meanwhile.
 */
#ifndef PL_TC_FILTERS_H
#define PL_TC_FILTERS_H

#include <linux/types.h>

/* Filters on @ifindex at @parent (TC_H_MAKE(TC_H_CLSACT, TC_H_MIN_INGRESS) ...), or -errno. */
int pl_tc_filter_count(int ifindex, __u32 parent);

#endif
