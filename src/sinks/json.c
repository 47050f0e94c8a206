// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <math.h>
#include <string.h>
#include <json-c/json.h>
#include <json-c/printbuf.h>
#include "sinks/json.h"
#include "util/json_text.h"

void pl_json_init(struct pl_json *j, FILE *f, bool pretty)
{
	memset(j, 0, sizeof(*j));
	j->f = f;
	j->pretty = pretty;
}

/* Puts @v under @key of the innermost open container (or makes it the top value). */
static void put(struct pl_json *j, const char *key, json_object *v, bool nomem)
{
	json_object *parent = j->depth ? j->open[j->depth - 1] : NULL;
	int err;

	if (nomem) {
		j->nomem = true;
		return;
	}
	if (!parent) {
		json_object_put(j->open[0]);
		j->open[0] = v;
		return;
	}
	if (json_object_is_type(parent, json_type_array))
		err = json_object_array_add(parent, v);
	else
		err = json_object_object_add(parent, key ? key : "", v);
	if (err) {
		json_object_put(v);
		j->nomem = true;
	}
}

/* "{}" and "[]" for empty containers also when pretty (json-c would break the line). */
static int empty_obj(json_object *o, struct printbuf *pb, int level, int flags)
{
	(void)level;
	(void)flags;
	return printbuf_memappend(pb, json_object_is_type(o, json_type_array) ? "[]" : "{}", 2);
}

static void open_(struct pl_json *j, const char *key, json_object *v)
{
	if (j->depth >= PL_JSON_DEPTH) {
		json_object_put(v);
		j->skipped++;
		return;
	}
	if (!v) {
		j->nomem = true;
		j->skipped++;
		return;
	}
	json_object_get(v); /* the parent's reference and ours */
	put(j, key, v, false);
	if (!j->depth) /* the top value keeps only its own reference */
		json_object_put(v);
	j->open[j->depth++] = v;
	if (j->depth == 1)
		j->open[0] = v;
}

static void close_(struct pl_json *j)
{
	json_object *c;
	bool empty;

	if (j->skipped) {
		j->skipped--;
		return;
	}
	if (!j->depth)
		return;
	c = j->open[--j->depth];
	empty = json_object_is_type(c, json_type_array) ? !json_object_array_length(c)
							 : !json_object_object_length(c);
	if (empty && j->pretty)
		json_object_set_serializer(c, empty_obj, NULL, NULL);
	if (j->depth) /* drop ours; the parent holds it */
		json_object_put(c);
	else
		j->open[0] = c;
}

void pl_json_begin_obj(struct pl_json *j, const char *key)
{
	open_(j, key, json_object_new_object());
}

void pl_json_begin_arr(struct pl_json *j, const char *key)
{
	open_(j, key, json_object_new_array());
}

void pl_json_end_obj(struct pl_json *j) { close_(j); }
void pl_json_end_arr(struct pl_json *j) { close_(j); }

void pl_json_value(struct pl_json *j, const char *key, json_object *v)
{
	if (j->skipped) {
		json_object_put(v);
		return;
	}
	put(j, key, v, false);
}

void pl_json_u64(struct pl_json *j, const char *key, uint64_t v)
{
	json_object *o = json_object_new_uint64(v);

	put(j, key, o, !o);
}

void pl_json_i64(struct pl_json *j, const char *key, int64_t v)
{
	json_object *o = json_object_new_int64(v);

	put(j, key, o, !o);
}

void pl_json_double(struct pl_json *j, const char *key, double v)
{
	char buf[64];
	json_object *o;

	if (!isfinite(v)) {
		put(j, key, NULL, false);
		return;
	}
	/* Three decimals, as people read rates and seconds (json-c would print 17). */
	snprintf(buf, sizeof(buf), "%.3f", v);
	o = json_object_new_double_s(v, buf);
	put(j, key, o, !o);
}

void pl_json_str(struct pl_json *j, const char *key, const char *v)
{
	json_object *o;

	if (!v) {
		put(j, key, NULL, false);
		return;
	}
	o = pl_json_text(v, strlen(v), PL_JSON_BAD_FFFD);
	put(j, key, o, !o);
}

void pl_json_bool(struct pl_json *j, const char *key, bool v)
{
	json_object *o = json_object_new_boolean(v);

	put(j, key, o, !o);
}

void pl_json_null(struct pl_json *j, const char *key)
{
	put(j, key, NULL, false);
}

int pl_json_finish(struct pl_json *j)
{
	int flags = JSON_C_TO_STRING_NOSLASHESCAPE;
	json_object *top = j->open[0];
	const char *s;
	int err = 0;

	flags |= j->pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED
			   : JSON_C_TO_STRING_PLAIN;
	s = j->nomem ? NULL : json_object_to_json_string_ext(top, flags);
	if (!s)
		err = -ENOMEM;
	else if (fputs(s, j->f) < 0 || fputc('\n', j->f) < 0)
		err = -EIO;
	if (fflush(j->f))
		err = err ? err : -EIO;
	json_object_put(top);
	pl_json_init(j, j->f, j->pretty);
	return err;
}
