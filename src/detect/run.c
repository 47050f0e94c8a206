// SPDX-License-Identifier: BSD-2-Clause
#define _GNU_SOURCE
/* run.c - detection as the commands run it: see run.h. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "config/config.h"
#include "detect/ioc.h"
#include "detect/run.h"
#include "loader/dataplane.h"
#include "sinks/timefmt.h"
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
	r->has_ioc = ioc != NULL;
	r->has_domains = ioc && pl_ioc_count(ioc, true);
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

int pl_det_run_differs(const struct pl_det_run *old, const struct pl_det_run *fresh, char *why,
		       size_t whylen)
{
	if (fresh->cfg.amp_min_bytes != old->cfg.amp_min_bytes) {
		snprintf(why, whylen, "[detect] amplification-min-bytes changed (%u to %u): the "
			 "data plane counts with it, that needs a restart",
			 old->cfg.amp_min_bytes, fresh->cfg.amp_min_bytes);
		return -EINVAL;
	}
	/* Lists are read again whenever there are any: their files may have changed. */
	return !pl_det_cfg_equal(&fresh->cfg, &old->cfg) || fresh->has_ioc || old->has_ioc;
}

void pl_det_run_l7_note(const struct pl_det_run *r, const char *cmd, unsigned int l7_pkts,
			const char *hint)
{
	if (r->det && r->has_domains && !l7_pkts)
		pl_warn("%s: the [detect] domain lists match DNS, TLS and HTTP names from L7's "
			"samples, off here: they will match nothing (%s)", cmd, hint);
}

int pl_det_run_tick(struct pl_det_run *r, const struct pl_dp *dp, const struct pl_stats *delta,
		    const struct pl_flow *flows, size_t nflows, __u64 now_ns, __s64 to_unix_ns,
		    double span_s, bool offline)
{
	struct pl_det_input in = { .now_ns = now_ns, .to_unix_ns = to_unix_ns, .span_s = span_s,
				   .delta = delta, .flows = flows, .nflows = nflows,
				   .det_srcs_fd = dp->det_srcs_fd,
				   .det_frags_fd = dp->det_frags_fd,
				   .det_frag_stats_fd = dp->det_frag_stats_fd,
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

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

/* One live tick: the maps as they are now, against the last tick's counters. */
static void live_tick(struct pl_det_run *r)
{
	struct pl_stats cur, delta;
	struct pl_flow *flows = NULL;
	size_t n = 0;
	__u64 now;

	if (pl_stats_read(r->dp->stats_fd, &cur) || pl_flows_read(r->dp->flows_fd, &flows, &n))
		return; /* the report says why the maps cannot be read */
	now = mono_ns();
	pl_stats_sub(&delta, &cur, &r->prev);
	pthread_mutex_lock(&r->mu);
	pl_det_run_tick(r, r->dp, &delta, flows, n, now, pl_time_mono_to_unix(),
			(now - r->t_prev) / 1e9, false);
	pthread_mutex_unlock(&r->mu);
	r->prev = cur;
	r->t_prev = now;
	free(flows);
}

static void *live_loop(void *arg)
{
	struct pl_det_run *r = arg;
	__u64 step = (__u64)(r->cfg.tick_s * 1e9), next = mono_ns() + step;
	sigset_t all;

	sigfillset(&all); /* signals are the main thread's: it stops the run */
	pthread_sigmask(SIG_BLOCK, &all, NULL);
	/* its own name: top -H and /proc/PID/task show what detection costs */
	pthread_setname_np(pthread_self(), "pl-detect");
	while (!r->stop) {
		__u64 now = mono_ns();
		struct timespec ts;

		if (now < next) {
			ts.tv_sec = (next - now) / 1000000000ull;
			ts.tv_nsec = (next - now) % 1000000000ull;
			nanosleep(&ts, NULL);
			continue;
		}
		live_tick(r);
		next += step;
		if (next < mono_ns()) /* a tick took longer than a step: no catching up */
			next = mono_ns() + step;
	}
	return NULL;
}

int pl_det_run_live(struct pl_det_run *r, const struct pl_dp *dp)
{
	int err;

	if (!r->det)
		return 0;
	r->dp = dp;
	r->t_prev = mono_ns();
	if (pl_stats_read(dp->stats_fd, &r->prev))
		memset(&r->prev, 0, sizeof(r->prev));
	pthread_mutex_init(&r->mu, NULL);
	err = pthread_create(&r->th, NULL, live_loop, r);
	if (err) {
		pl_warn("cannot start detection's thread: %s", strerror(err));
		return -err;
	}
	r->threaded = true;
	return 0;
}

void pl_det_run_lock(struct pl_det_run *r)
{
	if (r->threaded)
		pthread_mutex_lock(&r->mu);
}

void pl_det_run_unlock(struct pl_det_run *r)
{
	if (r->threaded)
		pthread_mutex_unlock(&r->mu);
}

void pl_det_run_meta(void *arg, const struct pl_l7_eve_flow *fl, const struct pl_l7_meta *m)
{
	struct pl_det_run *r = arg;

	pl_det_run_lock(r);
	pl_det_meta(r->det, fl, m);
	pl_det_run_unlock(r);
}

void pl_det_run_halt(struct pl_det_run *r)
{
	if (r->threaded) {
		r->stop = true;
		pthread_join(r->th, NULL);
		pthread_mutex_destroy(&r->mu);
		r->threaded = false;
	}
}

void pl_det_run_stop(struct pl_det_run *r)
{
	pl_det_run_halt(r);
	pl_det_free(r->det);
	pl_alerts_free(r->alerts);
	r->det = NULL;
	r->alerts = NULL;
}
