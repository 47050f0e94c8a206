// SPDX-License-Identifier: BSD-2-Clause
/*
 * state.c - what rules remember: per flow (flowbits, the TCP handshake, app-layer
 * rules already alerted), at most flows_max flows with the oldest evicted (counted);
 * per threshold key (rule and address), a count in its time window, at most THR_MAX
 * keys (when full, the table starts again: thresholds err towards alerting).
 */
#include <stdlib.h>
#include <string.h>
#include "rules/ruleset.h"

#define THR_MAX (1u << 16)
#define THR_BUCKETS (1u << 14)

struct thr_ent {
	struct thr_ent *next;
	uint32_t rule;
	uint8_t key[33];
	uint32_t count;
	uint64_t start_ns;
};

static uint64_t fnv(const void *p, size_t n, uint64_t h)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

int pl_sigs_state_init(struct pl_sigs *rs)
{
	rs->nbuckets = 1;
	while (rs->nbuckets < rs->flows_max)
		rs->nbuckets <<= 1;
	rs->fb = calloc(rs->nbuckets, sizeof(*rs->fb));
	rs->thr = calloc(THR_BUCKETS, sizeof(*rs->thr));
	return rs->fb && rs->thr ? 0 : -12;
}

static void thr_clear(struct pl_sigs *rs)
{
	for (unsigned int i = 0; rs->thr && i < THR_BUCKETS; i++) {
		for (struct thr_ent *t = rs->thr[i], *n; t; t = n) {
			n = t->next;
			free(t);
		}
		rs->thr[i] = NULL;
	}
	rs->nthr = 0;
}

static void flow_unlink(struct pl_sigs *rs, struct rflow *f)
{
	struct rflow **pp = &rs->fb[fnv(&f->key, sizeof(f->key), 1469598103934665603ull) &
				    (rs->nbuckets - 1)];

	while (*pp && *pp != f)
		pp = &(*pp)->next;
	if (*pp)
		*pp = f->next;
	if (f->older)
		f->older->newer = f->newer;
	else
		rs->oldest = f->newer;
	if (f->newer)
		f->newer->older = f->older;
	else
		rs->newest = f->older;
	rs->nflows--;
	free(f->fired);
	free(f);
}

void pl_sigs_state_free(struct pl_sigs *rs)
{
	while (rs->oldest)
		flow_unlink(rs, rs->oldest);
	free(rs->fb);
	thr_clear(rs);
	free(rs->thr);
}

struct rflow *pl_rflow_get(struct pl_sigs *rs, const struct pl_flow_key *k)
{
	size_t b = fnv(k, sizeof(*k), 1469598103934665603ull) & (rs->nbuckets - 1);
	size_t words = ((size_t)rs->nfb + 63) / 64;
	struct rflow *f;

	for (f = rs->fb[b]; f; f = f->next)
		if (!memcmp(&f->key, k, sizeof(*k)))
			return f;
	if (rs->nflows >= rs->flows_max) {
		flow_unlink(rs, rs->oldest);
		rs->cnt.flows_evicted++;
	}
	f = calloc(1, sizeof(*f) + words * sizeof(uint64_t));
	if (!f)
		return NULL;
	f->key = *k;
	f->next = rs->fb[b];
	rs->fb[b] = f;
	f->older = rs->newest;
	if (rs->newest)
		rs->newest->newer = f;
	else
		rs->oldest = f;
	rs->newest = f;
	rs->nflows++;
	return f;
}

void pl_sigs_forget(struct pl_sigs *rs, const struct pl_flow_key *k)
{
	size_t b = fnv(k, sizeof(*k), 1469598103934665603ull) & (rs->nbuckets - 1);

	for (struct rflow *f = rs->fb[b]; f; f = f->next) {
		if (!memcmp(&f->key, k, sizeof(*k))) {
			flow_unlink(rs, f);
			return;
		}
	}
}

bool pl_rflow_fired(struct rflow *f, uint32_t idx, bool mark)
{
	for (uint32_t i = 0; i < f->nfired; i++)
		if (f->fired[i] == idx)
			return true;
	if (mark) {
		if (f->nfired == f->capfired) {
			uint32_t cap = f->capfired ? f->capfired * 2 : 4;
			uint32_t *n = realloc(f->fired, cap * sizeof(*n));

			if (!n)
				return false;
			f->fired = n;
			f->capfired = cap;
		}
		f->fired[f->nfired++] = idx;
	}
	return false;
}

bool pl_thresh_pass(struct pl_sigs *rs, const struct rule *r, const uint8_t *src,
		    const uint8_t *dst, uint8_t alen, uint64_t ts_ns)
{
	uint8_t key[33] = { alen };
	uint64_t h, win = (uint64_t)r->thr.seconds * 1000000000ull;
	struct thr_ent *t;

	if (r->thr.track == TRK_SRC || r->thr.track == TRK_BOTH)
		memcpy(key + 1, src, alen);
	if (r->thr.track == TRK_DST || r->thr.track == TRK_BOTH)
		memcpy(key + 17, dst, alen);
	h = fnv(key, sizeof(key), fnv(&r->idx, sizeof(r->idx), 1469598103934665603ull));
	for (t = rs->thr[h & (THR_BUCKETS - 1)]; t; t = t->next)
		if (t->rule == r->idx && !memcmp(t->key, key, sizeof(key)))
			break;
	if (!t) {
		if (rs->nthr >= THR_MAX)
			thr_clear(rs);
		t = calloc(1, sizeof(*t));
		if (!t)
			return true;
		t->rule = r->idx;
		memcpy(t->key, key, sizeof(key));
		t->start_ns = ts_ns;
		t->next = rs->thr[h & (THR_BUCKETS - 1)];
		rs->thr[h & (THR_BUCKETS - 1)] = t;
		rs->nthr++;
	}
	if (ts_ns >= t->start_ns + win) { /* the window is over: a new one starts here */
		t->start_ns = ts_ns;
		t->count = 0;
	}
	t->count++;
	switch (r->thr.type) {
	case THR_LIMIT:
		return t->count <= r->thr.count;
	case THR_THRESHOLD:
		if (t->count < r->thr.count)
			return false;
		t->count = 0;
		return true;
	case THR_BOTH:
		return t->count == r->thr.count;
	default: /* detection_filter: every match past count */
		return t->count > r->thr.count;
	}
}
