/* SPDX-License-Identifier: BSD-2-Clause */
/* internal.h - what the detector's files share (not for the commands). */
#ifndef PL_DETECT_INTERNAL_H
#define PL_DETECT_INTERNAL_H

#include <json-c/json.h>
#include "detect/alerts.h"
#include "detect/detect.h"

/*
 * A counter over a sliding window that hops at tick granularity: the rate is the
 * growth since @base, which is moved to the previous tick's value once it is older
 * than the window; so it covers between one window and one window plus a tick.
 */
struct pl_win {
	uint64_t cur, prev, base;
	uint64_t cur_ns, prev_ns, base_ns; /* when each was read */
};

/* One address of pl_det_srcs, as user space follows it. */
struct pl_src_state {
	struct pl_addr_key key;
	struct pl_win w[PL_DC_MAX];
	struct pl_win arp_hosts;   /* sketch estimates, x1 */
	struct pl_win reflectors;
	uint64_t tick_delta;       /* packets counted since the last tick (entropy) */
	__u32 peer[4];             /* the kernel's last peer of the address */
	uint64_t changed_ns;       /* when its counters last grew */
};

struct pl_base {
	double mean, var;
	unsigned int n, above;
};

enum { BASE_PPS, BASE_BPS, BASE_FLOWS, BASE_SYN_RATIO, BASE_ENTROPY, BASE_MAX };

struct pl_scan;

struct pl_det {
	struct pl_det_cfg cfg;
	struct pl_alerts *alerts;
	struct pl_ioc *ioc;
	struct pl_src_state *src;  /* sorted by key */
	size_t nsrc;
	struct pl_win agg[PL_DC_MAX]; /* every address together (from pl_stats) */
	uint64_t agg_cum[PL_DC_MAX];
	struct pl_base base[BASE_MAX];
	struct pl_scan *scan;
	uint64_t watermark_ns;     /* newest flow time of the previous tick */
	bool have_watermark;
	uint64_t since_ns;         /* the watermark this tick started from */
	bool since_valid;
	uint64_t last_unix_ns;     /* Unix time of the last tick (domain hits between ticks) */
	const char *in_iface;
	struct pl_det_counts counts;
	const struct pl_det_input *in; /* during a tick */
	unsigned int port_lookups; /* flow-table passes for new alerts' ports this tick */
	size_t port_visits;        /* ... and the flows they visited */
};

/* Window helpers (detect.c). */
void pl_win_start(struct pl_win *w, uint64_t start_ns);
/* @start_ns: when this tick's span began (now less the time since the last tick). */
void pl_win_push(struct pl_win *w, uint64_t v, uint64_t now_ns, uint64_t start_ns,
		 uint64_t window_ns);
double pl_win_rate(const struct pl_win *w, uint64_t now_ns, double window_s);
uint64_t pl_win_growth(const struct pl_win *w);
double pl_win_span(const struct pl_win *w, uint64_t now_ns, double window_s);

/* Unix time of program time @ns. */
uint64_t pl_det_unix(const struct pl_det *d, uint64_t ns);

/*
 * Raise built-in alert @sid from @src (family 4/6, 16-byte key form) to @dst (NULL:
 * the address @src talked to most in the flow table), with @ev (consumed). @src NULL:
 * an alert on no one address (aggregates, baselines): EVE leaves src_ip and dest_ip out.
 */
int pl_det_raise(struct pl_det *d, unsigned int sid, const struct pl_addr_key *src,
		 const __u32 *dst, __u8 proto, json_object *ev, bool by_victim);

/* Evidence object: {"kind":..., "style":..., "evidence":{...}}; @inner is consumed. */
json_object *pl_det_evidence(const char *kind, const char *style, json_object *inner);
json_object *pl_det_ev_rate(double rate, double window_s, double threshold);

/* Scans (scan.c). */
struct pl_scan *pl_scan_new(unsigned int max_sources);
void pl_scan_free(struct pl_scan *s);
void pl_scan_tick(struct pl_det *d);
uint64_t pl_scan_evicted(const struct pl_scan *s);
/* Is @k scanning (a scan alerted within the scan window)? Its SYNs are then no flood. */
bool pl_scan_scanning(const struct pl_scan *s, const struct pl_addr_key *k, uint64_t now_ns);
size_t pl_scan_tracked(const struct pl_scan *s);

/* Baselines (baseline.c). */
void pl_base_tick(struct pl_det *d);

/* IOC lists (ioc.c): flows of this tick against the address lists. */
void pl_ioc_tick(struct pl_det *d);
void pl_ioc_free(struct pl_ioc *l);

#endif
