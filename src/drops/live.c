// SPDX-License-Identifier: BSD-2-Clause
/* live.c - the drops program run beside monitor, one view per interval. */
#include <string.h>
#include "drops/live.h"

int pl_drops_live_start(struct pl_drops_live *l, const char *ifname, unsigned int top)
{
	struct pl_drops_opts o = { .ifname = ifname };
	int err;

	memset(l, 0, sizeof(*l));
	err = pl_drop_names_load(&l->names);
	if (!err)
		err = pl_drops_open(&l->d, &o, &l->names);
	if (err) {
		pl_drops_live_stop(l);
		return err;
	}
	l->ksyms = pl_ksyms_load();
	l->ctx.names = &l->names;
	l->ctx.ksyms = l->ksyms;
	l->ctx.own_netns = l->d.netns;
	l->ctx.top = top;
	pl_xdp_verdicts_start(&l->xdp, l->d.ifindex);
	l->ctx.xdp = &l->xdp;
	return 0;
}

int pl_drops_live_update(struct pl_drops_live *l)
{
	int err;

	pl_drops_view_free(&l->view);
	pl_drops_snap_free(&l->prev);
	pl_xdp_verdicts_update(&l->xdp);
	l->prev = l->cur;
	memset(&l->cur, 0, sizeof(l->cur));
	err = pl_drops_read(&l->d, &l->cur);
	if (!err)
		err = pl_drops_view(l->have_prev ? &l->prev : NULL, &l->cur, &l->view);
	l->have_prev = !err;
	return err;
}

void pl_drops_live_stop(struct pl_drops_live *l)
{
	pl_drops_view_free(&l->view);
	pl_drops_snap_free(&l->prev);
	pl_drops_snap_free(&l->cur);
	pl_xdp_verdicts_stop(&l->xdp);
	pl_drops_close(&l->d);
	pl_ksyms_free(l->ksyms);
	pl_drop_names_free(&l->names);
	memset(l, 0, sizeof(*l));
}
