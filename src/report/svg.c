// SPDX-License-Identifier: BSD-2-Clause
/*
 * svg.c - the report's charts as inline SVG: lines over time (one polyline a series,
 * a dot on each point when there are few) and horizontal bars with their share. The
 * numbers a chart shows are also in data- attributes, for tests and scrapers.
 */
#include <math.h>
#include <stdbool.h>
#include <time.h>
#include "report/report.h"

#define W 900.0
#define H 220.0
#define ML 80.0  /* left margin: the y labels */
#define MR 12.0
#define MT 12.0
#define MB 34.0  /* bottom margin: the x labels */

void pl_html_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': fputs("&amp;", out); break;
		case '<': fputs("&lt;", out); break;
		case '>': fputs("&gt;", out); break;
		case '"': fputs("&quot;", out); break;
		case '\'': fputs("&#39;", out); break;
		default: fputc(*s, out);
		}
	}
}

const char *pl_rep_num(__u64 v, char *buf, size_t len)
{
	char tmp[32];
	int n = snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v), o = 0;

	for (int i = 0; i < n && (size_t)o + 2 < len; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

/* @v with an SI prefix: 1.5 k, 20 M. */
static void si(FILE *out, double v, const char *unit)
{
	static const char *const p[] = { "", "k", "M", "G", "T", "P" };
	int k = 0;

	while (fabs(v) >= 1000 && k < 5) {
		v /= 1000;
		k++;
	}
	fprintf(out, "%.3g %s%s", v, p[k], unit);
}

static void utc(FILE *out, __s64 t)
{
	time_t tt = (time_t)t;
	struct tm tm;
	char s[32];

	gmtime_r(&tt, &tm);
	strftime(s, sizeof(s), "%Y-%m-%d %H:%M", &tm);
	fputs(s, out);
}

void pl_svg_lines(FILE *out, const char *id, const char *unit, const __s64 *t, size_t n,
		  const struct pl_svg_series *s, size_t ns)
{
	double max = 0, pw = W - ML - MR, ph = H - MT - MB;

	for (size_t k = 0; k < ns; k++)
		for (size_t i = 0; i < n; i++)
			max = s[k].v[i] > max ? s[k].v[i] : max;
	if (max <= 0)
		max = 1;
	fprintf(out, "<svg id=\"%s\" class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"data-points=\"%zu\" xmlns=\"http://www.w3.org/2000/svg\">\n", id, W, H, n);
	fprintf(out, "<rect class=\"plot\" x=\"%.0f\" y=\"%.0f\" width=\"%.0f\" height=\"%.0f\"/>\n",
		ML, MT, pw, ph);
	fprintf(out, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">", ML - 6, MT + 10);
	si(out, max, unit);
	fprintf(out, "</text>\n<text class=\"axis\" x=\"%.0f\" y=\"%.0f\" text-anchor=\"end\">0</text>\n",
		ML - 6, MT + ph);
	if (n) {
		fprintf(out, "<text class=\"axis\" x=\"%.0f\" y=\"%.0f\">", ML, H - 12);
		utc(out, t[0]);
		fprintf(out, " UTC</text>\n<text class=\"axis\" x=\"%.0f\" y=\"%.0f\" "
			"text-anchor=\"end\">", W - MR, H - 12);
		utc(out, t[n - 1]);
		fputs(" UTC</text>\n", out);
	}
	for (size_t k = 0; k < ns; k++) {
		double sum = 0;

		for (size_t i = 0; i < n; i++)
			sum += s[k].v[i];
		fprintf(out, "<polyline id=\"%s\" class=\"%s\" data-sum=\"%.4f\" points=\"", s[k].id,
			s[k].cls, sum);
		for (size_t i = 0; i < n; i++)
			fprintf(out, "%s%.1f,%.1f", i ? " " : "",
				ML + (n > 1 ? pw * (double)i / (double)(n - 1) : pw / 2),
				MT + ph - ph * s[k].v[i] / max);
		fputs("\"/>\n", out);
		for (size_t i = 0; n <= 60 && i < n; i++)
			fprintf(out, "<circle class=\"%s\" r=\"3\" cx=\"%.1f\" cy=\"%.1f\"/>\n", s[k].cls,
				ML + (n > 1 ? pw * (double)i / (double)(n - 1) : pw / 2),
				MT + ph - ph * s[k].v[i] / max);
		fprintf(out, "<text class=\"legend %s\" x=\"%.0f\" y=\"%.0f\">", s[k].cls,
			ML + 10 + 180 * (double)k, MT + 16);
		pl_html_text(out, s[k].label);
		fputs("</text>\n", out);
	}
	fputs("</svg>\n", out);
}

void pl_svg_bars(FILE *out, const char *id, const struct pl_rep_row *rows, size_t n,
		 enum pl_bars how)
{
	double total = 0, max = 0, row_h = 24, bw = W - 200 - 230;
	bool by_bytes = how == PL_BARS_BYTES;
	char b1[32], b2[32];

	for (size_t i = 0; i < n; i++) {
		double v = (double)(by_bytes ? rows[i].bytes : rows[i].packets);

		total += v;
		max = v > max ? v : max;
	}
	fprintf(out, "<svg id=\"%s\" class=\"chart bars\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" "
		"data-rows=\"%zu\" xmlns=\"http://www.w3.org/2000/svg\">\n", id, W,
		row_h * (double)(n ? n : 1) + 8, n);
	for (size_t i = 0; i < n; i++) {
		double v = (double)(by_bytes ? rows[i].bytes : rows[i].packets), y = 4 + row_h * (double)i;

		fprintf(out, "<text class=\"label\" x=\"190\" y=\"%.0f\" text-anchor=\"end\">", y + 16);
		pl_html_text(out, rows[i].name);
		fprintf(out, "</text><rect class=\"bar\" x=\"200\" y=\"%.0f\" width=\"%.1f\" "
			"height=\"%.0f\" data-name=\"", y + 3, max > 0 ? bw * v / max : 0, row_h - 6);
		pl_html_text(out, rows[i].name);
		fprintf(out, "\" data-packets=\"%llu\"", (unsigned long long)rows[i].packets);
		if (how != PL_BARS_PACKETS_ONLY)
			fprintf(out, " data-bytes=\"%llu\"", (unsigned long long)rows[i].bytes);
		fprintf(out, "/><text class=\"value\" x=\"%.0f\" y=\"%.0f\">%s pkts", 200 + bw + 8,
			y + 16, pl_rep_num(rows[i].packets, b1, sizeof(b1)));
		if (how != PL_BARS_PACKETS_ONLY)
			fprintf(out, ", %s B", pl_rep_num(rows[i].bytes, b2, sizeof(b2)));
		fprintf(out, " (%.1f%%)</text>\n", total > 0 ? 100 * v / total : 0);
	}
	if (!n)
		fputs("<text class=\"label\" x=\"10\" y=\"20\">none in this range</text>\n", out);
	fputs("</svg>\n", out);
}
