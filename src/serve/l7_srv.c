// SPDX-License-Identifier: BSD-2-Clause
/*
 * l7_srv.c - L7 in the daemon, as monitor runs it: each interface's flow-start samples
 * (received, and sent through the tc egress program) go to nDPI (src/l7/session.c).
 * Each flow it classifies is kept here, by key, with its names (DNS query, TLS SNI,
 * HTTP host) while the flow lives: GET /api/v1/flows shows and filters by it, the
 * history's row and the EVE flow event carry it when the flow ends. The application mix
 * is copied at each sample for the API and /metrics.
 *
 * The sampler (main) thread alone drives the session and writes the table (under
 * srv->lock); the HTTP thread reads the table and the mix under srv->lock.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <bpf/bpf.h>
#include <json-c/json.h>
#include "serve/query.h"
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/log.h"

#define PL_SRV_APP_BUCKETS (1u << 14)
/* Idle this long with samples missing: classified with what it had (as monitor). */
#define L7_IDLE_NS 2000000000ull
/* Flows classified at once (~20 KB each): more new ones are skipped, counted. */
#define L7_MAX_CLASSIFYING 8192
/* Entries whose flow left the table unnoticed (no history) go after two sweeps. */
#define SWEEP_NS 10000000000ull

static size_t bucket(const struct pl_flow_key *k)
{
	const unsigned char *p = (const void *)k;
	__u32 h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (PL_SRV_APP_BUCKETS - 1);
}

static struct pl_srv_app **slot(struct pl_srv_l7 *l, const struct pl_flow_key *k)
{
	struct pl_srv_app **pp = &l->b[bucket(k)];

	while (*pp && memcmp(&(*pp)->key, k, sizeof(*k)))
		pp = &(*pp)->next;
	return pp;
}

static char *name_dup(const char *s)
{
	return s && *s ? strdup(s) : NULL;
}

static void app_free(struct pl_srv_app *a)
{
	free(a->dns);
	free(a->sni);
	free(a->host);
	free(a);
}

/* The session's callback: a flow is classified (main thread, inside a drain). */
static void on_classified(void *arg, const struct pl_flow_key *k, const struct pl_l7_verdict *v,
			  const struct pl_l7_meta *m, const struct pl_l7_eve_flow *ev)
{
	struct pl_srv_l7 *l = arg;
	struct pl_srv *srv = l->srv;
	struct pl_srv_app *a = calloc(1, sizeof(*a)), **pp;

	if (a) {
		a->key = *k;
		a->v = *v;
		a->dns = m->dns.have_query ? name_dup(m->dns.qname) : NULL;
		a->sni = name_dup(m->tls.sni);
		a->host = name_dup(m->http.host);
		pthread_mutex_lock(&srv->lock);
		pp = slot(l, k);
		if (*pp) { /* the key came back as a new flow */
			a->next = (*pp)->next;
			app_free(*pp);
		} else {
			l->n++;
		}
		*pp = a;
		pthread_mutex_unlock(&srv->lock);
	}
	pl_eve_app(srv, l->ifi, k, v, m, ev);
}

int pl_srv_l7_start(struct pl_srv *srv, int i)
{
	struct pl_srv_l7 *l = &srv->ifs[i].l7;
	struct pl_dp *dp = &srv->ifs[i].dp;
	struct pl_l7_session_opts lo = {
		.events_fd = dp->l7_events_fd, .verdicts_fd = dp->l7_verdicts_fd,
		.counts_fd = dp->l7_counts_fd, .flows_fd = dp->flows_fd,
		.in_iface = dp->ifname, .pkts = srv->cfg->l7_pkts,
		.clock_to_unix_ns = pl_time_mono_to_unix(),
		.max_classifying = L7_MAX_CLASSIFYING,
		.egress = dp->l7_egress_fd >= 0, .egress_fd = dp->l7_egress_fd,
		.on_classified = on_classified, .on_classified_arg = l,
		/* domain lists of [detect]: the interface's detector (a reload swaps it) */
		.on_meta = pl_srv_det_meta, .on_meta_arg = &srv->ifs[i],
		.svc = srv->ifs[i].svc,
	};
	int err = -ENOMEM;

	l->srv = srv;
	l->ifi = i;
	l->b = calloc(PL_SRV_APP_BUCKETS, sizeof(*l->b));
	l->apps = calloc(PL_L7_APP_MAX, sizeof(*l->apps));
	if (l->b && l->apps)
		l->s = pl_l7_session_new(&lo, &err);
	if (!l->s) {
		pl_warn("cannot start L7 classification (nDPI) on %s: %s; --l7-packets 0 goes "
			"without it", dp->ifname, strerror(-err));
		return err;
	}
	return 0;
}

void pl_srv_l7_drain(struct pl_srv *srv)
{
	for (int i = 0; srv->l7 && i < srv->nifs; i++)
		if (srv->ifs[i].l7.s && !srv->ifs[i].gone)
			pl_l7_drain(srv->ifs[i].l7.s);
}

/* Entries whose flow is not in the table at two sweeps in a row go. */
static void sweep(struct pl_srv *srv, int i)
{
	struct pl_srv_l7 *l = &srv->ifs[i].l7;
	struct pl_flow_value v;

	pthread_mutex_lock(&srv->lock);
	for (size_t b = 0; b < PL_SRV_APP_BUCKETS; b++) {
		for (struct pl_srv_app **pp = &l->b[b]; *pp;) {
			struct pl_srv_app *a = *pp;

			if (!bpf_map_lookup_elem(srv->ifs[i].dp.flows_fd, &a->key, &v)) {
				a->marked = false;
			} else if (a->marked) {
				*pp = a->next;
				app_free(a);
				l->n--;
				continue;
			} else {
				a->marked = true;
			}
			pp = &a->next;
		}
	}
	pthread_mutex_unlock(&srv->lock);
}

void pl_srv_l7_sample(struct pl_srv *srv, int i, __u64 now_mono)
{
	struct pl_srv_l7 *l = &srv->ifs[i].l7;
	struct pl_l7_app_row *rows;
	struct pl_l7_totals t;
	int n;

	if (!l->s)
		return;
	pl_l7_drain(l->s);
	pl_l7_finish_idle(l->s, now_mono, L7_IDLE_NS);
	rows = malloc(PL_L7_APP_MAX * sizeof(*rows));
	if (rows) {
		n = pl_l7_apps(l->s, rows, PL_L7_APP_MAX, &t);
		pthread_mutex_lock(&srv->lock);
		memcpy(l->apps, rows, (size_t)n * sizeof(*rows));
		l->napps = n;
		l->tot = t;
		pthread_mutex_unlock(&srv->lock);
		free(rows);
	}
	if (now_mono >= l->next_sweep) {
		if (l->next_sweep)
			sweep(srv, i);
		l->next_sweep = now_mono + SWEEP_NS;
	}
}

const struct pl_srv_app *pl_srv_l7_find(const struct pl_srv *srv, int i,
					const struct pl_flow_key *k)
{
	struct pl_srv_l7 *l = (struct pl_srv_l7 *)&srv->ifs[i].l7;

	return l->b ? *slot(l, k) : NULL;
}

const struct pl_srv_app *pl_srv_l7_end(struct pl_srv *srv, int i, const struct pl_flow_key *k)
{
	struct pl_srv_l7 *l = &srv->ifs[i].l7;

	if (!l->s)
		return NULL;
	pl_l7_finish_flow(l->s, k); /* not done yet: classified now, with what it had */
	return pl_srv_l7_find(srv, i, k);
}

void pl_srv_l7_forget(struct pl_srv *srv, int i, const struct pl_flow_key *k)
{
	struct pl_srv_l7 *l = &srv->ifs[i].l7;
	struct pl_srv_app **pp, *a;

	if (!l->s)
		return;
	pl_l7_forget(l->s, k);
	pthread_mutex_lock(&srv->lock);
	pp = slot(l, k);
	a = *pp;
	if (a) {
		*pp = a->next;
		app_free(a);
		l->n--;
	}
	pthread_mutex_unlock(&srv->lock);
}

/* @name's part @n (0: before the '.', 1: after it; no '.': the whole) is @app. */
static bool part_is(const char *name, int n, const char *app)
{
	const char *dot = strchr(name, '.');

	if (!dot)
		return !strcasecmp(name, app);
	if (n)
		return !strcasecmp(dot + 1, app);
	return strlen(app) == (size_t)(dot - name) && !strncasecmp(name, app, strlen(app));
}

bool pl_srv_app_is(const struct pl_srv_app *a, const char *app)
{
	return !strcasecmp(a->v.name, app) || part_is(a->v.name, 0, app) ||
	       part_is(a->v.name, 1, app);
}

void pl_srv_l7_stop(struct pl_srv *srv)
{
	for (int i = 0; i < PL_SERVE_MAX_IFS; i++) {
		struct pl_srv_l7 *l = &srv->ifs[i].l7;

		for (size_t b = 0; l->b && b < PL_SRV_APP_BUCKETS; b++) {
			for (struct pl_srv_app *a = l->b[b], *next; a; a = next) {
				next = a->next;
				app_free(a);
			}
		}
		free(l->b);
		free(l->apps);
		pl_l7_session_free(l->s);
		memset(l, 0, sizeof(*l));
	}
}

static void add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static struct json_object *apps_iface(struct pl_srv *srv, int i)
{
	struct pl_srv_l7 *l = &srv->ifs[i].l7;
	struct json_object *o = json_object_new_object(), *a = json_object_new_array();

	json_object_object_add(o, "name", json_object_new_string(srv->ifs[i].dp.ifname));
	add_u64(o, "samples", l->tot.samples);
	add_u64(o, "samples_lost", l->tot.lost);
	add_u64(o, "samples_skipped", l->tot.skipped);
	add_u64(o, "flows_classified", l->tot.classified);
	add_u64(o, "flows_classifying", l->tot.classifying);
	for (int k = 0; k < l->napps; k++) {
		struct json_object *x = json_object_new_object();

		json_object_object_add(x, "name", json_object_new_string(l->apps[k].name));
		add_u64(x, "flows", l->apps[k].flows);
		add_u64(x, "packets", l->apps[k].packets);
		add_u64(x, "bytes", l->apps[k].bytes);
		json_object_array_add(a, x);
	}
	json_object_object_add(o, "applications", a);
	return o;
}

int pl_api_applications(struct pl_srv *srv, const struct pl_flow_query *q, char **out)
{
	if (!srv->l7)
		return -ENODATA;
	return pl_api_per_iface(srv, q, out, apps_iface);
}

void pl_metrics_l7(struct pl_srv *srv, FILE *f)
{
	static const struct {
		const char *name, *help;
	} fam[] = {
		{ "pktlens_l7_application_packets_total",
		  "Packets received by flows nDPI classified as the application" },
		{ "pktlens_l7_application_bytes_total",
		  "Bytes received by flows nDPI classified as the application" },
		{ "pktlens_l7_application_flows_total",
		  "Flows nDPI classified as the application" },
	};
	char ifn[PL_PROM_ESC_LEN], an[PL_PROM_ESC_LEN];

	if (!srv->l7)
		return;
	for (size_t k = 0; k < 3; k++) {
		fprintf(f, "# HELP %s %s.\n# TYPE %s counter\n", fam[k].name, fam[k].help,
			fam[k].name);
		for (int i = 0; i < srv->nifs; i++) {
			const struct pl_srv_l7 *l = &srv->ifs[i].l7;

			for (int a = 0; a < l->napps; a++) {
				fprintf(f, "%s{interface=\"%s\",", fam[k].name,
					pl_prom_esc(srv->ifs[i].dp.ifname, ifn, sizeof(ifn)));
				fprintf(f, "application=\"%s\"} %llu\n",
					pl_prom_esc(l->apps[a].name, an, sizeof(an)),
					(unsigned long long)(k == 0 ?
					l->apps[a].packets : k == 1 ? l->apps[a].bytes :
					l->apps[a].flows));
			}
		}
	}
	fputs("# HELP pktlens_l7_samples_total Packets sampled for L7 classification.\n"
	      "# TYPE pktlens_l7_samples_total counter\n", f);
	for (int i = 0; i < srv->nifs; i++)
		fprintf(f, "pktlens_l7_samples_total{interface=\"%s\"} %llu\n",
			pl_prom_esc(srv->ifs[i].dp.ifname, ifn, sizeof(ifn)), (unsigned long long)srv->ifs[i].l7.tot.samples);
	fputs("# HELP pktlens_l7_samples_lost_total Samples lost: the ring was full, or too "
	      "many flows were being classified.\n"
	      "# TYPE pktlens_l7_samples_lost_total counter\n", f);
	for (int i = 0; i < srv->nifs; i++)
		fprintf(f, "pktlens_l7_samples_lost_total{interface=\"%s\"} %llu\n",
			pl_prom_esc(srv->ifs[i].dp.ifname, ifn, sizeof(ifn)),
			(unsigned long long)(srv->ifs[i].l7.tot.lost + srv->ifs[i].l7.tot.skipped));
}
