// SPDX-License-Identifier: BSD-2-Clause
/*
 * perf_srv.c - performance monitoring in the daemon, as monitor shows it: passive TCP
 * RTT and health (bpf/rtt.h, read with src/perf/tcp.c) and DNS/HTTP service latency
 * (src/perf/svc.c, fed by each interface's L7 session). GET /api/v1/rtt and
 * /api/v1/latency give monitor's JSON objects per interface; a flow's "tcp" object goes
 * with it in /api/v1/flows and into its history row; /metrics has the histograms and
 * the health counters.
 *
 * The maps are read when asked (the HTTP thread): the sampler reads nothing more each
 * second. GET /api/v1/rtt reads the per-flow records in batches (60,000 TCP flows: the
 * answer took 95 ms on a busy VM) before it takes srv->lock, so that the sampler and the
 * other endpoints' data are not held up meanwhile.
 * /metrics reads the histograms and totals only, never the per-flow records.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "history/history.h"
#include "perf/svc.h"
#include "perf/tcp.h"
#include "serve/query.h"
#include "serve/server.h"
#include "sinks/json.h"
#include "util/sort.h"

/* Rows of each list in /api/v1/rtt and /api/v1/latency. */
#define API_TOP 10
/* Service ports /metrics labels per interface; the rest are port="other". */
#define LABELLED_PORTS 5

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

int pl_srv_perf_start(struct pl_srv *srv, int i)
{
	srv->ifs[i].svc = pl_svc_new();
	return srv->ifs[i].svc ? 0 : -ENOMEM;
}

void pl_srv_perf_stop(struct pl_srv *srv)
{
	for (int i = 0; i < PL_SERVE_MAX_IFS; i++) {
		pl_svc_free(srv->ifs[i].svc);
		srv->ifs[i].svc = NULL;
	}
}

/* What a pl_json builder made: its top value (owned by the caller), NULL on failure. */
static struct json_object *take(struct pl_json *j)
{
	struct json_object *top = j->open[0];

	if (j->nomem || j->depth) {
		json_object_put(top);
		return NULL;
	}
	return top;
}

/* Member @key of @o, with its own reference; @o is released. */
static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *m = NULL;

	if (o && json_object_object_get_ex(o, key, &m))
		json_object_get(m);
	json_object_put(o);
	return m;
}

static struct json_object *iface_head(struct pl_srv *srv, int i)
{
	struct json_object *o = json_object_new_object();
	struct pl_srv_if *s = &srv->ifs[i];

	json_object_object_add(o, "name", json_object_new_string(s->dp.ifname));
	json_object_object_add(o, "mode", json_object_new_string(pl_mode_name(s->dp.mode)));
	json_object_object_add(o, "state", json_object_new_string(s->gone ? "gone" : "attached"));
	return o;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pl_flow_key));
}

/*
 * The per-flow records bucket by bucket (BPF_MAP_LOOKUP_BATCH: one system call for
 * many, as pl_flows_read() reads the flow table), appended to v->flows. -EINVAL,
 * -EOPNOTSUPP: not supported here.
 */
static int flows_batch(struct pl_tcp_view *v, int fd)
{
	__u32 chunk = 1024, in = 0, out = 0, got;
	struct pl_flow_key *keys = malloc(chunk * sizeof(*keys));
	struct pl_tcp_val *vals = malloc(chunk * sizeof(*vals));
	size_t cap = 0;
	bool first = true;
	int err = keys && vals ? 0 : -ENOMEM;

	while (!err) {
		got = chunk;
		err = bpf_map_lookup_batch(fd, first ? NULL : &in, &out, keys, vals, &got, NULL);
		if (err && err != -ENOENT)
			break; /* -ENOSPC (a bucket over 1024 entries) too: read by key */
		if (v->nflows + got > cap) {
			size_t ncap = cap ? cap * 2 : 4096;
			void *p;

			while (ncap < v->nflows + got)
				ncap *= 2;
			p = realloc(v->flows, ncap * sizeof(*v->flows));
			if (!p) {
				err = -ENOMEM;
				break;
			}
			v->flows = p;
			cap = ncap;
		}
		for (__u32 k = 0; k < got; k++) {
			v->flows[v->nflows + k].key = keys[k];
			v->flows[v->nflows + k].v = vals[k];
		}
		v->nflows += got;
		if (err == -ENOENT) { /* the end */
			err = 0;
			break;
		}
		in = out;
		first = false;
	}
	free(keys);
	free(vals);
	return err;
}

/* pl_tcp_read(), with the per-flow records read in batches where the kernel can. */
static int tcp_read(struct pl_tcp_view *v, const struct pl_tcp_fds *fds)
{
	__u64 now = mono_ns();
	int err = pl_tcp_read_hists(v, fds);

	if (err)
		return err;
	v->now_ns = now;
	err = flows_batch(v, fds->flows);
	if (err) {
		pl_tcp_view_free(v);
		return pl_tcp_read(v, fds, false, now);
	}
	if (v->nflows) /* pl_tcp_find() searches them by key */
		pl_qsort(v->flows, v->nflows, sizeof(*v->flows), key_cmp);
	return 0;
}

/* The "tcp" objects of GET /api/v1/rtt, made before srv->lock is taken. One HTTP
 * thread answers every request: the callback below picks them up. */
static __thread struct json_object *rtt_pre[PL_SERVE_MAX_IFS];

static struct json_object *tcp_object(struct pl_srv *srv, int i)
{
	struct pl_tcp_view v;
	struct pl_json j;
	struct json_object *t;

	if (tcp_read(&v, &srv->ifs[i].dp.tcp))
		return NULL;
	pl_json_init(&j, NULL, false);
	pl_json_begin_obj(&j, NULL);
	pl_tcp_json(&j, &v, API_TOP);
	pl_json_end_obj(&j);
	t = member(take(&j), "tcp");
	pl_tcp_view_free(&v);
	return t;
}

static struct json_object *rtt_iface(struct pl_srv *srv, int i)
{
	struct json_object *o = iface_head(srv, i);

	/* null: the maps could not be read */
	json_object_object_add(o, "tcp", rtt_pre[i]);
	rtt_pre[i] = NULL;
	return o;
}

int pl_api_rtt(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	int err, i = -1;

	if (!srv->tcp)
		return -ENODATA;
	/* The interfaces and their maps stay while the HTTP server runs. */
	if (q->ifname[0] && (i = pl_srv_find(srv, q->ifname)) < 0)
		return -ENOENT;
	for (int k = 0; k < srv->nifs; k++)
		rtt_pre[k] = i < 0 || k == i ? tcp_object(srv, k) : NULL;
	pthread_mutex_lock(&srv->lock);
	err = pl_api_per_iface(srv, q, out, rtt_iface);
	pthread_mutex_unlock(&srv->lock);
	for (int k = 0; k < srv->nifs; k++) {
		json_object_put(rtt_pre[k]);
		rtt_pre[k] = NULL;
	}
	return err;
}

static struct json_object *latency_iface(struct pl_srv *srv, int i)
{
	struct json_object *o = iface_head(srv, i), *a;
	struct pl_json j;

	pl_json_init(&j, NULL, false);
	pl_json_begin_obj(&j, NULL);
	pl_svc_json(&j, srv->ifs[i].svc, API_TOP);
	pl_json_end_obj(&j);
	a = member(take(&j), "service_latency");
	json_object_object_add(o, "services", a ? a : json_object_new_array());
	return o;
}

int pl_api_latency(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	if (!srv->l7)
		return -ENODATA;
	return pl_api_per_iface(srv, q, out, latency_iface);
}

int pl_srv_tcp_get(struct pl_srv *srv, int i, const struct pl_flow_key *k, struct pl_tcp_val *t)
{
	int fd = srv->ifs[i].dp.tcp.flows;

	if (!srv->tcp || fd < 0 || k->proto != 6 || bpf_map_lookup_elem(fd, k, t))
		return -ENOENT;
	return 0;
}

struct json_object *pl_srv_tcp_json(struct pl_srv *srv, int i, const struct pl_flow_key *k)
{
	struct pl_tcp_val t;
	struct pl_json j;

	if (pl_srv_tcp_get(srv, i, k, &t))
		return NULL;
	pl_json_init(&j, NULL, false);
	pl_json_begin_obj(&j, NULL);
	pl_tcp_flow_json(&j, &t, false);
	pl_json_end_obj(&j);
	return take(&j);
}

void pl_srv_tcp_row(struct pl_srv *srv, int i, const struct pl_flow_key *k,
		    struct pl_hist_flow *h)
{
	struct pl_tcp_val t;

	if (!pl_srv_tcp_get(srv, i, k, &t))
		pl_hist_flow_tcp(h, &t);
}

void pl_srv_tcp_forget(struct pl_srv *srv, int i, const struct pl_flow_key *k)
{
	struct pl_flow_value fv;

	/* Only once the flow left the table: an entry whose key came back keeps its new
	 * record. */
	if (srv->tcp && k->proto == 6 && srv->ifs[i].dp.tcp.flows >= 0 &&
	    bpf_map_lookup_elem(srv->ifs[i].dp.flows_fd, k, &fv))
		bpf_map_delete_elem(srv->ifs[i].dp.tcp.flows, k);
}

/* ---- /metrics ---------------------------------------------------------------------- */

/* Histogram buckets shown: the log2 buckets [lo, hi] of microseconds, le = 2^(b+1) us
 * (32 us to 8.4 s); lower ones are in the first, higher ones in +Inf. */
#define LE_FIRST 4
#define LE_LAST 22

/* @port keeps a label on interface @s's list @ports (*n of them): true if it has one. */
static bool labelled(unsigned int *ports, unsigned int *n, unsigned int port, bool add)
{
	for (unsigned int k = 0; k < *n; k++)
		if (ports[k] == port)
			return true;
	if (!add || *n >= LABELLED_PORTS)
		return false;
	ports[(*n)++] = port;
	return true;
}

/* An interface name as a label value: backslash, quote and newline escaped. */
static const char *esc(const char *s, char *buf, size_t len)
{
	size_t n = 0;

	for (; *s && n + 3 < len; s++) {
		if (*s == '\\' || *s == '"')
			buf[n++] = '\\';
		buf[n++] = *s == '\n' ? ' ' : *s;
	}
	buf[n] = 0;
	return buf;
}

struct mhist {
	__u64 count[PL_RTT_BUCKETS];
	double sum_s;
};

static void hist_out(FILE *f, const char *name, const char *labels, const struct mhist *h)
{
	__u64 cum = 0;

	for (int b = 0; b < PL_RTT_BUCKETS; b++) {
		cum += h->count[b];
		if (b < LE_FIRST || b > LE_LAST)
			continue;
		fprintf(f, "%s_bucket{%s,le=\"%.6f\"} %llu\n", name, labels,
			(double)(2ull << b) / 1e6, (unsigned long long)cum);
	}
	fprintf(f, "%s_bucket{%s,le=\"+Inf\"} %llu\n", name, labels, (unsigned long long)cum);
	fprintf(f, "%s_sum{%s} %.9f\n", name, labels, h->sum_s);
	fprintf(f, "%s_count{%s} %llu\n", name, labels, (unsigned long long)cum);
}

static void rtt_hist_add(struct mhist *m, const struct pl_rtt_hist *h)
{
	for (int b = 0; b < PL_RTT_BUCKETS; b++)
		m->count[b] += h->count[b];
	m->sum_s += h->sum_ns / 1e9;
}

/* pktlens_tcp_rtt_seconds of interface @i: its labelled ports, then "other". */
static void rtt_metrics(struct pl_srv *srv, int i, const struct pl_tcp_view *v, FILE *f)
{
	struct pl_srv_if *s = &srv->ifs[i];
	struct mhist per[LABELLED_PORTS], other = { { 0 } };
	bool any_other = false;
	char lab[160], ifn[40];

	esc(s->dp.ifname, ifn, sizeof(ifn));
	memset(per, 0, sizeof(per));
	/* Busiest first (pl_tcp_read_hists sorts): the first ones seen keep their label. */
	for (size_t h = 0; h < v->nhists; h++) {
		const struct pl_tcp_hrow *r = &v->hists[h];

		if (r->k.kind == PL_RTTH_PORT)
			labelled(s->rtt_ports, &s->nrtt_ports, r->k.port, true);
	}
	for (size_t h = 0; h < v->nhists; h++) {
		const struct pl_tcp_hrow *r = &v->hists[h];
		unsigned int k;

		if (r->k.kind != PL_RTTH_PORT)
			continue;
		for (k = 0; k < s->nrtt_ports && s->rtt_ports[k] != r->k.port; k++)
			;
		if (k < s->nrtt_ports) {
			rtt_hist_add(&per[k], &r->h);
		} else {
			rtt_hist_add(&other, &r->h);
			any_other = true;
		}
	}
	for (unsigned int k = 0; k < s->nrtt_ports; k++) {
		snprintf(lab, sizeof(lab), "interface=\"%s\",port=\"%u\"", ifn, s->rtt_ports[k]);
		hist_out(f, "pktlens_tcp_rtt_seconds", lab, &per[k]);
	}
	if (any_other || s->nrtt_ports >= LABELLED_PORTS) {
		snprintf(lab, sizeof(lab), "interface=\"%s\",port=\"other\"", ifn);
		hist_out(f, "pktlens_tcp_rtt_seconds", lab, &other);
	}
}

static const struct {
	const char *name, *help;
	int total;
} tcp_counters[] = {
	{ "pktlens_tcp_retransmits_total", "TCP segments that resent data already sent.",
	  PL_TT_RETRANS },
	{ "pktlens_tcp_out_of_order_total",
	  "TCP segments that began past the next expected sequence number.", PL_TT_OOO },
	{ "pktlens_tcp_duplicate_acks_total", "Duplicate TCP ACKs (data outstanding).",
	  PL_TT_DUPACK },
	{ "pktlens_tcp_zero_windows_total", "TCP segments advertising a zero window.",
	  PL_TT_ZERO_WIN },
	{ "pktlens_tcp_resets_total", "TCP resets, either side.", PL_TT_RST },
	{ "pktlens_tcp_handshakes_total", "TCP handshakes seen to complete.", PL_TT_HANDSHAKES },
	{ "pktlens_tcp_rtt_samples_total", "RTT samples taken (the remote end's).",
	  PL_TT_SAMPLES },
	{ "pktlens_tcp_track_failures_total",
	  "TCP segments whose flow record could be neither made nor found.", PL_TT_TRACK_FAIL },
};

static void tcp_metrics(struct pl_srv *srv, FILE *f)
{
	struct pl_tcp_view v[PL_SERVE_MAX_IFS];
	bool ok[PL_SERVE_MAX_IFS];
	const size_t nc = sizeof(tcp_counters) / sizeof(tcp_counters[0]);
	char ifn[40];

	for (int i = 0; i < srv->nifs; i++)
		ok[i] = !srv->ifs[i].gone && !pl_tcp_read_hists(&v[i], &srv->ifs[i].dp.tcp);
	fputs("# HELP pktlens_tcp_rtt_seconds Passive TCP round-trip time, by service port "
	      "(the responder's; the busiest few keep a label, the rest are \"other\").\n"
	      "# TYPE pktlens_tcp_rtt_seconds histogram\n", f);
	for (int i = 0; i < srv->nifs; i++)
		if (ok[i])
			rtt_metrics(srv, i, &v[i], f);
	for (size_t c = 0; c < nc; c++) {
		fprintf(f, "# HELP %s %s\n# TYPE %s counter\n", tcp_counters[c].name,
			tcp_counters[c].help, tcp_counters[c].name);
		for (int i = 0; i < srv->nifs; i++)
			if (ok[i])
				fprintf(f, "%s{interface=\"%s\"} %llu\n", tcp_counters[c].name,
					esc(srv->ifs[i].dp.ifname, ifn, sizeof(ifn)),
					(unsigned long long)v[i].totals[tcp_counters[c].total]);
	}
	for (int i = 0; i < srv->nifs; i++)
		if (ok[i])
			pl_tcp_view_free(&v[i]);
}

/* The DNS response codes that get their own label; the rest are "other". */
static const char *const rcode_names[6] = {
	"NOERROR", "FORMERR", "SERVFAIL", "NXDOMAIN", "NOTIMP", "REFUSED",
};

static void responses(FILE *f, const char *lab, const struct pl_svc_row *r)
{
	static const char *const cls[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };
	const char *name = "pktlens_service_responses_total";

	if (!strcmp(r->service, "dns")) {
		unsigned long long other = 0;

		for (int c = 0; c < 16; c++)
			if (c >= 6)
				other += r->rcode[c];
		for (int c = 0; c < 6; c++)
			fprintf(f, "%s{%s,code=\"%s\"} %llu\n", name, lab, rcode_names[c],
				r->rcode[c]);
		fprintf(f, "%s{%s,code=\"other\"} %llu\n", name, lab, other);
		return;
	}
	for (int c = 1; c <= 6; c++)
		fprintf(f, "%s{%s,code=\"%s\"} %llu\n", name, lab, cls[c % 6], r->status[c % 6]);
}

/* Service rows of interface @i by (service, labelled port or "other"). */
struct lat {
	const char *service;
	unsigned int port; /* 0: other */
	struct mhist h;
	struct pl_svc_row sum;
};

static struct lat *lat_of(struct lat *l, size_t *n, const char *service, unsigned int port)
{
	for (size_t k = 0; k < *n; k++)
		if (l[k].port == port && !strcmp(l[k].service, service))
			return &l[k];
	memset(&l[*n], 0, sizeof(l[*n]));
	l[*n].service = service;
	l[*n].port = port;
	return &l[(*n)++];
}

static void lat_add(struct lat *l, const struct pl_svc_row *r)
{
	for (int b = 0; b < PL_SVC_BUCKETS && b < PL_RTT_BUCKETS; b++)
		l->h.count[b] += r->hist[b];
	l->h.sum_s += r->sum_ms / 1e3;
	l->sum.requests += r->requests;
	l->sum.answered += r->answered;
	for (int c = 0; c < 16; c++)
		l->sum.rcode[c] += r->rcode[c];
	for (int c = 0; c < 6; c++)
		l->sum.status[c] += r->status[c];
}

static void latency_metrics_if(struct pl_srv *srv, int i, FILE *f, int part)
{
	struct pl_srv_if *s = &srv->ifs[i];
	struct pl_svc_row *rows;
	struct lat l[2 * (LABELLED_PORTS + 1)];
	size_t nr, nl = 0;
	char lab[200], ifn[40];

	if (!s->svc || pl_svc_rows(s->svc, &rows, &nr))
		return;
	esc(s->dp.ifname, ifn, sizeof(ifn));
	for (size_t r = 0; r < nr; r++) /* most requests first */
		labelled(s->lat_ports, &s->nlat_ports, rows[r].port, true);
	for (size_t r = 0; r < nr; r++) {
		bool own = labelled(s->lat_ports, &s->nlat_ports, rows[r].port, false);

		lat_add(lat_of(l, &nl, rows[r].service, own ? rows[r].port : 0), &rows[r]);
	}
	for (size_t k = 0; k < nl; k++) {
		char port[16];

		snprintf(port, sizeof(port), "%u", l[k].port);
		snprintf(lab, sizeof(lab), "interface=\"%s\",service=\"%s\",port=\"%s\"",
			 ifn, l[k].service, l[k].port ? port : "other");
		l[k].sum.service = l[k].service;
		if (part == 0)
			hist_out(f, "pktlens_service_latency_seconds", lab, &l[k].h);
		else if (part == 1)
			fprintf(f, "pktlens_service_requests_total{%s} %llu\n", lab,
				l[k].sum.requests);
		else
			responses(f, lab, &l[k].sum);
	}
	free(rows);
}

static void latency_metrics(struct pl_srv *srv, FILE *f)
{
	static const char *const heads[3] = {
		"# HELP pktlens_service_latency_seconds DNS query to response, HTTP request to "
		"the first response byte (the first request of each flow), by server port.\n"
		"# TYPE pktlens_service_latency_seconds histogram\n",
		"# HELP pktlens_service_requests_total DNS queries and HTTP requests (the first of "
		"each flow), by server port.\n"
		"# TYPE pktlens_service_requests_total counter\n",
		"# HELP pktlens_service_responses_total Responses by DNS response code or HTTP "
		"status class.\n"
		"# TYPE pktlens_service_responses_total counter\n",
	};

	for (int part = 0; part < 3; part++) {
		fputs(heads[part], f);
		for (int i = 0; i < srv->nifs; i++)
			latency_metrics_if(srv, i, f, part);
	}
}

void pl_metrics_perf(struct pl_srv *srv, FILE *f)
{
	if (srv->tcp)
		tcp_metrics(srv, f);
	if (srv->l7)
		latency_metrics(srv, f);
}
