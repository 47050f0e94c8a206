// SPDX-License-Identifier: BSD-2-Clause
/*
 * inspect.c - the payload keywords of one buffer, in rule order, as Suricata's
 * documentation describes them: a detection pointer that content, pcre, byte_jump and
 * byte_extract move and relative keywords start from; when a later keyword fails, an
 * earlier content is tried at its next occurrence (bounded by a step budget).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include "rules/rules_int.h"

#define LIST_MAX 256

static int64_t numv(const struct num *n, const struct inspect *in)
{
	return n->var >= 0 ? in->vars[n->var] : n->v;
}

static const uint8_t *find(const uint8_t *h, size_t hl, const uint8_t *p, size_t pl, bool nocase)
{
	if (pl > hl)
		return NULL;
	if (!nocase)
		return memmem(h, hl, p, pl);
	for (size_t i = 0; i + pl <= hl; i++) {
		size_t k = 0;

		while (k < pl && tolower(h[i + k]) == tolower(p[k]))
			k++;
		if (k == pl)
			return h + i;
	}
	return NULL;
}

/* Where a content may lie: [lo, hi) of the buffer. false: nowhere. */
static bool window(const struct content *c, const struct inspect *in, size_t len, size_t pos,
		   int64_t *lo, int64_t *hi)
{
	*lo = 0;
	*hi = (int64_t)len;
	if (c->startswith) {
		*hi = c->len;
	} else if (c->has_distance || c->has_within) {
		int64_t dist = c->has_distance ? numv(&c->distance, in) : 0;

		*lo = (int64_t)pos + dist;
		if (c->has_within)
			*hi = (int64_t)pos + dist + numv(&c->within, in);
	} else {
		if (c->has_offset)
			*lo = numv(&c->offset, in);
		if (c->has_depth)
			*hi = *lo + numv(&c->depth, in);
	}
	if (*lo < 0)
		*lo = 0;
	if (*hi > (int64_t)len)
		*hi = (int64_t)len;
	return *lo + (int64_t)c->len <= *hi;
}

static bool read_num(const struct bread *b, const struct inspect *in, const uint8_t *d,
		     size_t len, size_t pos, uint64_t *val, int64_t *at)
{
	int64_t start = (b->relative ? (int64_t)pos : 0) + numv(&b->offset, in);
	uint64_t v = 0;

	if (start < 0 || start + b->nbytes > (int64_t)len)
		return false;
	if (b->string) {
		int ndig = 0;

		for (int i = 0; i < b->nbytes; i++) {
			int ch = d[start + i], dv;

			if (isdigit(ch))
				dv = ch - '0';
			else if (isxdigit(ch))
				dv = tolower(ch) - 'a' + 10;
			else
				break;
			if (dv >= b->base)
				break;
			v = v * b->base + (uint64_t)dv;
			ndig++;
		}
		if (!ndig)
			return false;
	} else {
		for (int i = 0; i < b->nbytes; i++) {
			int k = b->little ? b->nbytes - 1 - i : i;

			v = v << 8 | d[start + k];
		}
	}
	if (b->bitmask) {
		v &= b->bitmask;
		v >>= __builtin_ctzll(b->bitmask);
	}
	*val = v;
	*at = start;
	return true;
}

static bool step(const struct match *const *ms, int i, int n, const uint8_t *d, size_t len,
		 size_t pos, struct inspect *in);

static bool do_content(const struct match *const *ms, int i, int n, const uint8_t *d,
		       size_t len, size_t pos, struct inspect *in)
{
	const struct content *c = &ms[i]->u.c;
	int64_t lo, hi;
	const uint8_t *hit;

	if (!window(c, in, len, pos, &lo, &hi))
		return c->negated && step(ms, i + 1, n, d, len, pos, in);
	if (c->endswith) {
		bool at_end = hi == (int64_t)len &&
			      find(d + len - c->len, c->len, c->pat, c->len, c->nocase) &&
			      (int64_t)(len - c->len) >= lo;

		if (c->negated)
			return !at_end && step(ms, i + 1, n, d, len, pos, in);
		return at_end && step(ms, i + 1, n, d, len, len, in);
	}
	hit = find(d + lo, (size_t)(hi - lo), c->pat, c->len, c->nocase);
	if (c->negated)
		return !hit && step(ms, i + 1, n, d, len, pos, in);
	while (hit) {
		size_t end = (size_t)(hit - d) + c->len;

		if (step(ms, i + 1, n, d, len, end, in))
			return true;
		if (!in->budget)
			return false;
		lo = hit - d + 1;
		hit = lo + c->len <= hi ? find(d + lo, (size_t)(hi - lo), c->pat, c->len, c->nocase)
					: NULL;
	}
	return false;
}

static bool do_pcre(const struct match *m, const uint8_t *d, size_t len, size_t *pos)
{
	size_t base = m->u.p.relative ? *pos : 0;
	int rc = pcre2_match(m->u.p.re, (PCRE2_SPTR)(d + base), len - base, 0, 0, m->u.p.md, NULL);

	if (rc < 0)
		return m->u.p.negated;
	if (m->u.p.negated)
		return false;
	*pos = base + pcre2_get_ovector_pointer(m->u.p.md)[1];
	return true;
}

static bool byte_test(const struct bytetest *t, const struct inspect *in, const uint8_t *d,
		      size_t len, size_t pos)
{
	uint64_t v, x = (uint64_t)numv(&t->value, in);
	int64_t at;
	bool r;

	if (!read_num(&t->r, in, d, len, pos, &v, &at))
		return false;
	switch (t->op) {
	case '<': r = v < x; break;
	case '>': r = v > x; break;
	case 'l': r = v <= x; break;
	case 'g': r = v >= x; break;
	case '&': r = (v & x) != 0; break;
	case '^': r = (v ^ x) != 0; break;
	default: r = v == x; break;
	}
	return r != t->negop;
}

static bool byte_jump(const struct bytejump *j, const struct inspect *in, const uint8_t *d,
		      size_t len, size_t *pos)
{
	uint64_t v;
	int64_t at, base, np;

	if (!read_num(&j->r, in, d, len, *pos, &v, &at))
		return false;
	if (v > (1ull << 32))
		return false;
	v *= j->multiplier;
	if (j->align)
		v = (v + 3) & ~3ull;
	base = j->from_beginning ? 0 : j->from_end ? (int64_t)len : at + j->r.nbytes;
	np = base + (int64_t)v + j->post_offset;
	if (np < 0 || np > (int64_t)len)
		return false;
	*pos = (size_t)np;
	return true;
}

static bool step(const struct match *const *ms, int i, int n, const uint8_t *d, size_t len,
		 size_t pos, struct inspect *in)
{
	for (; i < n; i++) {
		const struct match *m = ms[i];
		uint64_t v;
		int64_t at;

		if (!in->budget)
			return false;
		in->budget--;
		switch (m->type) {
		case M_CONTENT:
			return do_content(ms, i, n, d, len, pos, in);
		case M_PCRE:
			if (!do_pcre(m, d, len, &pos))
				return false;
			break;
		case M_ISDATAAT: {
			/* relative: at least N bytes after the pointer; else a byte at offset N */
			int64_t n = numv(&m->u.d.n, in);
			bool there = m->u.d.relative ? (int64_t)pos + n <= (int64_t)len
						     : n >= 0 && n < (int64_t)len;

			if (there == m->u.d.negated)
				return false;
			break;
		}
		case M_BSIZE:
			if (!pl_uint_match(&m->u.bsize, len))
				return false;
			break;
		case M_BYTE_TEST:
			if (!byte_test(&m->u.bt, in, d, len, pos))
				return false;
			break;
		case M_BYTE_JUMP:
			if (!byte_jump(&m->u.bj, in, d, len, &pos))
				return false;
			break;
		case M_BYTE_EXTRACT:
			if (!read_num(&m->u.be.r, in, d, len, pos, &v, &at))
				return false;
			v *= m->u.be.multiplier;
			if (m->u.be.align)
				v = (v + m->u.be.align - 1) / m->u.be.align * m->u.be.align;
			in->vars[m->u.be.var] = (int64_t)v;
			pos = (size_t)at + m->u.be.r.nbytes;
			break;
		case M_DATASET:
			if (pl_dataset_has(m->u.ds.ds, d, len) == m->u.ds.negated)
				return false;
			break;
		}
	}
	return true;
}

bool pl_inspect_buf(const struct rule *r, int buf, const uint8_t *d, size_t len,
		    struct inspect *in)
{
	const struct match *ms[LIST_MAX];
	int n = 0;

	for (int i = 0; i < r->nm && n < LIST_MAX; i++)
		if (r->m[i].buf == buf)
			ms[n++] = &r->m[i];
	return step(ms, 0, n, d ? d : (const uint8_t *)"", d ? len : 0, 0, in);
}
