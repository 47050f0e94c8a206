// SPDX-License-Identifier: BSD-2-Clause
/*
 * alerts_q.c - the query string of GET /api/v1/alerts: since (the history's time
 * syntax), severity (1..3, Suricata's: this or more severe), interface and limit,
 * each at most once. Input from the network.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "history/history.h"
#include "serve/query.h"

enum { A_SINCE, A_SEVERITY, A_INTERFACE, A_LIMIT, A_MAX };
static const char *const names[A_MAX] = { "since", "severity", "interface", "limit" };

void pl_alerts_query_init(struct pl_alerts_query *q)
{
	memset(q, 0, sizeof(*q));
	q->limit = PL_ALERTS_LIMIT_DEFAULT;
}

/* A whole number in [lo, hi], digits only: 0 or -EINVAL. */
static int number(const char *s, unsigned long lo, unsigned long hi, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9' || strlen(s) > 9)
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v < lo || v > hi)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

int pl_alerts_param(struct pl_alerts_query *q, const char *key, const char *val, __s64 now,
		    unsigned int max, char *why, size_t whylen)
{
	const char *w = NULL;
	int p;

	for (p = 0; p < A_MAX; p++)
		if (!strcmp(key, names[p]))
			break;
	if (p == A_MAX) {
		snprintf(why, whylen, "unknown parameter '%.64s': alerts take since, severity, "
			 "interface and limit", key);
		return -EINVAL;
	}
	if (q->seen & (1u << p)) {
		snprintf(why, whylen, "'%s' is given twice", key);
		return -EINVAL;
	}
	q->seen |= 1u << p;
	if (!val || !*val) {
		snprintf(why, whylen, "'%s' needs a value", key);
		return -EINVAL;
	}
	switch (p) {
	case A_SINCE:
		if (pl_time_arg(val, now, &q->since, &w)) {
			snprintf(why, whylen, "invalid since '%.64s': %s", val, w);
			return -EINVAL;
		}
		break;
	case A_SEVERITY:
		if (number(val, 1, 3, &q->severity)) {
			snprintf(why, whylen, "invalid severity '%.64s': 1, 2 or 3 (1 the most "
				 "severe; the alerts of this severity or a more severe one)", val);
			return -EINVAL;
		}
		break;
	case A_LIMIT:
		if (number(val, 1, max, &q->limit)) {
			snprintf(why, whylen, "invalid limit '%.64s': a number from 1 to %u", val, max);
			return -EINVAL;
		}
		break;
	default:
		if (strlen(val) >= sizeof(q->ifname)) {
			snprintf(why, whylen, "invalid interface '%.64s': too long", val);
			return -EINVAL;
		}
		strcpy(q->ifname, val);
	}
	return 0;
}
