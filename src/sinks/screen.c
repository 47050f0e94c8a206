// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen.c - monitor's terminal view, laid out to the terminal's size: a header with
 * the rates, the own cost, malformed packets and evictions; the L3, L4 and size mix
 * as lines of "name share" items that wrap at the width; then the top lists share
 * the rows that are left. The figures come from the same helpers as the text report.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/names.h"
#include "sinks/report_fmt.h"
#include "sinks/screen.h"
#include "sinks/timefmt.h"

#define MAX_COLS 512 /* wider terminals get blank space on the right */
#define LABEL_W 6    /* "size  " before the items of a mix line */
#define END_W 45     /* widest endpoint: IPv6 address, '.', port */
#define ADDR_W 39    /* widest address */
#define WIDE_COLS 120 /* from here the mix lines show counts too */

/* ---- the copy ------------------------------------------------------------------- */

static struct pl_flow *copy_flows(const struct pl_flow *f, size_t n)
{
	struct pl_flow *c = malloc(n ? n * sizeof(*c) : 1);

	if (c && n)
		memcpy(c, f, n * sizeof(*c));
	return c;
}

void pl_screen_free(struct pl_screen *s)
{
	free(s->by_bytes);
	free(s->by_packets);
	free(s->sources);
	free(s->dests);
	memset(s, 0, sizeof(*s));
}

/* The first @top of @a (n entries) by bytes, copied; NULL when out of memory. */
static struct pl_addr_stat *top_addrs(struct pl_addr_stat *a, size_t n, int top, size_t *kept)
{
	struct pl_addr_stat *c;

	*kept = n < (size_t)top ? n : (size_t)top;
	pl_addrs_sort(a, n, PL_ORDER_BYTES);
	c = malloc(*kept ? *kept * sizeof(*c) : 1);
	if (c && *kept)
		memcpy(c, a, *kept * sizeof(*c));
	return c;
}

/* Senders summed from the flow table (maps of an older object): no spread. */
static struct pl_addr_stat *flow_sources(const struct pl_report *r, size_t *kept)
{
	struct pl_talker *t = NULL;
	struct pl_addr_stat *a;
	size_t nt = 0;

	if (pl_top_sources(r->flows, r->nflows, &t, &nt))
		return NULL;
	*kept = nt < (size_t)r->top ? nt : (size_t)r->top;
	a = calloc(*kept ? *kept : 1, sizeof(*a));
	for (size_t i = 0; a && i < *kept; i++) {
		memcpy(a[i].addr, t[i].addr, sizeof(a[i].addr));
		a[i].family = t[i].family;
		a[i].packets = t[i].packets;
		a[i].bytes = t[i].bytes;
		a[i].flows = t[i].flows;
	}
	free(t);
	return a;
}

int pl_screen_take(struct pl_screen *s, const struct pl_report *r)
{
	size_t n = r->nflows < (size_t)r->top ? r->nflows : (size_t)r->top;
	struct pl_addr_stat *t;
	size_t nt = 0;

	pl_screen_free(s);
	s->r = *r;
	s->total = *r->total;
	s->delta = *r->delta;
	s->r.total = &s->total;
	s->r.delta = &s->delta;
	s->r.flows = NULL; /* r.nflows stays: the evictions are computed from it */
	pl_flows_sort(r->flows, r->nflows, PL_ORDER_BYTES);
	s->by_bytes = copy_flows(r->flows, n);
	pl_flows_sort(r->flows, r->nflows, PL_ORDER_PACKETS);
	s->by_packets = copy_flows(r->flows, n);
	s->spread = r->talk && r->talk->present;
	t = s->spread ? top_addrs(r->talk->src, r->talk->nsrc, r->top, &nt) : flow_sources(r, &nt);
	if (s->spread && t)
		s->dests = top_addrs(r->talk->dst, r->talk->ndst, r->top, &s->ndests);
	if (!s->by_bytes || !s->by_packets || !t || (s->spread && !s->dests)) {
		/* Keep the header: only the lists are empty. */
		free(s->by_bytes);
		free(s->by_packets);
		free(t);
		free(s->dests);
		s->by_bytes = s->by_packets = NULL;
		s->dests = NULL;
		s->ndests = 0;
		return -ENOMEM;
	}
	s->nkept = n;
	s->sources = t;
	s->nsources = nt;
	return 0;
}

/* ---- lines ---------------------------------------------------------------------- */

struct lay {
	pl_screen_fn out;
	void *arg;
	int rows, cols, row;
	char buf[MAX_COLS + 1]; /* the line of items being filled */
	int len, items, indent;
};

static void put(struct lay *l, bool heading, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void put(struct lay *l, bool heading, const char *fmt, ...)
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

static void flush(struct lay *l)
{
	if (l->items)
		put(l, false, "%s", l->buf);
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
		put(l, false, "%s", l->buf);
		l->len = snprintf(l->buf, sizeof(l->buf), "%*s", l->indent, "");
		l->items = 0;
	}
	l->len += snprintf(l->buf + l->len, sizeof(l->buf) - l->len, "%s%s", l->items ? "  " : "",
			   it);
	if (l->len >= (int)sizeof(l->buf))
		l->len = sizeof(l->buf) - 1;
	l->items++;
}

/* "ipv4 98.1%", with the count on wide terminals. */
static void share(struct lay *l, const char *name, __u64 n, __u64 all)
{
	char h[16];
	double pct = all ? 100.0 * n / all : 0;

	if (l->cols >= WIDE_COLS)
		item(l, "%s %s %.1f%%", name, pl_human(n, h, sizeof(h)), pct);
	else
		item(l, "%s %.1f%%", name, pct);
}

/* Cut @s to @w characters, keeping both ends (the port is at the end). */
static const char *fit(char *s, int w)
{
	int n = strlen(s), head = (w - 1) / 2;

	if (n > w && w > 2) {
		memmove(s + head + 1, s + n - (w - 1 - head), w - head); /* with the NUL */
		s[head] = '~';
	}
	return s;
}

/* ---- sections ------------------------------------------------------------------- */

static void header(struct lay *l, const struct pl_screen *s)
{
	static const char keys[] = "q quit  b/p sort flows";
	const struct pl_report *r = &s->r;
	__u64 ev = pl_report_evictions(r);
	char ts[40], h1[16], h2[16], h3[16], title[MAX_COLS + 1];
	int n;

	n = snprintf(title, sizeof(title), "pktlens %s (%s)  %s", r->source, r->mode,
		     pl_time_iso(r->now_unix_ns, ts, sizeof(ts)));
	if (n + 2 + (int)sizeof(keys) - 1 <= l->cols)
		put(l, false, "%s%*s", title, l->cols - n, keys);
	else
		put(l, false, "%s", title);

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

/* L3, L4 (the classes seen), the size histogram (every bucket), the rest if seen. */
static void mix(struct lay *l, const struct pl_screen *s)
{
	const struct pl_stats *t = &s->total;

	classes(l, "L3", t->l3_packets, PL_L3_MAX, pl_l3_name, t->packets);
	classes(l, "L4", t->l4_packets, PL_L4_MAX, pl_l4_name, t->packets);
	group(l, "size");
	for (int i = 0; i < PL_SZ_MAX; i++)
		share(l, pl_size_name(i), t->size_hist[i], t->packets);

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
	for (int i = 0; i < PL_LINK_MAX; i++)
		if (t->link[i])
			item(l, "%s %llu", pl_link_name(i), (unsigned long long)t->link[i]);
	if (t->tso)
		item(l, "tso %llu", (unsigned long long)t->tso);
	if (t->hdr_cut)
		item(l, "headers cut %llu", (unsigned long long)t->hdr_cut);

	group(l, "malformed");
	for (int i = 1; i < PL_MAL_MAX; i++)
		if (t->malformed[i])
			item(l, "%s %llu", pl_malformed_name(i), (unsigned long long)t->malformed[i]);
	flush(l);
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

static void flow_list(struct lay *l, const struct pl_screen *s, const struct pl_flow *f,
		      size_t n, int rows, const char *title)
{
	int pw = proto_width(), sw = state_width();
	/* proto, two ends, packets, bytes, state, and a space between each two */
	int w = (l->cols - pw - 7 - 7 - sw - 5) / 2;
	char e1[64], e2[64], pn[8], h1[16], h2[16];

	w = w < 12 ? 12 : w > END_W ? END_W : w;
	put(l, false, "%s", title);
	put(l, true, "%-*s %-*s %-*s %7s %7s %-*s", pw, "proto", w, "initiator", w, "responder",
	    "packets", "bytes", sw, "state");
	if (!n)
		put(l, false, "  (no flows)");
	for (int i = 0; i < rows && (size_t)i < n; i++) {
		const struct pl_flow_value *v = &f[i].val;

		pl_flow_ends(&f[i], e1, e2, sizeof(e1), pn);
		put(l, false, "%-*s %-*s %-*s %7s %7s %s", pw, pn, w, fit(e1, w), w, fit(e2, w),
		    pl_human(v->packets[0] + v->packets[1], h1, sizeof(h1)),
		    pl_human(v->bytes[0] + v->bytes[1], h2, sizeof(h2)),
		    pl_report_flow_state(&s->r, &f[i]));
	}
}

/* Senders or receivers; with the kernel's tables, their spread (estimates). */
static void addr_list(struct lay *l, const struct pl_screen *s, const char *title,
		      const struct pl_addr_stat *a, size_t n, int rows, bool dst)
{
	int w = l->cols - (s->spread ? 38 : 24); /* packets, bytes, flows[, peers, ports] */
	char ad[64], h1[16], h2[16], sp[32] = "";

	w = w < 12 ? 12 : w > ADDR_W ? ADDR_W : w;
	put(l, false, "%s", title);
	if (s->spread)
		snprintf(sp, sizeof(sp), " %7s %6s", dst ? "sources" : "dests", "ports");
	put(l, true, "%-*s %7s %7s %6s%s", w, "address", "packets", "bytes", "flows", sp);
	if (!n)
		put(l, false, "  (none)");
	for (int i = 0; i < rows && (size_t)i < n; i++) {
		pl_addr_str(a[i].addr, a[i].family, ad, sizeof(ad));
		if (s->spread)
			snprintf(sp, sizeof(sp), " %7.0f %6.0f", a[i].peers, a[i].ports);
		put(l, false, "%-*s %7s %7s %6u%s", w, fit(ad, w),
		    pl_human(a[i].packets, h1, sizeof(h1)), pl_human(a[i].bytes, h2, sizeof(h2)),
		    a[i].flows, sp);
	}
}

/*
 * The top lists: flows in the chosen order (both orders when the rows allow), then
 * the sources and, from the kernel's tables, the destinations. Each takes a title and
 * a heading row, then rows are dealt out one by one so that a short list leaves its
 * share to the others.
 */
static void lists(struct lay *l, const struct pl_screen *s, bool by_packets)
{
	int avail = l->rows - l->row, top = s->r.top < 8 ? s->r.top : 8;
	int nl = s->spread ? 4 : 3; /* lists when both flow orders show */
	bool both = avail >= nl * (2 + top);
	int k = both ? nl : nl - 1, want[4], got[4] = { 0 }, left, i = 0;
	int kmax = k;

	want[i++] = s->nkept;
	if (both)
		want[i++] = s->nkept;
	want[i++] = s->nsources;
	if (s->spread)
		want[i++] = s->ndests;
	for (i = 0; i < k; i++)
		want[i] = want[i] ? want[i] : 1; /* the "(none)" row */
	while (k > 0 && avail < 3 * k)
		k--;
	left = avail - 2 * k;
	for (bool more = true; more && left > 0;) {
		more = false;
		for (i = 0; i < k && left > 0; i++)
			if (got[i] < want[i])
				got[i]++, left--, more = true;
	}
	i = 0;
	if (both) {
		flow_list(l, s, s->by_bytes, s->nkept, got[0], "top flows by bytes");
		flow_list(l, s, s->by_packets, s->nkept, got[1], "top flows by packets");
		i = 2;
	} else if (k > 0) {
		flow_list(l, s, by_packets ? s->by_packets : s->by_bytes, s->nkept, got[0],
			  by_packets ? "top flows by packets   (b: by bytes)"
				     : "top flows by bytes   (p: by packets)");
		i = 1;
	}
	if (k > i)
		addr_list(l, s, "top sources", s->sources, s->nsources, got[i], false);
	if (s->spread && k > i + 1 && k == kmax)
		addr_list(l, s, "top destinations", s->dests, s->ndests, got[i + 1], true);
}

void pl_screen_layout(const struct pl_screen *s, int rows, int cols, bool by_packets,
		      pl_screen_fn out, void *arg)
{
	struct lay l = { .out = out, .arg = arg, .rows = rows };

	l.cols = cols > MAX_COLS ? MAX_COLS : cols < 1 ? 1 : cols;
	header(&l, s);
	mix(&l, s);
	lists(&l, s, by_packets);
}
