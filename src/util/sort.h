/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * sort.h - qsort and bsearch that take an empty array: C leaves qsort(NULL, 0, ...)
 * undefined (UBSan says so), and an empty list is often a NULL pointer here.
 */
#ifndef PL_UTIL_SORT_H
#define PL_UTIL_SORT_H

#include <stdlib.h>

static inline void pl_qsort(void *base, size_t n, size_t size,
			    int (*cmp)(const void *, const void *))
{
	if (n > 1)
		qsort(base, n, size, cmp);
}

static inline void *pl_bsearch(const void *key, const void *base, size_t n, size_t size,
			       int (*cmp)(const void *, const void *))
{
	return n ? bsearch(key, base, n, size, cmp) : NULL;
}

#endif
