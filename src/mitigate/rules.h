/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - rules in the mitigation maps: add (checked against what is there: overlaps,
 * allow entries inside blocks, the host's own addresses, a full table; nothing is left
 * half-applied), remove, find, list with counters, expire. The caller holds the lock
 * (pl_mit_lock). Errors: a negative errno with one line in @err.
 */
#ifndef PL_MITIGATE_RULES_H
#define PL_MITIGATE_RULES_H

#include "mitigate/maps.h"
#include "mitigate/parse.h"

struct pl_rule_row {
	__u32 id;
	struct pl_rule r;
	struct pl_rule_stats st; /* summed over CPUs */
};

/* CLOCK_MONOTONIC now, in ns (the kernel's expiry clock). */
__u64 pl_mono_ns(void);

/* Add @sp; its id in *id. @protected: addresses a block may not cover (own, gateway). */
int pl_rule_add(struct pl_mit *m, const struct pl_rule_spec *sp,
		const struct pl_prefix *protected_addrs, size_t nprot, __u32 *id, char *err,
		size_t errlen);
/* The checks of @sp that need no maps (a block of every address); 0 or -EINVAL. */
int pl_rule_check_alone(const struct pl_rule_spec *sp, char *err, size_t errlen);
/* Remove rule @id (its prefixes, then its slot). */
int pl_rule_del(struct pl_mit *m, __u32 id);
/* The rule of @kind (BLOCK or PORT: either) with exactly this prefix, port and protocol. */
int pl_rule_find(struct pl_mit *m, const struct pl_rule *want, __u32 *id);
/* Every rule in use, with counters (caller frees *rows). */
int pl_rule_list(struct pl_mit *m, struct pl_rule_row **rows, size_t *n);
/* Remove rules whose expiry time has passed; how many were removed. */
int pl_rule_expire(struct pl_mit *m);
/* Totals: allowed, dropped, would_drop, per reason (summed over CPUs). */
int pl_mit_stats_read(struct pl_mit *m, struct pl_mit_stats *out);
/* Set or clear the dry run. */
int pl_mit_set_dry_run(struct pl_mit *m, bool on);

const char *pl_rule_kind_name(int kind);
const char *pl_mit_reason_name(int why);

#endif
