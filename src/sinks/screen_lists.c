// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen_lists.c - the top lists of the terminal view as tables: a key column or two
 * (the flow's ends, the address) and the figure columns the width allows, in order of
 * importance: bit/s, pps, bytes, the 2/10/40 s averages, packets, then the flow's
 * state or the source's flow count. Every list takes its figures through the same
 * helpers (struct figs, pick(), heads(), cells()), so a new list gets rates the same way.
 */
#include <string.h>
#include "analysis/names.h"
#include "sinks/report_fmt.h"
#include "sinks/screen_lay.h"
#include "sinks/timefmt.h"

#define END_W 45  /* widest endpoint: IPv6 address, '.', port */
#define END_MIN 20 /* an IPv4 endpoint mostly whole */
#define ADDR_W 39 /* widest address */
#define ADDR_MIN 20
#define NUM_W 7   /* "999.99k" */

#define APP_W 13  /* "DNS.Microsoft"; longer names are cut */

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
		return APP_W + 1;
	return c == C_LAST ? k->last_w + 1 : NUM_W + 1;
}

/* Turn on the columns that fit in @avail, most important first; returns their width. */
static int pick(struct cols *k, int avail)
{
	/* What a flow is comes right after how fast it sends (at 80 columns live: before bytes). */
	static const enum col prio[] = { C_BPS, C_PPS, C_APP, C_BYTES, C_AVG, C_PACKETS, C_LAST };
	int used = 0;

	for (size_t i = 0; i < sizeof(prio) / sizeof(prio[0]); i++) {
		int c = prio[i];

		if (!k->rates && (c == C_BPS || c == C_PPS || c == C_AVG))
			continue;
		if (c == C_APP && !k->app)
			continue;
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
			n += snprintf(b + n, len - n, " %-*s", APP_W, "app");
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
		case C_APP: n += snprintf(b + n, len - n, " %-*.*s", APP_W, APP_W, f->app); break;
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
			  .last_left = true, .app = s->has_l7 };
	int pw = proto_width(), w;
	char e1[64], e2[64], pn[8], hd[MAX_COLS + 1];

	w = (l->cols - pw - 2 - pick(&k, l->cols - pw - 2 - 2 * END_MIN)) / 2;
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
		snprintf(g.last, sizeof(g.last), "%s", pl_report_flow_state(&s->r, f));
		snprintf(g.app, sizeof(g.app), "%s", s->apps ? s->apps[i] : "");
		cells(hd, sizeof(hd), &k, &g);
		pl_flow_ends(f, e1, e2, sizeof(e1), pn);
		lay_put(l, false, "%-*s %-*s %-*s%s", pw, pn, w, lay_fit(e1, w), w, lay_fit(e2, w),
			hd);
	}
}

static void source_table(struct lay *l, const struct pl_screen *s,
			 const struct pl_screen_view *v, int rows)
{
	struct cols k = { .rates = s->r.has_rates, .last_head = "flows", .last_w = 6 };
	char a[64], hd[MAX_COLS + 1];
	int w;

	w = l->cols - pick(&k, l->cols - ADDR_MIN);
	w = w < 12 ? 12 : w > ADDR_W ? ADDR_W : w;
	title(l, "sources", v, &k);
	heads(hd, sizeof(hd), &k);
	lay_put(l, true, "%-*s%s", w, "address", hd);
	if (!s->nsources)
		lay_put(l, false, "  (none)");
	for (int i = 0; i < rows && (size_t)i < s->nsources; i++) {
		const struct pl_talker *t = &s->sources[i];
		struct figs g = { .rate = t->rate, .packets = t->packets, .bytes = t->bytes };

		snprintf(g.last, sizeof(g.last), "%u", t->flows);
		cells(hd, sizeof(hd), &k, &g);
		pl_addr_str(t->addr, t->family, a, sizeof(a));
		lay_put(l, false, "%-*s%s", w, lay_fit(a, w), hd);
	}
}

/* A top list: its rows, and how it draws itself in so many. */
struct table {
	size_t n;
	void (*draw)(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
		     int rows);
};

/*
 * The top lists share the rows left: each takes a title and a heading row, then rows
 * are dealt out one by one so that a short list leaves its share to the others. A list
 * that cannot get a row of its own is left out, the last first.
 */
void lay_lists(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v)
{
	const struct table t[] = {
		{ s->nflows, flow_table },
		{ s->nsources, source_table },
	};
	int nt = sizeof(t) / sizeof(t[0]), avail = l->rows - l->row, got[2] = { 0 }, left;

	while (nt > 0 && avail < 3 * nt)
		nt--;
	left = avail - 2 * nt;
	for (bool more = true; more && left > 0;) {
		more = false;
		for (int i = 0; i < nt && left > 0; i++)
			if ((size_t)got[i] < (t[i].n ? t[i].n : 1)) /* or its "(none)" row */
				got[i]++, left--, more = true;
	}
	for (int i = 0; i < nt; i++)
		t[i].draw(l, s, v, got[i]);
}
