// SPDX-License-Identifier: BSD-2-Clause
/*
 * screen_extra.c - the commands' own parts of the report on the terminal view:
 * protect's mitigation (drops by reason, the rules with their drops and expiry), the
 * signatures' counts. The lines are those the text report prints (each part's text
 * function, asked once a report); here they are fitted to the width: a table (columns
 * spaced by runs of blanks) loses the blank columns that all of its lines share, other
 * lines wrap at a blank.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "sinks/screen_lay.h"

#define EXTRA_KEEP 8 /* rows left for the lists below */

static void to_mem(void *arg, const char *line)
{
	fprintf(arg, "%s\n", line);
}

int pl_screen_extra_take(struct pl_screen *s, const struct pl_report *r)
{
	size_t len = 0;
	FILE *f;

	free(s->extra);
	s->extra = NULL;
	f = open_memstream(&s->extra, &len);
	if (!f)
		return -ENOMEM;
	for (unsigned int i = 0; i < r->nextra; i++)
		if (r->extra[i].text)
			r->extra[i].text(to_mem, f, r->extra[i].arg);
	if (fclose(f)) {
		free(s->extra);
		s->extra = NULL;
		return -ENOMEM;
	}
	return 0;
}

/* A table's line: its columns are set apart by three blanks or more after its start. */
static bool table_line(const char *l)
{
	l += strspn(l, " ");
	return strstr(l, "   ") != NULL;
}

/* The lines, as pointers into a copy of s->extra (@buf, to free), at most @max. */
static int split(const struct pl_screen *s, char **buf, char **lines, int max)
{
	char *save, *l;
	int n = 0;

	*buf = strdup(s->extra ? s->extra : "");
	if (!*buf)
		return 0;
	for (l = strtok_r(*buf, "\n", &save); l && n < max; l = strtok_r(NULL, "\n", &save))
		lines[n++] = l;
	return n;
}

/*
 * Lines @a to @b - 1, a table wider than @cols: of each run of columns that are blank
 * in every line (past the indent they share), only the first stays, so that the
 * columns still line up.
 */
static void squeeze(char **lines, int a, int b, int cols)
{
	static bool blank[MAX_COLS * 2];
	int w = 0, indent = MAX_COLS * 2;

	for (int i = a; i < b; i++) {
		int n = strlen(lines[i]), in = strspn(lines[i], " ");

		w = n > w ? n : w;
		indent = in < indent ? in : indent;
	}
	if (w <= cols || w > MAX_COLS * 2)
		return;
	for (int c = 0; c < w; c++) {
		blank[c] = c >= indent;
		for (int i = a; i < b && blank[c]; i++)
			blank[c] = c >= (int)strlen(lines[i]) || lines[i][c] == ' ';
	}
	for (int i = a; i < b; i++) {
		int n = strlen(lines[i]), o = 0;

		for (int c = 0; c < n; c++)
			if (!blank[c] || c == 0 || !blank[c - 1])
				lines[i][o++] = lines[i][c];
		lines[i][o] = 0;
	}
}

/* One line wrapped at a blank to the width, continued indented by two. */
static int wrap(struct lay *l, const char *t, bool draw)
{
	int rows = 0, first = 1;

	while (*t) {
		int w = l->cols - (first ? 0 : 2), n = strlen(t);

		w = w < 1 ? 1 : w; /* a screen narrower than the indent still moves on */

		if (n > w) {
			n = w;
			while (n > w / 2 && t[n] != ' ')
				n--;
			if (t[n] != ' ')
				n = w;
		}
		if (draw)
			lay_put(l, false, "%s%.*s", first ? "" : "  ", n, t);
		rows++;
		t += n;
		t += strspn(t, " ");
		first = 0;
	}
	return rows;
}

#define EXTRA_LINES 256 /* more are left out (the text report has them) */

void lay_extra(struct lay *l, const struct pl_screen *s)
{
	char *buf, *lines[EXTRA_LINES];
	int n, budget = l->rows - l->row - EXTRA_KEEP, used = 0, i;

	if (!s->extra || !*s->extra)
		return;
	n = split(s, &buf, lines, EXTRA_LINES);
	for (i = 0; i < n;) { /* the tables, squeezed */
		int j = i;

		while (j < n && table_line(lines[j]))
			j++;
		if (j > i)
			squeeze(lines, i, j, l->cols);
		i = j > i ? j : i + 1;
	}
	budget = budget < 3 ? 3 : budget;
	for (i = 0; i < n; i++) {
		int need = table_line(lines[i]) ? 1 : wrap(l, lines[i], false);

		if (used + need > budget - (i + 1 < n)) {
			lay_put(l, false, "  (%d more lines: the text and JSON reports have them all)",
				n - i);
			break;
		}
		if (table_line(lines[i]))
			lay_put(l, false, "%s", lines[i]);
		else
			wrap(l, lines[i], true);
		used += need;
	}
	free(buf);
}
