/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * monitor_hooks.h - how `pktlens protect` runs as `monitor` with mitigation: monitor
 * takes its options and loop, loads the data plane for mitigation with its maps pinned,
 * and calls these around its loop.
 */
#ifndef PL_MONITOR_HOOKS_H
#define PL_MONITOR_HOOKS_H

#include <getopt.h>

struct pl_dp;
struct pl_report;
struct pl_alerts;
struct pl_sig_run;

struct pl_monitor_hooks {
	const char *cmd;   /* the command's name in messages */
	const char *usage; /* its --help */
	int (*started)(struct pl_dp *dp);                  /* loaded and attached; != 0: stop */
	void (*tick)(struct pl_dp *dp, struct pl_report *r); /* before each report */
	void (*stop)(void);
	/* detection's alerts, before any is raised (protect: automatic blocks); may be NULL */
	void (*alerts)(struct pl_alerts *al);
	/* the signatures' run, before any packet is matched (protect: drop rules block) */
	void (*sigs)(struct pl_sig_run *run);
	/*
	 * Between the waits for a report, after a signal and at least every 200 ms
	 * (protect: its SIGHUP). < 0: nothing to do (or it set pl_stop); 0: reload,
	 * nothing of its own to reload; 1: reload, its own part done. On a reload monitor
	 * then reads its signatures and [detect] of --config again. May be NULL.
	 */
	int (*wake)(void);
};

/* monitor's long options, ended by a zeroed entry (protect's --config takes them). */
extern const struct option pl_monitor_opts[];

/* Set by protect before it calls cmd_monitor(); NULL: plain monitor. */
extern const struct pl_monitor_hooks *pl_monitor_hooks;

#endif
