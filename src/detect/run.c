// SPDX-License-Identifier: BSD-2-Clause
/* run.c - detection as the commands run it: see run.h. */
#include <errno.h>
#include <string.h>
#include "config/config.h"
#include "detect/ioc.h"
#include "detect/run.h"
#include "loader/dataplane.h"
#include "util/log.h"

int pl_det_run_start(struct pl_det_run *r, FILE *eve, const char *eve_path)
{
	struct pl_ioc *ioc = NULL;
	int err;

	memset(r, 0, sizeof(*r));
	err = pl_det_cfg_load(pl_config_file(), &r->cfg, &ioc);
	if (err)
		return err;
	r->eve_path = eve_path;
	r->alerts = pl_alerts_new(eve, r->cfg.max_alerts, (__u64)(r->cfg.quiet_s * 1e9));
	r->det = r->alerts ? pl_det_new(&r->cfg, r->alerts, ioc) : NULL;
	if (!r->det) {
		pl_ioc_free(ioc);
		pl_det_run_stop(r);
		pl_warn("out of memory for detection");
		return -ENOMEM;
	}
	return 0;
}

int pl_det_run_tick(struct pl_det_run *r, const struct pl_dp *dp, const struct pl_stats *delta,
		    const struct pl_flow *flows, size_t nflows, __u64 now_ns, __s64 to_unix_ns,
		    double span_s, bool offline)
{
	struct pl_det_input in = { .now_ns = now_ns, .to_unix_ns = to_unix_ns, .span_s = span_s,
				   .delta = delta, .flows = flows, .nflows = nflows,
				   .det_srcs_fd = dp->det_srcs_fd,
				   .egress_fd = offline ? -1 : dp->l7_egress_fd,
				   .offline = offline, .in_iface = offline ? NULL : dp->ifname };
	int err;

	if (!r->det)
		return 0;
	err = pl_det_tick(r->det, &in);
	if (err)
		pl_warn("detection could not read its counters: %s", strerror(-err));
	if (!r->eve_warned && pl_alerts_eve_errors(r->alerts)) {
		pl_warn("cannot write the EVE alerts to '%s'", r->eve_path ? r->eve_path : "-");
		r->eve_warned = true;
	}
	return err;
}

void pl_det_run_stop(struct pl_det_run *r)
{
	pl_det_free(r->det);
	pl_alerts_free(r->alerts);
	r->det = NULL;
	r->alerts = NULL;
}
