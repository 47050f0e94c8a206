/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * config.h - pktlens.conf(5): `--config FILE` for the commands. The file is INI (read
 * with Debian's inih): a section per command, its keys the command's long options:
 *
 *   [monitor]
 *   interface = veth0
 *   interval = 2
 *   json = yes
 *
 * Each entry becomes an option in front of the command line (--interval=2), so the
 * command's own parser checks it and the command line overrides it: an option given
 * there drops the file's entries of the same option. A bad value is reported with the
 * file and line it came from.
 */
#ifndef PL_CONFIG_H
#define PL_CONFIG_H

#include <getopt.h>

/* Longest line of a configuration file (inih's line buffer). */
#define PL_CONFIG_LINE_MAX 200
/* Entries taken from one section: a bound on what a hostile file makes us allocate. */
#define PL_CONFIG_ENTRIES_MAX 256

/*
 * Take `--config FILE` (or --config=FILE) out of @argv (before any "--") and put the
 * entries of section @cmd in front of the remaining options (@shortopts and @longopts
 * as given to pl_getopt(): they tell which options the command line sets). The count
 * and the vector are replaced (the new vector lives until exit). 0 (also without --config); -EINVAL after a
 * message naming FILE:LINE (unknown section or key, bad boolean, syntax, too long);
 * -ENOENT/-EACCES/... when FILE cannot be read; -ENOMEM.
 */
int pl_config_args(const char *cmd, const char *shortopts, const struct option *longopts,
		   int *argc, char ***argv);

/* "FILE:LINE" when @arg is an option pl_config_args() made, else NULL. */
const char *pl_config_origin(const char *arg);

/*
 * Parse @text as a configuration for @cmd (no file: messages say @name) into options,
 * as pl_config_args() does; for tests and the fuzzer. Free the result with
 * pl_config_free().
 */
int pl_config_parse(const char *name, const char *text, const char *cmd,
		    const struct option *longopts, char ***out, int *n);
void pl_config_free(char **opts, int n);

/* The file --config named (after pl_config_args()), or NULL. */
const char *pl_config_file(void);

/*
 * The [vars] section of @file (rule variables, pktlens-rules(5)): "NAME=VALUE" strings
 * into *@out (free with pl_config_free()). 0 (also when @file is NULL), or < 0 after a
 * message naming FILE:LINE.
 */
int pl_config_vars(const char *file, char ***out, int *n);

/*
 * The entries of [@section] of @file as "--key=value" strings (@keys: the allowed keys,
 * as long options), with "FILE:LINE" of each in *@where; free both with
 * pl_config_free(). 0, or -EINVAL after a message naming FILE:LINE, or -errno.
 */
int pl_config_section(const char *file, const char *section, const struct option *keys,
		      char ***opts, char ***where, int *n);

#endif
