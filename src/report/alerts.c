// SPDX-License-Identifier: BSD-2-Clause
/*
 * alerts.c - the report's alerts (serve's detection, the history's alerts table): a
 * timeline as inline SVG (one lane per signature, a bar from each attack's start to
 * its last update) and a table, newest first. A history written before alerts were
 * kept has no table: the page says so.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "report/report.h"

#define W 900.0
#define ML 250.0 /* left margin: the lanes' names */
#define MR 12.0
#define LANE 22.0
#define MB 30.0

static void cpy(char *dst, size_t len, sqlite3_stmt *st, int i)
{
	const char *s = (const char *)sqlite3_column_text(st, i);

	snprintf(dst, len, "%s", s ? s : "");
}

int pl_rep_alerts(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r)
{
	long long have = 0;
	sqlite3_stmt *st;
	int rc = pl_db_int(db, "SELECT count(*) FROM sqlite_master WHERE name = 'alerts'", &have);

	if (rc || !have)
		return rc; /* an older history: no alerts kept */
	r->has_alerts = true;
	rc = sqlite3_prepare_v2(db, "SELECT interface, first_seen, last_seen, sid, severity, "
				"signature, proto, src, sport, dst, dport, updates, state FROM alerts "
				"WHERE last_seen >= ?1 * 1000 AND first_seen < (?2 + 1) * 1000 AND "
				"(?3 IS NULL OR interface = ?3) ORDER BY first_seen DESC, id DESC "
				"LIMIT ?4", -1, &st, NULL);
	if (rc)
		return rc;
	sqlite3_bind_int64(st, 1, o->since);
	sqlite3_bind_int64(st, 2, o->until);
	if (o->ifname)
		sqlite3_bind_text(st, 3, o->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, PL_REP_ALERTS_MAX);
	r->alerts = calloc(PL_REP_ALERTS_MAX, sizeof(*r->alerts));
	if (!r->alerts) {
		sqlite3_finalize(st);
		return SQLITE_NOMEM;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->nalerts < PL_REP_ALERTS_MAX) {
		struct pl_rep_alert *a = &r->alerts[r->nalerts++];

		cpy(a->ifname, sizeof(a->ifname), st, 0);
		a->first_ms = sqlite3_column_int64(st, 1);
		a->last_ms = sqlite3_column_int64(st, 2);
		a->sid = (unsigned int)sqlite3_column_int64(st, 3);
		a->severity = (unsigned int)sqlite3_column_int64(st, 4);
		cpy(a->signature, sizeof(a->signature), st, 5);
		a->proto = (unsigned int)sqlite3_column_int64(st, 6);
		cpy(a->src, sizeof(a->src), st, 7);
		a->sport = (unsigned int)sqlite3_column_int64(st, 8);
		cpy(a->dst, sizeof(a->dst), st, 9);
		a->dport = (unsigned int)sqlite3_column_int64(st, 10);
		a->updates = (__u64)sqlite3_column_int64(st, 11);
		cpy(a->state, sizeof(a->state), st, 12);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : rc;
}

static void utc(FILE *out, __s64 ms, const char *fmt)
{
	time_t tt = (time_t)(ms / 1000);
	struct tm tm;
	char s[40];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), fmt, &tm);
	fputs(s, out);
}

/* The lanes: each signature id once, in the order first met (newest first). */
static size_t lanes(const struct pl_rep *r, unsigned int *sids)
{
	size_t n = 0;

	for (size_t i = 0; i < r->nalerts; i++) {
		size_t k;

		for (k = 0; k < n && sids[k] != r->alerts[i].sid; k++)
			;
		if (k == n)
			sids[n++] = r->alerts[i].sid;
	}
	return n;
}

static const char *lane_name(const struct pl_rep *r, unsigned int sid)
{
	for (size_t i = 0; i < r->nalerts; i++)
		if (r->alerts[i].sid == sid)
			return r->alerts[i].signature;
	return "";
}

static void timeline(FILE *out, const struct pl_rep *r)
{
	unsigned int *sids = calloc(r->nalerts, sizeof(*sids));
	__s64 t0 = r->alerts[0].first_ms, t1 = r->alerts[0].last_ms;
	double pw = W - ML - MR, h;
	size_t nl;

	if (!sids)
		return;
	for (size_t i = 0; i < r->nalerts; i++) {
		t0 = r->alerts[i].first_ms < t0 ? r->alerts[i].first_ms : t0;
		t1 = r->alerts[i].last_ms > t1 ? r->alerts[i].last_ms : t1;
	}
	if (t1 - t0 < 1000) /* at least a second across */
		t1 = t0 + 1000;
	nl = lanes(r, sids);
	h = LANE * (double)nl + MB + 8;
	fprintf(out, "<svg id=\"alert-timeline\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" "
		"role=\"img\" data-alerts=\"%zu\" data-lanes=\"%zu\" "
		"xmlns=\"http://www.w3.org/2000/svg\">\n", W, h, r->nalerts, nl);
	fprintf(out, "<rect class=\"plot\" x=\"%.0f\" y=\"4\" width=\"%.0f\" height=\"%.0f\"/>\n",
		ML, pw, LANE * (double)nl);
	for (size_t k = 0; k < nl; k++) {
		fprintf(out, "<text class=\"label\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">%u ",
			ML - 6, 4 + LANE * (double)k + 15, sids[k]);
		pl_html_text(out, lane_name(r, sids[k]));
		fputs("</text>\n", out);
	}
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct pl_rep_alert *a = &r->alerts[i];
		size_t k;
		double x, w;

		for (k = 0; k < nl && sids[k] != a->sid; k++)
			;
		x = ML + pw * (double)(a->first_ms - t0) / (double)(t1 - t0);
		w = pw * (double)(a->last_ms - a->first_ms) / (double)(t1 - t0);
		fprintf(out, "<rect class=\"alert-bar sev%u\" x=\"%.1f\" y=\"%.0f\" width=\"%.1f\" "
			"height=\"%.0f\" data-sid=\"%u\" data-src=\"", a->severity < 4 ? a->severity : 3,
			x, 4 + LANE * (double)k + 4, w < 3 ? 3 : w, LANE - 8, a->sid);
		pl_html_text(out, a->src);
		fprintf(out, "\" data-first-ms=\"%lld\" data-last-ms=\"%lld\"><title>",
			(long long)a->first_ms, (long long)a->last_ms);
		pl_html_text(out, a->signature);
		fputs(" from ", out);
		pl_html_text(out, a->src);
		fputs("</title></rect>\n", out);
	}
	fprintf(out, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\">", ML, h - 10);
	utc(out, t0, "%Y-%m-%d %H:%M:%S UTC");
	fprintf(out, "</text>\n<text class=\"axis\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">",
		W - MR, h - 10);
	utc(out, t1, "%Y-%m-%d %H:%M:%S UTC");
	fputs("</text>\n</svg>\n", out);
	free(sids);
}

static void td(FILE *out, const char *s)
{
	fputs("<td>", out);
	pl_html_text(out, s);
	fputs("</td>", out);
}

void pl_rep_alerts_html(FILE *out, const struct pl_rep *r)
{
	char b[96];

	fputs("<h2 id=\"alerts\">Alerts</h2>\n<p class=\"meta\">The attacks serve's detection "
	      "alerted (as <code>pktlens query alerts</code>): one bar per attack, from its "
	      "start to its last update, one lane per signature; newest first below.</p>\n", out);
	if (!r->has_alerts) {
		fputs("<p class=\"note\" id=\"alerts-none\">This history keeps no alerts (written "
		      "by a pktlens before they were kept).</p>\n", out);
		return;
	}
	if (!r->nalerts) {
		fputs("<p class=\"note\" id=\"alerts-none\">No alert in this range.</p>\n", out);
		return;
	}
	timeline(out, r);
	fputs("<table id=\"alerts-table\"><tr><th>first</th><th>last</th><th>interface</th>"
	      "<th class=\"n\">sid</th><th class=\"n\">severity</th><th>signature</th>"
	      "<th>source</th><th>target</th><th class=\"n\">updates</th><th>state</th></tr>\n",
	      out);
	for (size_t i = 0; i < r->nalerts; i++) {
		const struct pl_rep_alert *a = &r->alerts[i];
		bool v6 = strchr(a->src, ':') != NULL;

		fputs("<tr class=\"alert-row\"><td>", out);
		utc(out, a->first_ms, "%Y-%m-%d %H:%M:%S UTC");
		fputs("</td><td>", out);
		utc(out, a->last_ms, "%Y-%m-%d %H:%M:%S UTC");
		fputs("</td>", out);
		td(out, a->ifname);
		fprintf(out, "<td class=\"n\" data-value=\"%u\">%u</td><td class=\"n\" "
			"data-value=\"%u\">%u</td>", a->sid, a->sid, a->severity, a->severity);
		td(out, a->signature);
		snprintf(b, sizeof(b), v6 ? "[%s]:%u" : "%s:%u", a->src, a->sport);
		td(out, b);
		snprintf(b, sizeof(b), v6 ? "[%s]:%u" : "%s:%u", a->dst, a->dport);
		td(out, b);
		fprintf(out, "<td class=\"n\" data-value=\"%llu\">%llu</td>",
			(unsigned long long)a->updates, (unsigned long long)a->updates);
		td(out, a->state);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
	if (r->nalerts == PL_REP_ALERTS_MAX)
		fprintf(out, "<p class=\"note\">The newest %d alerts of the range.</p>\n",
			PL_REP_ALERTS_MAX);
}
