// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen_lists.c - the top lists of the terminal view as tables: a key column or two
 * (the flow's ends, the address) and the figure columns the width allows, in order of
 * importance: bit/s, pps, (a flow's state and app,) bytes, the 2/10/40 s averages,
 * packets, then the flow count and spread of an address. On a narrow screen a flow's
 * state takes its short name and the app is cut, so that both stay. Every list takes
 * its figures through the same helpers (struct figs, pick(), heads(), cells()), so a
 * new list gets rates the same way.
 */
#include <string.h>
#include "analysis/names.h"
#include "analysis/talkers.h"
#include "sinks/report_fmt.h"
#include "sinks/screen_lay.h"
#include "sinks/timefmt.h"

#define END_W 45  /* widest endpoint: IPv6 address, '.', port */
#define END_MIN 20 /* an IPv4 endpoint mostly whole */
#define ADDR_W 39 /* widest address */
#define ADDR_MIN 20
#define NUM_W 7   /* "999.99k" */
#define PORT_W 30 /* "sctp  dst  65535 " and a service name */
#define PORT_MIN 22

#define APP_W 13  /* "DNS.Microsoft"; longer names are cut */
#define APP_MIN 7 /* "Unknown": narrower, the app column is left out */
#define FLOW_END_MIN 18 /* "198.18.0.1.40000" whole, with room */
#define STATE_SHORT_W 7 /* the states' short names (short_state()) */

/* In display order; the app (L7 on) is text, left-aligned, like the last column. */
enum col { C_BPS, C_PPS, C_AVG, C_BYTES, C_PACKETS, C_APP, C_LAST, NCOL };

/* Which figure columns a table shows, and its last one (state, flow count). */
struct cols {
	bool on[NCOL];
	bool rates;            /* live: the report has rates */
	bool app;              /* L7 on: the app column may be shown */
	const char *last_head;
	int last_w;
	bool last_left;        /* text (the state), not a number */
	bool last_early;       /* the last column right after the rates (the flow's state) */
	int app_w;             /* set by pick(): APP_MIN to APP_W */
};

/* What one row shows in the figure columns. */
struct figs {
	struct pl_rate rate;
	double packets, bytes;
	char last[24];
	char app[APP_W + 1];
};

static int col_w(const struct cols *k, int c)
{
	if (c == C_AVG)
		return PL_RATE_AVGS * (NUM_W + 1);
	if (c == C_APP)
		return k->app_w + 1;
	return c == C_LAST ? k->last_w + 1 : NUM_W + 1;
}

/*
 * The columns in order of importance. What a flow is comes right after how fast it
 * sends (at 80 columns live: before bytes); a flow's state before that.
 */
static const enum col prio[] = { C_BPS, C_PPS, C_APP, C_BYTES, C_AVG, C_PACKETS, C_LAST };
static const enum col prio_early[] = { C_BPS, C_PPS, C_LAST, C_APP, C_BYTES, C_AVG, C_PACKETS };
#define NPRIO ((int)(sizeof(prio) / sizeof(prio[0])))

/* Turn on the columns that fit in @avail, most important first; returns their width.
 * The app column takes what is left down to APP_MIN characters. */
static int pick(struct cols *k, int avail)
{
	const enum col *order = k->last_early ? prio_early : prio;
	int used = 0;

	k->app_w = APP_W;
	for (int i = 0; i < NPRIO; i++) {
		int c = order[i];

		if (!k->rates && (c == C_BPS || c == C_PPS || c == C_AVG))
			continue;
		if (c == C_APP && !k->app)
			continue;
		if (c == C_LAST && !k->last_head)
			continue;
		if (c == C_APP && used + col_w(k, c) > avail && avail - used - 1 >= APP_MIN)
			k->app_w = avail - used - 1;
		if (used + col_w(k, c) <= avail) {
			k->on[c] = true;
			used += col_w(k, c);
		}
	}
	return used;
}

static int heads(char *b, size_t len, const struct cols *k)
{
	static const char *const avg[PL_RATE_AVGS] = { "2s", "10s", "40s" };
	static const char *const name[NCOL] = { "bit/s", "pps", NULL, "bytes", "packets" };
	int n = 0;

	b[0] = 0;
	for (int c = 0; c < NCOL && n < (int)len; c++) {
		if (!k->on[c])
			continue;
		if (c == C_AVG)
			for (int i = 0; i < PL_RATE_AVGS && n < (int)len; i++)
				n += snprintf(b + n, len - n, " %*s", NUM_W, avg[i]);
		else if (c == C_APP)
			n += snprintf(b + n, len - n, " %-*s", k->app_w, "app");
		else if (c == C_LAST)
			n += snprintf(b + n, len - n, k->last_left ? " %-*s" : " %*s", k->last_w,
				      k->last_head);
		else
			n += snprintf(b + n, len - n, " %*s", NUM_W, name[c]);
	}
	return n;
}

/* One figure, right-aligned in its column. */
static int num(char *b, size_t len, double v)
{
	char h[16];

	return snprintf(b, len, " %*s", NUM_W, pl_human(v, h, sizeof(h)));
}

static int cells(char *b, size_t len, const struct cols *k, const struct figs *f)
{
	int n = 0;

	b[0] = 0;
	for (int c = 0; c < NCOL && n < (int)len; c++) {
		if (!k->on[c])
			continue;
		switch (c) {
		case C_BPS: n += num(b + n, len - n, f->rate.bps); break;
		case C_PPS: n += num(b + n, len - n, f->rate.pps); break;
		case C_BYTES: n += num(b + n, len - n, f->bytes); break;
		case C_PACKETS: n += num(b + n, len - n, f->packets); break;
		case C_APP: n += snprintf(b + n, len - n, " %-*.*s", k->app_w, k->app_w, f->app); break;
		case C_AVG:
			for (int i = 0; i < PL_RATE_AVGS && n < (int)len; i++)
				n += num(b + n, len - n, f->rate.bps_avg[i]);
			break;
		default:
			n += snprintf(b + n, len - n, k->last_left ? " %-*s" : " %*s", k->last_w,
				      f->last);
		}
	}
	return n;
}

/* The widest protocol name ("icmpv6"; a number has 3 digits at most). */
static int proto_width(void)
{
	int w = strlen("proto");

	for (unsigned int p = 0; p < 256; p++) {
		const char *n = pl_proto_name(p);
		int k = n ? (int)strlen(n) : 3;

		w = k > w ? k : w;
	}
	return w;
}

/* The widest state name, so that the last column is never cut. */
static int state_width(void)
{
	int w = strlen("state");

	for (int i = 0; i < PL_FLOW_STATES; i++)
		w = (int)strlen(pl_flow_states[i]) > w ? (int)strlen(pl_flow_states[i]) : w;
	return w;
}

/*
 * A state in at most STATE_SHORT_W characters, for a narrow screen (pktlens-monitor(8)
 * lists them): the state stays on screen, the other columns keep their room.
 */
static const char *short_state(const char *st)
{
	static const char *const map[][2] = {
		{ "syn_sent", "syn_snt" },   { "syn_received", "syn_rcv" },
		{ "established", "estab" },  { "midstream", "midstrm" },
		{ "unidirectional", "unidir" }, { "bidirectional", "bidir" },
		{ "ingress-only", "ingress" },
	};

	for (size_t i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if (!strcmp(st, map[i][0]))
			return map[i][1];
	return st; /* closing, closed, reset: short already */
}

/* 1 when @a shows a column that @b lacks before @b shows one that @a lacks. */
static bool better(const struct cols *a, const struct cols *b)
{
	for (int i = 0; i < NPRIO; i++)
		if (a->on[prio_early[i]] != b->on[prio_early[i]])
			return a->on[prio_early[i]];
	return false;
}

/*
 * The flow table's columns in @avail: the state whole when that leaves out nothing more
 * important than the short names would, else its short name (80 columns live).
 */
static int flow_cols(struct cols *k, int avail)
{
	struct cols s = *k;
	int used = pick(k, avail), su;

	s.last_w = STATE_SHORT_W;
	s.last_head = "state";
	su = pick(&s, avail);
	if (!better(&s, k))
		return used;
	*k = s;
	return su;
}

static void title(struct lay *l, const char *what, const struct pl_screen_view *v,
		  const struct cols *k)
{
	lay_put(l, false, "top %s by %s%s", what, pl_screen_order_name(v->order),
		k->on[C_AVG] ? "   (2s 10s 40s: average bit/s)" : "");
}

static void flow_table(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
		       int rows)
{
	struct cols k = { .rates = s->r.has_rates, .last_head = "state", .last_w = state_width(),
			  .last_left = true, .last_early = true, .app = s->has_l7 };
	int pw = proto_width(), w;
	char e1[64], e2[64], pn[8], hd[MAX_COLS + 1];
	bool shrt;

	w = (l->cols - pw - 2 - flow_cols(&k, l->cols - pw - 2 - 2 * FLOW_END_MIN)) / 2;
	shrt = k.last_w == STATE_SHORT_W;
	w = w < 12 ? 12 : w > END_W ? END_W : w;
	title(l, "flows", v, &k);
	heads(hd, sizeof(hd), &k);
	lay_put(l, true, "%-*s %-*s %-*s%s", pw, "proto", w, "initiator", w, "responder", hd);
	if (!s->nflows)
		lay_put(l, false, "  %s", v->filter ? "(no flow matches)" : "(no flows)");
	for (int i = 0; i < rows && (size_t)i < s->nflows; i++) {
		const struct pl_flow *f = &s->flows[i];
		struct figs g = { .packets = f->val.packets[0] + f->val.packets[1],
				  .bytes = f->val.bytes[0] + f->val.bytes[1] };

		pl_flow_rate(f, &g.rate);
		snprintf(g.last, sizeof(g.last), "%s",
			 shrt ? short_state(pl_report_flow_state(&s->r, f))
			      : pl_report_flow_state(&s->r, f));
		snprintf(g.app, sizeof(g.app), "%.*s", k.app_w, s->apps ? s->apps[i] : "");
		cells(hd, sizeof(hd), &k, &g);
		pl_flow_ends(f, e1, e2, sizeof(e1), pn);
		lay_put(l, false, "%-*s %-*s %-*s%s", pw, pn, w, lay_fit(e1, w), w, lay_fit(e2, w),
			hd);
	}
}

/*
 * Sources (@dst false) or destinations: the address, the figures, then the flows and,
 * from the kernel's tables, the spread: distinct destinations (sources) or sources
 * (destinations) and ports, estimated.
 */
static void addr_table(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
		       int rows, bool dst)
{
	const struct pl_screen_addr *t = dst ? s->dests : s->sources;
	size_t n = dst ? s->ndests : s->nsources;
	bool spread = !s->from_flows;
	struct cols k = { .rates = s->r.has_rates,
			  .last_head = !spread ? "flows" : dst ? " flows  srcs ports" : " flows dests ports",
			  .last_w = spread ? 18 : 6 };
	char a[64], hd[MAX_COLS + 1], p1[16], p2[16];
	int w;

	w = l->cols - pick(&k, l->cols - ADDR_MIN);
	w = w < 12 ? 12 : w > ADDR_W ? ADDR_W : w;
	title(l, dst ? "destinations" : "sources", v, &k);
	heads(hd, sizeof(hd), &k);
	lay_put(l, true, "%-*s%s", w, "address", hd);
	if (!n)
		lay_put(l, false, "  (none)");
	for (int i = 0; i < rows && (size_t)i < n; i++) {
		const struct pl_talker *r = &t[i].t;
		struct figs g = { .rate = r->rate, .packets = r->packets, .bytes = r->bytes };

		if (spread)
			snprintf(g.last, sizeof(g.last), "%6u %5s %5s", r->flows,
				 pl_human((__u64)(t[i].peers + 0.5), p1, sizeof(p1)),
				 pl_human((__u64)(t[i].ports + 0.5), p2, sizeof(p2)));
		else
			snprintf(g.last, sizeof(g.last), "%u", r->flows);
		cells(hd, sizeof(hd), &k, &g);
		pl_addr_str(r->addr, r->family, a, sizeof(a));
		lay_put(l, false, "%-*s%s", w, lay_fit(a, w), hd);
	}
}

static void source_table(struct lay *l, const struct pl_screen *s,
			 const struct pl_screen_view *v, int rows)
{
	addr_table(l, s, v, rows, false);
}

static void dest_table(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
		       int rows)
{
	addr_table(l, s, v, rows, true);
}

/* Ports: "udp src   161 snmp", the figures of the packets that carried it that way. */
static void port_table(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
		       int rows)
{
	struct cols k = { .rates = s->r.has_rates };
	char key[64], hd[MAX_COLS + 1];
	int w;

	w = l->cols - pick(&k, l->cols - PORT_MIN);
	w = w < 12 ? 12 : w > PORT_W ? PORT_W : w;
	title(l, "ports", v, &k);
	heads(hd, sizeof(hd), &k);
	lay_put(l, true, "%-*s%s", w, "proto side  port service", hd);
	if (!s->nports)
		lay_put(l, false, "  (none)");
	for (int i = 0; i < rows && (size_t)i < s->nports; i++) {
		const struct pl_screen_port *p = &s->ports[i];
		const char *proto = pl_port_kind_proto(p->kind), *svc = pl_service_name(proto, p->port);
		struct figs g = { .rate = p->rate, .packets = p->packets, .bytes = p->bytes };

		cells(hd, sizeof(hd), &k, &g);
		snprintf(key, sizeof(key), "%-5s %-4s %5u %s", proto, pl_port_kind_side(p->kind),
			 p->port, svc ? svc : "");
		lay_put(l, false, "%-*s%s", w, lay_fit(key, w), hd);
	}
}

/* ICMP and ICMPv6 by type and code, most packets first: the kernel's counts of all. */
static void icmp_table(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
		       int rows)
{
	char key[96], h[16];
	int w = l->cols - NUM_W - 1;

	(void)v;
	lay_put(l, false, "icmp types by packets%s",
		s->from_flows && s->nicmp ? "   (all traffic: the filter does not apply)" : "");
	lay_put(l, true, "%-*s %*s", w < 1 ? 1 : w, "proto  type/code  name", NUM_W, "packets");
	if (!s->nicmp)
		lay_put(l, false, "  (none)");
	for (int i = 0; i < rows && (size_t)i < s->nicmp; i++) {
		const struct pl_icmp_stat *c = &s->icmp[i];
		const char *tn = pl_icmp_type_name(c->v6, c->type);
		const char *cn = pl_icmp_code_name(c->v6, c->type, c->code);
		char tc[16];

		snprintf(tc, sizeof(tc), "%u/%u", c->type, c->code);
		snprintf(key, sizeof(key), "%-6s %-9s  %s%s%s", c->v6 ? "icmpv6" : "icmp", tc,
			 tn ? tn : "-", cn ? " " : "", cn ? cn : "");
		lay_put(l, false, "%-*s %*s", w < 1 ? 1 : w, lay_fit(key, w < 1 ? 1 : w), NUM_W,
			pl_human(c->packets, h, sizeof(h)));
	}
}

/* A top list: its rows, how it draws itself in so many, the rows it needs to be shown
 * and its weight when the rows left are dealt out. */
struct table {
	size_t n;
	void (*draw)(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
		     int rows);
	int min, weight;
};

/*
 * The top lists share the rows left, in the order of the table below: each takes a
 * title and a heading row. A list is shown only when those before it have their
 * minimum and it has its own (the last left out first: 80x24 shows flows and sources);
 * each gets its minimum (or all its rows), then the rows left are dealt out in rounds,
 * flows two a round, so that a short list leaves its share to the others.
 */
void lay_lists(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v)
{
	const struct table t[] = {
		{ s->nflows, flow_table, 3, 2 },
		{ s->nsources, source_table, 2, 1 },
		{ s->ndests, dest_table, 1, 1 },
		{ s->nports, port_table, 1, 1 },
		{ s->nicmp, icmp_table, 1, 1 },
	};
	int nt = 0, avail = l->rows - l->row, got[5] = { 0 }, left, need = 0;

	for (int i = 0; i < (int)(sizeof(t) / sizeof(t[0])); i++) {
		int want = t[i].n ? (int)t[i].n : 1; /* or its "(none)" row */

		want = want < t[i].min ? want : t[i].min;
		if (need + 2 + want > avail)
			break;
		need += 2 + want;
		got[nt++] = want;
	}
	left = avail - need;
	for (bool more = true; more && left > 0;) {
		more = false;
		for (int i = 0; i < nt && left > 0; i++)
			for (int w = 0; w < t[i].weight && left > 0; w++)
				if ((size_t)got[i] < (t[i].n ? t[i].n : 1))
					got[i]++, left--, more = true;
	}
	for (int i = 0; i < nt; i++)
		t[i].draw(l, s, v, got[i]);
}
