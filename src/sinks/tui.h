/* SPDX-License-Identifier: BSD-2-Clause */
/* tui.h - the ncurses view of monitor: the text report, redrawn each interval. */
#ifndef PL_TUI_H
#define PL_TUI_H

#include "analysis/report.h"

int pl_tui_start(void);
void pl_tui_draw(const struct pl_report *r);
/* Wait up to @ms for a key; returns 1 when the user asked to quit ('q'). */
int pl_tui_wait(int ms);
void pl_tui_stop(void);

#endif
