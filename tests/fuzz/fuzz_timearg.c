// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_timearg.c - the --since/--until parser of pktlens query (src/history/timearg.c):
 * any bytes as a time, under UTC and a zone with daylight saving. A time taken must be
 * a reason-free 0 with a value; one refused must give a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "history/history.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int zones;
	char s[128];
	const char *why = NULL;
	__s64 t = 0;

	if (!zones++) {
		setenv("TZ", "America/New_York", 1);
		tzset();
	}
	if (size >= sizeof(s))
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (pl_time_arg(s, 1796637600LL, &t, &why) && !why)
		abort();
	return 0;
}
