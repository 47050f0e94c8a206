// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen.c - monitor's terminal view, laid out to the terminal's size: a header with
 * the rates, the own cost, malformed packets and evictions; the L3, L4 and size mix
 * as lines of "name count share" items that wrap at the width; the commands' own
 * parts (screen_extra.c: protect's mitigation); the receive rate's graph
 * (screen_graph.c); the top lists in the rows left (screen_lists.c: flows,
 * sources, destinations, ports, ICMP types, chosen in screen_talk.c), or the
 * help; and a status line with the order, the filter and the keys. The figures come
 * from the same helpers as the text report.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/names.h"
#include "drops/report.h"
#include "perf/svc.h"
#include "perf/tcp.h"
#include "detect/alerts.h"
#include "sinks/report_fmt.h"
#include "sinks/screen_lay.h"
#include "sinks/timefmt.h"

#define LABEL_W 6 /* "size  " before the items of a mix line */

/* ---- the copy ------------------------------------------------------------------- */

static void free_lists(struct pl_screen *s)
{
	free(s->all);
	free(s->flows);
	free(s->apps);
	s->apps = NULL;
	s->all = s->flows = NULL;
	s->nall = s->nflows = s->nmatch = 0;
	pl_screen_talk_free(s);
}

void pl_screen_free(struct pl_screen *s)
{
	free_lists(s);
	free(s->extra);
	memset(s, 0, sizeof(*s));
}

static const char *app_of_session(const void *ctx, const struct pl_flow_key *k)
{
	return pl_l7_app_of(ctx, k);
}

/* The app of each row kept, asked now: the flows' classification goes on meanwhile. */
static int take_apps(struct pl_screen *s)
{
	free(s->apps);
	s->apps = NULL;
	if (!s->app_of || !s->nflows)
		return 0;
	s->apps = calloc(s->nflows, sizeof(*s->apps));
	if (!s->apps)
		return -ENOMEM;
	for (size_t i = 0; i < s->nflows; i++)
		snprintf(s->apps[i], sizeof(s->apps[i]), "%s",
			 s->app_of(s->app_ctx, &s->flows[i].key));
	return 0;
}

int pl_screen_take(struct pl_screen *s, const struct pl_report *r)
{
	free_lists(s);
	s->r = *r;
	s->total = *r->total;
	s->delta = *r->delta;
	s->r.total = &s->total;
	s->r.delta = &s->delta;
	s->r.flows = NULL; /* r.nflows stays: the evictions are computed from it */
	s->has_l7 = r->l7 != NULL;
	s->app_of = r->l7 ? app_of_session : NULL;
	s->app_ctx = r->l7;
	if (r->l7)
		pl_l7_summary(r->l7, &s->l7);
	pl_screen_extra_take(s, r); /* on failure: no such lines, the rest is there */
	s->r.nextra = 0;            /* not kept: their lines are */
	s->r.alerts = NULL; /* not kept: its brief is */
	pl_alerts_brief(r->alerts, s->alerts, sizeof(s->alerts));
	s->r.drops = NULL; /* not kept: its brief is */
	s->drops[0] = 0;
	if (r->drops)
		pl_drops_brief(r->drops_ctx, r->drops, s->drops, sizeof(s->drops));
	s->r.tcp = NULL; /* not kept: their briefs are */
	s->r.svc = NULL;
	s->tcp[0] = s->svc[0] = 0;
	if (r->tcp)
		pl_tcp_brief(r->tcp, s->tcp, sizeof(s->tcp));
	if (r->svc)
		pl_svc_brief(r->svc, s->svc, sizeof(s->svc));
	if (r->interval_s > 0)
		pl_graph_add(&s->graph, pl_report_bps(r), pl_report_pps(r), r->interval_s);
	s->r.talk = NULL; /* its copy is s->talk */
	s->all = malloc(r->nflows ? r->nflows * sizeof(*s->all) : 1);
	if (!s->all || pl_screen_talk_take(s, r->talk && r->talk->present ? r->talk : NULL))
		return -ENOMEM; /* keep the header: only the lists are empty */
	if (r->nflows)
		memcpy(s->all, r->flows, r->nflows * sizeof(*s->all));
	s->nall = r->nflows;
	return 0;
}

int pl_screen_select(struct pl_screen *s, enum pl_flow_order order,
		     const struct pl_flow_match *m)
{
	size_t n = 0, top = s->r.top > 0 ? (size_t)s->r.top : 0;
	struct pl_flow *match;

	free(s->flows);
	free(s->apps);
	s->flows = NULL;
	s->apps = NULL;
	s->nflows = s->nmatch = 0;
	match = malloc(s->nall ? s->nall * sizeof(*match) : 1);
	if (!match)
		return -ENOMEM;
	for (size_t i = 0; i < s->nall; i++)
		if (pl_flow_match(m, &s->all[i]))
			match[n++] = s->all[i];
	/* Before the sort: the address and port rows take the flows in any order. */
	if (pl_screen_talk_select(s, match, n, m && m->set, order)) {
		free(match);
		return -ENOMEM;
	}
	pl_flows_sort(match, n, order);
	s->nmatch = n;
	s->nflows = n < top ? n : top;
	s->flows = match; /* only the first nflows are shown */
	return take_apps(s);
}

const char *pl_screen_order_name(enum pl_flow_order order)
{
	return order == PL_ORDER_RATE ? "rate" : order == PL_ORDER_PACKETS ? "packets" : "bytes";
}

/* ---- lines ---------------------------------------------------------------------- */

void lay_put(struct lay *l, bool heading, const char *fmt, ...)
{
	char b[MAX_COLS + 1];
	va_list ap;

	if (l->row >= l->rows)
		return;
	va_start(ap, fmt);
	vsnprintf(b, sizeof(b), fmt, ap);
	va_end(ap);
	b[l->cols] = 0;
	l->out(l->arg, l->row++, b, heading);
}

void lay_put_raw(struct lay *l, const char *text)
{
	if (l->row < l->rows)
		l->out(l->arg, l->row++, text, false);
}

static void flush(struct lay *l)
{
	if (l->items)
		lay_put(l, false, "%s", l->buf);
	l->len = l->items = 0;
}

/* Start a line of items after @label (NULL: none); wrapped lines are indented. */
static void group(struct lay *l, const char *label)
{
	flush(l);
	l->indent = label ? LABEL_W : 2;
	l->len = label ? snprintf(l->buf, sizeof(l->buf), "%-*s ", LABEL_W - 1, label) : 0;
}

/* Add an item; it goes on a new line when it does not fit on this one. */
static void item(struct lay *l, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void item(struct lay *l, const char *fmt, ...)
{
	char it[160];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(it, sizeof(it), fmt, ap);
	va_end(ap);
	if (n >= (int)sizeof(it))
		n = sizeof(it) - 1;
	if (l->items && l->len + 2 + n > l->cols) {
		lay_put(l, false, "%s", l->buf);
		l->len = snprintf(l->buf, sizeof(l->buf), "%*s", l->indent, "");
		l->items = 0;
	}
	l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->items ? "  " : "",
			   it);
	if (l->len >= (int)sizeof(l->buf))
		l->len = sizeof(l->buf) - 1;
	l->items++;
}

/* "ipv4 1.23M 98.1%": the count beside the share, which is "<0.1%" for a handful. */
static void share(struct lay *l, const char *name, __u64 n, __u64 all)
{
	char h[16], p[8];

	item(l, "%s %s %s", name, pl_human(n, h, sizeof(h)), pl_report_share(n, all, p, sizeof(p)));
}

const char *lay_fit(char *s, int w)
{
	int n = strlen(s), head = (w - 1) / 2;

	if (n > w && w > 2) {
		memmove(s + head + 1, s + n - (w - 1 - head), w - head); /* with the NUL */
		s[head] = '~';
	}
	return s;
}

/* ---- sections ------------------------------------------------------------------- */

static void header(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v)
{
	const struct pl_report *r = &s->r;
	__u64 ev = pl_report_evictions(r);
	char ts[40], h1[16], h2[16], h3[16], title[MAX_COLS + 1];
	int n;

	n = snprintf(title, sizeof(title), "pktlens %s (%s)  %s", r->source, r->mode,
		     pl_time_iso(r->now_unix_ns, ts, sizeof(ts)));
	if (v->paused && n + 8 <= l->cols)
		lay_put(l, false, "%s%*s", title, l->cols - n, "PAUSED");
	else
		lay_put(l, false, "%s", title);

	group(l, NULL);
	item(l, "rx %s pps", pl_human(pl_report_pps(r), h1, sizeof(h1)));
	item(l, "%sbit/s", pl_human(pl_report_bps(r), h2, sizeof(h2)));
	item(l, "total %s packets %sB", pl_human(r->total->packets, h3, sizeof(h3)),
	     pl_human(r->total->bytes, ts, sizeof(ts)));
	group(l, NULL);
	if (r->has_cost)
		item(l, "own cost %.1f ns/packet", r->cost_ns_per_pkt);
	else
		item(l, "own cost not measured");
	item(l, "malformed %llu", (unsigned long long)pl_report_malformed_total(r));
	item(l, "evicted %llu%s", (unsigned long long)ev, ev ? " (table full: raise --flows)" : "");
	item(l, "flows %zu/%u", r->nflows, r->flow_capacity);
	if (s->drops[0]) {
		group(l, NULL);
		item(l, "kernel drops %s", s->drops);
	}
	if (s->tcp[0]) {
		group(l, NULL);
		item(l, "tcp rtt %s", s->tcp);
	}
	if (s->svc[0]) {
		group(l, NULL);
		item(l, "latency %s", s->svc);
	}
	if (s->alerts[0]) {
		group(l, NULL);
		item(l, "ALERTS %s", s->alerts);
	}
}

/* A group of the classes seen, each with its share of @total; "-" if none was. */
static void classes(struct lay *l, const char *name, const __u64 *counts, unsigned int n,
		    const char *(*class_name)(unsigned int), __u64 total)
{
	group(l, name);
	for (unsigned int i = 0; i < n; i++)
		if (counts[i])
			share(l, class_name(i), counts[i], total);
	if (!l->items)
		item(l, "-");
}

/* L3, L4 and size classes (those seen in the run), the rest if seen. */
static void mix(struct lay *l, const struct pl_screen *s)
{
	const struct pl_stats *t = &s->total;

	classes(l, "L3", t->l3_packets, PL_L3_MAX, pl_l3_name, t->packets);
	classes(l, "L4", t->l4_packets, PL_L4_MAX, pl_l4_name, t->packets);
	classes(l, "size", t->size_hist, PL_SZ_MAX, pl_size_name, t->packets);

	group(l, "misc");
	if (t->vlan_tagged)
		item(l, "vlan-tagged %llu", (unsigned long long)t->vlan_tagged);
	if (t->qinq)
		item(l, "qinq %llu", (unsigned long long)t->qinq);
	if (t->ipv4_frag_first || t->ipv4_frag_later)
		item(l, "ipv4 frags %llu/%llu", (unsigned long long)t->ipv4_frag_first,
		     (unsigned long long)t->ipv4_frag_later);
	if (t->ipv6_frag_first || t->ipv6_frag_later)
		item(l, "ipv6 frags %llu/%llu", (unsigned long long)t->ipv6_frag_first,
		     (unsigned long long)t->ipv6_frag_later);
	for (int i = 1; i < PL_ENCAP_MAX; i++)
		if (t->encap[i])
			item(l, "%s %llu", pl_encap_name(i), (unsigned long long)t->encap[i]);
	if (t->hdr_cut)
		item(l, "headers cut %llu", (unsigned long long)t->hdr_cut);

	group(l, "malformed");
	for (int i = 1; i < PL_MAL_MAX; i++)
		if (t->malformed[i])
			item(l, "%s %llu", pl_malformed_name(i), (unsigned long long)t->malformed[i]);
	flush(l);
}

/* L7: the applications (flows), samples lost, then the top names, on as few lines as fit. */
static void l7_lines(struct lay *l, const struct pl_screen *s)
{
	const struct pl_l7_summary *m = &s->l7;
	char h[16];

	if (!s->has_l7)
		return;
	group(l, "L7");
	for (int i = 0; i < m->napps; i++)
		item(l, "%s %llu %sB", m->apps[i].name, (unsigned long long)m->apps[i].flows,
		     pl_human(m->apps[i].bytes, h, sizeof(h)));
	if (!m->napps)
		item(l, "-");
	item(l, "samples %s lost %llu", pl_human(m->samples, h, sizeof(h)),
	     (unsigned long long)m->lost);
	group(l, "names");
	for (int i = 0; i < m->ndns; i++)
		item(l, "dns %s", m->dns[i]);
	for (int i = 0; i < m->nsni; i++)
		item(l, "sni %s", m->sni[i]);
	for (int i = 0; i < m->nhost; i++)
		item(l, "host %s", m->host[i]);
	if (!l->items)
		item(l, "-");
	flush(l);
}

/*
 * The keys, in place of everything below the header until a key is pressed: short
 * enough for 80x24 under the longest header.
 */
static void help(struct lay *l)
{
	static const char *const text[] = {
		"  ?  this help            r  sort by rate (default)   P  pause (counts go on)",
		"  /  filter the lists     b  sort by bytes            q  quit",
		"                          p  sort by packets",
		"/: a tcpdump expression on each flow as its initiator sends it: port 443,",
		"  host 198.18.0.1, net 10.0.0.0/8, tcp, udp, icmp, with and, or, not;",
		"  Enter applies, Esc cancels, an empty one shows every flow again",
		"bit/s, pps: over the last interval; 2s 10s 40s: average bit/s over 2/10/40 s",
		"sources, destinations, ports: the kernel's counts, or with a filter those of",
		"  the flows that match; dests/srcs, ports: distinct peers and ports (+-9 %)",
		"state, when narrow: syn_snt syn_rcv estab midstrm unidir bidir ingress(-only)",
	};

	lay_put(l, true, "%-*s", l->cols, "keys (any key closes this help)");
	for (size_t i = 0; i < sizeof(text) / sizeof(text[0]); i++)
		lay_put(l, false, "%s", text[i]);
}

/* The last row: the order and the filter in force, or the filter being typed. */
static void status(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v)
{
	static const char keys[] = "? help  / filter  r/b/p sort  P pause  q quit";
	char left[MAX_COLS + 1];
	int n;

	l->rows++; /* the row kept for this line */
	if (v->prompt) {
		lay_put(l, true, "filter: %s_   (Enter: apply, Esc: cancel)%*s", v->prompt,
			l->cols, "");
		return;
	}
	if (v->message)
		n = snprintf(left, sizeof(left), "%s", v->message);
	else if (v->filter)
		n = snprintf(left, sizeof(left), "sort: %s  filter: %s (%zu of %zu flows)%s",
			     pl_screen_order_name(v->order), v->filter, s->nmatch, s->nall,
			     v->paused ? "  PAUSED" : "");
	else
		n = snprintf(left, sizeof(left), "sort: %s  filter: none%s",
			     pl_screen_order_name(v->order), v->paused ? "  PAUSED" : "");
	n = n < (int)sizeof(left) ? n : (int)sizeof(left) - 1;
	if (n + 2 + (int)strlen(keys) <= l->cols)
		lay_put(l, true, "%s%*s", left, l->cols - n, keys);
	else
		lay_put(l, true, "%-*s", l->cols, left);
}

/* Rows for the graph: 3 on 24 rows, more on taller screens, none when the lists
 * would get fewer than 8. */
static int graph_height(const struct lay *l, int rows)
{
	int left = l->rows - l->row, h = rows < 30 ? 3 : 3 + (rows - 30) / 6;

	h = h > 8 ? 8 : h;
	if (h > left - 9)
		h = left - 9;
	return h > 0 ? h : 0;
}

void pl_screen_layout(const struct pl_screen *s, const struct pl_screen_view *v, int rows,
		      int cols, pl_screen_fn out, void *arg)
{
	struct lay l = { .out = out, .arg = arg, .rows = rows - 1 };
	int h;

	if (rows < 1)
		return;
	l.cols = cols > MAX_COLS ? MAX_COLS : cols < 1 ? 1 : cols;
	header(&l, s, v);
	if (v->help) {
		help(&l); /* it needs the rows more than the mix */
	} else {
		mix(&l, s);
		l7_lines(&l, s);
		lay_extra(&l, s);
		h = graph_height(&l, rows);
		if (h)
			lay_graph(&l, s, v, h, rows >= 40 && l.rows - l.row - 2 * (h + 1) >= 9);
		lay_lists(&l, s, v);
	}
	while (l.row < l.rows)
		lay_put(&l, false, "%s", "");
	status(&l, s, v);
}
