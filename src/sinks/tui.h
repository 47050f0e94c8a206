/* SPDX-License-Identifier: BSD-2-Clause */
/* tui.h - the ncurses view of monitor (layout: screen.h), redrawn each interval. */
#ifndef PL_TUI_H
#define PL_TUI_H

#include "analysis/report.h"

/* Take over the terminal on stdout. -ENOTTY when TERM is missing or unknown (nothing
 * was changed: print text instead); ncurses never exits the process here. */
int pl_tui_start(void);
/* Show @r (sorts r->flows; keeps a copy of what it shows for redraws). */
void pl_tui_draw(const struct pl_report *r);
/* Wait up to @ms (< 0: 0) for the user; 'b'/'p' and a resize redraw at once.
 * Returns 1 when the user asked to quit ('q'), 0 when the time is up or a signal came. */
int pl_tui_wait(int ms);
void pl_tui_stop(void);

#endif
