// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <time.h>
#include "sinks/timefmt.h"

const char *pl_time_iso(uint64_t unix_ns, char *buf, size_t len)
{
	time_t sec = unix_ns / 1000000000ull;
	struct tm tm;
	char day[32];

	gmtime_r(&sec, &tm);
	strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf, len, "%s.%06uZ", day, (unsigned int)(unix_ns % 1000000000ull / 1000));
	return buf;
}

static uint64_t clock_ns(clockid_t c)
{
	struct timespec ts;

	clock_gettime(c, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

uint64_t pl_time_now_ns(void)
{
	return clock_ns(CLOCK_REALTIME);
}

int64_t pl_time_mono_to_unix(void)
{
	return (int64_t)(clock_ns(CLOCK_REALTIME) - clock_ns(CLOCK_MONOTONIC));
}

const char *pl_human(double v, char *buf, size_t len)
{
	static const char units[] = " kMGTP";
	int u = 0;

	while (v >= 1000 && u < 5) {
		v /= 1000;
		u++;
	}
	if (u)
		snprintf(buf, len, "%.2f%c", v, units[u]);
	else
		snprintf(buf, len, "%.0f", v);
	return buf;
}
