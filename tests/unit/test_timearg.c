// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_timearg.c - the --since/--until times of pktlens query (src/history/timearg.c).
 * Expected Unix times are fixed constants worked out apart from the parser (Python's
 * calendar.timegm); local times are held to TZ set here.
 */
#include <stdlib.h>
#include <time.h>
#include "check.h"
#include "history/history.h"

#define NOW 1796637600LL /* 2026-12-07T10:00:00Z */

static long long parse(const char *s, int *rc)
{
	__s64 t = -1;
	const char *why = NULL;

	*rc = pl_time_arg(s, NOW, &t, &why);
	if (*rc && !why)
		printf("  no reason given for '%s'\n", s);
	return t;
}

static void good(const char *s, long long want)
{
	int rc;
	long long t = parse(s, &rc);

	CHECK(rc == 0 && t == want, "'%s': rc %d, %lld, want %lld", s, rc, t, want);
}

static void bad(const char *s)
{
	int rc;

	parse(s, &rc);
	CHECK(rc == -22, "'%s' taken (rc %d), should be refused", s, rc);
}

int main(void)
{
	setenv("TZ", "UTC", 1);
	tzset();
	TEST_BEGIN("ISO 8601 in UTC");
	good("2026-12-07T10:00:00Z", 1796637600LL);
	good("2026-12-07T10:00:05Z", 1796637605LL);
	good("2026-12-07t10:00:05.999z", 1796637605LL);
	good("2026-12-07 10:00Z", 1796637600LL);
	good("2024-02-29", 1709164800LL);
	TEST_END();
	TEST_BEGIN("ISO 8601 offsets");
	good("2026-12-07T11:00:00+01:00", 1796637600LL);
	good("2026-12-07T05:30:00-0430", 1796637600LL);
	good("2026-12-07T12:00+02", 1796637600LL);
	TEST_END();
	TEST_BEGIN("no zone: local time");
	good("2026-12-07T10:00", 1796637600LL);
	setenv("TZ", "Europe/Paris", 1); /* UTC+1 in December */
	tzset();
	good("2026-12-07T11:00", 1796637600LL);
	good("2026-12-07", 1796601600LL - 3600);
	setenv("TZ", "UTC", 1);
	tzset();
	TEST_END();
	TEST_BEGIN("relative, now, @seconds");
	good("-90s", NOW - 90);
	good("-30m", NOW - 1800);
	good("-1h", NOW - 3600);
	good("-7d", NOW - 7 * 86400);
	good("-2w", NOW - 14 * 86400);
	good("now", NOW);
	good("@0", 0);
	good("@1796637600", 1796637600LL);
	TEST_END();
	TEST_BEGIN("refused");
	bad("");
	bad("yesterday");
	bad("-1");
	bad("-h");
	bad("-1hh");
	bad("-1y");
	bad("-999999999d");
	bad("@");
	bad("@-5");
	bad("@99999999999999999999");
	bad("2026-02-29");
	bad("2026-13-01");
	bad("2026-12-32");
	bad("2026-12-07T24:00");
	bad("2026-12-07T10:60");
	bad("2026-12-07T10");
	bad("2026-12-07T10:00+25:00");
	bad("2026-12-07T10:00:00Zjunk");
	bad("1969-12-31");
	bad("26-12-07");
	TEST_END();
	return check_summary();
}
