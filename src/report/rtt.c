// SPDX-License-Identifier: BSD-2-Clause
/*
 * rtt.c - the report's TCP round-trip time: the distribution of the ended flows' mean
 * RTT (the history's rtt_avg_us, serve without --no-tcp) in log2 buckets of
 * microseconds, as the RTT histograms of monitor and serve count, drawn as bars; and
 * the slowest flows. A history of an older schema (no RTT columns) has none.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>
#include "report/report.h"

#define FLOW_WHERE "last_seen >= ?1 * 1000 AND first_seen < (?2 + 1) * 1000 " \
		   "AND (?3 IS NULL OR interface = ?3) AND rtt_avg_us IS NOT NULL"

static int bucket(double us)
{
	int b = 0;

	while (us >= 2 && b < PL_RTT_BUCKETS - 1) {
		us /= 2;
		b++;
	}
	return b;
}

static int slowest(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r)
{
	sqlite3_stmt *st;
	int rc = pl_rep_prep(db, "SELECT interface, src, sport, dst, dport, rtt_min_us, rtt_avg_us, "
		      "rtt_max_us, rtt_samples, coalesce(tcp_retransmits, 0), "
		      "coalesce(handshake_rtt_us, 0) FROM flows WHERE "
		      FLOW_WHERE " ORDER BY rtt_avg_us DESC, id LIMIT 10", o, &st);

	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && r->nrtt_slow < 10) {
		struct pl_rep_rtt_flow *f = &r->rtt_slow[r->nrtt_slow++];
		const char *s;

		s = (const char *)sqlite3_column_text(st, 0);
		snprintf(f->ifname, sizeof(f->ifname), "%s", s ? s : "");
		s = (const char *)sqlite3_column_text(st, 1);
		snprintf(f->src, sizeof(f->src), "%s", s ? s : "");
		f->sport = (unsigned int)sqlite3_column_int(st, 2);
		s = (const char *)sqlite3_column_text(st, 3);
		snprintf(f->dst, sizeof(f->dst), "%s", s ? s : "");
		f->dport = (unsigned int)sqlite3_column_int(st, 4);
		f->min_us = sqlite3_column_double(st, 5);
		f->avg_us = sqlite3_column_double(st, 6);
		f->max_us = sqlite3_column_double(st, 7);
		f->samples = (__u64)sqlite3_column_int64(st, 8);
		f->retrans = (__u64)sqlite3_column_int64(st, 9);
		f->handshake_us = sqlite3_column_double(st, 10);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : rc;
}

int pl_rep_rtt_collect(struct sqlite3 *db, const struct pl_rep_opts *o, struct pl_rep *r)
{
	long long has = 0;
	sqlite3_stmt *st;
	int rc = pl_db_int(db, "SELECT count(*) FROM pragma_table_info('flows') "
			   "WHERE name = 'rtt_avg_us'", &has);

	if (rc || !has)
		return rc;
	rc = pl_rep_prep(db, "SELECT rtt_avg_us FROM flows WHERE " FLOW_WHERE, o, &st);
	if (rc)
		return rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		r->rtt_hist[bucket(sqlite3_column_double(st, 0))]++;
		r->rtt_flows++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return rc;
	return slowest(db, o, r);
}

/* "16-32 ms" for the bucket [2^b, 2^(b+1)) microseconds. */
static const char *range(int b, char *buf, size_t len)
{
	double lo = b ? (double)(1ull << b) : 0, hi = (double)(2ull << b);

	if (hi <= 1000)
		snprintf(buf, len, "%.0f-%.0f us", lo, hi);
	else
		snprintf(buf, len, "%.3g-%.3g ms", lo / 1e3, hi / 1e3);
	return buf;
}

static void bars(FILE *out, const struct pl_rep *r)
{
	int lo = PL_RTT_BUCKETS, hi = -1;
	__u64 max = 0;
	char b[40];

	for (int i = 0; i < PL_RTT_BUCKETS; i++) {
		if (!r->rtt_hist[i])
			continue;
		lo = i < lo ? i : lo;
		hi = i;
		max = r->rtt_hist[i] > max ? r->rtt_hist[i] : max;
	}
	fprintf(out, "<svg id=\"chart-rtt\" class=\"chart bars\" viewBox=\"0 0 900 %d\" "
		"role=\"img\" data-flows=\"%llu\" xmlns=\"http://www.w3.org/2000/svg\">\n",
		24 * (hi - lo + 1) + 8, (unsigned long long)r->rtt_flows);
	for (int i = 0; i < PL_RTT_BUCKETS; i++) {
		int y = 4 + 24 * (i - lo);

		if (i < lo || i > hi)
			continue;

		fprintf(out, "<text class=\"label\" x=\"190\" y=\"%d\" text-anchor=\"end\">%s</text>"
			"<rect class=\"bar rtt-bar\" x=\"200\" y=\"%d\" width=\"%.1f\" height=\"18\" "
			"data-lt-us=\"%llu\" data-flows=\"%llu\"/><text class=\"value\" x=\"%.0f\" "
			"y=\"%d\">%llu flows</text>\n", y + 16, range(i, b, sizeof(b)), y + 3,
			470.0 * (double)r->rtt_hist[i] / (double)max, 2ull << i,
			(unsigned long long)r->rtt_hist[i], 678.0, y + 16,
			(unsigned long long)r->rtt_hist[i]);
	}
	fputs("</svg>\n", out);
}

void pl_rep_rtt_html(FILE *out, const struct pl_rep *r)
{
	fputs("<h2>TCP round-trip time</h2>\n<p class=\"meta\">The ended TCP flows by their mean "
	      "RTT (passive: handshake, timestamps, SEQ/ACK), log2 buckets.</p>\n", out);
	if (!r->rtt_flows) {
		fputs("<p class=\"note\" id=\"rtt-none\">No TCP flow with an RTT ended in this range "
		      "(serve with --no-tcp, or a history written before RTT).</p>\n", out);
		return;
	}
	bars(out, r);
	fputs("<table id=\"rtt-slowest\"><tr><th>interface</th><th>client</th><th>server</th>"
	      "<th class=\"n\">min ms</th><th class=\"n\">mean ms</th><th class=\"n\">max ms</th>"
	      "<th class=\"n\">samples</th><th class=\"n\">retransmitted</th>"
	      "<th class=\"n\">handshake ms</th></tr>\n", out);
	for (size_t i = 0; i < r->nrtt_slow; i++) {
		const struct pl_rep_rtt_flow *f = &r->rtt_slow[i];
		bool v6 = strchr(f->src, ':') != NULL;
		char ep[80];

		fputs("<tr><td>", out);
		pl_html_text(out, f->ifname);
		snprintf(ep, sizeof(ep), v6 ? "[%s]:%u" : "%s:%u", f->src, f->sport);
		fputs("</td><td>", out);
		pl_html_text(out, ep);
		snprintf(ep, sizeof(ep), v6 ? "[%s]:%u" : "%s:%u", f->dst, f->dport);
		fputs("</td><td>", out);
		pl_html_text(out, ep);
		fprintf(out, "</td><td class=\"n\">%.3f</td><td class=\"n\" data-value=\"%.3f\">%.3f"
			"</td><td class=\"n\">%.3f</td><td class=\"n\">%llu</td><td class=\"n\">%llu"
			"</td>", f->min_us / 1e3, f->avg_us, f->avg_us / 1e3, f->max_us / 1e3,
			(unsigned long long)f->samples, (unsigned long long)f->retrans);
		if (f->handshake_us > 0)
			fprintf(out, "<td class=\"n\" data-value=\"%.3f\">%.3f</td></tr>\n",
				f->handshake_us, f->handshake_us / 1e3);
		else
			fputs("<td class=\"n\">-</td></tr>\n", out);
	}
	fputs("</table>\n", out);
}
