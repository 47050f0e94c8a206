// SPDX-License-Identifier: BSD-2-Clause
/*
 * tui.c - monitor's terminal view on ncurses: each report (or key) lays the screen out
 * again (screen.c) and ncurses sends what changed in one refresh, so nothing flickers.
 * Keys: ? help, / filter, r/b/p order, P pause, q quit (pktlens-monitor(8)).
 */
#include <errno.h>
#include <langinfo.h>
#include <locale.h>
#include <ncurses.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "sinks/screen.h"
#include "sinks/tui.h"

static SCREEN *term;
static struct pl_screen shown; /* the last report, for redraws between reports */
static bool have_shown;
static struct pl_screen_view view = { .order = PL_ORDER_RATE };
static struct pl_flow_match flt; /* the '/' filter in force */
static char prompt[PL_FLOW_MATCH_LEN], message[PCAP_ERRBUF_SIZE + 2 * PL_FLOW_MATCH_LEN + 128];
static size_t prompt_len;

int pl_tui_start(void)
{
	const char *cs;

	/* The graph's block characters need the user's character set (ncursesw). */
	setlocale(LC_CTYPE, "");
	cs = nl_langinfo(CODESET);
	view.utf8 = cs && (!strcmp(cs, "UTF-8") || !strcmp(cs, "utf8"));
	/* newterm, not initscr: initscr exits the process when TERM is unusable, which
	 * would leave the program attached. */
	term = newterm(NULL, stdout, stdin);
	if (!term) {
		setlocale(LC_CTYPE, "C");
		return -ENOTTY;
	}
	cbreak();
	noecho();
	curs_set(0);
	keypad(stdscr, TRUE);
	set_escdelay(50); /* Esc cancels the filter prompt without a second's wait */
	return 0;
}

static void line(void *arg, int row, const char *text, bool heading)
{
	(void)arg;
	if (heading)
		attron(A_REVERSE);
	mvaddstr(row, 0, text); /* the layout fits it to the width */
	if (heading)
		attroff(A_REVERSE);
}

static void redraw(void)
{
	erase();
	if (have_shown) {
		view.filter = flt.set ? flt.text : NULL;
		view.prompt = view.prompt ? prompt : NULL;
		view.message = message[0] ? message : NULL;
		pl_screen_layout(&shown, &view, LINES, COLS, line, NULL);
	}
	refresh();
}

/* The rows again, after a change of order or filter. */
static void reselect(void)
{
	if (have_shown)
		pl_screen_select(&shown, view.order, &flt);
}

void pl_tui_draw(const struct pl_report *r)
{
	if (view.paused && have_shown) {
		/* The view stays as it was; the graph's history goes on. */
		if (r->interval_s > 0)
			pl_graph_add(&shown.graph, r->delta->bytes * 8 / r->interval_s,
				     r->delta->packets / r->interval_s, r->interval_s);
		return;
	}
	pl_screen_take(&shown, r); /* on failure the header is still there */
	have_shown = true;
	reselect();
	redraw();
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000ll + ts.tv_nsec / 1000000;
}

/* A key while the filter is typed: edit it, apply it (Enter) or give up (Esc). */
static void prompt_key(int ch)
{
	char err[PCAP_ERRBUF_SIZE];

	if (ch == 27) {
		view.prompt = NULL;
	} else if (ch == '\n' || ch == '\r' || ch == KEY_ENTER) {
		view.prompt = NULL;
		prompt[prompt_len] = 0;
		if (pl_flow_match_set(&flt, prompt, err, sizeof(err)))
			snprintf(message, sizeof(message), "bad filter '%s': %s%s%s", prompt, err,
				 flt.set ? "; still: " : "", flt.set ? flt.text : "");
		reselect();
	} else if (ch == KEY_BACKSPACE || ch == 127 || ch == 8) {
		if (prompt_len)
			prompt[--prompt_len] = 0;
	} else if (ch == 21) { /* Ctrl-U */
		prompt[prompt_len = 0] = 0;
	} else if (ch >= 32 && ch < 127 && prompt_len + 1 < sizeof(prompt)) {
		prompt[prompt_len++] = ch;
		prompt[prompt_len] = 0;
	}
}

/* A key; 1 when it asks to quit. */
static int key(int ch)
{
	if (ch == KEY_RESIZE)
		return 0;
	message[0] = 0;
	if (view.prompt) {
		prompt_key(ch);
		return 0;
	}
	if (view.help && ch != 'q') {
		view.help = false; /* any key closes the help */
		return 0;
	}
	switch (ch) {
	case 'q': case 'Q': return 1;
	case 'b': view.order = PL_ORDER_BYTES; reselect(); break;
	case 'p': view.order = PL_ORDER_PACKETS; reselect(); break;
	case 'r': view.order = PL_ORDER_RATE; reselect(); break;
	case 'P': view.paused = !view.paused; break;
	case '?': view.help = true; break;
	case '/':
		view.prompt = prompt;
		snprintf(prompt, sizeof(prompt), "%s", flt.set ? flt.text : "");
		prompt_len = strlen(prompt);
		break;
	default: break;
	}
	return 0;
}

int pl_tui_wait(int ms)
{
	long long end = now_ms() + (ms > 0 ? ms : 0);

	for (;;) {
		long long left = end - now_ms();
		int ch;

		timeout(left > 0 ? (int)left : 0);
		ch = getch();
		if (ch == ERR)
			return 0; /* time is up, or a signal: the caller checks pl_stop */
		if (key(ch))
			return 1;
		redraw();
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
	pl_flow_match_free(&flt);
	have_shown = false;
	setlocale(LC_CTYPE, "C");
}
