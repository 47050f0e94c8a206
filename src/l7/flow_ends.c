// SPDX-License-Identifier: BSD-2-Clause
/*
 * flow_ends.c - flow events when flows end or leave the table (see flow_ends.h). The
 * last read is kept sorted by key, so that what is gone from the next one is found
 * by binary search; the keys whose event was written are kept in a hash set until
 * their flow leaves the table.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "l7/flow_ends.h"
#include "l7/session.h"

#define SET_BUCKETS (1u << 14)

struct key_node {
	struct key_node *next;
	struct pl_flow_key key;
};

struct pl_l7_ends {
	struct pl_flow *prev; /* the last read, sorted by key */
	size_t nprev;
	struct key_node *written[SET_BUCKETS];
};

static size_t bucket(const struct pl_flow_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	size_t h = 5381;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = h * 33 + p[i];
	return h & (SET_BUCKETS - 1);
}

static struct key_node **set_find(struct pl_l7_ends *e, const struct pl_flow_key *k)
{
	struct key_node **pp = &e->written[bucket(k)];

	while (*pp && memcmp(&(*pp)->key, k, sizeof(*k)))
		pp = &(*pp)->next;
	return pp;
}

static int set_add(struct pl_l7_ends *e, const struct pl_flow_key *k)
{
	struct key_node **pp = set_find(e, k);

	if (*pp)
		return 0;
	*pp = calloc(1, sizeof(**pp));
	if (!*pp)
		return -ENOMEM;
	(*pp)->key = *k;
	return 0;
}

/* Was its event written? Forget it when @drop (it left the table). */
static bool set_had(struct pl_l7_ends *e, const struct pl_flow_key *k, bool drop)
{
	struct key_node **pp = set_find(e, k), *n = *pp;

	if (n && drop) {
		*pp = n->next;
		free(n);
	}
	return n != NULL;
}

static int key_cmp(const void *a, const void *b)
{
	return memcmp(&((const struct pl_flow *)a)->key, &((const struct pl_flow *)b)->key,
		      sizeof(struct pl_flow_key));
}

struct pl_l7_ends *pl_l7_ends_new(void)
{
	return calloc(1, sizeof(struct pl_l7_ends));
}

void pl_l7_ends_free(struct pl_l7_ends *e)
{
	if (!e)
		return;
	for (size_t i = 0; i < SET_BUCKETS; i++) {
		for (struct key_node *n = e->written[i], *next; n; n = next) {
			next = n->next;
			free(n);
		}
	}
	free(e->prev);
	free(e);
}

static int write_one(struct pl_l7_ends *e, struct pl_l7_session *s, const struct pl_flow *f,
		     __s64 clock, const char *reason)
{
	int rc;

	pl_l7_finish_flow(s, &f->key);
	rc = pl_l7_eve_flows(s, f, 1, clock, reason);
	return rc < 0 ? rc : set_add(e, &f->key);
}

/* TCP with a FIN or RST seen (only received packets are in the table) and idle since. */
static bool ended(const struct pl_flow *f, const struct pl_flow *before)
{
	__u32 fl = f->val.tcp_flags | f->val.tcp_flags >> 8;

	return f->key.proto == 6 && (fl & (PL_TCP_FIN | PL_TCP_RST)) && before &&
	       before->val.last_seen_ns == f->val.last_seen_ns;
}

int pl_l7_ends_update(struct pl_l7_ends *e, struct pl_l7_session *s, const struct pl_flow *flows,
		      size_t n, __s64 clock)
{
	struct pl_flow *cur = malloc(n ? n * sizeof(*cur) : 1);
	int rc = 0;

	if (!cur)
		return -ENOMEM;
	if (n)
		memcpy(cur, flows, n * sizeof(*cur));
	if (n > 1)
		qsort(cur, n, sizeof(*cur), key_cmp);
	for (size_t i = 0; i < e->nprev && !rc; i++) {
		const struct pl_flow *p = &e->prev[i];

		if (bsearch(p, cur, n, sizeof(*cur), key_cmp))
			continue;
		if (!set_had(e, &p->key, true)) { /* evicted before it ended */
			rc = write_one(e, s, p, clock, "forced");
			set_had(e, &p->key, true);
		}
		pl_l7_forget(s, &p->key); /* its verdict is no longer needed */
	}
	for (size_t i = 0; i < n && !rc; i++) {
		/* bsearch() on no array (the first read) is undefined behaviour */
		const struct pl_flow *before =
			e->nprev ? bsearch(&cur[i], e->prev, e->nprev, sizeof(*cur), key_cmp) : NULL;

		if (ended(&cur[i], before) && !set_had(e, &cur[i].key, false))
			rc = write_one(e, s, &cur[i], clock, "timeout");
	}
	free(e->prev);
	e->prev = cur;
	e->nprev = n;
	return rc;
}

int pl_l7_ends_shutdown(struct pl_l7_ends *e, struct pl_l7_session *s, __s64 clock)
{
	int rc = 0;

	for (size_t i = 0; i < e->nprev && !rc; i++) {
		if (set_had(e, &e->prev[i].key, false))
			continue;
		rc = pl_l7_eve_flows(s, &e->prev[i], 1, clock, "shutdown");
		rc = rc < 0 ? rc : set_add(e, &e->prev[i].key);
	}
	return rc;
}

bool pl_l7_ends_written(void *e, const struct pl_flow_key *k)
{
	return set_had(e, k, false);
}

bool pl_l7_ends_claim(void *arg, const struct pl_flow_key *k)
{
	struct pl_l7_ends *e = arg;
	struct pl_flow probe = { .key = *k };

	if (set_had(e, k, false))
		return true;
	/* In the last read: the next update would see it leave and write it again. */
	if (e->nprev && bsearch(&probe, e->prev, e->nprev, sizeof(probe), key_cmp))
		(void)set_add(e, k); /* out of memory: at worst a second event */
	return false;
}

int pl_l7_ends_unread(struct pl_l7_ends *e, struct pl_l7_session *s, __s64 clock)
{
	int rc = pl_l7_eve_unread(s, pl_l7_ends_written, e, clock, "forced");

	return rc < 0 ? rc : 0;
}
