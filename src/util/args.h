/* SPDX-License-Identifier: BSD-2-Clause */
/* args.h - small helpers shared by the commands: numbers, trailing expressions, signals. */
#ifndef PL_ARGS_H
#define PL_ARGS_H

#include <signal.h>
#include <stdbool.h>

/* Exit codes every command uses. */
#define PL_EXIT_OK 0
#define PL_EXIT_FAIL 1
#define PL_EXIT_USAGE 2

/* Parse an unsigned number in [min, max] for option @opt; prints why not. */
int pl_parse_u32(const char *opt, const char *s, unsigned int min, unsigned int max,
		 unsigned int *out);
/* Parse a positive duration in seconds ("0.5", "2"); prints why not. */
int pl_parse_seconds(const char *opt, const char *s, double *out);
/* Join argv[from..argc) with spaces, tcpdump style, into *out (caller frees; NULL if
 * there is nothing to join). 0, or -ENOMEM with a message printed and *out NULL. */
int pl_join_args(int argc, char **argv, int from, char **out);
/*
 * The expression in file @path, as tcpdump -F reads it: '#' to the end of a line is a
 * comment, line breaks are spaces. Into *out (caller frees). 0, or a negative errno
 * with a message naming the file (unreadable, over 1 MiB, a NUL byte).
 */
int pl_read_expr_file(const char *path, char **out);

/* SIGINT, SIGTERM and SIGHUP set pl_stop; commands poll it. */
extern volatile sig_atomic_t pl_stop;
void pl_signals_install(void);

/* Fail early and clearly when not running with the needed privileges. */
int pl_require_root(const char *what);

#endif
