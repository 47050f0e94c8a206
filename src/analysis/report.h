/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - one view of the data plane at a point in time: what every sink (JSON,
 * text, ncurses) prints. Built by monitor once per interval and by analyze once.
 */
#ifndef PL_REPORT_H
#define PL_REPORT_H

#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "analysis/stats.h"
#include "analysis/talkers.h"

struct pl_l7_session;
struct pl_json;

/* Limits of the options every report command shares (--top, --flows). */
#define PL_TOP_MAX 10000
/* monitor --cost-sample: percent of each interval the kernel times the program. */
#define PL_COST_SAMPLE_DEFAULT 10
#define PL_FLOWS_MAX (1u << 26)

struct pl_drops_view;
struct pl_tcp_view;
struct pl_svc;
struct pl_alerts;
struct pl_drops_ctx;

#define PL_REPORT_EXTRAS 4

struct pl_report {
	const char *source;           /* interface name or capture file */
	const char *mode;             /* native, generic, tc, offline, pinned */
	const struct pl_stats *total; /* since start */
	const struct pl_stats *delta; /* over the interval (rates) */
	double interval_s;            /* seconds covered by delta */
	__u64 now_unix_ns;            /* when this report was taken (capture time offline) */
	bool no_time;                 /* offline, a capture without packets: no time at all */
	__s64 clock_to_unix_ns;       /* add to flow timestamps to get Unix time */
	struct pl_flow *flows;        /* every live flow; sinks sort it */
	size_t nflows;
	bool has_rates;               /* flows carry live rates (monitor; never offline) */
	__u32 flow_capacity;
	struct pl_talkers *talk;      /* the kernel's address/port/ICMP tables; NULL: none */
	int top;                      /* rows in each top list */
	bool has_cost;
	double cost_ns_per_pkt;       /* kernel run_time_ns / run_cnt since the start */
	__u64 cost_runs;              /* runs timed since the start */
	unsigned int cost_sample_pct; /* share of each interval the kernel timed runs */
	const struct pl_l7_session *l7; /* L7 on: "app" per flow and the "l7" object */
	const struct pl_drops_view *drops;    /* monitor --drops: the kernel's drops, else NULL */
	const struct pl_drops_ctx *drops_ctx;
	struct pl_tcp_view *tcp;      /* TCP RTT and health (src/perf/), else NULL */
	const struct pl_svc *svc;     /* service latency (src/perf/svc.h), else NULL */
	/* Commands' own parts of the report, in order (protect's mitigation, signatures,
	 * analyze's protocol hierarchy): pl_report_add_extra(). */
	struct pl_report_extra {
		void (*json)(struct pl_json *j, void *arg);
		void (*text)(void (*emit)(void *emit_arg, const char *line), void *emit_arg,
			     void *arg);
		void *arg;
		/* its alerts, written into the report's one "alerts" list; NULL: none */
		void (*alert_items)(struct pl_json *j, void *arg);
	} extra[PL_REPORT_EXTRAS];
	unsigned int nextra;
	/* Detection (issue 19): its alerts, NULL when off; all: every one, else those
	 * raised or updated since the last report (monitor). */
	const struct pl_alerts *alerts;
	bool alerts_all;
};

/* Add a part to @r's JSON and text (at most PL_REPORT_EXTRAS; more are left out). */
static inline void pl_report_add_extra(struct pl_report *r,
				       void (*json)(struct pl_json *j, void *arg),
				       void (*text)(void (*emit)(void *, const char *), void *,
						    void *),
				       void *arg)
{
	if (r->nextra < PL_REPORT_EXTRAS)
		r->extra[r->nextra++] = (struct pl_report_extra){ json, text, arg, NULL };
}

/* Evictions implied by the counters: entries created minus entries alive. */
static inline __u64 pl_report_evictions(const struct pl_report *r)
{
	return r->total->flows_created > r->nflows ? r->total->flows_created - r->nflows : 0;
}

/*
 * Live (every mode but offline) the program sees ingress only, so a flow's state
 * cannot rest on a direction it never sees; a capture file holds both.
 */
static inline bool pl_report_ingress_only(const struct pl_report *r)
{
	return r->mode && strcmp(r->mode, "offline");
}

static inline const char *pl_report_flow_state(const struct pl_report *r,
					       const struct pl_flow *f)
{
	return pl_flow_state_seen(f, pl_report_ingress_only(r));
}

/* Sinks. The text form is rendered line by line so the terminal view reuses it. */
typedef void (*pl_line_fn)(void *arg, const char *line);
void pl_report_render(const struct pl_report *r, pl_line_fn emit, void *arg);
void pl_report_text(FILE *f, const struct pl_report *r);
/* One JSON object; pretty: indented over several lines (bpftool -p), else one line. */
void pl_report_json(FILE *f, const struct pl_report *r, bool pretty);

#endif
