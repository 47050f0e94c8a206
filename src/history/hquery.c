// SPDX-License-Identifier: BSD-2-Clause
/*
 * hquery.c - `pktlens query`: the common questions answered from the history alone
 * (no daemon needed): the minutes of a time range, the flows that ended in it, the
 * addresses that sent the most in those flows, and the alerts. A text table, or JSON.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include <sqlite3.h>
#include "analysis/names.h"
#include "history/history.h"
#include "util/json_text.h"

static const char *utc(__s64 s, char *buf, size_t len)
{
	time_t t = (time_t)s;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, len, "@%lld", (long long)s);
	return buf;
}

static const char *utc_ms(__s64 ms, char *buf, size_t len)
{
	char s[32];

	utc(ms / 1000, s, sizeof(s));
	s[strlen(s) - 1] = '\0'; /* the Z goes after the milliseconds */
	snprintf(buf, len, "%s.%03dZ", s, (int)(ms % 1000));
	return buf;
}

static const char *const sql_minutes =
	"SELECT interface, minute, packets, bytes, malformed, flows_new, evictions, "
	"flows_unseen FROM minutes WHERE minute + 60 > ?1 AND minute <= ?2 "
	"AND (?3 IS NULL OR interface = ?3) ORDER BY %s LIMIT ?4";
static const char *const sql_classes =
	"SELECT layer, class, packets, bytes FROM minute_classes WHERE interface = ?1 AND "
	"minute = ?2 ORDER BY layer, packets DESC, class";
static const char *const sql_flows =
	"SELECT interface, proto, src, sport, dst, dport, vlan, packets_fwd, bytes_fwd, "
	"packets_rev, bytes_rev, first_seen, last_seen, tcp_flags, state, ended, application, "
	"category, l7_name, l7_name_kind, %s FROM flows "
	"WHERE last_seen >= ?1 * 1000 AND first_seen < (?2 + 1) * 1000 "
	"AND (?3 IS NULL OR interface = ?3) "
	"ORDER BY bytes_fwd + bytes_rev DESC, packets_fwd + packets_rev DESC, id LIMIT ?4";
static const char *const sql_talkers =
	"WITH f AS (SELECT * FROM flows WHERE last_seen >= ?1 * 1000 AND "
	"first_seen < (?2 + 1) * 1000 AND (?3 IS NULL OR interface = ?3)) "
	"SELECT addr, sum(p), sum(b), count(*) FROM ("
	" SELECT src AS addr, packets_fwd AS p, bytes_fwd AS b FROM f"
	" UNION ALL SELECT dst, packets_rev, bytes_rev FROM f WHERE packets_rev > 0) "
	"GROUP BY addr ORDER BY 3 DESC, 2 DESC, 1 LIMIT ?4";

/* The application mix of the flows in the range; NULL (not classified, L7 off) is
 * nDPI's Unknown. */
static const char *const sql_apps =
	"SELECT coalesce(application, 'Unknown'), sum(packets_fwd + packets_rev), "
	"sum(bytes_fwd + bytes_rev), count(*) FROM flows WHERE last_seen >= ?1 * 1000 AND "
	"first_seen < (?2 + 1) * 1000 AND (?3 IS NULL OR interface = ?3) "
	"GROUP BY 1 ORDER BY 3 DESC, 2 DESC, 1 LIMIT ?4";

/* The alerts alive in the range, newest first. */
static const char *const sql_alerts =
	"SELECT interface, first_seen, last_seen, gid, sid, rev, severity, signature, category, "
	"proto, src, sport, dst, dport, updates, state, evidence FROM alerts "
	"WHERE last_seen >= ?1 * 1000 AND first_seen < (?2 + 1) * 1000 "
	"AND (?3 IS NULL OR interface = ?3) ORDER BY first_seen DESC, id DESC LIMIT ?4";
/* The TCP columns of flows (schema 4); a file of an older schema, read-only, has none. */
static const char *const tcp_cols =
	"rtt_samples, rtt_min_us, rtt_avg_us, rtt_max_us, handshake_rtt_us, tcp_retransmits, "
	"tcp_out_of_order, tcp_duplicate_acks, tcp_zero_windows, tcp_resets_client, "
	"tcp_resets_server";
static const char *const tcp_none =
	"NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL";

#define I64(st, i) ((long long)sqlite3_column_int64(st, i))
#define TXT(st, i) ((const char *)sqlite3_column_text(st, i))

static void jadd_i(struct json_object *o, const char *k, long long v)
{
	json_object_object_add(o, k, json_object_new_int64(v));
}

static void jadd_s(struct json_object *o, const char *k, const char *v)
{
	json_object_object_add(o, k, pl_json_text(v ? v : "", v ? strlen(v) : 0, PL_JSON_BAD_FFFD));
}

/* {"l3": {class: {packets, bytes}}, "l4": ..., "malformed_by_reason": {class: packets}}. */
static int minute_classes(struct sqlite3 *db, const char *ifname, long long minute,
			  struct json_object *row)
{
	struct json_object *by[3] = { json_object_new_object(), json_object_new_object(),
				      json_object_new_object() };
	static const char *const layers[3] = { "l3", "l4", "malformed" };
	sqlite3_stmt *st;
	int rc = sqlite3_prepare_v2(db, sql_classes, -1, &st, NULL);

	if (!rc) {
		sqlite3_bind_text(st, 1, ifname, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(st, 2, minute);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			for (int l = 0; l < 3; l++) {
				struct json_object *c;

				if (strcmp(TXT(st, 0), layers[l]))
					continue;
				if (l == 2) {
					jadd_i(by[l], TXT(st, 1), I64(st, 2));
					continue;
				}
				c = json_object_new_object();
				jadd_i(c, "packets", I64(st, 2));
				jadd_i(c, "bytes", I64(st, 3));
				json_object_object_add(by[l], TXT(st, 1), c);
			}
		}
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		sqlite3_finalize(st);
	}
	json_object_object_add(row, "l3", by[0]);
	json_object_object_add(row, "l4", by[1]);
	json_object_object_add(row, "malformed_by_reason", by[2]); /* "malformed": the total */
	return rc;
}

static int minutes_row(struct sqlite3 *db, sqlite3_stmt *st, const struct pl_hq *q, FILE *out,
		       struct json_object *arr)
{
	char t[32];
	struct json_object *o;

	if (!q->json) {
		fprintf(out, "%-20s %-15s %12lld %15lld %9lld %9lld %9lld %9lld\n",
			utc(I64(st, 1), t, sizeof(t)), TXT(st, 0), I64(st, 2), I64(st, 3),
			I64(st, 4), I64(st, 5), I64(st, 6), I64(st, 7));
		return 0;
	}
	o = json_object_new_object();
	jadd_s(o, "minute", utc(I64(st, 1), t, sizeof(t)));
	jadd_i(o, "minute_unix", I64(st, 1));
	jadd_s(o, "interface", TXT(st, 0));
	jadd_i(o, "packets", I64(st, 2));
	jadd_i(o, "bytes", I64(st, 3));
	jadd_i(o, "malformed", I64(st, 4));
	jadd_i(o, "flows_new", I64(st, 5));
	jadd_i(o, "evictions", I64(st, 6));
	jadd_i(o, "flows_unseen", I64(st, 7));
	json_object_array_add(arr, o);
	return minute_classes(db, TXT(st, 0), I64(st, 1), o);
}

#define NUL(st, i) (sqlite3_column_type(st, i) == SQLITE_NULL)
#define DBL(st, i) sqlite3_column_double(st, i)

static void jadd_d(struct json_object *o, const char *k, double v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%.3f", v);
	json_object_object_add(o, k, json_object_new_double_s(v, buf));
}

/* The row's TCP RTT and health (columns 20-30), as GET /api/v1/flows names them. */
static struct json_object *tcp_json(sqlite3_stmt *st)
{
	struct json_object *o = json_object_new_object(), *r;

	if (!NUL(st, 21)) {
		r = json_object_new_object();
		jadd_d(r, "min", DBL(st, 21));
		jadd_d(r, "avg", DBL(st, 22));
		jadd_d(r, "max", DBL(st, 23));
		jadd_i(r, "samples", I64(st, 20));
		json_object_object_add(o, "rtt_us", r);
	} else {
		json_object_object_add(o, "rtt_us", NULL);
	}
	if (NUL(st, 24))
		json_object_object_add(o, "handshake_rtt_us", NULL);
	else
		jadd_d(o, "handshake_rtt_us", DBL(st, 24));
	jadd_i(o, "retransmitted_segments", I64(st, 25));
	jadd_i(o, "out_of_order_segments", I64(st, 26));
	jadd_i(o, "duplicate_acks", I64(st, 27));
	jadd_i(o, "zero_window", I64(st, 28));
	jadd_i(o, "resets_by_client", I64(st, 29));
	jadd_i(o, "resets_by_server", I64(st, 30));
	return o;
}

static int flows_row(struct sqlite3 *db, sqlite3_stmt *st, const struct pl_hq *q, FILE *out,
		     struct json_object *arr)
{
	const char *pn = pl_proto_name((unsigned int)I64(st, 1));
	char t1[40], t2[40], e1[72], e2[72], p[8], fl[16], rtt[24] = "-";
	struct json_object *o;

	(void)db;
	snprintf(p, sizeof(p), "%s", pn ? pn : "");
	if (!pn)
		snprintf(p, sizeof(p), "%lld", I64(st, 1));
	if (!q->json) {
		snprintf(e1, sizeof(e1), "%s.%lld", TXT(st, 2), I64(st, 3));
		snprintf(e2, sizeof(e2), "%s.%lld", TXT(st, 4), I64(st, 5));
		if (!NUL(st, 22)) /* the mean RTT */
			snprintf(rtt, sizeof(rtt), "%.3f", DBL(st, 22) / 1e3);
		fprintf(out, "%-24s %-24s %-6s %-30s %-30s %10lld %12lld %10lld %12lld %9s %-14s "
			"%s\n",
			utc_ms(I64(st, 11), t1, sizeof(t1)), utc_ms(I64(st, 12), t2, sizeof(t2)),
			p, e1, e2, I64(st, 7), I64(st, 8), I64(st, 9), I64(st, 10), rtt,
			TXT(st, 14), TXT(st, 15));
		return 0;
	}
	o = json_object_new_object();
	jadd_s(o, "interface", TXT(st, 0));
	jadd_s(o, "proto", p);
	jadd_s(o, "src", TXT(st, 2));
	jadd_i(o, "sport", I64(st, 3));
	jadd_s(o, "dst", TXT(st, 4));
	jadd_i(o, "dport", I64(st, 5));
	jadd_i(o, "vlan", I64(st, 6));
	jadd_i(o, "packets", I64(st, 7));
	jadd_i(o, "bytes", I64(st, 8));
	jadd_i(o, "packets_reply", I64(st, 9));
	jadd_i(o, "bytes_reply", I64(st, 10));
	jadd_s(o, "first_seen", utc_ms(I64(st, 11), t1, sizeof(t1)));
	jadd_s(o, "last_seen", utc_ms(I64(st, 12), t2, sizeof(t2)));
	if (I64(st, 1) == 6) {
		jadd_s(o, "tcp_flags", pl_tcp_flags_str(I64(st, 13) & 0xff, fl));
		jadd_s(o, "tcp_flags_reply", pl_tcp_flags_str((I64(st, 13) >> 8) & 0xff, fl));
	}
	jadd_s(o, "state", TXT(st, 14));
	jadd_s(o, "ended", TXT(st, 15));
	/* L7: only what the row has (NULL: not classified, or L7 off). */
	if (TXT(st, 16))
		jadd_s(o, "application", TXT(st, 16));
	if (TXT(st, 17))
		jadd_s(o, "category", TXT(st, 17));
	if (TXT(st, 18) && TXT(st, 19)) {
		jadd_s(o, "l7_name", TXT(st, 18));
		jadd_s(o, "l7_name_kind", TXT(st, 19));
	}
	if (!NUL(st, 20)) /* TCP RTT and health (serve without --no-tcp) */
		json_object_object_add(o, "tcp", tcp_json(st));
	json_object_array_add(arr, o);
	return 0;
}

/* A row of a top list: a name (padded to @w in text), packets, bytes, flows. */
static int top_row(sqlite3_stmt *st, const struct pl_hq *q, FILE *out, struct json_object *arr,
		   const char *key, int w)
{
	struct json_object *o;

	if (!q->json) {
		fprintf(out, "%-*s %12lld %15lld %8lld\n", w, TXT(st, 0), I64(st, 1), I64(st, 2),
			I64(st, 3));
		return 0;
	}
	o = json_object_new_object();
	jadd_s(o, key, TXT(st, 0));
	jadd_i(o, "packets", I64(st, 1));
	jadd_i(o, "bytes", I64(st, 2));
	jadd_i(o, "flows", I64(st, 3));
	json_object_array_add(arr, o);
	return 0;
}

static int apps_row(struct sqlite3 *db, sqlite3_stmt *st, const struct pl_hq *q, FILE *out,
		    struct json_object *arr)
{
	(void)db;
	return top_row(st, q, out, arr, "application", 32);
}

static int talkers_row(struct sqlite3 *db, sqlite3_stmt *st, const struct pl_hq *q, FILE *out,
		       struct json_object *arr)
{
	(void)db;
	return top_row(st, q, out, arr, "addr", 40);
}

static int alerts_row(struct sqlite3 *db, sqlite3_stmt *st, const struct pl_hq *q, FILE *out,
		      struct json_object *arr)
{
	const char *pn = pl_proto_name((unsigned int)I64(st, 9));
	char t1[40], t2[40], p[8];
	struct json_object *o, *ev;

	(void)db;
	snprintf(p, sizeof(p), "%s", pn ? pn : "");
	if (!pn)
		snprintf(p, sizeof(p), "%lld", I64(st, 9));
	if (!q->json) {
		fprintf(out, "%-24s %-24s %-8s %8lld %3lld %-5s %-40s %-40s %7lld %-8s %s\n",
			utc_ms(I64(st, 1), t1, sizeof(t1)), utc_ms(I64(st, 2), t2, sizeof(t2)),
			TXT(st, 0), I64(st, 4), I64(st, 6), p, TXT(st, 10), TXT(st, 12),
			I64(st, 14), TXT(st, 15), TXT(st, 7));
		return 0;
	}
	o = json_object_new_object();
	jadd_s(o, "interface", TXT(st, 0));
	jadd_s(o, "first_seen", utc_ms(I64(st, 1), t1, sizeof(t1)));
	jadd_s(o, "last_seen", utc_ms(I64(st, 2), t2, sizeof(t2)));
	jadd_i(o, "gid", I64(st, 3));
	jadd_i(o, "signature_id", I64(st, 4));
	jadd_i(o, "rev", I64(st, 5));
	jadd_i(o, "severity", I64(st, 6));
	jadd_s(o, "signature", TXT(st, 7));
	jadd_s(o, "category", TXT(st, 8));
	jadd_s(o, "proto", p);
	jadd_s(o, "src_ip", TXT(st, 10));
	jadd_i(o, "src_port", I64(st, 11));
	jadd_s(o, "dest_ip", TXT(st, 12));
	jadd_i(o, "dest_port", I64(st, 13));
	jadd_i(o, "updates", I64(st, 14));
	jadd_s(o, "state", TXT(st, 15));
	/* The evidence as the EVE alert's "pktlens" object; text that is not JSON is left out. */
	ev = TXT(st, 16) ? json_tokener_parse(TXT(st, 16)) : NULL;
	if (ev)
		json_object_object_add(o, "pktlens", ev);
	json_object_array_add(arr, o);
	return 0;
}

static const struct kind {
	const char *name;
	const char *header;
	int (*row)(struct sqlite3 *, sqlite3_stmt *, const struct pl_hq *, FILE *,
		   struct json_object *);
} kinds[] = {
	[PL_HQ_TOP_TALKERS] = { "top_talkers", "%-40s %12s %15s %8s\n", talkers_row },
	[PL_HQ_FLOWS] = { "flows",
			  "%-24s %-24s %-6s %-30s %-30s %10s %12s %10s %12s %9s %-14s %s\n",
			  flows_row },
	[PL_HQ_MINUTES] = { "minutes", "%-20s %-15s %12s %15s %9s %9s %9s %9s\n", minutes_row },
	[PL_HQ_APPS] = { "apps", "%-32s %12s %15s %8s\n", apps_row },
	[PL_HQ_ALERTS] = { "alerts", "%-24s %-24s %-8s %8s %3s %-5s %-40s %-40s %7s %-8s %s\n",
			   alerts_row },
};

static void header(const struct pl_hq *q, FILE *out)
{
	switch (q->kind) {
	case PL_HQ_TOP_TALKERS:
		fprintf(out, kinds[q->kind].header, "address", "packets", "bytes", "flows");
		break;
	case PL_HQ_FLOWS:
		fprintf(out, kinds[q->kind].header, "first_seen", "last_seen", "proto",
			"initiator", "responder", "packets", "bytes", "pkts_rep", "bytes_rep",
			"rtt_ms", "state", "ended");
		break;
	case PL_HQ_APPS:
		fprintf(out, kinds[q->kind].header, "application", "packets", "bytes", "flows");
		break;
	case PL_HQ_ALERTS:
		fprintf(out, kinds[q->kind].header, "first_seen", "last_seen", "iface", "sid",
			"sev", "proto", "source", "target", "updates", "state", "signature");
		break;
	case PL_HQ_MINUTES:
		fprintf(out, kinds[q->kind].header, "minute", "interface", "packets", "bytes",
			"malformed", "flows_new", "evicted", "unseen");
		break;
	}
}

static int prepare(struct sqlite3 *db, const struct pl_hq *q, sqlite3_stmt **st)
{
	char sql[1024];
	const char *s = q->kind == PL_HQ_APPS ? sql_apps :
			q->kind == PL_HQ_ALERTS ? sql_alerts : sql_talkers;
	long long has = 0;

	if (q->kind == PL_HQ_FLOWS) {
		pl_db_int(db, "SELECT count(*) FROM pragma_table_info('flows') "
			  "WHERE name = 'rtt_samples'", &has);
		snprintf(sql, sizeof(sql), sql_flows, has ? tcp_cols : tcp_none);
		s = sql;
	}

	if (q->kind == PL_HQ_MINUTES) {
		/* --top: the busiest minutes; otherwise every minute in time order. */
		snprintf(sql, sizeof(sql), sql_minutes,
			 q->top ? "bytes DESC, minute, interface" : "minute, interface");
		s = sql;
	}
	return sqlite3_prepare_v2(db, s, -1, st, NULL);
}

int pl_hq_run(struct sqlite3 *db, const struct pl_hq *q, FILE *out, char *why, size_t whylen)
{
	const char *path = sqlite3_db_filename(db, "main");
	struct json_object *root = NULL, *arr = NULL;
	sqlite3_stmt *st = NULL;
	char t[32];
	int rc;

	if (q->kind == PL_HQ_ALERTS) {
		long long have = 0;

		rc = pl_db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'alerts'",
			       &have);
		if (!rc && !have) {
			snprintf(why, whylen, "%s keeps no alerts: a pktlens before they were kept "
				 "wrote it (pktlens serve --db %s migrates it)", path, path);
			return -ENOENT;
		}
	}
	rc = prepare(db, q, &st);
	if (rc)
		return pl_db_err(db, rc, path, why, whylen);
	sqlite3_bind_int64(st, 1, q->since);
	sqlite3_bind_int64(st, 2, q->until);
	if (q->ifname)
		sqlite3_bind_text(st, 3, q->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, q->top ? (sqlite3_int64)q->top : -1);
	if (q->json) {
		root = json_object_new_object();
		arr = json_object_new_array();
		jadd_s(root, "query", kinds[q->kind].name);
		jadd_s(root, "since", utc(q->since, t, sizeof(t)));
		jadd_s(root, "until", utc(q->until, t, sizeof(t)));
		json_object_object_add(root, q->kind == PL_HQ_TOP_TALKERS ? "talkers" :
					     q->kind == PL_HQ_APPS ? "applications" :
					     kinds[q->kind].name, arr);
	} else {
		header(q, out);
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		if ((rc = kinds[q->kind].row(db, st, q, out, arr)))
			break;
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_OK) {
		json_object_put(root);
		return pl_db_err(db, rc, path, why, whylen);
	}
	if (root) {
		fprintf(out, "%s\n", json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
								     JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(root);
	}
	if (fflush(out) || ferror(out)) {
		snprintf(why, whylen, "writing the answer: %s", strerror(errno));
		return -EIO;
	}
	return 0;
}
