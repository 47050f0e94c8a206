// SPDX-License-Identifier: BSD-2-Clause
/* tcp.c - reading and rendering passive TCP RTT and health (see tcp.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "util/sort.h"
#include "analysis/stats.h"
#include "perf/tcp.h"
#include "sinks/json.h"

static int key_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct pl_flow_key));
}

static int read_flows(struct pl_tcp_view *v, int fd)
{
	struct pl_flow_key k, next, *prev = NULL;
	size_t cap = 0;

	while (!bpf_map_get_next_key(fd, prev, &next)) {
		k = next;
		prev = &k;
		if (v->nflows == cap) {
			size_t ncap = cap ? cap * 2 : 256;
			void *p = realloc(v->flows, ncap * sizeof(*v->flows));

			if (!p)
				return -ENOMEM;
			v->flows = p;
			cap = ncap;
		}
		if (bpf_map_lookup_elem(fd, &k, &v->flows[v->nflows].v))
			continue; /* evicted meanwhile */
		v->flows[v->nflows++].key = k;
	}
	if (v->nflows)
		pl_qsort(v->flows, v->nflows, sizeof(*v->flows), key_cmp);
	return 0;
}

/* Per-CPU histograms summed. */
static int read_hists(struct pl_tcp_view *v, int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_rtt_hkey k, next, *prev = NULL;
	struct pl_rtt_hist *per;
	size_t cap = 0;

	if (ncpu <= 0)
		return -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	while (!bpf_map_get_next_key(fd, prev, &next)) {
		struct pl_tcp_hrow *row;

		k = next;
		prev = &k;
		if (bpf_map_lookup_elem(fd, &k, per))
			continue;
		if (v->nhists == cap) {
			size_t ncap = cap ? cap * 2 : 64;
			void *p = realloc(v->hists, ncap * sizeof(*v->hists));

			if (!p) {
				free(per);
				return -ENOMEM;
			}
			v->hists = p;
			cap = ncap;
		}
		row = &v->hists[v->nhists++];
		memset(row, 0, sizeof(*row));
		row->k = k;
		for (int c = 0; c < ncpu; c++) {
			for (int i = 0; i < PL_RTT_BUCKETS; i++)
				row->h.count[i] += per[c].count[i];
			row->h.sum_ns += per[c].sum_ns;
		}
	}
	free(per);
	return 0;
}

static int read_totals(struct pl_tcp_view *v, int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	struct pl_tcp_totals *per;
	__u32 zero = 0;

	if (ncpu <= 0)
		return -EINVAL;
	per = calloc((size_t)ncpu, sizeof(*per));
	if (!per)
		return -ENOMEM;
	if (bpf_map_lookup_elem(fd, &zero, per)) {
		free(per);
		return -errno;
	}
	for (int c = 0; c < ncpu; c++)
		for (int i = 0; i < PL_TT_MAX; i++)
			v->totals[i] += per[c].c[i];
	free(per);
	return 0;
}

static int hrow_cmp(const void *a, const void *b);

int pl_tcp_read(struct pl_tcp_view *v, const struct pl_tcp_fds *fds, bool offline, __u64 now_ns)
{
	int err;

	memset(v, 0, sizeof(*v));
	v->offline = offline;
	v->now_ns = now_ns;
	if (fds->flows < 0)
		return -ENOENT;
	err = read_flows(v, fds->flows);
	if (!err)
		err = read_hists(v, fds->hist);
	if (!err)
		err = read_totals(v, fds->totals);
	if (err)
		pl_tcp_view_free(v);
	else if (v->nhists) /* the most samples first: the lists show the top */
		pl_qsort(v->hists, v->nhists, sizeof(*v->hists), hrow_cmp);
	return err;
}

int pl_tcp_read_hists(struct pl_tcp_view *v, const struct pl_tcp_fds *fds)
{
	int err;

	memset(v, 0, sizeof(*v));
	if (fds->flows < 0)
		return -ENOENT;
	err = read_hists(v, fds->hist);
	if (!err)
		err = read_totals(v, fds->totals);
	if (err)
		pl_tcp_view_free(v);
	else if (v->nhists)
		pl_qsort(v->hists, v->nhists, sizeof(*v->hists), hrow_cmp);
	return err;
}

void pl_tcp_view_free(struct pl_tcp_view *v)
{
	free(v->flows);
	free(v->hists);
	memset(v, 0, sizeof(*v));
}

const struct pl_tcp_val *pl_tcp_find(const struct pl_tcp_view *v, const struct pl_flow_key *k)
{
	const struct pl_tcp_flow *f;

	if (!v || !v->nflows)
		return NULL;
	f = pl_bsearch(k, v->flows, v->nflows, sizeof(*v->flows), key_cmp);
	return f ? &f->v : NULL;
}

double pl_rtt_hist_pct(const struct pl_rtt_hist *h, double p)
{
	__u64 n = 0, seen = 0;
	double want;

	for (int i = 0; i < PL_RTT_BUCKETS; i++)
		n += h->count[i];
	if (!n)
		return 0;
	want = p / 100.0 * (double)n;
	for (int i = 0; i < PL_RTT_BUCKETS; i++) {
		double lo = i ? (double)(1ull << i) : 0, hi = (double)(2ull << i);

		if (!h->count[i])
			continue;
		if ((double)(seen + h->count[i]) >= want) {
			double in = (want - (double)seen) / (double)h->count[i];

			return lo + (hi - lo) * (in < 0 ? 0 : in);
		}
		seen += h->count[i];
	}
	return (double)(2ull << (PL_RTT_BUCKETS - 1));
}

static void stat_json(struct pl_json *j, const char *key, const struct pl_rtt_stat *s)
{
	if (!s->samples) {
		pl_json_null(j, key);
		return;
	}
	pl_json_begin_obj(j, key);
	pl_json_double(j, "min", s->min_ns / 1e3);
	pl_json_double(j, "avg", s->sum_ns / 1e3 / s->samples);
	pl_json_double(j, "max", s->max_ns / 1e3);
	pl_json_double(j, "last", s->last_ns / 1e3);
	pl_json_u64(j, "samples", s->samples);
	pl_json_u64(j, "from_timestamps", s->from_ts);
	pl_json_end_obj(j);
}

static void side_json(struct pl_json *j, const char *key, const struct pl_tcp_dir *d)
{
	pl_json_begin_obj(j, key);
	pl_json_u64(j, "segments", d->segs);
	pl_json_u64(j, "retransmitted", d->retrans);
	pl_json_u64(j, "out_of_order", d->ooo);
	pl_json_u64(j, "duplicate_acks", d->dupack);
	pl_json_u64(j, "zero_window", d->zero_win);
	pl_json_u64(j, "resets", d->rst);
	pl_json_end_obj(j);
}

/* The state of the handshake as a word. */
static const char *hs_state(const struct pl_tcp_val *t)
{
	if (t->hs & PL_HS_DONE)
		return "completed";
	if (t->hs & PL_HS_SYNACK)
		return "synack_unacked";
	if (t->hs & PL_HS_SYN)
		return "syn_unanswered";
	return "not_seen";
}

void pl_tcp_flow_json(struct pl_json *j, const struct pl_tcp_val *t, bool offline)
{
	const struct pl_tcp_dir *c = &t->d[t->init_dir & 1], *s = &t->d[!(t->init_dir & 1)];

	stat_json(j, "rtt_us", &t->rtt[0]);
	if (t->hs & PL_HS_DONE)
		pl_json_double(j, "handshake_rtt_us", t->handshake_ns / 1e3);
	else
		pl_json_null(j, "handshake_rtt_us");
	pl_json_str(j, "handshake", hs_state(t));
	/* Live: this host's own delay before it echoed; offline: the server's view. */
	stat_json(j, offline ? "rtt_server_side_us" : "echo_delay_us", &t->rtt[1]);
	pl_json_u64(j, "retransmitted_segments", (__u64)c->retrans + s->retrans);
	side_json(j, "client", c);
	side_json(j, "server", s);
}

struct svc {
	__u16 port;
	__u64 flows, retrans, ooo, dupack, zero_win, rst_client, rst_server, segs;
	__u64 syn_unanswered, synack_unacked, handshakes;
	const struct pl_rtt_hist *hist;
};

struct agg {
	struct svc *s;
	size_t n, cap;
	__u64 syn_unanswered, synack_unacked, rst_client, rst_server, flows_with_rtt;
};

static struct svc *svc_of(struct agg *a, __u16 port)
{
	for (size_t i = 0; i < a->n; i++)
		if (a->s[i].port == port)
			return &a->s[i];
	if (a->n == a->cap) {
		size_t ncap = a->cap ? a->cap * 2 : 32;
		void *p = realloc(a->s, ncap * sizeof(*a->s));

		if (!p)
			return NULL;
		a->s = p;
		a->cap = ncap;
	}
	memset(&a->s[a->n], 0, sizeof(a->s[0]));
	a->s[a->n].port = port;
	return &a->s[a->n++];
}

static bool hs_unanswered(const struct pl_tcp_view *v, __u64 since)
{
	__u64 grace = v->offline ? 0 : PL_TCP_HS_GRACE_NS;

	return v->now_ns >= since && v->now_ns - since >= grace;
}

static int svc_cmp(const void *a, const void *b)
{
	const struct svc *x = a, *y = b;

	if (x->flows != y->flows)
		return x->flows < y->flows ? 1 : -1;
	return x->port - y->port;
}

/* Per service port (the responder's): the flows' health and the port's histogram. */
static int aggregate(const struct pl_tcp_view *v, struct agg *a)
{
	memset(a, 0, sizeof(*a));
	for (size_t i = 0; i < v->nflows; i++) {
		const struct pl_tcp_flow *f = &v->flows[i];
		const struct pl_tcp_val *t = &f->v;
		const struct pl_tcp_dir *c = &t->d[t->init_dir & 1], *s = &t->d[!(t->init_dir & 1)];
		__u16 port = ntohs(t->init_dir == PL_DIR_A_TO_B ? f->key.port_b : f->key.port_a);
		struct svc *sv = svc_of(a, port);

		if (!sv)
			return -ENOMEM;
		sv->flows++;
		sv->segs += c->segs + s->segs;
		sv->retrans += c->retrans + s->retrans;
		sv->ooo += c->ooo + s->ooo;
		sv->dupack += c->dupack + s->dupack;
		sv->zero_win += c->zero_win + s->zero_win;
		sv->rst_client += c->rst;
		sv->rst_server += s->rst;
		sv->handshakes += !!(t->hs & PL_HS_DONE);
		if ((t->hs & (PL_HS_SYN | PL_HS_SYNACK)) == PL_HS_SYN && !s->rst &&
		    hs_unanswered(v, t->syn_ns))
			sv->syn_unanswered++;
		if ((t->hs & (PL_HS_SYNACK | PL_HS_DONE)) == PL_HS_SYNACK && !c->rst &&
		    hs_unanswered(v, t->synack_ns))
			sv->synack_unacked++;
		a->flows_with_rtt += t->rtt[0].samples > 0;
	}
	for (size_t i = 0; i < a->n; i++) {
		a->syn_unanswered += a->s[i].syn_unanswered;
		a->synack_unacked += a->s[i].synack_unacked;
		a->rst_client += a->s[i].rst_client;
		a->rst_server += a->s[i].rst_server;
		for (size_t h = 0; h < v->nhists; h++)
			if (v->hists[h].k.kind == PL_RTTH_PORT && v->hists[h].k.port == a->s[i].port)
				a->s[i].hist = &v->hists[h].h;
	}
	if (a->n)
		pl_qsort(a->s, a->n, sizeof(*a->s), svc_cmp);
	return 0;
}

static __u64 hist_n(const struct pl_rtt_hist *h)
{
	__u64 n = 0;

	for (int i = 0; i < PL_RTT_BUCKETS; i++)
		n += h->count[i];
	return n;
}

static void hist_json(struct pl_json *j, const char *key, const struct pl_rtt_hist *h)
{
	__u64 n = h ? hist_n(h) : 0;

	if (!n) {
		pl_json_null(j, key);
		return;
	}
	pl_json_begin_obj(j, key);
	pl_json_u64(j, "samples", n);
	pl_json_double(j, "avg", h->sum_ns / 1e3 / n);
	pl_json_double(j, "p50", pl_rtt_hist_pct(h, 50));
	pl_json_double(j, "p90", pl_rtt_hist_pct(h, 90));
	pl_json_double(j, "p99", pl_rtt_hist_pct(h, 99));
	/* log2 buckets: "lt_us" is the bucket's upper bound (exclusive), in microseconds */
	pl_json_begin_arr(j, "histogram");
	for (int i = 0; i < PL_RTT_BUCKETS; i++) {
		if (!h->count[i])
			continue;
		pl_json_begin_obj(j, NULL);
		pl_json_u64(j, "lt_us", 2ull << i);
		pl_json_u64(j, "count", h->count[i]);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	pl_json_end_obj(j);
}

/* Every port histogram summed: the RTT of all flows. */
static void all_hist(const struct pl_tcp_view *v, struct pl_rtt_hist *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t h = 0; h < v->nhists; h++) {
		if (v->hists[h].k.kind != PL_RTTH_PORT)
			continue;
		for (int i = 0; i < PL_RTT_BUCKETS; i++)
			out->count[i] += v->hists[h].h.count[i];
		out->sum_ns += v->hists[h].h.sum_ns;
	}
}

static const char *net_str(const struct pl_rtt_hkey *k, char *buf, size_t len)
{
	char a[48];

	pl_addr_str(k->net, k->family, a, sizeof(a));
	snprintf(buf, len, "%s/%d", a, k->family == 4 ? PL_RTT_NET4_BITS : PL_RTT_NET6_BITS);
	return buf;
}

static int hrow_cmp(const void *a, const void *b)
{
	const struct pl_tcp_hrow *p = a, *q = b;
	__u64 x = hist_n(&p->h), y = hist_n(&q->h);

	if (x != y)
		return x < y ? 1 : -1;
	return memcmp(&p->k, &q->k, sizeof(p->k)); /* ties in key order: stable reports */
}

static int slow_cmp(const void *a, const void *b)
{
	const struct pl_tcp_flow *x = *(const struct pl_tcp_flow *const *)a;
	const struct pl_tcp_flow *y = *(const struct pl_tcp_flow *const *)b;
	double ax = (double)x->v.rtt[0].sum_ns / x->v.rtt[0].samples;
	double ay = (double)y->v.rtt[0].sum_ns / y->v.rtt[0].samples;

	if (ax != ay)
		return ax < ay ? 1 : -1;
	return key_cmp(&x->key, &y->key);
}

/* Flows with RTT samples, slowest first; *@n of them. NULL when none (or no memory). */
static const struct pl_tcp_flow **slowest(const struct pl_tcp_view *v, size_t *n)
{
	const struct pl_tcp_flow **p = calloc(v->nflows ? v->nflows : 1, sizeof(*p));

	*n = 0;
	if (!p)
		return NULL;
	for (size_t i = 0; i < v->nflows; i++)
		if (v->flows[i].v.rtt[0].samples)
			p[(*n)++] = &v->flows[i];
	if (*n)
		pl_qsort(p, *n, sizeof(*p), slow_cmp);
	return p;
}

/* "client_ip"/"server_ip": "client" and "server" are the flow's per-side health objects. */
static void flow_addrs_json(struct pl_json *j, const struct pl_tcp_flow *f)
{
	int ca = f->v.init_dir == PL_DIR_A_TO_B;
	char a[64];

	pl_json_str(j, "client_ip", pl_addr_str(ca ? f->key.addr_a : f->key.addr_b, f->key.family, a,
					     sizeof(a)));
	pl_json_u64(j, "client_port", ntohs(ca ? f->key.port_a : f->key.port_b));
	pl_json_str(j, "server_ip", pl_addr_str(ca ? f->key.addr_b : f->key.addr_a, f->key.family, a,
					     sizeof(a)));
	pl_json_u64(j, "server_port", ntohs(ca ? f->key.port_b : f->key.port_a));
}

static void health_json(struct pl_json *j, const struct pl_tcp_view *v, const struct agg *a)
{
	pl_json_u64(j, "retransmitted_segments", v->totals[PL_TT_RETRANS]);
	pl_json_u64(j, "out_of_order_segments", v->totals[PL_TT_OOO]);
	pl_json_u64(j, "duplicate_acks", v->totals[PL_TT_DUPACK]);
	pl_json_u64(j, "zero_window", v->totals[PL_TT_ZERO_WIN]);
	pl_json_begin_obj(j, "resets");
	pl_json_u64(j, "total", v->totals[PL_TT_RST]);
	pl_json_u64(j, "by_client", a->rst_client);
	pl_json_u64(j, "by_server", a->rst_server);
	pl_json_end_obj(j);
	pl_json_begin_obj(j, "handshakes");
	pl_json_u64(j, "completed", v->totals[PL_TT_HANDSHAKES]);
	pl_json_u64(j, "syn_unanswered", a->syn_unanswered);
	pl_json_u64(j, "synack_unacked", a->synack_unacked);
	pl_json_end_obj(j);
}

void pl_tcp_json(struct pl_json *j, const struct pl_tcp_view *v, int top)
{
	const struct pl_tcp_flow **slow;
	struct pl_rtt_hist all;
	struct agg a;
	char buf[80];
	size_t n;

	pl_json_begin_obj(j, "tcp");
	if (aggregate(v, &a)) {
		pl_json_end_obj(j);
		free(a.s);
		return;
	}
	pl_json_u64(j, "flows", v->nflows);
	pl_json_u64(j, "rtt_samples", v->totals[PL_TT_SAMPLES]);
	pl_json_u64(j, "track_failures", v->totals[PL_TT_TRACK_FAIL]);
	pl_json_u64(j, "histogram_full", v->totals[PL_TT_HIST_FULL]);
	all_hist(v, &all);
	hist_json(j, "rtt_us", &all);
	health_json(j, v, &a);
	pl_json_begin_arr(j, "services");
	for (size_t i = 0; i < a.n && (int)i < top; i++) {
		const struct svc *s = &a.s[i];

		pl_json_begin_obj(j, NULL);
		pl_json_u64(j, "port", s->port);
		pl_json_u64(j, "flows", s->flows);
		hist_json(j, "rtt_us", s->hist);
		pl_json_u64(j, "segments", s->segs);
		pl_json_u64(j, "retransmitted_segments", s->retrans);
		pl_json_u64(j, "out_of_order_segments", s->ooo);
		pl_json_u64(j, "duplicate_acks", s->dupack);
		pl_json_u64(j, "zero_window", s->zero_win);
		pl_json_u64(j, "resets_by_client", s->rst_client);
		pl_json_u64(j, "resets_by_server", s->rst_server);
		pl_json_u64(j, "handshakes_completed", s->handshakes);
		pl_json_u64(j, "syn_unanswered", s->syn_unanswered);
		pl_json_u64(j, "synack_unacked", s->synack_unacked);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	pl_json_begin_arr(j, "networks");
	for (size_t h = 0, k = 0; h < v->nhists && (int)k < top; h++) {
		if (v->hists[h].k.kind != PL_RTTH_NET)
			continue;
		k++;
		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "net", net_str(&v->hists[h].k, buf, sizeof(buf)));
		hist_json(j, "rtt_us", &v->hists[h].h);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	slow = slowest(v, &n);
	pl_json_begin_arr(j, "slowest_flows");
	for (size_t i = 0; slow && i < n && (int)i < top; i++) {
		pl_json_begin_obj(j, NULL);
		flow_addrs_json(j, slow[i]);
		pl_tcp_flow_json(j, &slow[i]->v, v->offline);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
	free(slow);
	free(a.s);
	pl_json_end_obj(j);
}

static const char *ms(double us, char *buf, size_t len)
{
	if (us < 1000)
		snprintf(buf, len, "%.0f us", us);
	else
		snprintf(buf, len, "%.1f ms", us / 1e3);
	return buf;
}

static void hist_text(const struct pl_rtt_hist *h, char *out, size_t len)
{
	__u64 n = h ? hist_n(h) : 0;
	char b[4][24];

	if (!n) {
		snprintf(out, len, "no RTT samples");
		return;
	}
	snprintf(out, len, "rtt avg %s p50 %s p90 %s p99 %s (%llu samples)",
		 ms(h->sum_ns / 1e3 / n, b[0], sizeof(b[0])), ms(pl_rtt_hist_pct(h, 50), b[1], 24),
		 ms(pl_rtt_hist_pct(h, 90), b[2], 24), ms(pl_rtt_hist_pct(h, 99), b[3], 24),
		 (unsigned long long)n);
}

void pl_tcp_lines(const struct pl_tcp_view *v, int top,
		  void (*emit)(void *arg, const char *line), void *arg)
{
	struct pl_rtt_hist all;
	char line[512], h[160], b[80];
	struct agg a;

	if (aggregate(v, &a)) {
		free(a.s);
		return;
	}
	all_hist(v, &all);
	hist_text(&all, h, sizeof(h));
	snprintf(line, sizeof(line), "tcp: %zu flows, %s", v->nflows, h);
	emit(arg, line);
	snprintf(line, sizeof(line),
		 "  health: %llu retransmitted, %llu out of order, %llu duplicate ACKs, %llu zero "
		 "window, resets %llu by clients %llu by servers; handshakes %llu completed, %llu "
		 "SYN unanswered, %llu SYN-ACK unacknowledged",
		 (unsigned long long)v->totals[PL_TT_RETRANS], (unsigned long long)v->totals[PL_TT_OOO],
		 (unsigned long long)v->totals[PL_TT_DUPACK],
		 (unsigned long long)v->totals[PL_TT_ZERO_WIN], (unsigned long long)a.rst_client,
		 (unsigned long long)a.rst_server, (unsigned long long)v->totals[PL_TT_HANDSHAKES],
		 (unsigned long long)a.syn_unanswered, (unsigned long long)a.synack_unacked);
	emit(arg, line);
	for (size_t i = 0; i < a.n && (int)i < top; i++) {
		hist_text(a.s[i].hist, h, sizeof(h));
		snprintf(line, sizeof(line), "  port %-5u %6llu flows  %s, %llu retransmitted",
			 a.s[i].port, (unsigned long long)a.s[i].flows, h,
			 (unsigned long long)a.s[i].retrans);
		emit(arg, line);
	}
	for (size_t i = 0, k = 0; i < v->nhists && (int)k < top; i++) {
		if (v->hists[i].k.kind != PL_RTTH_NET)
			continue;
		k++;
		hist_text(&v->hists[i].h, h, sizeof(h));
		snprintf(line, sizeof(line), "  net %-20s %s", net_str(&v->hists[i].k, b, sizeof(b)),
			 h);
		emit(arg, line);
	}
	free(a.s);
}

const char *pl_tcp_brief(const struct pl_tcp_view *v, char *buf, size_t len)
{
	struct pl_rtt_hist all;
	__u64 n;
	char b[2][24];

	all_hist(v, &all);
	n = hist_n(&all);
	if (!n)
		snprintf(buf, len, "no RTT yet, %llu retrans, %llu resets",
			 (unsigned long long)v->totals[PL_TT_RETRANS],
			 (unsigned long long)v->totals[PL_TT_RST]);
	else
		snprintf(buf, len, "%s avg (p99 %s), %llu retrans, %llu resets",
			 ms(all.sum_ns / 1e3 / n, b[0], sizeof(b[0])),
			 ms(pl_rtt_hist_pct(&all, 99), b[1], sizeof(b[1])),
			 (unsigned long long)v->totals[PL_TT_RETRANS],
			 (unsigned long long)v->totals[PL_TT_RST]);
	return buf;
}
