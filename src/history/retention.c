// SPDX-License-Identifier: BSD-2-Clause
/*
 * retention.c - trim the history by age (rows older than --retention-days) and by size
 * (the oldest tenth of the time span at a time until the live pages fit --max-db-mb),
 * then hand the freed pages back to the file system (incremental vacuum).
 */
#include <errno.h>
#include <stdio.h>
#include <sqlite3.h>
#include "history/history.h"

/* Rows older than @cut (Unix seconds) out of every table, in one transaction. */
static long cut_before(struct sqlite3 *db, __s64 cut, int *rc)
{
	static const char *const sql[] = {
		"DELETE FROM minutes WHERE minute < ?1",
		"DELETE FROM minute_classes WHERE minute < ?1",
		"DELETE FROM flows WHERE last_seen < ?1 * 1000",
		"DELETE FROM alerts WHERE last_seen < ?1 * 1000",
	};
	long n = 0;

	*rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; !*rc && i < sizeof(sql) / sizeof(sql[0]); i++) {
		sqlite3_stmt *st;

		*rc = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL);
		if (*rc)
			break;
		sqlite3_bind_int64(st, 1, cut);
		*rc = sqlite3_step(st) == SQLITE_DONE ? SQLITE_OK : sqlite3_errcode(db);
		sqlite3_finalize(st);
		if (!*rc)
			n += sqlite3_changes(db);
	}
	if (!*rc)
		*rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (*rc && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	return *rc ? -1 : n;
}

/* Bytes the rows take (pages in use, free pages not counted). */
static int used_bytes(struct sqlite3 *db, long long *out)
{
	long long pages, free_pages, size;
	int rc = pl_db_int(db, "PRAGMA page_count", &pages);

	if (!rc)
		rc = pl_db_int(db, "PRAGMA freelist_count", &free_pages);
	if (!rc)
		rc = pl_db_int(db, "PRAGMA page_size", &size);
	if (!rc)
		*out = (pages - free_pages) * size;
	return rc;
}

static int oldest(struct sqlite3 *db, __s64 *t)
{
	long long m = 0, f = 0, a = 0, any = 0;
	int rc = pl_db_int(db, "SELECT (SELECT count(*) FROM minutes) + "
			   "(SELECT count(*) FROM flows) + (SELECT count(*) FROM alerts)", &any);

	if (!rc)
		rc = pl_db_int(db, "SELECT coalesce(min(minute), 9e15) FROM minutes", &m);
	if (!rc)
		rc = pl_db_int(db, "SELECT coalesce(min(last_seen) / 1000, 9e15) FROM flows", &f);
	if (!rc)
		rc = pl_db_int(db, "SELECT coalesce(min(last_seen) / 1000, 9e15) FROM alerts", &a);
	if (m > f)
		m = f;
	*t = any ? (m < a ? m : a) : -1;
	return rc;
}

long pl_hist_trim(struct sqlite3 *db, const struct pl_hist_opts *o, __s64 now, char *why,
		  size_t whylen)
{
	const char *path = sqlite3_db_filename(db, "main");
	long long used = 0, max = (long long)o->max_db_mb << 20;
	long total = 0, n;
	__s64 t0;
	int rc = SQLITE_OK;

	if (o->retention_days) {
		n = cut_before(db, now - (__s64)o->retention_days * 86400, &rc);
		if (rc)
			return pl_db_err(db, rc, path, why, whylen);
		total += n;
	}
	for (int round = 0; max && round < 64; round++) {
		rc = used_bytes(db, &used);
		if (!rc && used > max)
			rc = oldest(db, &t0);
		if (rc || used <= max || t0 < 0)
			break;
		/* A tenth of what is kept, at least a minute. */
		n = cut_before(db, t0 + (now - t0 > 600 ? (now - t0) / 10 : 60), &rc);
		if (rc)
			break;
		total += n;
	}
	if (rc)
		return pl_db_err(db, rc, path, why, whylen);
	if (total)
		sqlite3_exec(db, "PRAGMA incremental_vacuum; PRAGMA wal_checkpoint(TRUNCATE)", NULL,
			     NULL, NULL);
	return total;
}
