/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * report.h - `pktlens report`: one self-contained HTML page (inline CSS and SVG, no
 * script, nothing fetched) from the history that `pktlens serve` writes.
 *
 * collect.c reads the database into struct pl_rep; svg.c draws the charts; html.c
 * writes the page.
 */
#ifndef PL_REPORT_H
#define PL_REPORT_H

#include <stdio.h>
#include "history/history.h"

struct pl_rep_opts {
	__s64 since, until;  /* Unix seconds, inclusive */
	const char *ifname;  /* NULL: every interface */
	unsigned int top;    /* rows of the top tables */
	const char *db_path; /* said in the page */
	const char *capture; /* -r: the capture the history was made from, said instead */
};

/* One point of a time series: a bucket of one or more minutes. */
struct pl_rep_point {
	__s64 t;             /* the bucket's first minute, Unix seconds */
	__u64 packets, bytes, flows_new, malformed, evictions, unseen;
	__u64 kdrops;        /* the kernel's drops (serve --drops) */
};

struct pl_rep_row {          /* a class, a talker, an interface */
	char name[64];
	__u64 packets, bytes, count;
};

struct pl_rep_flow {
	char ifname[16], src[48], dst[48], state[16], ended[16];
	unsigned int proto, sport, dport;
	__u64 packets, bytes;
	__s64 first_ms, last_ms;
};

/* An alert of the history (serve's detection). */
#define PL_REP_ALERTS_MAX 1000
struct pl_rep_alert {
	char ifname[16], src[48], dst[48], signature[128], state[16];
	unsigned int sid, severity, proto, sport, dport;
	__u64 updates;
	__s64 first_ms, last_ms;
};

struct pl_rep_rtt_flow {     /* one of the slowest TCP flows (by mean RTT) */
	char ifname[16], src[48], dst[48];
	unsigned int sport, dport;
	double min_us, avg_us, max_us, handshake_us; /* handshake_us 0: none */
	__u64 samples, retrans;
};

struct pl_rep {
	__s64 first, last;          /* first and last minute with a row; 0 when none */
	unsigned int bucket_s;      /* seconds a point covers */
	__u64 packets, bytes, malformed, flows_new, evictions, unseen, flows_written;
	__u64 kdrops_total;          /* the kernel's drops of received packets (serve --drops) */
	struct pl_rep_point *pts;
	size_t npts;
	struct pl_rep_row *ifs, *l3, *l4, *bad, *talkers;
	size_t nifs, nl3, nl4, nbad, ntalkers;
	struct pl_rep_row *kreasons; /* by reason */
	size_t nkreasons;
	struct pl_rep_row *kdrops;   /* by interface and reason: "IF REASON" */
	size_t nkdrops;
	struct pl_rep_flow *flows;
	size_t nflows;
	struct pl_rep_row *apps;     /* L7: the flows classified, by application */
	size_t napps;
	bool has_alerts;             /* the history has an alerts table */
	struct pl_rep_alert *alerts; /* newest first, at most PL_REP_ALERTS_MAX */
	size_t nalerts;
	__u64 rtt_flows;             /* TCP flows with an RTT (serve without --no-tcp) */
	__u64 rtt_hist[PL_RTT_BUCKETS]; /* by mean RTT: [2^i, 2^(i+1)) microseconds */
	struct pl_rep_rtt_flow rtt_slow[10];
	size_t nrtt_slow;
};

/*
 * report -r (capture.c): run the capture @cap through the offline data plane (with L7)
 * into a new history database at @db_path. 0, or a negative errno with @why set.
 */
int pl_rep_capture(const char *cap, const char *db_path, char *why, size_t whylen);

/*
 * @sql prepared into @st with every statement's first three parameters bound: since,
 * until, interface (NULL: all). SQLite's code.
 */
struct sqlite3_stmt;
int pl_rep_prep(struct sqlite3 *db, const char *sql, const struct pl_rep_opts *o,
		struct sqlite3_stmt **st);
/* Read what the page shows. 0, or a negative errno with the reason in @why. */
int pl_rep_collect(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r, char *why,
		   size_t whylen);
void pl_rep_free(struct pl_rep *r);
/* The alerts of the range (alerts.c): SQLite's code. Their section of the page. */
int pl_rep_alerts(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r);
void pl_rep_alerts_html(FILE *out, const struct pl_rep *r);
/* The page, on @out. 0, or -EIO. */
int pl_rep_html(FILE *out, const struct pl_rep_opts *o, const struct pl_rep *r);

/* The RTT distribution and the slowest flows (rtt.c): SQLite's code. */
int pl_rep_rtt_collect(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r);
void pl_rep_rtt_html(FILE *out, const struct pl_rep *r);

/* Charts (svg.c). Values of series k at point i: v[k * n + i]. */
struct pl_svg_series {
	const char *id, *label, *cls;
	const double *v;
};
void pl_svg_lines(FILE *out, const char *id, const char *unit, const __s64 *t, size_t n,
		  const struct pl_svg_series *s, size_t ns);
/* What a bar's length is; PL_BARS_PACKETS_ONLY: rows that carry no bytes (the kernel's
 * drops), the value shows packets alone. */
enum pl_bars { PL_BARS_PACKETS, PL_BARS_BYTES, PL_BARS_PACKETS_ONLY };
void pl_svg_bars(FILE *out, const char *id, const struct pl_rep_row *rows, size_t n,
		 enum pl_bars how);
/* @s with &, <, >, " and ' escaped. */
void pl_html_text(FILE *out, const char *s);
/* @v with thousands separators into @buf. */
const char *pl_rep_num(__u64 v, char *buf, size_t len);

#endif
