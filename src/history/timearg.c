// SPDX-License-Identifier: BSD-2-Clause
/*
 * timearg.c - the times `pktlens query --since/--until` takes: ISO 8601 dates and
 * times (no zone: local time, as ISO 8601 says), "-1h"-style offsets before now,
 * "now", "@SECONDS". Outside input: every field is range-checked, nothing is left over.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <string.h>
#include <time.h>
#include "history/history.h"

/* Exactly @n digits at *p into *v; moves *p. */
static bool digits(const char **p, int n, int *v)
{
	*v = 0;
	for (int i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		*v = *v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	return true;
}

static int relative(const char *s, __s64 now, __s64 *out, const char **why)
{
	static const struct { char c; __s64 s; } units[] = {
		{ 's', 1 }, { 'm', 60 }, { 'h', 3600 }, { 'd', 86400 }, { 'w', 604800 },
	};
	const char *p = s + 1;
	__s64 n = 0;

	if (!isdigit((unsigned char)*p))
		goto bad;
	while (isdigit((unsigned char)*p)) {
		n = n * 10 + (*p++ - '0');
		if (n > 100000000) {
			*why = "that offset is too far back (more than 10^8 units)";
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (p[0] == units[i].c && !p[1]) {
			*out = now - n * units[i].s;
			return 0;
		}
	}
bad:
	*why = "an offset is a minus, a number and one of s, m, h, d, w (-90s, -1h, -7d)";
	return -EINVAL;
}

static int epoch(const char *s, __s64 *out, const char **why)
{
	const char *p = s + 1;
	__s64 n = 0;

	if (!*p)
		goto bad;
	for (; *p; p++) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		n = n * 10 + (*p - '0');
		if (n > 253402300799LL) /* 9999-12-31T23:59:59Z */
			goto bad;
	}
	*out = n;
	return 0;
bad:
	*why = "@SECONDS is a Unix time: @ and up to 253402300799";
	return -EINVAL;
}

/* "Z", "+HH:MM", "-HHMM", "+HH", or nothing (local time): seconds east of UTC. */
static int zone(const char *p, bool *local, int *east)
{
	int h, m = 0, sign;

	*local = false;
	*east = 0;
	if (!*p) {
		*local = true;
		return 0;
	}
	if (!strcmp(p, "Z") || !strcmp(p, "z"))
		return 0;
	if (*p != '+' && *p != '-')
		return -EINVAL;
	sign = *p++ == '-' ? -1 : 1;
	if (!digits(&p, 2, &h) || h > 23)
		return -EINVAL;
	if (*p == ':')
		p++;
	if (*p && (!digits(&p, 2, &m) || m > 59))
		return -EINVAL;
	if (*p)
		return -EINVAL;
	*east = sign * (h * 3600 + m * 60);
	return 0;
}

static bool leap(int y)
{
	return (y % 4 == 0 && y % 100) || y % 400 == 0;
}

static int iso(const char *s, __s64 *out, const char **why)
{
	static const int mdays[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	const char *p = s;
	int y, mo, d, h = 0, mi = 0, sec = 0, east;
	struct tm tm = { 0 };
	bool local;
	time_t t;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) || *p++ != '-' ||
	    !digits(&p, 2, &d))
		goto bad;
	if (y < 1970 || mo < 1 || mo > 12 || d < 1 ||
	    d > mdays[mo - 1] + (mo == 2 && leap(y))) {
		*why = "no such date";
		return -EINVAL;
	}
	if (*p == 'T' || *p == 't' || *p == ' ') {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			goto bad;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				goto bad;
			if (*p == '.' || *p == ',') /* fractions of a second: dropped */
				for (p++; isdigit((unsigned char)*p); p++)
					;
		}
		if (h > 23 || mi > 59 || sec > 60) {
			*why = "no such time of day";
			return -EINVAL;
		}
	}
	if (zone(p, &local, &east))
		goto bad;
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	tm.tm_isdst = -1;
	t = local ? mktime(&tm) : timegm(&tm);
	if (t == (time_t)-1 && local) {
		*why = "that local time does not exist";
		return -EINVAL;
	}
	*out = (__s64)t - east;
	return 0;
bad:
	*why = "expected ISO 8601 (2026-12-07, 2026-12-07T10:00, 2026-12-07T10:00:05Z, "
	       "...+01:00), an offset (-1h, -30m, -7d), now or @SECONDS";
	return -EINVAL;
}

int pl_time_arg(const char *s, __s64 now, __s64 *out, const char **why)
{
	if (!s || !*s) {
		*why = "empty time";
		return -EINVAL;
	}
	if (!strcmp(s, "now")) {
		*out = now;
		return 0;
	}
	if (s[0] == '-')
		return relative(s, now, out, why);
	if (s[0] == '@')
		return epoch(s, out, why);
	return iso(s, out, why);
}
