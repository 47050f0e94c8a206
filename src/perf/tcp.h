/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tcp.h - the user-space side of passive TCP RTT and health (bpf/rtt.h): reads the
 * per-flow records, the RTT histograms per service port and remote network and the
 * totals, and renders them for the reports (JSON, text, the terminal view) and EVE.
 * Every time value in JSON says its unit in its key (rtt_us).
 */
#ifndef PL_PERF_TCP_H
#define PL_PERF_TCP_H

#include <stdbool.h>
#include <stddef.h>
#include "pktlens.h"

struct pl_json;

/* The data plane's TCP maps; -1 when TCP tracking is off. */
struct pl_tcp_fds {
	int flows, hist, totals;
};

struct pl_tcp_flow {
	struct pl_flow_key key;
	struct pl_tcp_val v;
};

struct pl_tcp_hrow {
	struct pl_rtt_hkey k;
	struct pl_rtt_hist h; /* summed over the CPUs */
};

/* Handshakes without an answer count once this old (live; offline: at the end). */
#define PL_TCP_HS_GRACE_NS 3000000000ull

struct pl_tcp_view {
	struct pl_tcp_flow *flows; /* sorted by key */
	size_t nflows;
	struct pl_tcp_hrow *hists;
	size_t nhists;
	__u64 totals[PL_TT_MAX];
	bool offline;
	__u64 now_ns;              /* the program's clock at the read */
};

/*
 * Read everything into @v (zeroed first). @now_ns: the program's clock now (live:
 * CLOCK_MONOTONIC; offline: the capture's last time stamp). 0 or -errno.
 */
int pl_tcp_read(struct pl_tcp_view *v, const struct pl_tcp_fds *fds, bool offline, __u64 now_ns);
void pl_tcp_view_free(struct pl_tcp_view *v);
/* The histograms and totals alone, no per-flow records (serve's /metrics). */
int pl_tcp_read_hists(struct pl_tcp_view *v, const struct pl_tcp_fds *fds);

/* The record of flow @k (normalized key), NULL when there is none. */
const struct pl_tcp_val *pl_tcp_find(const struct pl_tcp_view *v, const struct pl_flow_key *k);

/* A histogram's percentile @p (0-100) in microseconds, interpolated in its bucket. */
double pl_rtt_hist_pct(const struct pl_rtt_hist *h, double p);

/* The members of a flow's "tcp" object (top flows, EVE flow events). */
void pl_tcp_flow_json(struct pl_json *j, const struct pl_tcp_val *t, bool offline);
/* The report's "tcp" object: totals, services, networks, the slowest flows. */
void pl_tcp_json(struct pl_json *j, const struct pl_tcp_view *v, int top);
/* The same as text lines. */
void pl_tcp_lines(const struct pl_tcp_view *v, int top,
		  void (*emit)(void *arg, const char *line), void *arg);
/* "rtt 20.3 ms (p99 41 ms), 12 retrans, 1 reset": the terminal view's brief. */
const char *pl_tcp_brief(const struct pl_tcp_view *v, char *buf, size_t len);

#endif
