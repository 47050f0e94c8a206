/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * query.h - the query string of GET /api/v1/flows (and the interface= of the others):
 * parsed one parameter at a time, then applied to a flow table.
 */
#ifndef PL_SERVE_QUERY_H
#define PL_SERVE_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <net/if.h>
#include "analysis/stats.h"

#define PL_QUERY_TOP_DEFAULT 100
#define PL_QUERY_TOP_MAX 10000

enum pl_query_sort {
	PL_SORT_BYTES = 0, PL_SORT_PACKETS, PL_SORT_LAST_SEEN, PL_SORT_FIRST_SEEN,
	PL_SORT_DURATION, PL_SORT_MAX,
};

struct pl_flow_query {
	char ifname[IF_NAMESIZE]; /* "" : every interface */
	unsigned int top;
	enum pl_query_sort sort;
	bool has_addr;
	__u32 addr[4];            /* network order; IPv4 as ::ffff:a.b.c.d, as flow keys */
	unsigned int prefix;      /* bits of addr that must match (IPv4: 96 + len) */
	int port;                 /* -1: any; else either endpoint's port */
	int proto;                /* -1: any; else the IP protocol number */
	int vlan;                 /* -1: any */
	char app[64];             /* "": any; else nDPI's name, its master or app part */
	unsigned int seen;        /* bit per parameter: each may be given once */
};

/* Which parameters an endpoint takes. */
enum { PL_Q_NONE = 0, PL_Q_FLOWS = 1, PL_Q_IFACE_ONLY = 2 };

void pl_query_init(struct pl_flow_query *q);
/*
 * One parameter @key=@val (@val may be NULL: "key" alone) of an endpoint of @kind.
 * 0, or -EINVAL with the reason in @why (@whylen bytes): an unknown key, a repeated
 * one, a bad value.
 */
int pl_query_param(struct pl_flow_query *q, int kind, const char *key, const char *val,
		   char *why, size_t whylen);
/* Does flow @f pass the filters (address, port, protocol, VLAN)? */
bool pl_query_match(const struct pl_flow_query *q, const struct pl_flow *f);
/*
 * Sort @n elements of @size bytes at @base, each starting with a struct pl_flow, by
 * q->sort: largest / latest / longest first.
 */
void pl_query_sort(const struct pl_flow_query *q, void *base, size_t n, size_t size);
const char *pl_query_sort_name(enum pl_query_sort s);

/* GET /api/v1/alerts (alerts_q.c): since, severity, interface, limit. */
#define PL_ALERTS_LIMIT_DEFAULT 100
struct pl_alerts_query {
	__s64 since;              /* Unix seconds: alerts updated at or after; 0: all */
	unsigned int severity;    /* 1..3: this severity or a higher one (a lower number); 0: any */
	char ifname[IF_NAMESIZE]; /* "": every interface */
	unsigned int limit;       /* 1 .. the ring's size */
	unsigned int seen;
};
void pl_alerts_query_init(struct pl_alerts_query *q);
/*
 * One parameter; @now (Unix seconds) for relative times, @max the largest limit. 0, or
 * -EINVAL with the reason in @why: an unknown key, a repeated one, a bad value.
 */
int pl_alerts_param(struct pl_alerts_query *q, const char *key, const char *val, __s64 now,
		    unsigned int max, char *why, size_t whylen);

#endif
