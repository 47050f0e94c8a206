// SPDX-License-Identifier: BSD-2-Clause
/* query.c - parse and apply the flow query (see query.h). Input from the network. */
#define _GNU_SOURCE /* qsort_r */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "serve/query.h"

static const char *const sort_names[PL_SORT_MAX] = {
	[PL_SORT_BYTES] = "bytes", [PL_SORT_PACKETS] = "packets",
	[PL_SORT_LAST_SEEN] = "last_seen", [PL_SORT_FIRST_SEEN] = "first_seen",
	[PL_SORT_DURATION] = "duration",
};

static const struct { const char *name; int proto; } protos[] = {
	{ "icmp", 1 }, { "tcp", 6 }, { "udp", 17 }, { "gre", 47 }, { "icmpv6", 58 },
	{ "sctp", 132 },
};

enum { P_INTERFACE, P_TOP, P_SORT, P_ADDR, P_PORT, P_PROTO, P_VLAN, P_APP, P_MAX };
static const char *const params[P_MAX] = {
	"interface", "top", "sort", "addr", "port", "proto", "vlan", "app",
};

const char *pl_query_sort_name(enum pl_query_sort s)
{
	return s < PL_SORT_MAX ? sort_names[s] : "?";
}

void pl_query_init(struct pl_flow_query *q)
{
	memset(q, 0, sizeof(*q));
	q->top = PL_QUERY_TOP_DEFAULT;
	q->sort = PL_SORT_BYTES;
	q->port = q->proto = q->vlan = -1;
}

/* A decimal number in [0, max], nothing else. */
static int parse_num(const char *s, unsigned long max, unsigned long *out)
{
	char *end;

	if (!s || *s < '0' || *s > '9' || strlen(s) > 10)
		return -EINVAL;
	errno = 0;
	*out = strtoul(s, &end, 10);
	if (errno || *end || *out > max)
		return -EINVAL;
	return 0;
}

/* "198.18.0.1", "198.18.0.0/15", "2001:db8::1", "2001:db8::/32". */
static int parse_addr(struct pl_flow_query *q, const char *s)
{
	char buf[INET6_ADDRSTRLEN + 8];
	unsigned long len = 0;
	const char *slash = strchr(s, '/');
	size_t n = slash ? (size_t)(slash - s) : strlen(s);
	struct in_addr a4;

	if (n >= INET6_ADDRSTRLEN)
		return -EINVAL;
	memcpy(buf, s, n);
	buf[n] = 0;
	memset(q->addr, 0, sizeof(q->addr));
	if (inet_pton(AF_INET, buf, &a4) == 1) {
		if (slash && parse_num(slash + 1, 32, &len))
			return -EINVAL;
		q->addr[2] = htonl(0xffff);
		q->addr[3] = a4.s_addr;
		q->prefix = 96 + (slash ? len : 32);
	} else if (inet_pton(AF_INET6, buf, q->addr) == 1) {
		if (slash && parse_num(slash + 1, 128, &len))
			return -EINVAL;
		q->prefix = slash ? len : 128;
	} else {
		return -EINVAL;
	}
	q->has_addr = true;
	return 0;
}

static int parse_proto(const char *s, int *out)
{
	unsigned long n;

	for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
		if (!strcmp(s, protos[i].name)) {
			*out = protos[i].proto;
			return 0;
		}
	}
	if (parse_num(s, 255, &n))
		return -EINVAL;
	*out = (int)n;
	return 0;
}

static int bad(char *why, size_t len, const char *key, const char *val, const char *want)
{
	snprintf(why, len, "invalid %s '%.64s': %s", key, val ? val : "", want);
	return -EINVAL;
}

int pl_query_param(struct pl_flow_query *q, int kind, const char *key, const char *val,
		   char *why, size_t whylen)
{
	unsigned long n;
	int p;

	for (p = 0; p < P_MAX; p++)
		if (!strcmp(key, params[p]))
			break;
	if (p == P_MAX || kind == PL_Q_NONE || (kind != PL_Q_FLOWS && p != P_INTERFACE)) {
		snprintf(why, whylen, "unknown query parameter '%.64s'; this endpoint takes %s",
			 key, kind == PL_Q_FLOWS ?
			 "interface, top, sort, addr, port, proto, vlan and app" :
			 kind == PL_Q_NONE ? "none" : "interface");
		return -EINVAL;
	}
	if (q->seen & (1u << p)) {
		snprintf(why, whylen, "query parameter '%s' given twice", key);
		return -EINVAL;
	}
	q->seen |= 1u << p;
	if (!val || !*val)
		return bad(why, whylen, key, val, "a value is needed");
	switch (p) {
	case P_INTERFACE:
		if (strlen(val) >= IF_NAMESIZE)
			return bad(why, whylen, key, val, "not an interface name");
		strcpy(q->ifname, val);
		return 0;
	case P_TOP:
		if (parse_num(val, PL_QUERY_TOP_MAX, &n) || !n)
			return bad(why, whylen, key, val, "a number from 1 to 10000");
		q->top = n;
		return 0;
	case P_SORT:
		for (int s = 0; s < PL_SORT_MAX; s++) {
			if (!strcmp(val, sort_names[s])) {
				q->sort = s;
				return 0;
			}
		}
		return bad(why, whylen, key, val,
			   "bytes, packets, last_seen, first_seen or duration");
	case P_ADDR:
		if (parse_addr(q, val))
			return bad(why, whylen, key, val,
				   "an IPv4 or IPv6 address, optionally /PREFIX");
		return 0;
	case P_PORT:
		if (parse_num(val, 65535, &n))
			return bad(why, whylen, key, val, "a port number from 0 to 65535");
		q->port = (int)n;
		return 0;
	case P_PROTO:
		if (parse_proto(val, &q->proto))
			return bad(why, whylen, key, val,
				   "tcp, udp, icmp, icmpv6, sctp, gre or a number up to 255");
		return 0;
	case P_APP:
		/* nDPI's names: letters, digits, '.', '_', '-' (e.g. "TLS.Google"). */
		if (strlen(val) >= sizeof(q->app) || strspn(val, "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
		    "abcdefghijklmnopqrstuvwxyz0123456789._-") != strlen(val))
			return bad(why, whylen, key, val, "an application name as nDPI spells "
				   "it (GET /api/v1/applications lists them)");
		strcpy(q->app, val);
		return 0;
	default: /* P_VLAN */
		if (parse_num(val, 4095, &n))
			return bad(why, whylen, key, val, "a VLAN id from 0 to 4095");
		q->vlan = (int)n;
		return 0;
	}
}

/* The first @bits bits of @a and q->addr agree. */
static bool prefix_match(const struct pl_flow_query *q, const __u32 a[4])
{
	const unsigned char *x = (const unsigned char *)a, *y = (const unsigned char *)q->addr;
	unsigned int full = q->prefix / 8, rest = q->prefix % 8;

	if (memcmp(x, y, full))
		return false;
	if (!rest)
		return true;
	return !((x[full] ^ y[full]) & (0xff00 >> rest));
}

bool pl_query_match(const struct pl_flow_query *q, const struct pl_flow *f)
{
	const struct pl_flow_key *k = &f->key;

	if (q->proto >= 0 && k->proto != q->proto)
		return false;
	if (q->vlan >= 0 && k->vlan != q->vlan)
		return false;
	if (q->port >= 0) {
		/* Only where the key holds ports: ICMP keeps its echo id there. */
		if (k->proto != 6 && k->proto != 17 && k->proto != 132)
			return false;
		if (ntohs(k->port_a) != q->port && ntohs(k->port_b) != q->port)
			return false;
	}
	if (q->has_addr && !prefix_match(q, k->addr_a) && !prefix_match(q, k->addr_b))
		return false;
	return true;
}

static __u64 flow_packets(const struct pl_flow *f)
{
	return f->val.packets[0] + f->val.packets[1];
}

static __u64 flow_bytes(const struct pl_flow *f)
{
	return f->val.bytes[0] + f->val.bytes[1];
}

static __u64 sort_key(enum pl_query_sort s, const struct pl_flow *f)
{
	switch (s) {
	case PL_SORT_PACKETS: return flow_packets(f);
	case PL_SORT_LAST_SEEN: return f->val.last_seen_ns;
	case PL_SORT_FIRST_SEEN: return f->val.first_seen_ns;
	case PL_SORT_DURATION: return f->val.last_seen_ns - f->val.first_seen_ns;
	default: return flow_bytes(f);
	}
}

static int cmp_flows(const void *pa, const void *pb, void *arg)
{
	enum pl_query_sort s = *(const enum pl_query_sort *)arg;
	__u64 a = sort_key(s, pa), b = sort_key(s, pb);

	return a < b ? 1 : a > b ? -1 : 0;
}

void pl_query_sort(const struct pl_flow_query *q, void *base, size_t n, size_t size)
{
	enum pl_query_sort s = q->sort;

	if (n) /* no match: base may be NULL, and qsort_r(NULL, 0) is undefined */
		qsort_r(base, n, size, cmp_flows, &s);
}
