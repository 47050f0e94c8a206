// SPDX-License-Identifier: BSD-2-Clause
/*
 * collect.c - what the report shows, read from the history: totals, the per-minute
 * series (buckets of several minutes for long ranges, so that a chart has at most
 * PL_REP_POINTS points), classes, malformed reasons, interfaces, talkers and flows.
 * The range is the same as `pktlens query`'s: minutes that overlap it, flows that were
 * alive in it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "report/report.h"

#define PL_REP_POINTS 720

int pl_rep_prep(struct sqlite3 *db, const char *sql, const struct pl_rep_opts *o,
		sqlite3_stmt **st)
{
	int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);

	if (rc)
		return rc;
	sqlite3_bind_int64(*st, 1, o->since);
	sqlite3_bind_int64(*st, 2, o->until);
	if (o->ifname)
		sqlite3_bind_text(*st, 3, o->ifname, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(*st, 3);
	return 0;
}

#define MIN_WHERE "minute + 60 > ?1 AND minute <= ?2 AND (?3 IS NULL OR interface = ?3)"
#define FLOW_WHERE "last_seen >= ?1 * 1000 AND first_seen < (?2 + 1) * 1000 " \
		   "AND (?3 IS NULL OR interface = ?3)"

static __u64 u64(sqlite3_stmt *st, int i)
{
	long long v = sqlite3_column_int64(st, i);

	return v > 0 ? (__u64)v : 0;
}

static void cpy(char *dst, size_t len, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	snprintf(dst, len, "%s", s ? s : "");
}

static int totals(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r)
{
	sqlite3_stmt *st;
	int rc = pl_rep_prep(db, "SELECT min(minute), max(minute), sum(packets), sum(bytes), "
		      "sum(malformed), sum(flows_new), sum(evictions), sum(flows_unseen) FROM "
		      "minutes WHERE " MIN_WHERE, o, &st);

	if (rc)
		return rc;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		r->first = sqlite3_column_int64(st, 0);
		r->last = sqlite3_column_int64(st, 1);
		r->packets = u64(st, 2);
		r->bytes = u64(st, 3);
		r->malformed = u64(st, 4);
		r->flows_new = u64(st, 5);
		r->evictions = u64(st, 6);
		r->unseen = u64(st, 7);
		rc = 0;
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	rc = pl_rep_prep(db, "SELECT sum(packets) FROM minute_classes WHERE " MIN_WHERE
		  " AND layer = 'drop'", o, &st);
	if (rc)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->kdrops_total = u64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	if (rc)
		return rc;
	rc = pl_rep_prep(db, "SELECT count(*) FROM flows WHERE " FLOW_WHERE, o, &st);
	if (rc)
		return rc;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->flows_written = u64(st, 0);
		rc = 0;
	}
	sqlite3_finalize(st);
	return rc;
}

static int series(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r)
{
	__s64 span = r->last - r->first + 60;
	sqlite3_stmt *st;
	int rc;

	if (!r->first && !r->last)
		return 0;
	r->bucket_s = 60 * (unsigned int)((span / 60 + PL_REP_POINTS - 1) / PL_REP_POINTS);
	r->npts = (size_t)((span + r->bucket_s - 1) / r->bucket_s);
	r->pts = calloc(r->npts, sizeof(*r->pts));
	if (!r->pts)
		return SQLITE_NOMEM;
	for (size_t i = 0; i < r->npts; i++)
		r->pts[i].t = r->first + (__s64)i * r->bucket_s;
	rc = pl_rep_prep(db, "SELECT minute, packets, bytes, flows_new, malformed, evictions, "
		  "flows_unseen FROM minutes WHERE " MIN_WHERE, o, &st);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		size_t i = (size_t)((sqlite3_column_int64(st, 0) - r->first) / r->bucket_s);
		struct pl_rep_point *p = &r->pts[i < r->npts ? i : r->npts - 1];

		p->packets += u64(st, 1);
		p->bytes += u64(st, 2);
		p->flows_new += u64(st, 3);
		p->malformed += u64(st, 4);
		p->evictions += u64(st, 5);
		p->unseen += u64(st, 6);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	/* The kernel's drops: minute_classes rows of layer 'drop', with or without a minute. */
	rc = pl_rep_prep(db, "SELECT minute, sum(packets) FROM minute_classes WHERE " MIN_WHERE
		  " AND layer = 'drop' GROUP BY minute", o, &st);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		__s64 t = sqlite3_column_int64(st, 0);

		if (t < r->first || t > r->last)
			continue; /* outside the minutes drawn */
		r->pts[(size_t)((t - r->first) / r->bucket_s)].kdrops += u64(st, 1);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : rc;
}

/* Rows of (name, packets, bytes[, count]) from @sql into *rows. */
static int rows(struct sqlite3 *db, const struct pl_rep_opts *o, const char *sql, bool limit,
		struct pl_rep_row **out, size_t *n)
{
	size_t cap = 0;
	sqlite3_stmt *st;
	int rc = pl_rep_prep(db, sql, o, &st);

	if (rc)
		return rc;
	if (limit)
		sqlite3_bind_int64(st, 4, o->top ? (long long)o->top : -1);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (*n == cap) {
			struct pl_rep_row *p = realloc(*out, (cap ? 2 * cap : 16) * sizeof(*p));

			if (!p) {
				rc = SQLITE_NOMEM;
				break;
			}
			*out = p;
			cap = cap ? 2 * cap : 16;
		}
		memset(&(*out)[*n], 0, sizeof(**out));
		cpy((*out)[*n].name, sizeof((*out)[*n].name), st, 0);
		(*out)[*n].packets = u64(st, 1);
		(*out)[*n].bytes = u64(st, 2);
		if (sqlite3_column_count(st) > 3)
			(*out)[*n].count = u64(st, 3);
		(*n)++;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? 0 : rc;
}

static int flows(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r)
{
	sqlite3_stmt *st;
	int rc = pl_rep_prep(db, "SELECT interface, proto, src, sport, dst, dport, "
		      "packets_fwd + packets_rev, bytes_fwd + bytes_rev, first_seen, last_seen, "
		      "state, ended FROM flows WHERE " FLOW_WHERE " ORDER BY 8 DESC, 7 DESC, id "
		      "LIMIT ?4", o, &st);

	if (rc)
		return rc;
	sqlite3_bind_int64(st, 4, o->top);
	r->flows = calloc(o->top ? o->top : 1, sizeof(*r->flows));
	if (!r->flows) {
		sqlite3_finalize(st);
		return SQLITE_NOMEM;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->nflows < o->top) {
		struct pl_rep_flow *f = &r->flows[r->nflows++];

		cpy(f->ifname, sizeof(f->ifname), st, 0);
		f->proto = (unsigned int)u64(st, 1);
		cpy(f->src, sizeof(f->src), st, 2);
		f->sport = (unsigned int)u64(st, 3);
		cpy(f->dst, sizeof(f->dst), st, 4);
		f->dport = (unsigned int)u64(st, 5);
		f->packets = u64(st, 6);
		f->bytes = u64(st, 7);
		f->first_ms = sqlite3_column_int64(st, 8);
		f->last_ms = sqlite3_column_int64(st, 9);
		cpy(f->state, sizeof(f->state), st, 10);
		cpy(f->ended, sizeof(f->ended), st, 11);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : rc;
}

static const char sql_ifs[] =
	"SELECT interface, sum(packets), sum(bytes), count(*) FROM minutes WHERE " MIN_WHERE
	" GROUP BY interface ORDER BY 3 DESC, 1";
static const char sql_l3[] =
	"SELECT class, sum(packets), sum(bytes) FROM minute_classes WHERE " MIN_WHERE
	" AND layer = 'l3' GROUP BY class ORDER BY 2 DESC, 1";
static const char sql_l4[] =
	"SELECT class, sum(packets), sum(bytes) FROM minute_classes WHERE " MIN_WHERE
	" AND layer = 'l4' GROUP BY class ORDER BY 2 DESC, 1";
static const char sql_bad[] =
	"SELECT class, sum(packets), sum(bytes) FROM minute_classes WHERE " MIN_WHERE
	" AND layer = 'malformed' GROUP BY class ORDER BY 2 DESC, 1";
static const char sql_kreasons[] =
	"SELECT class, sum(packets), 0 FROM minute_classes WHERE " MIN_WHERE
	" AND layer = 'drop' GROUP BY class ORDER BY 2 DESC, 1";
static const char sql_kdrops[] =
	"SELECT interface || ' ' || class, sum(packets), 0 FROM minute_classes WHERE " MIN_WHERE
	" AND layer = 'drop' GROUP BY interface, class ORDER BY 2 DESC, 1";
/* The addresses that sent most: pktlens query top-talkers's definition. */
static const char sql_talkers[] =
	"WITH f AS (SELECT * FROM flows WHERE " FLOW_WHERE ") "
	"SELECT addr, sum(p), sum(b), count(*) FROM ("
	" SELECT src AS addr, packets_fwd AS p, bytes_fwd AS b FROM f"
	" UNION ALL SELECT dst, packets_rev, bytes_rev FROM f WHERE packets_rev > 0) "
	"GROUP BY addr ORDER BY 3 DESC, 2 DESC, 1 LIMIT ?4";

/* The application mix of the flows L7 classified (serve's, or -r's). */
static const char sql_apps[] =
	"SELECT application, sum(packets_fwd + packets_rev), sum(bytes_fwd + bytes_rev), "
	"count(*) FROM flows WHERE " FLOW_WHERE " AND application IS NOT NULL "
	"GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT ?4";

int pl_rep_collect(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r, char *why,
		   size_t whylen)
{
	int rc;

	memset(r, 0, sizeof(*r));
	rc = totals(db, o, r);
	if (!rc)
		rc = series(db, o, r);
	if (!rc)
		rc = rows(db, o, sql_ifs, false, &r->ifs, &r->nifs);
	if (!rc)
		rc = rows(db, o, sql_l3, false, &r->l3, &r->nl3);
	if (!rc)
		rc = rows(db, o, sql_l4, false, &r->l4, &r->nl4);
	if (!rc)
		rc = rows(db, o, sql_bad, false, &r->bad, &r->nbad);
	if (!rc)
		rc = rows(db, o, sql_kreasons, false, &r->kreasons, &r->nkreasons);
	if (!rc)
		rc = rows(db, o, sql_kdrops, false, &r->kdrops, &r->nkdrops);
	if (!rc)
		rc = rows(db, o, sql_talkers, true, &r->talkers, &r->ntalkers);
	if (!rc)
		rc = flows(db, o, r);
	if (!rc)
		rc = rows(db, o, sql_apps, true, &r->apps, &r->napps);
	if (!rc)
		rc = pl_rep_alerts(db, o, r);
	if (!rc)
		rc = pl_rep_rtt_collect(db, o, r);
	if (rc)
		return pl_db_err(db, rc, o->db_path, why, whylen);
	return 0;
}

void pl_rep_free(struct pl_rep *r)
{
	free(r->pts);
	free(r->ifs);
	free(r->l3);
	free(r->l4);
	free(r->bad);
	free(r->talkers);
	free(r->kreasons);
	free(r->kdrops);
	free(r->flows);
	free(r->apps);
	free(r->alerts);
	memset(r, 0, sizeof(*r));
}
