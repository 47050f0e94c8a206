// SPDX-License-Identifier: BSD-2-Clause
/*
 * perf_srv.c - performance monitoring in the daemon, as monitor shows it: passive TCP
 * RTT and health (bpf/rtt.h, read with src/perf/tcp.c) and DNS/HTTP service latency
 * (src/perf/svc.c, fed by each interface's L7 session). GET /api/v1/rtt and
 * /api/v1/latency give monitor's JSON objects per interface; a flow's "tcp" object goes
 * with it in /api/v1/flows, into its history row, EVE flow event and IPFIX records;
 * perf_metrics.c makes the /metrics series.
 *
 * The maps are read when asked (the HTTP thread): the sampler reads nothing more each
 * second. GET /api/v1/rtt reads the per-flow records in batches (60,000 TCP flows: the
 * answer took 95 ms on a busy VM) before it takes srv->lock, so that the sampler and the
 * other endpoints' data are not held up meanwhile.
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
