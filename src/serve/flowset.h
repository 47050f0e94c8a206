/* SPDX-License-Identifier: BSD-2-Clause */
/* flowset.h - a flow-table read indexed by key (record.c compares two reads with it). */
#ifndef PL_SERVE_FLOWSET_H
#define PL_SERVE_FLOWSET_H

#include <stddef.h>
#include "analysis/stats.h"

struct pl_flowset {
	__u32 *slot;             /* index + 1 into f, 0: empty */
	size_t cap, mask;
	const struct pl_flow *f; /* not owned */
	size_t n;
};

/* Index @n flows at @f (kept, not copied; the slots are reused). 0 or -ENOMEM. */
int pl_flowset_build(struct pl_flowset *s, const struct pl_flow *f, size_t n);
/* The index in f of key @k, -1 if absent. */
long pl_flowset_find(const struct pl_flowset *s, const struct pl_flow_key *k);
void pl_flowset_free(struct pl_flowset *s);

#endif
