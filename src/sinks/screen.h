/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * screen.h - the layout of monitor's terminal view, apart from ncurses so that it
 * can be tested: a copy of what one report shows, the top lists chosen from it in
 * the order and through the filter the user picked, and the receive rate's history;
 * laid out into at most ROWS lines of at most COLS characters.
 */
#ifndef PL_SCREEN_H
#define PL_SCREEN_H

#include <stdbool.h>
#include "analysis/flow_match.h"
#include "analysis/report.h"
#include "l7/session.h"

#define PL_SCREEN_APP 24 /* an app name kept for a row */

/* Samples of the receive rate, one per report: enough for the widest screen. */
#define PL_GRAPH_MAX 512

struct pl_graph {
	float bps[PL_GRAPH_MAX], pps[PL_GRAPH_MAX], secs[PL_GRAPH_MAX];
	unsigned int n, next; /* samples held; where the next one goes */
};

/* Add one report's receive rate, covering @secs seconds. */
void pl_graph_add(struct pl_graph *g, double bps, double pps, double secs);

/*
 * An address of a top list: its counts, flows and rate (that of its flows, the way it
 * sent or received), and its spread when the kernel's tables gave it: distinct peers and
 * ports, estimated; < 0 when the list was made from the flows (a filter is set).
 */
struct pl_screen_addr {
	struct pl_talker t;
	double peers, ports;
};

/* A port of the top list (enum pl_port_kind), with its flows' rate that way. */
struct pl_screen_port {
	__u8 kind;
	__u16 port;
	__u64 packets, bytes;
	struct pl_rate rate;
};

/* The ports of @n flows, the way each direction carried them (tcp/udp/sctp destination,
 * udp source: the kernel's port kinds), each with its flows' rate that way; sorted by
 * kind and port for pl_flow_port_rate(). *out: free() it. 0 or -ENOMEM. */
int pl_flow_ports(const struct pl_flow *f, size_t n, struct pl_screen_port **out, size_t *nout);
/* The rate of @kind/@port among @fp (pl_flow_ports()); zero when no flow carried it. */
const struct pl_rate *pl_flow_port_rate(const struct pl_screen_port *fp, size_t n, __u8 kind,
					__u16 port);

struct pl_screen {
	struct pl_report r;       /* flows: NULL; total and delta point to the copies */
	struct pl_stats total, delta;
	struct pl_flow *all;      /* every flow of the report, for another order or filter */
	size_t nall;
	/* Chosen by pl_screen_select(): */
	struct pl_flow *flows;    /* the first nflows flows that match, in the order */
	size_t nflows, nmatch;    /* rows kept; flows that match */
	struct pl_talkers talk;   /* the kernel's tables (talk.present: the addresses were read) */
	/*
	 * Without a filter, sources, destinations and ports are the kernel's own counts
	 * (flows evicted included), their rates those of the flows; with a filter, those of
	 * the flows that match (from_flows). ICMP types: the kernel's, never filtered.
	 */
	struct pl_screen_addr *sources, *dests;
	size_t nsources, ndests;
	struct pl_screen_port *ports;
	size_t nports;
	struct pl_icmp_stat *icmp; /* into talk.icmp, most packets first */
	size_t nicmp;
	bool from_flows;
	struct pl_graph graph;    /* kept from report to report */
	bool has_l7;              /* L7 on: l7 is this report's */
	/* The "app" of a flow (nDPI's master.app); set by pl_screen_take() when L7 is on,
	 * asked by pl_screen_select() for the rows it keeps. */
	const char *(*app_of)(const void *ctx, const struct pl_flow_key *k);
	const void *app_ctx;
	char (*apps)[PL_SCREEN_APP]; /* the app of flows[i], i < nflows */
	struct pl_l7_summary l7;
	char drops[160];           /* monitor --drops: the brief of the kernel's drops */
	char tcp[160];             /* TCP RTT and health: the brief, "" when off */
	char svc[200];             /* service latency: the brief, "" when none */
	char alerts[160];          /* detection: active attacks and the newest */
	/* The commands' own parts (protect's mitigation, ...): the lines their text
	 * functions give, '\n' after each; NULL: none. */
	char *extra;
};

/* screen_extra.c: ask @r's parts for their lines into s->extra. */
int pl_screen_extra_take(struct pl_screen *s, const struct pl_report *r);

/* screen_talk.c: copy the kernel's tables of @t (NULL: none); choose the address, port
 * and ICMP rows from them or from the @n flows @match (filtered: a filter is set). */
int pl_screen_talk_take(struct pl_screen *s, const struct pl_talkers *t);
int pl_screen_talk_select(struct pl_screen *s, const struct pl_flow *match, size_t n,
			  bool filtered, enum pl_flow_order order);
void pl_screen_talk_free(struct pl_screen *s);

/* Copy what the view needs from @r and add its rate to the graph; frees the lists
 * @s held (not the graph). Then pl_screen_select() chooses the rows. */
int pl_screen_take(struct pl_screen *s, const struct pl_report *r);
/* Rows of the top lists: the flows @m matches (NULL: all), in @order. */
int pl_screen_select(struct pl_screen *s, enum pl_flow_order order,
		     const struct pl_flow_match *m);
void pl_screen_free(struct pl_screen *s);

/* What the user chose, for the layout and its status line. */
struct pl_screen_view {
	enum pl_flow_order order;
	const char *filter;  /* the filter in force, NULL: none */
	const char *prompt;  /* not NULL: the filter being typed after '/' */
	const char *message; /* not NULL: said on the status line (a bad filter) */
	bool paused, help;
	bool utf8;           /* block characters for the graph, else ASCII */
};

/* One laid-out line: @row from 0, @text fits the width (in characters: the graph's
 * rows hold UTF-8 when view->utf8); @heading: a column heading. */
typedef void (*pl_screen_fn)(void *arg, int row, const char *text, bool heading);
/* Lay @s out in @rows x @cols, every row from 0 to rows - 1, the status line last. */
void pl_screen_layout(const struct pl_screen *s, const struct pl_screen_view *v, int rows,
		      int cols, pl_screen_fn out, void *arg);

/* The name of an order as the view says it ("rate", "bytes", "packets"). */
const char *pl_screen_order_name(enum pl_flow_order order);

#endif
