/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * svc.h - service latency from the L7 flow-start samples (src/l7/): DNS query to
 * response with the response codes, HTTP request to the first response with the
 * status classes, per server port, with percentiles and a log2 histogram. It reads
 * the metadata the L7 parsers filled (dns.c, http.c) with the samples' time stamps:
 * the same on the server, on the client, live and offline. Every request/response pair
 * of a flow that its samples hold counts (perf/svc_track.h pairs them).
 */
#ifndef PL_PERF_SVC_H
#define PL_PERF_SVC_H

#include <stddef.h>
#include "pktlens.h"
#include "l7/meta.h"

struct pl_svc;
struct pl_json;

struct pl_svc *pl_svc_new(void);
void pl_svc_free(struct pl_svc *s);

enum pl_svc_kind { PL_SVC_DNS = 0, PL_SVC_HTTP };

/* One request to the service @kind on @proto/@port (host order). */
void pl_svc_request(struct pl_svc *s, int kind, unsigned int proto, unsigned int port);
/* Its answer: latency from @req_ns to @resp_ns, @code the DNS rcode or HTTP status. */
void pl_svc_answer(struct pl_svc *s, int kind, unsigned int proto, unsigned int port,
		   __u64 req_ns, __u64 resp_ns, unsigned int code);

/* The report's "service_latency" array. */
void pl_svc_json(struct pl_json *j, const struct pl_svc *s, int top);
/* The same as text lines. */
void pl_svc_lines(const struct pl_svc *s, int top, void (*emit)(void *arg, const char *line),
		  void *arg);
/* "dns/53 12.1 ms p99 30 ms, http/80 51 ms": the terminal view's brief; "" when none. */
const char *pl_svc_brief(const struct pl_svc *s, char *buf, size_t len);

/* One service's counts as they stand (serve's /metrics). */
#define PL_SVC_BUCKETS 32 /* log2 of microseconds: bucket i counts [2^i, 2^(i+1)) us */
struct pl_svc_row {
	const char *service;          /* "dns", "http" */
	const char *proto;            /* "udp", "tcp" */
	unsigned int port;
	unsigned long long requests, answered;
	unsigned long long hist[PL_SVC_BUCKETS]; /* the answered ones with a latency */
	double sum_ms;
	unsigned long long rcode[16]; /* DNS */
	unsigned long long status[6]; /* HTTP: [1..5] the classes, [0] others */
};

/* A copy of every service's counts, most requests first, into *rows (caller frees);
 * 0 or -ENOMEM. */
int pl_svc_rows(const struct pl_svc *s, struct pl_svc_row **rows, size_t *n);

#endif
