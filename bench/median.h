/* SPDX-License-Identifier: BSD-2-Clause */
/* median.h - the median the C benchmarks report (sorts @v in place). */
#ifndef PL_BENCH_MEDIAN_H
#define PL_BENCH_MEDIAN_H

#include <stdlib.h>

static int pl_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static inline double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), pl_cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

#endif
