// SPDX-License-Identifier: BSD-2-Clause
/*
 * rates.c - per-flow rates from successive reads of the flow table (see rates.h).
 *
 * History: time is cut into slots of at least SLOT_NS, each closed at the first read
 * after that long; a slot holds what each flow's directions gained in it. An average
 * over W seconds adds the slots that end within W of now, the oldest one in the share
 * of it that falls inside the window (taken as uniform within the slot).
 * Entries: a dense array, found through an index of open addressing rebuilt at each
 * read (flows come and go with the table; rebuilding costs 4 bytes per slot of index).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "analysis/rates.h"

#define SLOTS 21			/* > 40 s of 2-s slots, whatever the phase */
#define SLOT_NS 2000000000ull
#define SLOT_SLACK_NS 100000000ull	/* a read 1.9 s into a slot closes it */

struct ent {
	struct pl_flow_key key;
	__u64 first_seen;		/* another value: evicted and created again */
	__u64 pkts[2], bytes[2];	/* counters at the last read */
	float slot_pkts[SLOTS][2];	/* gained in each slot, by direction */
	float slot_bytes[SLOTS][2];
	__u32 slot;			/* serial of the slot last added to */
	__u32 gen;			/* read that last saw it */
};

struct pl_rates {
	struct ent *ents;
	size_t n, cap, max;
	__u32 *idx;			/* 0: empty, else index into ents + 1 */
	size_t idx_cap;			/* a power of two, > 2 * n */
	__u64 start_ns, last_ns;
	__u64 slot_t0[SLOTS];		/* start of slot serial s at [s % SLOTS] */
	__u32 cur;			/* serial of the open slot */
	__u32 gen;
};

struct pl_rates *pl_rates_new(size_t max_flows, __u64 start_ns)
{
	struct pl_rates *rt = calloc(1, sizeof(*rt));

	if (!rt)
		return NULL;
	rt->max = max_flows ? max_flows : 1;
	rt->start_ns = rt->last_ns = start_ns;
	rt->slot_t0[0] = start_ns;
	return rt;
}

void pl_rates_free(struct pl_rates *rt)
{
	if (!rt)
		return;
	free(rt->ents);
	free(rt->idx);
	free(rt);
}

static __u32 key_hash(const struct pl_flow_key *k)
{
	const unsigned char *p = (const unsigned char *)k;
	__u32 h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* The slot of the index where @k is, or the empty one where it would go. */
static size_t idx_find(const struct pl_rates *rt, const struct pl_flow_key *k)
{
	size_t m = rt->idx_cap - 1, i = key_hash(k) & m;

	while (rt->idx[i] && memcmp(&rt->ents[rt->idx[i] - 1].key, k, sizeof(*k)))
		i = (i + 1) & m;
	return i;
}

/* An index for @want entries (room to add while reading); -ENOMEM keeps the old one. */
static int idx_rebuild(struct pl_rates *rt, size_t want)
{
	size_t cap = 64;
	__u32 *idx;

	while (cap < 2 * want + 2)
		cap *= 2;
	if (cap != rt->idx_cap) {
		idx = malloc(cap * sizeof(*idx));
		if (!idx)
			return -ENOMEM;
		free(rt->idx);
		rt->idx = idx;
		rt->idx_cap = cap;
	}
	memset(rt->idx, 0, rt->idx_cap * sizeof(*rt->idx));
	for (size_t e = 0; e < rt->n; e++)
		rt->idx[idx_find(rt, &rt->ents[e].key)] = e + 1;
	return 0;
}

static struct ent *ent_add(struct pl_rates *rt, const struct pl_flow *f, size_t at)
{
	struct ent *e;

	if (rt->n >= rt->max)
		return NULL;
	if (rt->n == rt->cap) {
		size_t cap = rt->cap ? 2 * rt->cap : 256;
		struct ent *t;

		cap = cap > rt->max ? rt->max : cap;
		t = realloc(rt->ents, cap * sizeof(*t));
		if (!t)
			return NULL;
		rt->ents = t;
		rt->cap = cap;
	}
	e = &rt->ents[rt->n];
	memset(e, 0, sizeof(*e));
	e->key = f->key;
	e->first_seen = f->val.first_seen_ns;
	e->slot = rt->cur;
	rt->idx[at] = ++rt->n;
	return e;
}

/* Slots the entry has not been given since serial e->slot hold nothing. */
static void ent_catch_up(struct pl_rates *rt, struct ent *e)
{
	for (__u32 s = e->slot + 1, k = 0; s <= rt->cur && k < SLOTS; s++, k++) {
		memset(e->slot_pkts[s % SLOTS], 0, sizeof(e->slot_pkts[0]));
		memset(e->slot_bytes[s % SLOTS], 0, sizeof(e->slot_bytes[0]));
	}
	e->slot = rt->cur;
}

/* Start of the window of @w_ns ending now, never before the history's start. */
static __u64 window_start(const struct pl_rates *rt, __u64 now, __u64 w_ns)
{
	__u32 oldest = rt->cur >= SLOTS - 1 ? rt->cur - (SLOTS - 1) : 0;
	__u64 hist = rt->slot_t0[oldest % SLOTS];

	return now - hist < w_ns ? hist : now - w_ns;
}

/* What the entry gained from @from to @now by direction, slot by slot. */
static void ent_window(const struct pl_rates *rt, const struct ent *e, __u64 from, __u64 now,
		       double pkts[2], double bytes[2])
{
	__u32 oldest = rt->cur >= SLOTS - 1 ? rt->cur - (SLOTS - 1) : 0;

	pkts[0] = pkts[1] = bytes[0] = bytes[1] = 0;
	for (__u32 k = 0; k <= rt->cur - oldest; k++) {
		__u32 s = rt->cur - k;
		__u64 t0 = rt->slot_t0[s % SLOTS];
		__u64 t1 = s == rt->cur ? now : rt->slot_t0[(s + 1) % SLOTS];
		double share;

		if (t1 <= from)
			break;
		share = t0 >= from || t1 <= t0 ? 1 : (double)(t1 - from) / (t1 - t0);
		for (int d = 0; d < 2; d++) {
			pkts[d] += share * e->slot_pkts[s % SLOTS][d];
			bytes[d] += share * e->slot_bytes[s % SLOTS][d];
		}
	}
}

static void ent_rates(const struct pl_rates *rt, const struct ent *e, const __u64 dp[2],
		      const __u64 db[2], __u64 now, struct pl_flow *f)
{
	double dt = (now - rt->last_ns) / 1e9;

	for (int d = 0; d < 2; d++) {
		f->rate[d].pps = dt > 0 ? dp[d] / dt : 0;
		f->rate[d].bps = dt > 0 ? db[d] * 8 / dt : 0;
	}
	for (int i = 0; i < PL_RATE_AVGS; i++) {
		__u64 from = window_start(rt, now, pl_rate_avg_s(i) * 1000000000ull);
		double w = (now - from) / 1e9, p[2], b[2];

		ent_window(rt, e, from, now, p, b);
		for (int d = 0; d < 2; d++) {
			f->rate[d].pps_avg[i] = w > 0 ? p[d] / w : 0;
			f->rate[d].bps_avg[i] = w > 0 ? b[d] * 8 / w : 0;
		}
	}
}

/* Take one flow's counters into its entry (made if new) and give it its rates. */
static int flow_update(struct pl_rates *rt, struct pl_flow *f, __u64 now)
{
	size_t at = idx_find(rt, &f->key);
	struct ent *e = rt->idx[at] ? &rt->ents[rt->idx[at] - 1] : NULL;
	__u64 dp[2], db[2];

	memset(f->rate, 0, sizeof(f->rate));
	if (e && e->gen == rt->gen)
		return 0; /* the same key twice in one read: counted once */
	if (e && (e->first_seen != f->val.first_seen_ns || f->val.packets[0] < e->pkts[0] ||
		  f->val.packets[1] < e->pkts[1])) {
		/* Created again since: a new flow in the old entry. */
		memset(e->pkts, 0, sizeof(e->pkts) + sizeof(e->bytes));
		memset(e->slot_pkts, 0, sizeof(e->slot_pkts) + sizeof(e->slot_bytes));
		e->first_seen = f->val.first_seen_ns;
	}
	if (!e)
		e = ent_add(rt, f, at);
	if (!e)
		return -ENOMEM;
	ent_catch_up(rt, e);
	for (int d = 0; d < 2; d++) {
		dp[d] = f->val.packets[d] - e->pkts[d];
		db[d] = f->val.bytes[d] - e->bytes[d];
		e->slot_pkts[rt->cur % SLOTS][d] += dp[d];
		e->slot_bytes[rt->cur % SLOTS][d] += db[d];
		e->pkts[d] = f->val.packets[d];
		e->bytes[d] = f->val.bytes[d];
	}
	e->gen = rt->gen;
	ent_rates(rt, e, dp, db, now, f);
	return 0;
}

/* Forget the entries this read did not see (their flows left the table). */
static void drop_unseen(struct pl_rates *rt)
{
	size_t j = 0;

	for (size_t i = 0; i < rt->n; i++)
		if (rt->ents[i].gen == rt->gen) {
			if (i != j)
				rt->ents[j] = rt->ents[i];
			j++;
		}
	rt->n = j;
}

int pl_rates_update(struct pl_rates *rt, struct pl_flow *flows, size_t n, __u64 now_ns)
{
	size_t want = rt->n + (n < rt->max ? n : rt->max);
	int err = 0;

	if (now_ns < rt->last_ns) /* a clock that went back: keep the order of reads */
		now_ns = rt->last_ns;
	rt->gen++;
	if (idx_rebuild(rt, want)) {
		for (size_t i = 0; i < n; i++)
			memset(flows[i].rate, 0, sizeof(flows[i].rate));
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++)
		if (flow_update(rt, &flows[i], now_ns))
			err = -ENOMEM;
	drop_unseen(rt);
	rt->last_ns = now_ns;
	if (now_ns - rt->slot_t0[rt->cur % SLOTS] + SLOT_SLACK_NS >= SLOT_NS) {
		rt->cur++;
		rt->slot_t0[rt->cur % SLOTS] = now_ns;
	}
	return err;
}
