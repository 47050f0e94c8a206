// SPDX-License-Identifier: BSD-2-Clause
/* ksyms.c - a sorted table of the kernel's text symbols for drop locations. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "drops/ksyms.h"

struct ksym {
	uint64_t addr;
	char *name;
};

struct pl_ksyms {
	struct ksym *s;
	size_t n, cap;
};

static int by_addr(const void *a, const void *b)
{
	const struct ksym *x = a, *y = b;

	return x->addr < y->addr ? -1 : x->addr > y->addr;
}

static int add(struct pl_ksyms *k, uint64_t addr, const char *name)
{
	if (k->n == k->cap) {
		size_t cap = k->cap ? k->cap * 2 : 4096;
		struct ksym *s = realloc(k->s, cap * sizeof(*s));

		if (!s)
			return -1;
		k->s = s;
		k->cap = cap;
	}
	k->s[k->n].name = strdup(name);
	if (!k->s[k->n].name)
		return -1;
	k->s[k->n++].addr = addr;
	return 0;
}

struct pl_ksyms *pl_ksyms_load(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	struct pl_ksyms *k;
	char line[512], type, name[256];
	uint64_t addr;

	if (!f)
		return NULL;
	k = calloc(1, sizeof(*k));
	while (k && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%" SCNx64 " %c %255s", &addr, &type, name) != 3)
			continue;
		if ((type != 't' && type != 'T') || !addr)
			continue;
		if (add(k, addr, name)) {
			pl_ksyms_free(k);
			k = NULL;
		}
	}
	fclose(f);
	if (k && !k->n) { /* every address 0: hidden from us */
		pl_ksyms_free(k);
		return NULL;
	}
	if (k)
		qsort(k->s, k->n, sizeof(*k->s), by_addr);
	return k;
}

void pl_ksyms_free(struct pl_ksyms *k)
{
	if (!k)
		return;
	for (size_t i = 0; i < k->n; i++)
		free(k->s[i].name);
	free(k->s);
	free(k);
}

const char *pl_ksym(const struct pl_ksyms *k, uint64_t addr, char *buf, size_t len)
{
	size_t lo = 0, hi = k ? k->n : 0;

	/* The last symbol at or below @addr. */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (k->s[mid].addr <= addr)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (!lo)
		snprintf(buf, len, "0x%" PRIx64, addr);
	else
		snprintf(buf, len, "%s+0x%" PRIx64, k->s[lo - 1].name, addr - k->s[lo - 1].addr);
	return buf;
}
