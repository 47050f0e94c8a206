/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * live.h - the kernel's drops beside another command's report (monitor --drops):
 * the drops program for one interface, read once per interval into a view.
 */
#ifndef PL_DROPS_LIVE_H
#define PL_DROPS_LIVE_H

#include "drops/collect.h"
#include "drops/ksyms.h"
#include "drops/report.h"
#include "drops/xdp.h"

struct pl_drops_live {
	struct pl_drops d;
	struct pl_drop_names names;
	struct pl_ksyms *ksyms;
	struct pl_drops_ctx ctx;
	struct pl_drops_snap prev, cur;
	struct pl_drops_view view; /* valid after pl_drops_live_update() returned 0 */
	bool have_prev;
	struct pl_xdp_verdicts xdp; /* the interface's XDP program (monitor's own) */
};

/* Load and attach for @ifname; @top rows per list. 0 or -errno (said why). */
int pl_drops_live_start(struct pl_drops_live *l, const char *ifname, unsigned int top);
/* Read the tables; l->view is the interval since the previous call. 0 or -errno. */
int pl_drops_live_update(struct pl_drops_live *l);
/* Detach and free; safe on a zeroed or stopped @l. */
void pl_drops_live_stop(struct pl_drops_live *l);

#endif
