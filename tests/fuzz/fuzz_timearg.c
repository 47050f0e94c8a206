// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_timearg.c - the --since/--until parser of pktlens query (src/history/timearg.c)
 * and the query string of GET /api/v1/history/... (src/history/hparams.c), under a zone
 * with daylight saving. Input starting with '?' is a query string ("k=v&k"), split as
 * libmicrohttpd hands it over; with '!' the same of GET /api/v1/alerts (src/serve/
 * alerts_q.c); anything else is one time. A refusal must give a reason.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "history/history.h"
#include "serve/query.h"

static void query(char *s)
{
	char why[256], *save = NULL;
	unsigned int seen = 0;
	struct pl_hq q;

	pl_hq_init(&q, PL_HQ_FLOWS, 1796637600LL);
	for (char *kv = strtok_r(s, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq++ = '\0';
		why[0] = '\0';
		if (pl_hq_param(&q, &seen, kv, eq, 1796637600LL, why, sizeof(why))) {
			if (!why[0])
				abort();
			return;
		}
	}
	if (pl_hq_check(&q, why, sizeof(why)) && !why[0])
		abort();
	if (q.top < 1 || q.top > PL_HQ_API_TOP_MAX || (q.ifname && strlen(q.ifname) > 15))
		abort();
}

static void alerts_query(char *s)
{
	char why[256], *save = NULL;
	struct pl_alerts_query q;

	pl_alerts_query_init(&q);
	for (char *kv = strtok_r(s, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
		char *eq = strchr(kv, '=');

		if (eq)
			*eq++ = '\0';
		why[0] = '\0';
		if (pl_alerts_param(&q, kv, eq, 1796637600LL, 1000, why, sizeof(why))) {
			if (!why[0])
				abort();
			return;
		}
	}
	if (q.limit < 1 || q.limit > 1000 || q.severity > 3 || strlen(q.ifname) > 15)
		abort();
}

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
	if (s[0] == '?') {
		query(s + 1);
		return 0;
	}
	if (s[0] == '!') {
		alerts_query(s + 1);
		return 0;
	}
	if (pl_time_arg(s, 1796637600LL, &t, &why) && !why)
		abort();
	return 0;
}
