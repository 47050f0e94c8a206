// SPDX-License-Identifier: BSD-2-Clause
/*
 * html.c - the report page: one HTML file with its CSS inline and its charts as inline
 * SVG; no script and no URL, so it opens offline and from a mail attachment alike.
 * Every figure is also in a data-value attribute (raw number) beside its grouped text.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "report/report.h"

static const char css[] =
	"body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#1d2430;background:#fff}"
	"h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;"
	"border-bottom:1px solid #d5dbe3;padding-bottom:4px}"
	".meta{color:#5a6473}table{border-collapse:collapse;margin:6px 0}"
	"td,th{padding:3px 10px;border-bottom:1px solid #eef1f4;text-align:left}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}"
	".chart{width:100%;max-width:900px;display:block;margin:6px 0}"
	".plot{fill:#fafbfc;stroke:#d5dbe3}.axis,.label,.value,.legend{font-size:12px;fill:#5a6473}"
	"polyline{fill:none;stroke-width:2}.s1{stroke:#2f6fdf;fill:#2f6fdf}"
	".s2{stroke:#d9822b;fill:#d9822b}.s3{stroke:#b83b5e;fill:#b83b5e}"
	".s4{stroke:#3a9a5b;fill:#3a9a5b}polyline.s1,polyline.s2,polyline.s3,polyline.s4{fill:none}.bar{fill:#2f6fdf}"
	".note{color:#5a6473;font-style:italic}"
	".sev1{fill:#c0392b}.sev2{fill:#d9822b}.sev3{fill:#c9a227}";

static void utc(FILE *out, __s64 t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[40];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M:%S UTC", &tm);
	fputs(s, out);
}

/* <td class="n" data-value="V">V grouped</td> */
static void num_td(FILE *out, __u64 v)
{
	char b[32];

	fprintf(out, "<td class=\"n\" data-value=\"%llu\">%s</td>", (unsigned long long)v,
		pl_rep_num(v, b, sizeof(b)));
}

static void text_td(FILE *out, const char *s)
{
	fputs("<td>", out);
	pl_html_text(out, s);
	fputs("</td>", out);
}

static void summary(FILE *out, const struct pl_rep *r)
{
	static const char *const names[] = {
		"packets", "bytes", "flows written (ended)", "new flows in the kernel's table",
		"malformed packets", "flows evicted by the table (LRU)",
		"flows made and gone between two reads (never written)",
		"the kernel's drops of received packets (serve --drops)",
	};
	const char *ids[] = { "packets", "bytes", "flows", "flows-new", "malformed", "evictions",
			      "unseen", "kdrops" };
	__u64 v[] = { r->packets, r->bytes, r->flows_written, r->flows_new, r->malformed,
		      r->evictions, r->unseen, r->kdrops_total };

	fputs("<h2>Summary</h2>\n<table id=\"summary\">\n", out);
	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		fprintf(out, "<tr id=\"sum-%s\"><th>%s</th>", ids[i], names[i]);
		num_td(out, v[i]);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* @bytes: a bytes column (not for the kernel's drops, which carry none). */
static void rows_table(FILE *out, const char *id, const char *what, const struct pl_rep_row *rows,
		       size_t n, const char *count_name, bool bytes)
{
	fprintf(out, "<table id=\"%s\"><tr><th>%s</th><th class=\"n\">packets</th>", id, what);
	if (bytes)
		fputs("<th class=\"n\">bytes</th>", out);
	if (count_name)
		fprintf(out, "<th class=\"n\">%s</th>", count_name);
	fputs("</tr>\n", out);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr>", out);
		text_td(out, rows[i].name);
		num_td(out, rows[i].packets);
		if (bytes)
			num_td(out, rows[i].bytes);
		if (count_name)
			num_td(out, rows[i].count);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
}

/* One value per point for each series (k * n + i), or NULL. */
static double *values(const struct pl_rep *r, int what)
{
	double *v = calloc(r->npts ? 4 * r->npts : 1, sizeof(*v));

	for (size_t i = 0; v && i < r->npts; i++) {
		const struct pl_rep_point *p = &r->pts[i];

		switch (what) {
		case 0: /* bit/s and packets/s averaged over the bucket */
			v[i] = 8.0 * (double)p->bytes / r->bucket_s;
			v[r->npts + i] = (double)p->packets / r->bucket_s;
			break;
		case 1:
			v[i] = (double)p->flows_new;
			break;
		default:
			v[i] = (double)p->malformed;
			v[r->npts + i] = (double)p->evictions;
			v[2 * r->npts + i] = (double)p->unseen;
			v[3 * r->npts + i] = (double)p->kdrops;
		}
	}
	return v;
}

static void charts(FILE *out, const struct pl_rep *r)
{
	__s64 *t = calloc(r->npts ? r->npts : 1, sizeof(*t));
	double *tp = values(r, 0), *fl = values(r, 1), *lo = values(r, 2);
	size_t n = r->npts;

	if (!t || !tp || !fl || !lo)
		goto out;
	for (size_t i = 0; i < n; i++)
		t[i] = r->pts[i].t;
	fprintf(out, "<h2>Throughput over time</h2>\n<p class=\"meta\">Averages over %u s "
		"per point.</p>\n", r->bucket_s);
	pl_svg_lines(out, "chart-bps", "bit/s", t, n,
		     (struct pl_svg_series[]){ { "line-bps", "bit/s", "s1", tp } }, 1);
	pl_svg_lines(out, "chart-pps", "pkt/s", t, n,
		     (struct pl_svg_series[]){ { "line-pps", "packets/s", "s2", tp + n } }, 1);
	fputs("<h2>Flows over time</h2>\n<p class=\"meta\">New entries in the kernel's flow "
	      "table per point.</p>\n", out);
	pl_svg_lines(out, "chart-flows", "", t, n,
		     (struct pl_svg_series[]){ { "line-flows", "new flows", "s1", fl } }, 1);
	fputs("<h2 id=\"drops\">Drops and losses</h2>\n<p class=\"meta\">The kernel's drops of "
	      "received packets (with serve --drops), malformed packets (the data plane counted "
	      "and did not parse them), flows the full table evicted, and flows made and "
	      "evicted between two reads, per point.</p>\n", out);
	pl_svg_lines(out, "chart-losses", "", t, n,
		     (struct pl_svg_series[]){ { "line-malformed", "malformed", "s3", lo },
					       { "line-evictions", "evicted", "s2", lo + n },
					       { "line-unseen", "unseen", "s1", lo + 2 * n },
					       { "line-kdrops", "kernel drops", "s4", lo + 3 * n } }, 4);
	fputs("<p>The kernel's drops by reason:</p>\n", out);
	pl_svg_bars(out, "bars-kdrops", r->kreasons, r->nkreasons, PL_BARS_PACKETS_ONLY);
	if (!r->nkreasons)
		fputs("<p class=\"note\" id=\"kdrops-none\">None in this range (the history "
		      "has them when serve runs with --drops).</p>\n", out);
	rows_table(out, "kdrops", "interface and reason", r->kdrops, r->nkdrops, NULL, false);
	fputs("<p>Malformed packets by reason:</p>\n", out);
	pl_svg_bars(out, "bars-malformed", r->bad, r->nbad, PL_BARS_PACKETS);
out:
	free(t);
	free(tp);
	free(fl);
	free(lo);
}

static const char *proto_name(unsigned int p, char *buf, size_t len)
{
	switch (p) {
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	case 58: return "icmp6";
	case 132: return "sctp";
	}
	snprintf(buf, len, "%u", p);
	return buf;
}

static void flows_table(FILE *out, const struct pl_rep *r)
{
	char pb[8], ep[80];

	fputs("<h2>Top flows</h2>\n<table id=\"flows\"><tr><th>interface</th><th>proto</th>"
	      "<th>from</th><th>to</th><th class=\"n\">packets</th><th class=\"n\">bytes</th>"
	      "<th>first</th><th>last</th><th>state</th><th>ended</th></tr>\n", out);
	for (size_t i = 0; i < r->nflows; i++) {
		const struct pl_rep_flow *f = &r->flows[i];
		bool v6 = strchr(f->src, ':') != NULL;

		fputs("<tr>", out);
		text_td(out, f->ifname);
		text_td(out, proto_name(f->proto, pb, sizeof(pb)));
		snprintf(ep, sizeof(ep), v6 ? "[%s]:%u" : "%s:%u", f->src, f->sport);
		text_td(out, ep);
		snprintf(ep, sizeof(ep), v6 ? "[%s]:%u" : "%s:%u", f->dst, f->dport);
		text_td(out, ep);
		num_td(out, f->packets);
		num_td(out, f->bytes);
		fputs("<td>", out);
		utc(out, f->first_ms / 1000);
		fputs("</td><td>", out);
		utc(out, f->last_ms / 1000);
		fputs("</td>", out);
		text_td(out, f->state);
		text_td(out, f->ended);
		fputs("</tr>\n", out);
	}
	fputs("</table>\n", out);
	if (!r->nflows)
		fputs("<p class=\"note\" id=\"flows-empty\">No flow ended in this range.</p>\n", out);
}

int pl_rep_html(FILE *out, const struct pl_rep_opts *o, const struct pl_rep *r)
{
	fprintf(out, "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
		"<meta name=\"viewport\" content=\"width=device-width\">\n"
		"<title>pktlens report</title>\n<style>%s</style>\n</head><body>\n"
		"<h1>pktlens report</h1>\n<p class=\"meta\" id=\"range\" data-since=\"%lld\" "
		"data-until=\"%lld\">", css, (long long)o->since, (long long)o->until);
	fputs(o->capture ? "Capture " : "History ", out);
	pl_html_text(out, o->capture ? o->capture : o->db_path);
	fputs(o->ifname ? ", interface " : ", every interface", out);
	if (o->ifname)
		pl_html_text(out, o->ifname);
	fputs("; from ", out);
	if (o->since)
		utc(out, o->since);
	else
		fputs("the beginning", out);
	fputs(" to ", out);
	utc(out, o->until);
	fputs("; made ", out);
	utc(out, (__s64)time(NULL));
	fputs(".</p>\n", out);
	if (!r->npts)
		fputs("<p class=\"note\" id=\"empty\">The history has no minute in this range.</p>\n",
		      out);
	summary(out, r);
	charts(out, r);
	fputs("<h2>Protocols</h2>\n<p>IP versions (packets):</p>\n", out);
	pl_svg_bars(out, "bars-l3", r->l3, r->nl3, PL_BARS_PACKETS);
	rows_table(out, "l3", "class", r->l3, r->nl3, NULL, true);
	fputs("<p>Transport protocols (packets):</p>\n", out);
	pl_svg_bars(out, "bars-l4", r->l4, r->nl4, PL_BARS_PACKETS);
	rows_table(out, "l4", "class", r->l4, r->nl4, NULL, true);
	fputs("<h2>Applications</h2>\n<p class=\"meta\">The flows written that L7 (nDPI) "
	      "classified, by application (bytes both ways).</p>\n", out);
	if (r->napps) {
		pl_svg_bars(out, "bars-apps", r->apps, r->napps, PL_BARS_BYTES);
		rows_table(out, "apps", "application", r->apps, r->napps, "flows", true);
	} else {
		fputs("<p class=\"note\" id=\"apps-none\">No flow classified in this range "
		      "(serve with --l7-packets 0, or a history written before L7).</p>\n", out);
	}
	fputs("<h2>Top talkers</h2>\n<p class=\"meta\">The addresses that sent the most bytes in "
	      "the flows written (as <code>pktlens query top-talkers</code>).</p>\n", out);
	pl_svg_bars(out, "bars-talkers", r->talkers, r->ntalkers, PL_BARS_BYTES);
	rows_table(out, "talkers", "address", r->talkers, r->ntalkers, "flows", true);
	flows_table(out, r);
	pl_rep_alerts_html(out, r);
	pl_rep_rtt_html(out, r);
	fputs("<h2>Interfaces</h2>\n", out);
	rows_table(out, "interfaces", "interface", r->ifs, r->nifs, "minutes", true);
	fputs("</body></html>\n", out);
	return ferror(out) ? -EIO : 0;
}
