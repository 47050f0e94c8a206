// SPDX-License-Identifier: BSD-2-Clause
/*
 * hparams.c - the query string of GET /api/v1/history/...: since, until, top and
 * interface, each at most once. Input from the network.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "history/history.h"

enum { H_SINCE, H_UNTIL, H_TOP, H_INTERFACE, H_MAX };
static const char *const names[H_MAX] = { "since", "until", "top", "interface" };

void pl_hq_init(struct pl_hq *q, enum pl_hq_kind kind, __s64 now)
{
	memset(q, 0, sizeof(*q));
	q->kind = kind;
	q->until = now;
	q->top = PL_HQ_API_TOP_DEFAULT;
	q->json = true;
}

static int top_parse(const char *s, unsigned int *out)
{
	unsigned long v;
	char *end;

	if (!s || *s < '0' || *s > '9' || strlen(s) > 6)
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (*end || v < 1 || v > PL_HQ_API_TOP_MAX)
		return -EINVAL;
	*out = (unsigned int)v;
	return 0;
}

int pl_hq_param(struct pl_hq *q, unsigned int *seen, const char *key, const char *val,
		__s64 now, char *why, size_t whylen)
{
	const char *w = NULL;
	int p;

	for (p = 0; p < H_MAX; p++)
		if (!strcmp(key, names[p]))
			break;
	if (p == H_MAX) {
		snprintf(why, whylen, "unknown parameter '%.64s': the history takes since, until, "
			 "top and interface", key);
		return -EINVAL;
	}
	if (*seen & (1u << p)) {
		snprintf(why, whylen, "'%s' is given twice", key);
		return -EINVAL;
	}
	*seen |= 1u << p;
	if (!val || !*val) {
		snprintf(why, whylen, "'%s' needs a value", key);
		return -EINVAL;
	}
	switch (p) {
	case H_SINCE:
	case H_UNTIL:
		if (pl_time_arg(val, now, p == H_SINCE ? &q->since : &q->until, &w)) {
			snprintf(why, whylen, "invalid %s '%.64s': %s", key, val, w);
			return -EINVAL;
		}
		break;
	case H_TOP:
		if (top_parse(val, &q->top)) {
			snprintf(why, whylen, "invalid top '%.64s': a number from 1 to %d", val,
				 PL_HQ_API_TOP_MAX);
			return -EINVAL;
		}
		break;
	default:
		if (strlen(val) >= sizeof(q->ifbuf)) {
			snprintf(why, whylen, "invalid interface '%.64s': too long", val);
			return -EINVAL;
		}
		strcpy(q->ifbuf, val);
		q->ifname = q->ifbuf;
	}
	return 0;
}

int pl_hq_check(const struct pl_hq *q, char *why, size_t whylen)
{
	if (q->since > q->until) {
		snprintf(why, whylen, "since is after until: nothing can be in that range");
		return -EINVAL;
	}
	return 0;
}
