/* SPDX-License-Identifier: BSD-2-Clause */
/* block_view.h - the rule list of `pktlens blocked`, also in protect's reports. */
#ifndef PL_BLOCK_VIEW_H
#define PL_BLOCK_VIEW_H

#include <stdio.h>
#include "mitigate/rules.h"

struct pl_json;

/* A "mitigation" object: totals, by reason, and every rule with counters and expiry. */
void pl_blocked_json(struct pl_json *j, const struct pl_rule_row *rows, size_t n,
		     const struct pl_mit_stats *st);
void pl_blocked_text(FILE *f, const struct pl_rule_row *rows, size_t n,
		     const struct pl_mit_stats *st);

#endif
