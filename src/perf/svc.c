// SPDX-License-Identifier: BSD-2-Clause
/* svc.c - service latency per server port (see svc.h). */
#include <errno.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util/sort.h"
#include "l7/dns.h"
#include "perf/svc.h"
#include "sinks/json.h"

#define SVC_MAX 1024          /* services kept; later new ones are counted apart */
#define SVC_SAMPLES 65536     /* latencies kept per service for the percentiles */
#define SVC_BUCKETS PL_SVC_BUCKETS /* log2 of microseconds, as the RTT histograms */

#define SVC_DNS PL_SVC_DNS
#define SVC_HTTP PL_SVC_HTTP

struct service {
	unsigned int kind, proto, port;
	unsigned long long requests, answered, dropped_samples;
	unsigned long long rcode[16];    /* DNS */
	unsigned long long status[6];    /* HTTP: [1..5] the classes, [0] others */
	unsigned long long hist[SVC_BUCKETS];
	double sum_ms, min_ms, max_ms;
	double *lat_ms;                  /* the first SVC_SAMPLES latencies */
	size_t n, cap;
};

struct pl_svc {
	pthread_mutex_t lock;
	struct service *s;
	size_t n, cap;
	unsigned long long over; /* flows of services past SVC_MAX */
};

struct pl_svc *pl_svc_new(void)
{
	struct pl_svc *s = calloc(1, sizeof(*s));

	if (s)
		pthread_mutex_init(&s->lock, NULL);
	return s;
}

void pl_svc_free(struct pl_svc *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->s[i].lat_ms);
	free(s->s);
	pthread_mutex_destroy(&s->lock);
	free(s);
}

static struct service *find(struct pl_svc *s, unsigned int kind, unsigned int proto,
			    unsigned int port)
{
	for (size_t i = 0; i < s->n; i++)
		if (s->s[i].kind == kind && s->s[i].proto == proto && s->s[i].port == port)
			return &s->s[i];
	if (s->n >= SVC_MAX) {
		s->over++;
		return NULL;
	}
	if (s->n == s->cap) {
		size_t ncap = s->cap ? s->cap * 2 : 16;
		void *p = realloc(s->s, ncap * sizeof(*s->s));

		if (!p)
			return NULL;
		s->s = p;
		s->cap = ncap;
	}
	memset(&s->s[s->n], 0, sizeof(s->s[0]));
	s->s[s->n].kind = kind;
	s->s[s->n].proto = proto;
	s->s[s->n].port = port;
	return &s->s[s->n++];
}

static unsigned int bucket(double ms)
{
	unsigned long long us = (unsigned long long)(ms * 1000);
	unsigned int b = 0;

	while (us >= 2 && b < SVC_BUCKETS - 1) {
		us >>= 1;
		b++;
	}
	return b;
}

static void add_latency(struct service *v, __u64 from, __u64 to)
{
	double ms;

	v->answered++;
	if (to < from)
		return;
	ms = (to - from) / 1e6;
	if (v->answered == 1 || ms < v->min_ms)
		v->min_ms = ms;
	if (ms > v->max_ms)
		v->max_ms = ms;
	v->sum_ms += ms;
	v->hist[bucket(ms)]++;
	if (v->n == v->cap && v->cap < SVC_SAMPLES) {
		size_t ncap = v->cap ? v->cap * 2 : 64;
		void *p = realloc(v->lat_ms, ncap * sizeof(*v->lat_ms));

		if (p) {
			v->lat_ms = p;
			v->cap = ncap;
		}
	}
	if (v->n < v->cap)
		v->lat_ms[v->n++] = ms;
	else
		v->dropped_samples++;
}

void pl_svc_request(struct pl_svc *s, int kind, unsigned int proto, unsigned int port)
{
	struct service *v;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	v = find(s, (unsigned int)kind, proto, port);
	if (v)
		v->requests++;
	pthread_mutex_unlock(&s->lock);
}

void pl_svc_answer(struct pl_svc *s, int kind, unsigned int proto, unsigned int port,
		   __u64 req_ns, __u64 resp_ns, unsigned int code)
{
	struct service *v;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	v = find(s, (unsigned int)kind, proto, port);
	if (v) {
		add_latency(v, req_ns, resp_ns);
		if (kind == SVC_DNS) {
			v->rcode[code & 15]++;
		} else {
			unsigned int c = code / 100;

			v->status[c >= 1 && c <= 5 ? c : 0]++;
		}
	}
	pthread_mutex_unlock(&s->lock);
}

static int dbl_cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of sorted @v[0..n). */
static double pct(const double *v, size_t n, double p)
{
	size_t r;

	if (!n)
		return 0;
	r = (size_t)(p / 100.0 * (double)n + 0.999999);
	r = r ? r - 1 : 0;
	return v[r < n ? r : n - 1];
}

struct figures {
	double avg, p50, p90, p99;
};

static void figures(const struct service *v, struct figures *f)
{
	double *c = NULL;

	memset(f, 0, sizeof(*f));
	if (!v->n)
		return;
	c = malloc(v->n * sizeof(*c));
	f->avg = v->sum_ms / (double)(v->answered ? v->answered : 1);
	if (!c)
		return;
	memcpy(c, v->lat_ms, v->n * sizeof(*c));
	pl_qsort(c, v->n, sizeof(*c), dbl_cmp);
	f->p50 = pct(c, v->n, 50);
	f->p90 = pct(c, v->n, 90);
	f->p99 = pct(c, v->n, 99);
	free(c);
}

static const char *kind_name(unsigned int k)
{
	return k == SVC_DNS ? "dns" : "http";
}

static const char *proto_name(unsigned int p)
{
	return p == IPPROTO_TCP ? "tcp" : p == IPPROTO_UDP ? "udp" : "other";
}

static void rcodes_json(struct pl_json *j, const struct service *v)
{
	char num[16];

	pl_json_begin_obj(j, "rcodes");
	for (unsigned int i = 0; i < 16; i++) {
		const char *name = pl_l7_dns_rcode_name(i);

		if (!v->rcode[i])
			continue;
		snprintf(num, sizeof(num), "%u", i);
		pl_json_u64(j, name ? name : num, v->rcode[i]);
	}
	pl_json_end_obj(j);
}

static void status_json(struct pl_json *j, const struct service *v)
{
	static const char *const names[6] = { "other", "1xx", "2xx", "3xx", "4xx", "5xx" };

	pl_json_begin_obj(j, "status_classes");
	for (int i = 1; i <= 5; i++)
		pl_json_u64(j, names[i], v->status[i]);
	pl_json_u64(j, names[0], v->status[0]);
	pl_json_end_obj(j);
}

static void one_json(struct pl_json *j, const struct service *v)
{
	struct figures f;

	figures(v, &f);
	pl_json_begin_obj(j, NULL);
	pl_json_str(j, "service", kind_name(v->kind));
	pl_json_str(j, "proto", proto_name(v->proto));
	pl_json_u64(j, "port", v->port);
	pl_json_u64(j, "requests", v->requests);
	pl_json_u64(j, "answered", v->answered);
	pl_json_u64(j, "unanswered", v->requests - v->answered);
	if (v->answered) {
		pl_json_begin_obj(j, "latency_ms");
		pl_json_double(j, "min", v->min_ms);
		pl_json_double(j, "avg", f.avg);
		pl_json_double(j, "max", v->max_ms);
		pl_json_double(j, "p50", f.p50);
		pl_json_double(j, "p90", f.p90);
		pl_json_double(j, "p99", f.p99);
		pl_json_end_obj(j);
		pl_json_begin_arr(j, "histogram");
		for (int i = 0; i < SVC_BUCKETS; i++) {
			if (!v->hist[i])
				continue;
			pl_json_begin_obj(j, NULL);
			pl_json_u64(j, "lt_us", 2ull << i);
			pl_json_u64(j, "count", v->hist[i]);
			pl_json_end_obj(j);
		}
		pl_json_end_arr(j);
	} else {
		pl_json_null(j, "latency_ms");
	}
	if (v->kind == SVC_DNS)
		rcodes_json(j, v);
	else
		status_json(j, v);
	pl_json_end_obj(j);
}

static int svc_cmp(const void *a, const void *b)
{
	const struct service *x = *(const struct service *const *)a;
	const struct service *y = *(const struct service *const *)b;

	if (x->requests != y->requests)
		return x->requests < y->requests ? 1 : -1;
	if (x->kind != y->kind)
		return (int)x->kind - (int)y->kind;
	return (int)x->port - (int)y->port;
}

/* The services, most requests first; NULL when none. */
static const struct service **ordered(const struct pl_svc *s)
{
	const struct service **p;

	if (!s->n)
		return NULL;
	p = malloc(s->n * sizeof(*p));
	if (!p)
		return NULL;
	for (size_t i = 0; i < s->n; i++)
		p[i] = &s->s[i];
	pl_qsort(p, s->n, sizeof(*p), svc_cmp);
	return p;
}

void pl_svc_json(struct pl_json *j, const struct pl_svc *cs, int top)
{
	struct pl_svc *s = (struct pl_svc *)cs;
	const struct service **o;

	pthread_mutex_lock(&s->lock);
	o = ordered(s);
	pl_json_begin_arr(j, "service_latency");
	for (size_t i = 0; o && i < s->n && (int)i < top; i++)
		one_json(j, o[i]);
	pl_json_end_arr(j);
	free(o);
	pthread_mutex_unlock(&s->lock);
}

void pl_svc_lines(const struct pl_svc *cs, int top, void (*emit)(void *arg, const char *line),
		  void *arg)
{
	struct pl_svc *s = (struct pl_svc *)cs;
	const struct service **o;
	char line[256];

	pthread_mutex_lock(&s->lock);
	o = ordered(s);
	if (o)
		emit(arg, "service latency (every request the samples hold):");
	for (size_t i = 0; o && i < s->n && (int)i < top; i++) {
		const struct service *v = o[i];
		struct figures f;

		figures(v, &f);
		snprintf(line, sizeof(line),
			 "  %-4s %s/%-5u %6llu requests %6llu answered  avg %.2f ms p50 %.2f p90 "
			 "%.2f p99 %.2f ms",
			 kind_name(v->kind), proto_name(v->proto), v->port, v->requests, v->answered,
			 f.avg, f.p50, f.p90, f.p99);
		emit(arg, line);
		if (v->kind == SVC_HTTP)
			snprintf(line, sizeof(line),
				 "       status 2xx %llu 3xx %llu 4xx %llu 5xx %llu 1xx %llu other %llu",
				 v->status[2], v->status[3], v->status[4], v->status[5], v->status[1],
				 v->status[0]);
		else
			snprintf(line, sizeof(line),
				 "       rcode NOERROR %llu NXDOMAIN %llu SERVFAIL %llu REFUSED %llu",
				 v->rcode[0], v->rcode[3], v->rcode[2], v->rcode[5]);
		emit(arg, line);
	}
	free(o);
	pthread_mutex_unlock(&s->lock);
}

const char *pl_svc_brief(const struct pl_svc *cs, char *buf, size_t len)
{
	struct pl_svc *s = (struct pl_svc *)cs;
	const struct service **o;
	size_t used = 0;

	buf[0] = 0;
	pthread_mutex_lock(&s->lock);
	o = ordered(s);
	for (size_t i = 0; o && i < s->n && i < 3 && used < len; i++) {
		struct figures f;
		int w;

		figures(o[i], &f);
		w = snprintf(buf + used, len - used, "%s%s/%u %.1f ms (p99 %.1f)", i ? ", " : "",
			     kind_name(o[i]->kind), o[i]->port, f.avg, f.p99);
		if (w < 0)
			break;
		used += (size_t)w;
	}
	free(o);
	pthread_mutex_unlock(&s->lock);
	return buf;
}

int pl_svc_rows(const struct pl_svc *cs, struct pl_svc_row **rows, size_t *n)
{
	struct pl_svc *s = (struct pl_svc *)cs;
	const struct service **o;
	int err = 0;

	*rows = NULL;
	*n = 0;
	pthread_mutex_lock(&s->lock);
	o = ordered(s);
	if (s->n && (!o || !(*rows = calloc(s->n, sizeof(**rows)))))
		err = -ENOMEM;
	for (size_t i = 0; !err && i < s->n; i++) {
		struct pl_svc_row *r = &(*rows)[i];
		const struct service *v = o[i];

		r->service = kind_name(v->kind);
		r->proto = proto_name(v->proto);
		r->port = v->port;
		r->requests = v->requests;
		r->answered = v->answered;
		memcpy(r->hist, v->hist, sizeof(r->hist));
		r->sum_ms = v->sum_ms;
		memcpy(r->rcode, v->rcode, sizeof(r->rcode));
		memcpy(r->status, v->status, sizeof(r->status));
	}
	if (!err)
		*n = s->n;
	free(o);
	pthread_mutex_unlock(&s->lock);
	return err;
}
