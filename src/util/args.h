/* SPDX-License-Identifier: BSD-2-Clause */
/* args.h - small helpers shared by the commands: numbers, trailing expressions, signals. */
#ifndef PL_ARGS_H
#define PL_ARGS_H

#include <getopt.h>
#include <signal.h>
#include <stdbool.h>

/* Exit codes every command uses. */
#define PL_EXIT_OK 0
#define PL_EXIT_FAIL 1
#define PL_EXIT_USAGE 2

/* Parse an unsigned number in [min, max] for option @opt; prints why not. */
int pl_parse_u32(const char *opt, const char *s, unsigned int min, unsigned int max,
		 unsigned int *out);
/* As pl_parse_u32(), and a power of two; prints why not. */
int pl_parse_pow2(const char *opt, const char *s, unsigned int min, unsigned int max,
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

/*
 * The options before the command, as bpftool takes -j/-p before its object
 * (pktlens -j monitor ...): --json and --pretty of the commands that print a report.
 * pl_verbosity is the log level (enum pl_log_level) that -v/-q set.
 */
extern bool pl_global_json, pl_global_pretty;
extern int pl_verbosity;

/* A letter a command refuses with a word of why: what it means to tcpdump, what to use. */
struct pl_opt_hint {
	int opt;
	const char *hint;
};

/*
 * getopt_long() for command @cmd, with the messages of pktlens: an unknown option, a
 * missing or an unwanted value is said in a line that starts with "pktlens: CMD:"
 * (getopt's own would start with the command's name), followed by the synopsis
 * (the "Usage:" lines of @usage) and a pointer to --help; a letter of @hints (NULL: none; ends with opt 0) gets its hint instead.
 * -v/--verbose and -q/--quiet are taken here, anywhere on the line, and set the log
 * level (@shortopts and @longopts need not list them). Returns the option, -1 at the
 * end, or '?' after the message (the command exits with 2).
 */
int pl_getopt(int argc, char **argv, const char *cmd, const char *usage,
	      const char *shortopts, const struct option *longopts,
	      const struct pl_opt_hint *hints);

/*
 * The filter expression of a command: from -F @expr_file when given (an expression on
 * the command line as well is ignored, with a warning, as tcpdump ignores it), else
 * argv[first..argc) joined. Into *expr (NULL: none; caller frees). 0 or a negative
 * errno, said why.
 */
int pl_get_expr(const char *expr_file, int argc, char **argv, int first, char **expr);

/* After -F PATH failed: if PATH is a number, say that -F is no longer --flows. */
void pl_expr_file_hint(const char *path);

/* SIGINT, SIGTERM and SIGHUP set pl_stop; commands poll it. */
extern volatile sig_atomic_t pl_stop;
void pl_signals_install(void);

/* Fail early and clearly when not running with the needed privileges. */
int pl_require_root(const char *what);

#endif
