// SPDX-License-Identifier: BSD-2-Clause
/*
 * prefilter.c - one Hyperscan literal database per buffer, of the content each rule
 * chose (fast_pattern, else its longest): a packet's buffers are scanned once and only
 * the rules whose pattern occurs get the exact checks. Rules sharing a pattern share
 * its id.
 */
#include <errno.h>
#include <hs/hs.h>
#include <stdlib.h>
#include <string.h>
#include "rules/rules_int.h"

struct pat {
	const uint8_t *p;
	uint32_t len;
	bool nocase;
	int rule; /* rule index */
};

struct pfdb {
	hs_database_t *db;
	int *first, *count; /* per pattern id: its rules in rule_of[first .. first+count) */
	int *rule_of;
	int npat;
};

struct prefilter {
	struct pfdb b[RB_N];
	hs_scratch_t *scratch;
	int npat;
};

static int pat_cmp(const void *a, const void *b)
{
	const struct pat *x = a, *y = b;
	uint32_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->p, y->p, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	if (x->nocase != y->nocase)
		return x->nocase ? 1 : -1;
	return x->rule - y->rule;
}

static bool same(const struct pat *x, const struct pat *y)
{
	return x->len == y->len && x->nocase == y->nocase && !memcmp(x->p, y->p, x->len);
}

static int build_db(struct pfdb *db, struct pat *p, int n, struct perr *e)
{
	const char **exprs;
	size_t *lens;
	unsigned int *flags, *ids;
	hs_compile_error_t *ce = NULL;
	int k = 0, err = -ENOMEM;

	if (n > 1) /* p may be NULL when there are none */
		qsort(p, (size_t)n, sizeof(*p), pat_cmp);
	exprs = calloc((size_t)n, sizeof(*exprs));
	lens = calloc((size_t)n, sizeof(*lens));
	flags = calloc((size_t)n, sizeof(*flags));
	ids = calloc((size_t)n, sizeof(*ids));
	db->first = calloc((size_t)n, sizeof(int));
	db->count = calloc((size_t)n, sizeof(int));
	db->rule_of = calloc((size_t)n, sizeof(int));
	if (!exprs || !lens || !flags || !ids || !db->first || !db->count || !db->rule_of)
		goto out;
	for (int i = 0; i < n; i++) {
		if (i == 0 || !same(&p[i], &p[i - 1])) {
			exprs[k] = (const char *)p[i].p;
			lens[k] = p[i].len;
			flags[k] = HS_FLAG_SINGLEMATCH | (p[i].nocase ? HS_FLAG_CASELESS : 0);
			ids[k] = (unsigned int)k;
			db->first[k] = i;
			k++;
		}
		db->count[k - 1]++;
		db->rule_of[i] = p[i].rule;
	}
	db->npat = k;
	if (hs_compile_lit_multi(exprs, flags, ids, lens, (unsigned int)k, HS_MODE_BLOCK, NULL,
				 &db->db, &ce) != HS_SUCCESS) {
		pl_perr(e, "Hyperscan cannot compile the patterns: %s", ce ? ce->message : "?");
		hs_free_compile_error(ce);
		err = -EINVAL;
		goto out;
	}
	err = 0;
out:
	free(exprs);
	free(lens);
	free(flags);
	free(ids);
	return err;
}

int pl_prefilter_build(struct rule **rules, int n, struct prefilter **out, struct perr *e)
{
	struct prefilter *pf = calloc(1, sizeof(*pf));
	struct pat *p = calloc((size_t)n + 1, sizeof(*p));
	int err = 0;

	if (!pf || !p) {
		free(pf);
		free(p);
		return -ENOMEM;
	}
	for (int b = 0; b < RB_N && !err; b++) {
		int k = 0;

		for (int i = 0; i < n; i++) {
			const struct rule *r = rules[i];
			const struct match *m = r->pf >= 0 ? &r->m[r->pf] : NULL;

			if (!m || m->buf != b)
				continue;
			p[k++] = (struct pat){ m->u.c.pat, m->u.c.len, m->u.c.nocase, (int)r->idx };
		}
		if (!k)
			continue;
		err = build_db(&pf->b[b], p, k, e);
		if (!err)
			err = hs_alloc_scratch(pf->b[b].db, &pf->scratch) == HS_SUCCESS ? 0 : -ENOMEM;
		pf->npat += pf->b[b].npat;
	}
	free(p);
	if (err) {
		pl_prefilter_free(pf);
		return err;
	}
	*out = pf;
	return 0;
}

void pl_prefilter_free(struct prefilter *pf)
{
	if (!pf)
		return;
	for (int b = 0; b < RB_N; b++) {
		hs_free_database(pf->b[b].db);
		free(pf->b[b].first);
		free(pf->b[b].count);
		free(pf->b[b].rule_of);
	}
	hs_free_scratch(pf->scratch);
	free(pf);
}

struct scan_ctx {
	const struct pfdb *db;
	uint8_t *cand;
	int *list, *n;
};

static int on_match(unsigned int id, unsigned long long from, unsigned long long to,
		    unsigned int flags, void *arg)
{
	struct scan_ctx *c = arg;
	int f = c->db->first[id];

	(void)from;
	(void)to;
	(void)flags;
	for (int i = 0; i < c->db->count[id]; i++) {
		int r = c->db->rule_of[f + i];

		if (!c->cand[r]) {
			c->cand[r] = 1;
			c->list[(*c->n)++] = r;
		}
	}
	return 0;
}

int pl_prefilter_scan(struct prefilter *pf, int buf, const uint8_t *d, size_t len,
		      uint8_t *cand, int *list, int *n)
{
	struct scan_ctx c = { &pf->b[buf], cand, list, n };

	if (!pf->b[buf].db || !len)
		return 0;
	return hs_scan(pf->b[buf].db, (const char *)d, (unsigned int)len, 0, pf->scratch, on_match,
		       &c) == HS_SUCCESS ? 0 : -EIO;
}

int pl_prefilter_count(const struct prefilter *pf)
{
	return pf ? pf->npat : 0;
}
