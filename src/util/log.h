/* SPDX-License-Identifier: BSD-2-Clause */
/* log.h - leveled messages on stderr; libbpf's own output is routed here, one level down. */
#ifndef PL_LOG_H
#define PL_LOG_H

enum pl_log_level { PL_LOG_QUIET = 0, PL_LOG_WARN, PL_LOG_INFO, PL_LOG_DEBUG };

void pl_log_init(enum pl_log_level level);
void pl_log_set_level(enum pl_log_level level);
enum pl_log_level pl_log_get_level(void);
/* Where the option being parsed came from ("FILE:LINE" of a configuration, or NULL):
 * messages start with it, so a bad value names its line. */
void pl_log_set_origin(const char *origin);
/* A progress line is on the terminal: the next message erases it first. */
void pl_log_line_drawn(int drawn);
/* Silence libbpf while probing something that may legitimately fail; returns the old state. */
int pl_log_libbpf_quiet(int quiet);
void pl_log(enum pl_log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define pl_warn(...) pl_log(PL_LOG_WARN, __VA_ARGS__)
#define pl_info(...) pl_log(PL_LOG_INFO, __VA_ARGS__)
#define pl_debug(...) pl_log(PL_LOG_DEBUG, __VA_ARGS__)

#endif
