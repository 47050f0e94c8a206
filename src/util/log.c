// SPDX-License-Identifier: BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <bpf/libbpf.h>
#include "util/log.h"

static enum pl_log_level cur_level = PL_LOG_WARN;
static int libbpf_quiet;
static const char *origin; /* pl_log_set_origin() */
static int line_drawn; /* a progress line (sinks/progress.c) is on stderr */

static int libbpf_print(enum libbpf_print_level lvl, const char *fmt, va_list ap)
{
	/* libbpf's warnings are details of our own errors: show them at info level. */
	enum pl_log_level mine = lvl == LIBBPF_WARN ? PL_LOG_INFO : PL_LOG_DEBUG;

	if (libbpf_quiet || mine > cur_level)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void pl_log_init(enum pl_log_level level)
{
	cur_level = level;
	libbpf_set_print(libbpf_print);
}

void pl_log_set_level(enum pl_log_level level)
{
	cur_level = level;
}

enum pl_log_level pl_log_get_level(void)
{
	return cur_level;
}

void pl_log_set_origin(const char *o)
{
	origin = o;
}

void pl_log_line_drawn(int drawn)
{
	line_drawn = drawn;
}

int pl_log_libbpf_quiet(int quiet)
{
	int old = libbpf_quiet;

	libbpf_quiet = quiet;
	return old;
}

void pl_log(enum pl_log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > cur_level)
		return;
	va_start(ap, fmt);
	if (line_drawn)
		fputs("\r\033[K", stderr);
	line_drawn = 0;
	fputs("pktlens: ", stderr);
	if (origin)
		fprintf(stderr, "%s: ", origin);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
}
