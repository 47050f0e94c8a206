// SPDX-License-Identifier: BSD-2-Clause
#include <ncurses.h>
#include "sinks/tui.h"

static int row;

static void draw_line(void *arg, const char *l)
{
	(void)arg;
	if (row < LINES - 1)
		mvaddnstr(row++, 0, l, COLS);
}

int pl_tui_start(void)
{
	if (!initscr())
		return -1;
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	return 0;
}

void pl_tui_draw(const struct pl_report *r)
{
	erase();
	row = 0;
	pl_report_render(r, draw_line, NULL);
	mvaddnstr(LINES - 1, 0, "q: quit", COLS);
	refresh();
}

int pl_tui_wait(int ms)
{
	int ch;

	timeout(ms);
	ch = getch();
	return ch == 'q' || ch == 'Q';
}

void pl_tui_stop(void)
{
	endwin();
}
