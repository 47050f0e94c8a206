// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen_graph.c - the receive rate over the last reports as bars, one column a
 * report, the newest on the right, as bmon and nload draw it: Unicode's eighth
 * blocks on a UTF-8 terminal, ASCII otherwise; scaled to the largest value shown.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "sinks/screen_lay.h"
#include "sinks/timefmt.h"

void pl_graph_add(struct pl_graph *g, double bps, double pps, double secs)
{
	g->bps[g->next] = bps;
	g->pps[g->next] = pps;
	g->secs[g->next] = secs;
	g->next = (g->next + 1) % PL_GRAPH_MAX;
	if (g->n < PL_GRAPH_MAX)
		g->n++;
}

/* Sample @k of the @n newest, oldest first. */
static unsigned int at(const struct pl_graph *g, unsigned int n, unsigned int k)
{
	return (g->next + PL_GRAPH_MAX - n + k) % PL_GRAPH_MAX;
}

/* One cell: @eighths of it filled from the bottom (0-8). */
static int cell(char *p, int eighths, bool utf8)
{
	if (eighths <= 0) {
		*p = ' ';
		return 1;
	}
	if (!utf8) {
		*p = eighths >= 8 ? '#' : eighths >= 4 ? '+' : '.';
		return 1;
	}
	/* U+2581 LOWER ONE EIGHTH BLOCK ... U+2588 FULL BLOCK: E2 96 81 ... E2 96 88 */
	p[0] = (char)0xe2;
	p[1] = (char)0x96;
	p[2] = (char)(0x80 + (eighths > 8 ? 8 : eighths));
	return 3;
}

/* @height rows of bars of @vals (the @n newest samples), right-aligned in the width. */
static void bars(struct lay *l, const struct pl_graph *g, const float *vals, unsigned int n,
		 float max, int height, bool utf8)
{
	char row[MAX_COLS * 3 + 1];

	for (int y = 0; y < height; y++) {
		int len = 0, below = (height - 1 - y) * 8; /* eighths under this row */

		for (int c = 0; c < l->cols; c++) {
			int pad = l->cols - (int)n, lv = 0;

			if (c >= pad && max > 0) {
				float v = vals[at(g, n, c - pad)];

				lv = (int)lroundf(v / max * height * 8);
				lv = v > 0 && lv < 1 ? 1 : lv;
			}
			len += cell(row + len, lv - below, utf8);
		}
		row[len] = 0;
		lay_put_raw(l, row);
	}
}

/* The largest of the @n newest samples of @vals. */
static float peak(const struct pl_graph *g, const float *vals, unsigned int n)
{
	float m = 0;

	for (unsigned int k = 0; k < n; k++)
		m = vals[at(g, n, k)] > m ? vals[at(g, n, k)] : m;
	return m;
}

void lay_graph(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
	       int height, bool with_pps)
{
	const struct pl_graph *g = &s->graph;
	unsigned int n = g->n < (unsigned int)l->cols ? g->n : (unsigned int)l->cols;
	float mb = peak(g, g->bps, n), mp = peak(g, g->pps, n);
	float nb = n ? g->bps[at(g, n, n - 1)] : 0, np = n ? g->pps[at(g, n, n - 1)] : 0;
	char h1[16], h2[16], h3[16], h4[16];
	double secs = 0;

	for (unsigned int k = 0; k < n; k++)
		secs += g->secs[at(g, n, k)];
	if (with_pps)
		lay_put(l, false, "rx bit/s, last %.0f s: now %s, max %s", secs,
			pl_human(nb, h1, sizeof(h1)), pl_human(mb, h2, sizeof(h2)));
	else
		lay_put(l, false, "rx bit/s, last %.0f s: now %s, max %s   pps now %s, max %s",
			secs, pl_human(nb, h1, sizeof(h1)), pl_human(mb, h2, sizeof(h2)),
			pl_human(np, h3, sizeof(h3)), pl_human(mp, h4, sizeof(h4)));
	bars(l, g, g->bps, n, mb, height, v->utf8);
	if (!with_pps)
		return;
	lay_put(l, false, "rx packets/s, last %.0f s: now %s, max %s", secs,
		pl_human(np, h3, sizeof(h3)), pl_human(mp, h4, sizeof(h4)));
	bars(l, g, g->pps, n, mp, height, v->utf8);
}
