// SPDX-License-Identifier: BSD-2-Clause
/*
 * flowset.c - an index of a flow-table read by key (open addressing, linear probing),
 * so that two reads compare in linear time: sorting a million entries with memcmp took
 * most of a second here, building and probing this index a small part of that.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "serve/flowset.h"

static __u64 key_hash(const struct pl_flow_key *k)
{
	const __u32 *w = (const __u32 *)k;
	__u64 h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < sizeof(*k) / sizeof(__u32); i++)
		h = (h ^ w[i]) * 0x100000001b3ull;
	return h ^ (h >> 29);
}

int pl_flowset_build(struct pl_flowset *s, const struct pl_flow *f, size_t n)
{
	size_t cap = 16;

	while (cap < 2 * n)
		cap *= 2;
	if (cap > s->cap) {
		__u32 *p = realloc(s->slot, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		s->slot = p;
		s->cap = cap;
	}
	s->mask = cap - 1;
	memset(s->slot, 0, cap * sizeof(*s->slot));
	s->f = f;
	s->n = n;
	for (size_t i = 0; i < n; i++) {
		size_t j = key_hash(&f[i].key) & s->mask;

		while (s->slot[j])
			j = (j + 1) & s->mask;
		s->slot[j] = (__u32)i + 1;
	}
	return 0;
}

long pl_flowset_find(const struct pl_flowset *s, const struct pl_flow_key *k)
{
	size_t j;

	if (!s->n)
		return -1;
	for (j = key_hash(k) & s->mask; s->slot[j]; j = (j + 1) & s->mask)
		if (!memcmp(&s->f[s->slot[j] - 1].key, k, sizeof(*k)))
			return (long)s->slot[j] - 1;
	return -1;
}

void pl_flowset_free(struct pl_flowset *s)
{
	free(s->slot);
	memset(s, 0, sizeof(*s));
}
