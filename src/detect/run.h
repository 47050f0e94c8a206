/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * run.h - detection as the commands run it: the configuration, the alert store and the
 * detector, ticked with the data plane's snapshot (monitor: every interval; analyze:
 * every interval of capture time).
 */
#ifndef PL_DETECT_RUN_H
#define PL_DETECT_RUN_H

#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include "detect/alerts.h"
#include "detect/detect.h"

struct pl_dp;

struct pl_det_run {
	struct pl_det_cfg cfg;
	struct pl_alerts *alerts;
	struct pl_det *det;
	const char *eve_path;  /* for messages */
	bool has_ioc;          /* [detect] named address or domain lists */
	bool has_domains;      /* ... domain lists (matched on L7's metadata) */
	bool eve_warned;
	/* live: a thread of its own ticks every cfg.tick_s (pl_det_run_live) */
	pthread_t th;
	bool threaded;
	volatile bool stop;
	pthread_mutex_t mu;    /* the detector and the alerts, between it and the reports */
	const struct pl_dp *dp;
	struct pl_stats prev;
	__u64 t_prev;
};

/*
 * [detect] of the --config file the command read (if any), and a detector whose alerts
 * go to @eve (NULL: none). 0, or -EINVAL (bad configuration, said) or -ENOMEM.
 */
int pl_det_run_start(struct pl_det_run *r, FILE *eve, const char *eve_path);
/*
 * One tick over @dp's maps: @delta the counters' difference over @span_s seconds,
 * @flows the flow table as read, @now_ns program time, @to_unix_ns its offset.
 */
int pl_det_run_tick(struct pl_det_run *r, const struct pl_dp *dp, const struct pl_stats *delta,
		    const struct pl_flow *flows, size_t nflows, __u64 now_ns, __s64 to_unix_ns,
		    double span_s, bool offline);
void pl_det_run_stop(struct pl_det_run *r);
/*
 * A reload (serve's, protect's SIGHUP): may @fresh, [detect] as read again, replace
 * @old? 1: yes, it changed (or names lists, whose files are read again); 0: nothing
 * changed; -EINVAL: a change the data plane needs a restart for (said in @why).
 */
int pl_det_run_differs(const struct pl_det_run *old, const struct pl_det_run *fresh, char *why,
		       size_t whylen);

/*
 * Say once, as @cmd starts, that the domain lists of [detect] never match when L7 is
 * off (@l7_pkts 0): they are matched against L7's metadata. @hint: how to turn it on.
 */
void pl_det_run_l7_note(const struct pl_det_run *r, const char *cmd, unsigned int l7_pkts,
			const char *hint);

/*
 * Live: tick in a thread of its own every cfg.tick_s seconds, reading @dp's counters,
 * flow table and per-address counters itself, so that an alert waits neither for the
 * report's interval nor for the rest of its work (L7 under a flood of new flows).
 * Hold pl_det_run_lock() while reading the alerts. 0 or -errno.
 */
int pl_det_run_live(struct pl_det_run *r, const struct pl_dp *dp);
/* Stop the live thread, keeping the detector and its alerts (read them unlocked). */
void pl_det_run_halt(struct pl_det_run *r);
void pl_det_run_lock(struct pl_det_run *r);
void pl_det_run_unlock(struct pl_det_run *r);
/* pl_det_meta() under the lock: the L7 session's on_meta hook for a live run. */
void pl_det_run_meta(void *arg, const struct pl_l7_eve_flow *fl, const struct pl_l7_meta *m);

#endif
