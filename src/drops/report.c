// SPDX-License-Identifier: BSD-2-Clause
/* report.c - the drops view (groupings with interval deltas) and its text and JSON forms. */
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>
#include "drops/report.h"
#include "drops/xdp.h"

/* What a grouping keeps of a row's key. */
enum group { G_REASON, G_IFACE, G_ENTRY };

static struct pl_drop_key group_key(const struct pl_drop_key *k, enum group g)
{
	struct pl_drop_key out = {};

	if (g == G_ENTRY)
		return *k;
	if (g == G_REASON) {
		out.reason = k->reason;
	} else {
		out.netns = k->netns;
		out.ifindex = k->ifindex;
	}
	return out;
}

static int by_total(const void *a, const void *b)
{
	const struct pl_drop_agg *x = a, *y = b;

	if (x->total != y->total)
		return x->total < y->total ? 1 : -1;
	if (x->loc != y->loc)
		return x->loc < y->loc ? -1 : 1;
	return memcmp(&x->k, &y->k, sizeof(x->k));
}

/* Add (@k, @total, @delta) to the grouping @a of @n rows (linear: the lists are short). */
static int add(struct pl_drop_agg **a, size_t *n, const struct pl_drop_key *k, __u64 loc,
	       __u64 total, __u64 delta)
{
	struct pl_drop_agg *r;

	for (size_t i = 0; i < *n; i++) {
		if ((*a)[i].loc == loc && !memcmp(&(*a)[i].k, k, sizeof(*k))) {
			(*a)[i].total += total;
			(*a)[i].delta += delta;
			return 0;
		}
	}
	r = realloc(*a, (*n + 1) * sizeof(*r));
	if (!r)
		return -ENOMEM;
	*a = r;
	r[*n] = (struct pl_drop_agg){ .k = *k, .loc = loc, .total = total, .delta = delta };
	(*n)++;
	return 0;
}

int pl_drops_view(const struct pl_drops_snap *prev, const struct pl_drops_snap *cur,
		  struct pl_drops_view *v)
{
	int err = 0;

	memset(v, 0, sizeof(*v));
	v->totals = cur->totals;
	for (size_t i = 0; i < cur->nrows && !err; i++) {
		const struct pl_drop_row *r = &cur->rows[i];
		const struct pl_drop_row *p = prev ? pl_drops_find(prev, &r->k) : NULL;
		__u64 d = r->n - (p ? p->n : 0);
		struct pl_drop_key g;

		v->total += r->n;
		v->delta += d;
		g = group_key(&r->k, G_REASON);
		err = add(&v->reasons, &v->nreasons, &g, 0, r->n, d);
		g = group_key(&r->k, G_IFACE);
		err = err ?: add(&v->ifaces, &v->nifaces, &g, 0, r->n, d);
		err = err ?: add(&v->entries, &v->nentries, &r->k, 0, r->n, d);
	}
	for (size_t i = 0; i < cur->nlocs && !err; i++) {
		const struct pl_drop_loc_row *r = &cur->locs[i];
		const struct pl_drop_loc_row *p = prev ? pl_drops_find_loc(prev, &r->k) : NULL;
		struct pl_drop_key g = { .reason = r->k.reason };

		/* Linear add is quadratic here; locations are unique keys already. */
		struct pl_drop_agg *a = realloc(v->locs, (v->nlocs + 1) * sizeof(*a));

		if (!a) {
			err = -ENOMEM;
			break;
		}
		v->locs = a;
		a[v->nlocs++] = (struct pl_drop_agg){ .k = g, .loc = r->k.location, .total = r->n,
						      .delta = r->n - (p ? p->n : 0) };
	}
	if (err) {
		pl_drops_view_free(v);
		return err;
	}
	if (v->nreasons > 1)
		qsort(v->reasons, v->nreasons, sizeof(*v->reasons), by_total);
	if (v->nifaces > 1)
		qsort(v->ifaces, v->nifaces, sizeof(*v->ifaces), by_total);
	if (v->nentries > 1)
		qsort(v->entries, v->nentries, sizeof(*v->entries), by_total);
	if (v->nlocs > 1)
		qsort(v->locs, v->nlocs, sizeof(*v->locs), by_total);
	return 0;
}

void pl_drops_view_free(struct pl_drops_view *v)
{
	free(v->reasons);
	free(v->ifaces);
	free(v->entries);
	free(v->locs);
	memset(v, 0, sizeof(*v));
}

static const char *proto_name(__u8 p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 2: return "igmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 47: return "gre";
	case 50: return "esp";
	case 58: return "icmpv6";
	case 132: return "sctp";
	case 136: return "udplite";
	}
	snprintf(buf, len, "ip-proto-%u", p);
	return buf;
}

/* The interface's name where it is in our namespace and still exists, else NULL. */
static const char *if_name(const struct pl_drops_ctx *c, const struct pl_drop_key *k, char *buf)
{
	if (k->ifindex <= 0 || k->netns != c->own_netns)
		return NULL;
	return if_indextoname((unsigned int)k->ifindex, buf);
}

/* "plrx1", "ifindex 7" (gone), "ifindex 7 netns 4026532001" (another namespace), "-". */
static const char *if_label(const struct pl_drops_ctx *c, const struct pl_drop_key *k,
			    char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (if_name(c, k, name))
		snprintf(buf, len, "%s", name);
	else if (k->ifindex <= 0)
		snprintf(buf, len, "-");
	else if (k->netns == c->own_netns)
		snprintf(buf, len, "ifindex %d", k->ifindex);
	else
		snprintf(buf, len, "ifindex %d netns %u", k->ifindex, k->netns);
	return buf;
}

/* "udp/53", "icmp", "ipv4", "-". */
static const char *l4_label(const struct pl_drop_key *k, char *buf, size_t len)
{
	char p[24];

	if (!k->l3)
		snprintf(buf, len, "-");
	else if (k->dport)
		snprintf(buf, len, "%s/%u", proto_name(k->l4proto, p, sizeof(p)), k->dport);
	else
		snprintf(buf, len, "%s", proto_name(k->l4proto, p, sizeof(p)));
	return buf;
}

static const char *rname(const struct pl_drops_ctx *c, __u32 r, char *buf, size_t len)
{
	return pl_drop_name(c->names, r, buf, len);
}

static size_t limit(const struct pl_drops_ctx *c, size_t n)
{
	return c->top && c->top < n ? c->top : n;
}

static void file_line(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

void pl_drops_text_interval(FILE *f, const struct pl_drops_ctx *c, const struct pl_drops_view *v,
			    const char *clock)
{
	char rb[48], sb[160], ib[64], lb[40];
	size_t shown = 0;

	pl_xdp_verdicts_lines(c->xdp, true, file_line, f);
	if (!v->delta)
		return;
	fprintf(f, "%s  %" PRIu64 " drops\n", clock, (uint64_t)v->delta);
	for (size_t i = 0; i < v->nlocs && shown < limit(c, v->nlocs); i++) {
		const struct pl_drop_agg *a = &v->locs[i];

		if (!a->delta)
			continue;
		shown++;
		fprintf(f, "%8" PRIu64 " drops at %s [%s]\n", (uint64_t)a->delta,
			pl_ksym(c->ksyms, a->loc, sb, sizeof(sb)),
			rname(c, a->k.reason, rb, sizeof(rb)));
	}
	shown = 0;
	for (size_t i = 0; i < v->nentries && shown < limit(c, v->nentries); i++) {
		const struct pl_drop_agg *a = &v->entries[i];

		if (!a->delta)
			continue;
		shown++;
		fprintf(f, "%8" PRIu64 " on %s %s [%s]\n", (uint64_t)a->delta,
			if_label(c, &a->k, ib, sizeof(ib)), l4_label(&a->k, lb, sizeof(lb)),
			rname(c, a->k.reason, rb, sizeof(rb)));
	}
}

/*
 * The summary's first line. Drops of packets no interface received (sent from a socket
 * of any namespace) and frees that are no drop are counted host-wide: under -i they
 * are said to be, beside the drops on the other interfaces.
 */
static void not_counted(FILE *f, const struct pl_drops_ctx *c, const struct pl_drops_view *v,
			double elapsed_s)
{
	uint64_t sent = v->totals[PL_DT_NOT_RECEIVED], freed = v->totals[PL_DT_CONSUMED];

	if (c->ifname) {
		fprintf(f, "%" PRIu64 " drops of packets received on %s in %.1f s (not counted: "
			   "%" PRIu64 " drops on other interfaces or namespaces; host-wide, with no "
			   "receiving interface: %" PRIu64 " drops of packets sent from any "
			   "namespace, %" PRIu64 " frees that were no drop)\n",
			(uint64_t)v->total, c->ifname, elapsed_s,
			(uint64_t)v->totals[PL_DT_OTHER_IF], sent, freed);
		return;
	}
	fprintf(f, "%" PRIu64 " drops of received packets in %.1f s", (uint64_t)v->total,
		elapsed_s);
	if (sent || freed)
		fprintf(f, " (not counted: %" PRIu64 " drops of packets sent from this host, any "
			   "namespace, %" PRIu64 " frees that were no drop)",
			sent, freed);
	fputs("\n", f);
}

void pl_drops_text_summary(FILE *f, const struct pl_drops_ctx *c, const struct pl_drops_view *v,
			   double elapsed_s)
{
	char rb[48], sb[160], ib[64], lb[40];

	not_counted(f, c, v, elapsed_s);
	pl_xdp_verdicts_lines(c->xdp, false, file_line, f);
	if (v->totals[PL_DT_KEYS_FULL] || v->totals[PL_DT_LOCS_FULL])
		fprintf(f, "tables full: %" PRIu64 " drops in no interface row, %" PRIu64
			   " in no location row\n",
			(uint64_t)v->totals[PL_DT_KEYS_FULL], (uint64_t)v->totals[PL_DT_LOCS_FULL]);
	if (!v->total)
		return;
	fprintf(f, "\n%-32s %12s %7s\n", "top reasons", "drops", "%");
	for (size_t i = 0; i < limit(c, v->nreasons); i++)
		fprintf(f, "%-32s %12" PRIu64 " %7.1f\n",
			rname(c, v->reasons[i].k.reason, rb, sizeof(rb)), (uint64_t)v->reasons[i].total,
			100.0 * (double)v->reasons[i].total / (double)v->total);
	fprintf(f, "\n%-26s %-14s %-32s %12s\n", "interface", "proto/port", "reason", "drops");
	for (size_t i = 0; i < limit(c, v->nentries); i++) {
		const struct pl_drop_agg *a = &v->entries[i];

		fprintf(f, "%-26s %-14s %-32s %12" PRIu64 "\n", if_label(c, &a->k, ib, sizeof(ib)),
			l4_label(&a->k, lb, sizeof(lb)), rname(c, a->k.reason, rb, sizeof(rb)),
			(uint64_t)a->total);
	}
	fprintf(f, "\n%-44s %-32s %12s\n", "location", "reason", "drops");
	for (size_t i = 0; i < limit(c, v->nlocs); i++)
		fprintf(f, "%-44s %-32s %12" PRIu64 "\n",
			pl_ksym(c->ksyms, v->locs[i].loc, sb, sizeof(sb)),
			rname(c, v->locs[i].k.reason, rb, sizeof(rb)), (uint64_t)v->locs[i].total);
}

static void json_reason(struct pl_json *j, const struct pl_drops_ctx *c, __u32 r)
{
	char rb[48];

	pl_json_str(j, "reason", rname(c, r, rb, sizeof(rb)));
	pl_json_u64(j, "code", r);
}

static void json_iface(struct pl_json *j, const struct pl_drops_ctx *c, const struct pl_drop_key *k)
{
	char name[IF_NAMESIZE];

	pl_json_str(j, "interface", if_name(c, k, name));
	pl_json_i64(j, "ifindex", k->ifindex);
	pl_json_u64(j, "netns", k->netns);
}

static void json_counts(struct pl_json *j, const struct pl_drop_agg *a)
{
	pl_json_u64(j, "drops", a->delta);
	pl_json_u64(j, "drops_total", a->total);
}

void pl_drops_json(struct pl_json *j, const struct pl_drops_ctx *c, const struct pl_drops_view *v)
{
	char pb[24], sb[160], ab[24];

	pl_json_u64(j, "drops", v->delta);
	pl_json_u64(j, "drops_total", v->total);
	pl_json_begin_arr(j, "reasons");
	for (size_t i = 0; i < v->nreasons; i++) {
		pl_json_begin_obj(j, NULL);
		json_reason(j, c, v->reasons[i].k.reason);
		json_counts(j, &v->reasons[i]);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	pl_json_begin_arr(j, "interfaces");
	for (size_t i = 0; i < v->nifaces; i++) {
		pl_json_begin_obj(j, NULL);
		json_iface(j, c, &v->ifaces[i].k);
		json_counts(j, &v->ifaces[i]);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	pl_json_begin_arr(j, "entries");
	for (size_t i = 0; i < limit(c, v->nentries); i++) {
		const struct pl_drop_agg *a = &v->entries[i];

		pl_json_begin_obj(j, NULL);
		json_reason(j, c, a->k.reason);
		json_iface(j, c, &a->k);
		pl_json_str(j, "l3", a->k.l3 == 4 ? "ipv4" : a->k.l3 == 6 ? "ipv6" : NULL);
		if (a->k.l3)
			pl_json_str(j, "proto", proto_name(a->k.l4proto, pb, sizeof(pb)));
		else
			pl_json_null(j, "proto");
		if (a->k.dport)
			pl_json_u64(j, "port", a->k.dport);
		else
			pl_json_null(j, "port");
		json_counts(j, a);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	pl_json_begin_arr(j, "locations");
	for (size_t i = 0; i < limit(c, v->nlocs); i++) {
		const struct pl_drop_agg *a = &v->locs[i];

		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "symbol", c->ksyms ? pl_ksym(c->ksyms, a->loc, sb, sizeof(sb)) : NULL);
		snprintf(ab, sizeof(ab), "0x%" PRIx64, (uint64_t)a->loc);
		pl_json_str(j, "address", ab);
		json_reason(j, c, a->k.reason);
		json_counts(j, a);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	pl_json_begin_obj(j, "not_counted");
	pl_json_u64(j, "sent_by_host", v->totals[PL_DT_NOT_RECEIVED]);
	pl_json_u64(j, "not_drops", v->totals[PL_DT_CONSUMED]);
	pl_json_u64(j, "other_interfaces", v->totals[PL_DT_OTHER_IF]);
	pl_json_end_obj(j);
	pl_json_begin_obj(j, "table_full");
	pl_json_u64(j, "entries", v->totals[PL_DT_KEYS_FULL]);
	pl_json_u64(j, "locations", v->totals[PL_DT_LOCS_FULL]);
	pl_json_end_obj(j);
	if (c->xdp)
		pl_xdp_verdicts_json(j, c->xdp);
}

const char *pl_drops_brief(const struct pl_drops_ctx *c, const struct pl_drops_view *v,
			   char *buf, size_t len)
{
	char rb[48];
	size_t n;

	n = (size_t)snprintf(buf, len, "%" PRIu64, (uint64_t)v->total);
	for (size_t i = 0; i < v->nreasons && i < 3 && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s %" PRIu64, i ? ", " : " (",
				      rname(c, v->reasons[i].k.reason, rb, sizeof(rb)),
				      (uint64_t)v->reasons[i].total);
	if (v->nreasons && n < len)
		snprintf(buf + n, len - n, "%s)", v->nreasons > 3 ? ", ..." : "");
	return buf;
}

void pl_drops_lines(const struct pl_drops_ctx *c, const struct pl_drops_view *v,
		    void (*emit)(void *arg, const char *line), void *arg)
{
	char buf[256], brief[160], rb[48], ib[64], lb[40];

	snprintf(buf, sizeof(buf), "kernel drops %s", pl_drops_brief(c, v, brief, sizeof(brief)));
	emit(arg, buf);
	for (size_t i = 0; i < limit(c, v->nentries); i++) {
		const struct pl_drop_agg *a = &v->entries[i];

		snprintf(buf, sizeof(buf), "  %-26s %-14s %-32s %" PRIu64,
			 if_label(c, &a->k, ib, sizeof(ib)), l4_label(&a->k, lb, sizeof(lb)),
			 rname(c, a->k.reason, rb, sizeof(rb)), (uint64_t)a->total);
		emit(arg, buf);
	}
	pl_xdp_verdicts_lines(c->xdp, false, emit, arg);
}
