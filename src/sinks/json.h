/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * json.h - a streaming JSON writer: keys and values are written in order, commas and
 * string escaping are handled here. One object per line when pretty is off.
 */
#ifndef PL_JSON_H
#define PL_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

struct pl_json {
	FILE *f;
	int depth;
	bool need_comma[32];
	bool pretty;
};

void pl_json_init(struct pl_json *j, FILE *f, bool pretty);
void pl_json_begin_obj(struct pl_json *j, const char *key); /* key NULL: array element/top */
void pl_json_end_obj(struct pl_json *j);
void pl_json_begin_arr(struct pl_json *j, const char *key);
void pl_json_end_arr(struct pl_json *j);
void pl_json_u64(struct pl_json *j, const char *key, uint64_t v);
void pl_json_i64(struct pl_json *j, const char *key, int64_t v);
void pl_json_double(struct pl_json *j, const char *key, double v);
void pl_json_str(struct pl_json *j, const char *key, const char *v); /* NULL -> null */
void pl_json_bool(struct pl_json *j, const char *key, bool v);
void pl_json_null(struct pl_json *j, const char *key);
/* Ends the top-level value with a newline and flushes. */
void pl_json_finish(struct pl_json *j);

#endif
