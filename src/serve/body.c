// SPDX-License-Identifier: BSD-2-Clause
/* body.c - request bodies of the write calls (JSON, through json-c). Network input. */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <json-c/json.h>
#include "serve/serve.h"

/* Bodies are small objects: deeper nesting is refused before it costs anything. */
#define BODY_DEPTH 4

static const char *const levels[] = { "quiet", "warn", "info", "debug" };

static int parse_level(struct json_object *v, struct pl_reload_req *r, char *why,
		       size_t whylen)
{
	const char *s;

	if (!json_object_is_type(v, json_type_string)) {
		snprintf(why, whylen, "log_level must be a string: quiet, warn, info or debug");
		return -EINVAL;
	}
	s = json_object_get_string(v);
	for (size_t i = 0; i < sizeof(levels) / sizeof(levels[0]); i++) {
		if (!strcmp(s, levels[i])) {
			r->log_level = (int)i;
			return 0;
		}
	}
	snprintf(why, whylen, "log_level '%.32s' is not one of quiet, warn, info, debug", s);
	return -EINVAL;
}

int pl_body_json(const char *body, size_t len, const char *example, struct json_object **out,
		 char *why, size_t whylen)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	int err = 0;

	*out = NULL;
	tok = json_tokener_new_ex(BODY_DEPTH);
	if (!tok) {
		snprintf(why, whylen, "out of memory");
		return -ENOMEM;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, body, (int)len);
	jerr = json_tokener_get_error(tok);
	if (!o || jerr != json_tokener_success) {
		snprintf(why, whylen, "the body is not valid JSON: %s at byte %zu",
			 jerr == json_tokener_continue ? "it ends too early" :
			 json_tokener_error_desc(jerr), json_tokener_get_parse_end(tok));
		err = -EINVAL;
		goto out;
	}
	/* Only white space may follow the object. */
	for (size_t i = json_tokener_get_parse_end(tok); i < len; i++) {
		if (!strchr(" \t\r\n", body[i])) {
			snprintf(why, whylen, "the body has more after its JSON value (byte %zu)", i);
			err = -EINVAL;
			goto out;
		}
	}
	if (!json_object_is_type(o, json_type_object)) {
		snprintf(why, whylen, "the body must be a JSON object, e.g. %s", example);
		err = -EINVAL;
	}
out:
	if (err)
		json_object_put(o);
	else
		*out = o;
	json_tokener_free(tok);
	return err;
}

int pl_reload_parse(const char *body, size_t len, struct pl_reload_req *r, char *why,
		    size_t whylen)
{
	struct json_object *o;
	int err;

	r->log_level = -1;
	if (!len)
		return 0;
	err = pl_body_json(body, len, "{\"log_level\": \"info\"}", &o, why, whylen);
	if (err)
		return err;
	json_object_object_foreach(o, key, val) {
		if (!strcmp(key, "log_level")) {
			err = parse_level(val, r, why, whylen);
			if (err)
				break;
		} else {
			snprintf(why, whylen, "unknown field '%.32s'; reload takes log_level", key);
			err = -EINVAL;
			break;
		}
	}
	json_object_put(o);
	return err;
}
