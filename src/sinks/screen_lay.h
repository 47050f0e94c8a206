/* SPDX-License-Identifier: BSD-2-Clause */
/* screen_lay.h - the line builder the parts of the terminal view share (screen*.c). */
#ifndef PL_SCREEN_LAY_H
#define PL_SCREEN_LAY_H

#include "sinks/screen.h"

#define MAX_COLS 512 /* wider terminals get blank space on the right */

struct lay {
	pl_screen_fn out;
	void *arg;
	int rows, cols, row;    /* rows: those above the status line */
	char buf[MAX_COLS + 1]; /* the line of items being filled */
	int len, items, indent;
};

/* One line, cut at the width; nothing once the rows are used up. */
void lay_put(struct lay *l, bool heading, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* A line already built to the width (it may hold UTF-8). */
void lay_put_raw(struct lay *l, const char *text);
/* Cut @s to @w characters, keeping both ends (the port is at the end). */
const char *lay_fit(char *s, int w);

/* Sections below the header and the mix. */
void lay_graph(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v,
	       int height, bool with_pps);
void lay_lists(struct lay *l, const struct pl_screen *s, const struct pl_screen_view *v);
/* The commands' own parts (protect's mitigation, signatures), fitted to the width. */
void lay_extra(struct lay *l, const struct pl_screen *s);

#endif
