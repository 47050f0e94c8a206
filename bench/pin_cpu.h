/* SPDX-License-Identifier: BSD-2-Clause */
/* pin_cpu.h - the C benchmarks run on one CPU: the last one they may use. */
#ifndef PL_BENCH_PIN_CPU_H
#define PL_BENCH_PIN_CPU_H

#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <sched.h>

/* Pin the calling thread; the CPU, or -1. */
static inline int pin_cpu(void)
{
	cpu_set_t set;
	int cpu = -1;

	if (sched_getaffinity(0, sizeof(set), &set))
		return -1;
	for (int c = 0; c < CPU_SETSIZE; c++)
		if (CPU_ISSET(c, &set))
			cpu = c;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	return sched_setaffinity(0, sizeof(set), &set) ? -1 : cpu;
}

#endif
