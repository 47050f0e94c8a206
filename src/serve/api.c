// SPDX-License-Identifier: BSD-2-Clause
/* api.c - the JSON answers of /api/v1/ (json-c); field names in docs/openapi.yaml. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <json-c/json.h>
#include "analysis/names.h"
#include "serve/query.h"
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/json_text.h"

const struct pl_route pl_routes[] = {
	{ "/", "GET", "the live dashboard (HTML; reads this API once a second)" },
	{ "/api/v1", "GET", "the endpoints of this API" },
	{ "/api/v1/stats", "GET", "per-interface totals, rates, malformed packets, flow table" },
	{ "/api/v1/protocols", "GET", "protocol mix: L3, L4, tunnels, sizes, TCP flags" },
	{ "/api/v1/flows", "GET", "the flow table: top N, sorted, filtered (also by application)" },
	{ "/api/v1/applications", "GET", "application mix (nDPI): flows, packets, bytes of each" },
	{ "/api/v1/drops", "GET", "the kernel's drops of received packets by interface, reason, port" },
	{ "/api/v1/rtt", "GET", "TCP RTT and health: slowest flows, histograms per service port "
	  "and remote network, health per service" },
	{ "/api/v1/latency", "GET", "DNS and HTTP service latency per server port: percentiles, "
	  "histogram, response codes" },
	{ "/api/v1/rates", "GET", "packets and bytes of each of the last 120 samples (one a second)" },
	{ "/api/v1/history/minutes", "GET", "history: per-minute counts of a time range" },
	{ "/api/v1/history/flows", "GET", "history: the flows that ended in a time range" },
	{ "/api/v1/history/top-talkers", "GET", "history: who sent most in a time range" },
	{ "/api/v1/history/apps", "GET", "history: the application mix of a time range" },
	{ "/api/v1/reload", "POST", "reload the whole configuration as SIGHUP does; set the log level" },
	{ "/api/v1/alerts", "GET", "the newest alerts of detection (since, severity, interface, limit)" },
	{ "/api/v1/history/alerts", "GET", "history: the alerts alive in a time range" },
	{ "/api/v1/rules", "GET", "mitigation: the rules of each running protect, with counters" },
	{ "/api/v1/rules/block", "POST", "mitigation: add a block to a running protect" },
	{ "/api/v1/rules/unblock", "POST", "mitigation: remove a rule of a running protect" },
	{ "/metrics", "GET", "Prometheus text exposition" },
};
const size_t pl_nroutes = sizeof(pl_routes) / sizeof(pl_routes[0]);

static void add(struct json_object *o, const char *key, struct json_object *v)
{
	json_object_object_add(o, key, v);
}

static void add_u64(struct json_object *o, const char *key, __u64 v)
{
	add(o, key, json_object_new_uint64(v));
}

static void add_str(struct json_object *o, const char *key, const char *v)
{
	add(o, key, v ? pl_json_text(v, strlen(v), PL_JSON_BAD_FFFD) : NULL);
}

/* Six decimals at most, as people read rates and seconds (json-c would print 17). */
static void add_double(struct json_object *o, const char *key, double v)
{
	char buf[48];
	size_t n = (size_t)snprintf(buf, sizeof(buf), "%.6f", v);

	while (n > 2 && buf[n - 1] == '0' && buf[n - 2] != '.')
		buf[--n] = 0;
	add(o, key, json_object_new_double_s(v, buf));
}

/* Hand the text of @o to the caller; @o is freed. */
static int finish(struct json_object *o, char **out)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE);

	*out = s ? malloc(strlen(s) + 2) : NULL;
	if (*out)
		strcat(strcpy(*out, s), "\n");
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}

char *pl_api_error(int status, const char *msg)
{
	struct json_object *o = json_object_new_object();
	char *out;

	add_str(o, "error", msg);
	add_u64(o, "status", (__u64)status);
	return finish(o, &out) ? NULL : out;
}

int pl_api_index(char **out)
{
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	add_str(o, "version", PKTLENS_VERSION);
	for (size_t i = 0; i < pl_nroutes; i++) {
		struct json_object *e = json_object_new_object();

		add_str(e, "path", pl_routes[i].path);
		add_str(e, "methods", pl_routes[i].methods);
		add_str(e, "summary", pl_routes[i].summary);
		json_object_array_add(a, e);
	}
	add(o, "endpoints", a);
	return finish(o, out);
}

/* The interfaces a query covers: all, or the one it names (-ENOENT if not served). */
static int iface_range(struct pl_srv *srv, const struct pl_flow_query *q, int *lo, int *hi)
{
	int i;

	if (!q->ifname[0]) {
		*lo = 0;
		*hi = srv->nifs;
		return 0;
	}
	i = pl_srv_find(srv, q->ifname);
	if (i < 0)
		return -ENOENT;
	*lo = i;
	*hi = i + 1;
	return 0;
}

static struct json_object *top_object(struct pl_srv *srv)
{
	struct json_object *o = json_object_new_object();
	__u64 now = pl_time_now_ns();
	char t[40];

	add_str(o, "timestamp", pl_time_iso(now, t, sizeof(t)));
	add_double(o, "uptime_s", (now - srv->start_unix_ns) / 1e9);
	return o;
}

static struct json_object *iface_head(struct pl_srv *srv, int i)
{
	struct json_object *o = json_object_new_object();
	struct pl_srv_if *s = &srv->ifs[i];

	add_str(o, "name", s->dp.ifname);
	add_str(o, "mode", pl_mode_name(s->dp.mode));
	add_str(o, "state", s->gone ? "gone" : "attached");
	return o;
}

static struct json_object *stats_iface(struct pl_srv *srv, int i)
{
	struct json_object *o = iface_head(srv, i), *x;
	struct pl_srv_if *s = &srv->ifs[i];
	struct pl_stats st;
	__u64 mal = 0;

	pl_srv_stats(srv, i, &st);
	x = json_object_new_object();
	add_u64(x, "packets", st.packets);
	add_u64(x, "bytes", st.bytes);
	add(o, "total", x);
	if (s->sampled && s->interval_s > 0) {
		x = json_object_new_object();
		add_double(x, "interval_s", s->interval_s);
		add_double(x, "pps", s->delta.packets / s->interval_s);
		add_double(x, "bps", s->delta.bytes * 8 / s->interval_s);
		add(o, "rate", x);
	} else {
		add(o, "rate", NULL); /* no interval measured yet */
	}
	x = json_object_new_object();
	for (int m = 1; m < PL_MAL_MAX; m++)
		mal += st.malformed[m];
	add_u64(x, "total", mal);
	for (int m = 1; m < PL_MAL_MAX; m++)
		add_u64(x, pl_malformed_name(m), st.malformed[m]);
	add(o, "malformed", x);
	add_u64(o, "headers_cut", st.hdr_cut);
	x = json_object_new_object();
	add_u64(x, "tagged", st.vlan_tagged);
	add_u64(x, "qinq", st.qinq);
	add(o, "vlan", x);
	x = json_object_new_object();
	add_u64(x, "ipv4_fragments_first", st.ipv4_frag_first);
	add_u64(x, "ipv4_fragments_later", st.ipv4_frag_later);
	add_u64(x, "ipv6_fragments_first", st.ipv6_frag_first);
	add_u64(x, "ipv6_fragments_later", st.ipv6_frag_later);
	add_u64(x, "ipv4_options", st.ipv4_options);
	add_u64(x, "ipv6_ext_headers", st.ipv6_ext);
	add(o, "ip", x);
	/* Counted at the last sample, created with it: evicted = created - active. */
	x = json_object_new_object();
	add_u64(x, "active", s->nflows);
	add_u64(x, "capacity", pl_dp_flow_capacity(&s->dp));
	add_u64(x, "created", s->flows_created);
	add_u64(x, "evicted", s->flows_created > s->nflows ? s->flows_created - s->nflows : 0);
	add_u64(x, "update_failures", st.flow_update_fail);
	add(o, "flows", x);
	return o;
}

static struct json_object *rates_iface(struct pl_srv *srv, int i)
{
	struct json_object *o = iface_head(srv, i), *a = json_object_new_array();
	struct pl_srv_if *s = &srv->ifs[i];
	unsigned int first = (s->rates_next + PL_RATES_MAX - s->rates_n) % PL_RATES_MAX;
	char t[40];

	for (unsigned int k = 0; k < s->rates_n; k++) {
		const struct pl_rate_sample *r = &s->rates[(first + k) % PL_RATES_MAX];
		struct json_object *x = json_object_new_object();

		add_str(x, "time", pl_time_iso(r->unix_ns, t, sizeof(t)));
		add_double(x, "interval_s", r->interval_s);
		add_u64(x, "packets", r->packets);
		add_u64(x, "bytes", r->bytes);
		add_double(x, "pps", r->interval_s > 0 ? r->packets / r->interval_s : 0);
		add_double(x, "bps", r->interval_s > 0 ? r->bytes * 8 / r->interval_s : 0);
		json_object_array_add(a, x);
	}
	add(o, "samples", a);
	return o;
}

int pl_api_per_iface(struct pl_srv *srv, const struct pl_flow_query *q, char **out,
		     struct json_object *(*one)(struct pl_srv *srv, int i))
{
	struct json_object *o, *a;
	int lo, hi;

	if (iface_range(srv, q, &lo, &hi))
		return -ENOENT;
	o = top_object(srv);
	a = json_object_new_array();
	for (int i = lo; i < hi; i++)
		json_object_array_add(a, one(srv, i));
	add(o, "interfaces", a);
	return finish(o, out);
}

int pl_api_rates(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	return pl_api_per_iface(srv, q, out, rates_iface);
}

int pl_api_stats(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	return pl_api_per_iface(srv, q, out, stats_iface);
}

static struct json_object *classes(const __u64 *pkts, const __u64 *bytes, unsigned int n,
				   const char *(*name)(unsigned int))
{
	struct json_object *o = json_object_new_object();

	for (unsigned int i = 0; i < n; i++) {
		if (bytes) {
			struct json_object *c = json_object_new_object();

			add_u64(c, "packets", pkts[i]);
			add_u64(c, "bytes", bytes[i]);
			add(o, name(i), c);
		} else {
			add_u64(o, name(i), pkts[i]);
		}
	}
	return o;
}

static struct json_object *protocols_iface(struct pl_srv *srv, int i)
{
	struct json_object *o = iface_head(srv, i), *x;
	struct pl_stats st;
	char fl[16];

	pl_srv_stats(srv, i, &st);
	add(o, "l3", classes(st.l3_packets, st.l3_bytes, PL_L3_MAX, pl_l3_name));
	add(o, "l4", classes(st.l4_packets, st.l4_bytes, PL_L4_MAX, pl_l4_name));
	add(o, "encap", classes(st.encap, NULL, PL_ENCAP_MAX, pl_encap_name));
	add(o, "inner_l3", classes(st.inner_l3_packets, NULL, PL_L3_MAX, pl_l3_name));
	add(o, "inner_l4", classes(st.inner_l4_packets, NULL, PL_L4_MAX, pl_l4_name));
	add(o, "size_hist", classes(st.size_hist, NULL, PL_SZ_MAX, pl_size_name));
	x = json_object_new_object();
	for (int f = 0; f < 256; f++)
		if (st.tcp_flags[f])
			add_u64(x, pl_tcp_flags_str(f, fl), st.tcp_flags[f]);
	add(o, "tcp_flags", x);
	return o;
}

int pl_api_protocols(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	return pl_api_per_iface(srv, q, out, protocols_iface);
}

/* A flow of the answer: the table's entry and the interface it came from. */
struct srv_flow {
	struct pl_flow f; /* first: pl_query_sort() sorts on it */
	int ifi;
};

/* A flow's L7: null until classified; its names when it carried any. */
static void add_l7(struct json_object *o, const struct pl_srv_app *a)
{
	add_str(o, "application", a ? a->v.name : NULL);
	add_str(o, "category", a ? a->v.category : NULL);
	if (a && a->dns)
		add_str(o, "dns_query", a->dns);
	if (a && a->sni)
		add_str(o, "tls_sni", a->sni);
	if (a && a->host)
		add_str(o, "http_host", a->host);
}

static struct json_object *flow_json(struct pl_srv *srv, const struct srv_flow *sf,
				     __s64 to_unix)
{
	struct json_object *o = json_object_new_object();
	const struct pl_flow *f = &sf->f;
	const char *pname = pl_proto_name(f->key.proto);
	struct pl_flow_view v;
	char a[64], fl[16], t[40];

	pl_flow_view(f, &v);
	add_str(o, "interface", srv->ifs[sf->ifi].dp.ifname);
	if (pname)
		add_str(o, "proto", pname);
	else
		add_u64(o, "proto", f->key.proto);
	add_str(o, "src", pl_addr_str(v.src, f->key.family, a, sizeof(a)));
	add_u64(o, "sport", v.sport);
	add_str(o, "dst", pl_addr_str(v.dst, f->key.family, a, sizeof(a)));
	add_u64(o, "dport", v.dport);
	add_u64(o, "vlan", f->key.vlan);
	add_u64(o, "packets", v.pkts_fwd);
	add_u64(o, "bytes", v.bytes_fwd);
	add_u64(o, "packets_reply", v.pkts_rev);
	add_u64(o, "bytes_reply", v.bytes_rev);
	add_str(o, "first_seen", pl_time_iso(f->val.first_seen_ns + to_unix, t, sizeof(t)));
	add_str(o, "last_seen", pl_time_iso(f->val.last_seen_ns + to_unix, t, sizeof(t)));
	add_double(o, "duration_s", (f->val.last_seen_ns - f->val.first_seen_ns) / 1e9);
	if (f->key.proto == 6) {
		add_str(o, "tcp_flags", pl_tcp_flags_str(v.flags_fwd, fl));
		add_str(o, "tcp_flags_reply", pl_tcp_flags_str(v.flags_rev, fl));
	}
	/* Live, pktlens sees what arrives only. */
	add_str(o, "state", pl_flow_state_seen(f, true));
	if (srv->l7)
		add_l7(o, pl_srv_l7_find(srv, sf->ifi, &f->key));
	if (srv->tcp && f->key.proto == 6) /* null: no record (yet, or evicted) */
		add(o, "tcp", pl_srv_tcp_json(srv, sf->ifi, &f->key));
	return o;
}

/* Append the flows of interface @ifi that pass @q to *all (*n of *cap). */
static int collect(struct pl_srv *srv, int ifi, const struct pl_flow_query *q,
		   struct srv_flow **all, size_t *n, size_t *cap)
{
	struct pl_flow *flows = NULL;
	size_t nf = 0;

	if (pl_flows_read(srv->ifs[ifi].dp.flows_fd, &flows, &nf))
		return -errno ? -errno : -EIO;
	for (size_t k = 0; k < nf; k++) {
		const struct pl_srv_app *app;

		if (!pl_query_match(q, &flows[k]))
			continue;
		if (q->app[0]) {
			app = pl_srv_l7_find(srv, ifi, &flows[k].key);
			if (!app || !pl_srv_app_is(app, q->app))
				continue;
		}
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 256;
			struct srv_flow *p = realloc(*all, c * sizeof(*p));

			if (!p) {
				free(flows);
				return -ENOMEM;
			}
			*all = p;
			*cap = c;
		}
		(*all)[*n].f = flows[k];
		(*all)[(*n)++].ifi = ifi;
	}
	free(flows);
	return 0;
}

int pl_api_flows(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	struct srv_flow *all = NULL;
	size_t n = 0, cap = 0;
	struct json_object *o, *a;
	__s64 to_unix = pl_time_mono_to_unix();
	int lo, hi, err;

	if (iface_range(srv, q, &lo, &hi))
		return -ENOENT;
	for (int i = lo; i < hi; i++) {
		err = collect(srv, i, q, &all, &n, &cap);
		if (err) {
			free(all);
			return err;
		}
	}
	pl_query_sort(q, all, n, sizeof(*all));
	o = top_object(srv);
	add_str(o, "sort", pl_query_sort_name(q->sort));
	add_u64(o, "top", q->top);
	add_u64(o, "matched", n);
	a = json_object_new_array();
	for (size_t k = 0; k < n && k < q->top; k++)
		json_object_array_add(a, flow_json(srv, &all[k], to_unix));
	add(o, "flows", a);
	free(all);
	return finish(o, out);
}
