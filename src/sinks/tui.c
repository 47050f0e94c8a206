// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <ncurses.h>
#include <stdbool.h>
#include <time.h>
#include "sinks/screen.h"
#include "sinks/tui.h"

static SCREEN *term;
static struct pl_screen shown; /* the last report, for redraws between reports */
static bool have_shown, by_packets;

int pl_tui_start(void)
{
	/* newterm, not initscr: initscr exits the process when TERM is unusable, which
	 * would leave the program attached. */
	term = newterm(NULL, stdout, stdin);
	if (!term)
		return -ENOTTY;
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	return 0;
}

static void line(void *arg, int row, const char *text, bool heading)
{
	(void)arg;
	if (heading)
		attron(A_REVERSE);
	mvaddnstr(row, 0, text, COLS);
	if (heading)
		attroff(A_REVERSE);
}

static void redraw(void)
{
	erase();
	if (have_shown)
		pl_screen_layout(&shown, LINES, COLS, by_packets, line, NULL);
	refresh();
}

void pl_tui_draw(const struct pl_report *r)
{
	pl_screen_take(&shown, r); /* on failure the header is still there */
	have_shown = true;
	redraw();
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

int pl_tui_wait(int ms)
{
	long long end = now_ms() + (ms > 0 ? ms : 0);

	for (;;) {
		long long left = end - now_ms();
		int ch;

		timeout(left > 0 ? (int)left : 0);
		ch = getch();
		switch (ch) {
		case 'q': case 'Q': return 1;
		case 'b': case 'B': by_packets = false; redraw(); break;
		case 'p': case 'P': by_packets = true; redraw(); break;
		case KEY_RESIZE: redraw(); break;
		case ERR: return 0; /* time is up, or a signal: the caller checks pl_stop */
		default: break;
		}
		if (left <= 0)
			return 0;
	}
}

void pl_tui_stop(void)
{
	if (!term)
		return;
	endwin();
	delscreen(term);
	term = NULL;
	pl_screen_free(&shown);
	have_shown = false;
}
