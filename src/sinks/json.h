/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * json.h - reports as JSON in the order they are written: a thin builder over json-c
 * (json-c holds the tree, escapes and prints it; strings go through util/json_text.h).
 * Keys and values are added in order; pl_json_finish() prints the value, one object
 * per line when pretty is off.
 */
#ifndef PL_JSON_H
#define PL_JSON_H

#include <stdbool.h>
#include <stdio.h>
#include <stdint.h>

struct json_object;

#define PL_JSON_DEPTH 32

struct pl_json {
	FILE *f;
	int depth;                                /* open containers */
	struct json_object *open[PL_JSON_DEPTH]; /* open[0]: the top-level value */
	int skipped;                              /* containers opened past the depth limit */
	bool pretty;
	bool nomem;                               /* an allocation failed: the value is cut */
};

void pl_json_init(struct pl_json *j, FILE *f, bool pretty);
void pl_json_begin_obj(struct pl_json *j, const char *key); /* key NULL: array element/top */
void pl_json_end_obj(struct pl_json *j);
void pl_json_begin_arr(struct pl_json *j, const char *key);
void pl_json_end_arr(struct pl_json *j);
void pl_json_u64(struct pl_json *j, const char *key, uint64_t v);
void pl_json_i64(struct pl_json *j, const char *key, int64_t v);
void pl_json_double(struct pl_json *j, const char *key, double v); /* 3 decimals */
void pl_json_str(struct pl_json *j, const char *key, const char *v); /* NULL -> null */
void pl_json_bool(struct pl_json *j, const char *key, bool v);
void pl_json_null(struct pl_json *j, const char *key);
/* Adds a json-c value the caller built (consumes the reference; NULL -> null). */
void pl_json_value(struct pl_json *j, const char *key, struct json_object *v);
/*
 * Prints the top-level value and a newline, flushes, and frees the tree; the writer
 * can then take the next value. Returns 0, -ENOMEM (the value was not whole: nothing
 * printed) or -EIO.
 */
int pl_json_finish(struct pl_json *j);

#endif
