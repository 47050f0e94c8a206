// SPDX-License-Identifier: BSD-2-Clause
/*
 * drops_api.c - serve --drops: the kernel's drops of received packets (src/drops/, the
 * skb:kfree_skb program of `pktlens drops`), read by the sampler once a second, served
 * as GET /api/v1/drops and as pktlens_kernel_drops_total{interface,reason} in
 * /metrics. One interface served: the program counts that interface only; several:
 * every interface of the namespace (named by their interface label).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <net/if.h>
#include <json-c/json.h>
#include "drops/live.h"
#include "serve/query.h"
#include "serve/server.h"
#include "util/log.h"

struct pair;
static int pairs(const struct pl_drops_live *l, const char *only, bool delta, struct pair **out,
		 size_t *n);
static void to_history(struct pl_srv *srv);

int pl_srv_drops_start(struct pl_srv *srv)
{
	const struct pl_serve_cfg *cfg = srv->cfg;
	int err;

	if (!cfg->drops)
		return 0;
	srv->drops = calloc(1, sizeof(*srv->drops));
	if (!srv->drops)
		return -ENOMEM;
	/* top 0: every row (the API and the metrics cut what they show). */
	err = pl_drops_live_start(srv->drops, cfg->nifs == 1 ? cfg->ifnames[0] : NULL, 0);
	if (err) {
		free(srv->drops);
		srv->drops = NULL;
		return err;
	}
	err = pl_drops_live_update(srv->drops);
	if (err)
		pl_srv_drops_stop(srv);
	return err;
}

void pl_srv_drops_sample(struct pl_srv *srv)
{
	int err;

	if (!srv->drops)
		return;
	pthread_mutex_lock(&srv->lock);
	err = pl_drops_live_update(srv->drops);
	srv->drops_ok = !err;
	if (!err)
		to_history(srv);
	pthread_mutex_unlock(&srv->lock);
	if (err && !srv->drops_warned++)
		pl_warn("reading the drops tables failed: %s", strerror(-err));
}

void pl_srv_drops_stop(struct pl_srv *srv)
{
	if (!srv->drops)
		return;
	pl_drops_live_stop(srv->drops);
	free(srv->drops);
	srv->drops = NULL;
}

/* An interface's label: its name, "-" for none, "ifindex N" when gone or elsewhere. */
static const char *if_label(const struct pl_drops_live *l, const struct pl_drop_key *k,
			    char *buf, size_t len)
{
	char name[IF_NAMESIZE];

	if (k->ifindex > 0 && k->netns == l->ctx.own_netns &&
	    if_indextoname((unsigned int)k->ifindex, name))
		snprintf(buf, len, "%s", name);
	else if (k->ifindex <= 0)
		snprintf(buf, len, "-");
	else
		snprintf(buf, len, "ifindex %d", k->ifindex);
	return buf;
}

static const char *proto_of(__u8 p, char *buf, size_t len)
{
	static const struct { __u8 p; const char *n; } names[] = {
		{ 1, "icmp" }, { 2, "igmp" }, { 6, "tcp" }, { 17, "udp" }, { 47, "gre" },
		{ 58, "icmpv6" }, { 132, "sctp" },
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].p == p)
			return names[i].n;
	snprintf(buf, len, "ip-proto-%u", p);
	return buf;
}

/* (interface, reason) totals from the entries, for the API's filter and the metrics. */
struct pair {
	char ifname[32];
	__u32 reason;
	__u64 total;
};

/* Totals (or, with @delta, the last read's change) by (interface, reason). */
static int pairs(const struct pl_drops_live *l, const char *only, bool delta, struct pair **out,
		 size_t *n)
{
	const struct pl_drops_view *v = &l->view;
	struct pair *p = calloc(v->nentries ? v->nentries : 1, sizeof(*p));
	char lb[32];

	*n = 0;
	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < v->nentries; i++) {
		const struct pl_drop_agg *a = &v->entries[i];
		size_t j;

		if_label(l, &a->k, lb, sizeof(lb));
		if (only && strcmp(only, lb))
			continue;
		for (j = 0; j < *n; j++)
			if (p[j].reason == a->k.reason && !strcmp(p[j].ifname, lb))
				break;
		if (j == *n) {
			snprintf(p[j].ifname, sizeof(p[j].ifname), "%s", lb);
			p[j].reason = a->k.reason;
			(*n)++;
		}
		p[j].total += delta ? a->delta : a->total;
	}
	*out = p;
	return 0;
}

static struct json_object *entry(const struct pl_drops_live *l, const struct pl_drop_agg *a)
{
	struct json_object *o = json_object_new_object();
	char rb[64], lb[32], pb[24];
	const struct pl_drop_key *k = &a->k;

	json_object_object_add(o, "reason", json_object_new_string(
		pl_drop_name(l->ctx.names, k->reason, rb, sizeof(rb))));
	json_object_object_add(o, "interface", json_object_new_string(if_label(l, k, lb, sizeof(lb))));
	json_object_object_add(o, "l3", k->l3 ? json_object_new_string(k->l3 == 4 ? "ipv4" : "ipv6")
					     : NULL);
	json_object_object_add(o, "proto", k->l3 ? json_object_new_string(
		proto_of(k->l4proto, pb, sizeof(pb))) : NULL);
	json_object_object_add(o, "port", k->dport ? json_object_new_int(k->dport) : NULL);
	json_object_object_add(o, "drops_total", json_object_new_uint64(a->total));
	return o;
}

int pl_api_drops(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	const struct pl_drops_live *l = srv->drops;
	const char *only = q->ifname[0] ? q->ifname : NULL;
	struct json_object *o, *arr;
	struct pair *p = NULL;
	__u64 total = 0;
	char rb[64], lb[32];
	size_t n, shown = 0;

	if (!l)
		return -ENOENT;
	if (pairs(l, only, false, &p, &n))
		return -ENOMEM;
	o = json_object_new_object();
	json_object_object_add(o, "counting", json_object_new_string(
		l->d.ifindex ? l->d.ifname : "every interface"));
	json_object_object_add(o, "hook", json_object_new_string(l->d.hook ? l->d.hook : ""));
	arr = json_object_new_array();
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_new_object();

		json_object_object_add(e, "interface", json_object_new_string(p[i].ifname));
		json_object_object_add(e, "reason", json_object_new_string(
			pl_drop_name(l->ctx.names, p[i].reason, rb, sizeof(rb))));
		json_object_object_add(e, "drops_total", json_object_new_uint64(p[i].total));
		json_object_array_add(arr, e);
		total += p[i].total;
	}
	json_object_object_add(o, "drops_total", json_object_new_uint64(total));
	json_object_object_add(o, "by_reason", arr);
	arr = json_object_new_array();
	for (size_t i = 0; i < l->view.nentries && shown < PL_DROPS_API_ENTRIES; i++) {
		const struct pl_drop_agg *a = &l->view.entries[i];

		if (only && strcmp(only, if_label(l, &a->k, lb, sizeof(lb))))
			continue;
		json_object_array_add(arr, entry(l, a));
		shown++;
	}
	json_object_object_add(o, "entries", arr);
	json_object_object_add(o, "table_full", json_object_new_uint64(
		l->view.totals ? l->view.totals[PL_DT_KEYS_FULL] : 0));
	free(p);
	*out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}

void pl_metrics_drops(struct pl_srv *srv, FILE *f)
{
	const struct pl_drops_live *l = srv->drops;
	struct pair *p = NULL;
	char rb[64], ifn[PL_PROM_ESC_LEN], rn[PL_PROM_ESC_LEN];
	size_t n;

	if (!l || pairs(l, NULL, false, &p, &n))
		return;
	fputs("# HELP pktlens_kernel_drops_total Received packets the kernel dropped, by interface "
	      "and drop reason (skb:kfree_skb).\n# TYPE pktlens_kernel_drops_total counter\n", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "pktlens_kernel_drops_total{interface=\"%s\",reason=\"%s\"} %llu\n",
			pl_prom_esc(p[i].ifname, ifn, sizeof(ifn)), pl_prom_esc(pl_drop_name(
				l->ctx.names, p[i].reason, rb, sizeof(rb)), rn, sizeof(rn)),
			(unsigned long long)p[i].total);
	fputs("# HELP pktlens_kernel_drops_table_full_total Drops counted in no row: the drops "
	      "table was full.\n# TYPE pktlens_kernel_drops_table_full_total counter\n", f);
	fprintf(f, "pktlens_kernel_drops_table_full_total %llu\n", (unsigned long long)
		(l->view.totals ? l->view.totals[PL_DT_KEYS_FULL] : 0));
	free(p);
}

/*
 * The last read's drops into the current minute of the history (minute_classes, layer
 * 'drop'), one row per interface label and reason. Caller holds srv->lock.
 */
static void to_history(struct pl_srv *srv)
{
	static struct pl_hist_minute m; /* large; the sampler thread alone uses it */
	const struct pl_drops_live *l = srv->drops;
	__s64 minute = (__s64)time(NULL) / 60 * 60;
	struct pair *p = NULL;
	char rb[64];
	size_t n;

	if (!srv->hist || !l->have_prev || pairs(l, NULL, true, &p, &n))
		return;
	for (size_t i = 0; i < n; i++) {
		if (!p[i].total)
			continue;
		memset(&m, 0, sizeof(m));
		/* interface names fit in IF_NAMESIZE (16) */
		snprintf(m.ifname, sizeof(m.ifname), "%.*s", (int)sizeof(m.ifname) - 1,
			 p[i].ifname);
		m.minute = minute;
		pl_hist_minute_drop(&m, pl_drop_name(l->ctx.names, p[i].reason, rb, sizeof(rb)),
				    p[i].total);
		pl_hist_add_minute(srv->hist, &m);
	}
	free(p);
}
