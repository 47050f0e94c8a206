/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sig_run.h - signatures in analyze and monitor: each L7 sample (session.h's
 * on_packet) is matched against the rule set; every alert becomes an EVE alert event
 * (eve.h) and is counted; the report gets a "signatures" object and an "alerts" list
 * (the latest PL_SIG_KEEP alerts) in JSON, and per-signature counts in text.
 */
#ifndef PL_SIG_RUN_H
#define PL_SIG_RUN_H

#include <stdio.h>
#include "l7/session.h"
#include "rules/rules.h"
#include "detect/alerts.h"

#define PL_SIG_KEEP 1000

struct pl_sig_run;
struct pl_json;

/* @rs is owned by the run from here on; @eve may be NULL. NULL when out of memory. */
struct pl_sig_run *pl_sig_run_new(struct pl_sigs *rs, FILE *eve);
void pl_sig_run_free(struct pl_sig_run *r);
/* Forget what was seen (flow state, thresholds, counts, kept alerts): the next
 * capture of analyze -r A -r B starts as a run of its own. 0 or -ENOMEM. */
int pl_sig_run_restart(struct pl_sig_run *r);
void pl_sig_run_set_eve(struct pl_sig_run *r, FILE *eve);
/* SIGHUP in protect: @rs (owned from here on) in place of the rule set; what was
 * seen and counted starts afresh (the kept alerts name the old rules). */
void pl_sig_run_replace(struct pl_sig_run *r, struct pl_sigs *rs);
/* protect: @fn decides the action of each alert of a rule whose action is drop (an
 * automatic block of the packet's source); other alerts stay "allowed". */
void pl_sig_run_set_decide(struct pl_sig_run *r, pl_alert_decide_fn fn, void *arg);

/* The session hook (pl_l7_session_opts.on_packet); @arg is the run. */
void pl_sig_run_packet(void *arg, const struct pl_l7_pkt_view *v);

/* The report's parts, for pl_report_add_extra() with the run as the argument.
 * @since_last (monitor): the alerts list holds those since the previous call. */
void pl_sig_run_json(struct pl_json *j, void *run);
/* Its alerts as items of the report's one "alerts" list (pl_report_extra.alert_items). */
void pl_sig_run_alert_items(struct pl_json *j, void *run);
/* The run's parts of @r: the signatures object and text, its alerts in the list. */
struct pl_report;
void pl_sig_run_report(struct pl_report *r, struct pl_sig_run *run);
void pl_sig_run_text(void (*emit)(void *emit_arg, const char *line), void *emit_arg, void *run);
void pl_sig_run_set_interval(struct pl_sig_run *r, bool since_last);

/* EVE writes that failed. */
uint64_t pl_sig_run_eve_errors(const struct pl_sig_run *r);

/* Options shared by analyze, monitor and `pktlens rules`: read the [vars] section of
 * the --config file (pktlens.conf(5)) and load @path. 0 or < 0 after a message. */
int pl_sig_load_cli(const char *path, bool lenient, struct pl_sigs **out);

#endif
