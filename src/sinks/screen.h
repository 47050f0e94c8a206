/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * screen.h - the layout of monitor's terminal view, apart from ncurses so that it
 * can be tested: a copy of what one report shows (the top lists already sorted),
 * laid out into at most ROWS lines of at most COLS characters.
 */
#ifndef PL_SCREEN_H
#define PL_SCREEN_H

#include <stdbool.h>
#include "analysis/report.h"

struct pl_screen {
	struct pl_report r;       /* flows: NULL; total and delta point to the copies */
	struct pl_stats total, delta;
	struct pl_flow *by_bytes; /* the first nkept flows in each order */
	struct pl_flow *by_packets;
	size_t nkept;
	struct pl_addr_stat *sources; /* the first nsources senders by bytes */
	size_t nsources;
	struct pl_addr_stat *dests;   /* receivers by bytes (the kernel's tables only) */
	size_t ndests;
	bool spread;                  /* the lists carry the spread estimates */
};

/* Copy what the view needs from @r (it sorts r->flows). Frees what @s held. */
int pl_screen_take(struct pl_screen *s, const struct pl_report *r);
void pl_screen_free(struct pl_screen *s);

/* One laid-out line: @row from 0, @text fits the width; @heading: a column heading. */
typedef void (*pl_screen_fn)(void *arg, int row, const char *text, bool heading);
/* Lay @s out in @rows x @cols; the flow list is by packets when @by_packets (it shows
 * both orders when they fit). */
void pl_screen_layout(const struct pl_screen *s, int rows, int cols, bool by_packets,
		      pl_screen_fn out, void *arg);

#endif
