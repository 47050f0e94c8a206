// SPDX-License-Identifier: BSD-2-Clause
/*
 * rules_body.c - the bodies of POST /api/v1/rules/block and /unblock (network input,
 * fuzzed): which protect, and the rule as `pktlens block` takes it on its command line.
 */
#include <errno.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include "serve/rules_api.h"
#include "serve/serve.h"

static int want_type(struct json_object *v, enum json_type t, const char *key, char *why,
		     size_t n)
{
	if (json_object_is_type(v, t))
		return 0;
	snprintf(why, n, "'%s' must be %s", key, t == json_type_string ? "a string" :
		 t == json_type_boolean ? "true or false" : "a whole number");
	return -EINVAL;
}

/* A whole number in [lo, hi] (json-c also takes 3.0 as 3: refused here). */
static int want_u32(struct json_object *v, const char *key, __u32 lo, __u32 hi, __u32 *out,
		    char *why, size_t n)
{
	int64_t x;

	if (want_type(v, json_type_int, key, why, n))
		return -EINVAL;
	x = json_object_get_int64(v);
	if (x < lo || x > hi) {
		snprintf(why, n, "'%s' must be %u to %u", key, lo, hi);
		return -EINVAL;
	}
	*out = (__u32)x;
	return 0;
}

static int one_field(struct pl_rules_req *r, const char *key, struct json_object *v, bool add,
		     char *why, size_t n)
{
	char err[PL_ERR_LEN];
	__u32 u;

	if (!strcmp(key, "interface")) {
		if (want_type(v, json_type_string, key, why, n))
			return -EINVAL;
		if (json_object_get_string_len(v) >= IFNAMSIZ || strchr(json_object_get_string(v), '/')) {
			snprintf(why, n, "'interface' is not an interface name");
			return -EINVAL;
		}
		snprintf(r->ifname, sizeof(r->ifname), "%s", json_object_get_string(v));
	} else if (!strcmp(key, "cidr")) {
		struct pl_prefix p;

		if (want_type(v, json_type_string, key, why, n))
			return -EINVAL;
		if (pl_prefix_parse(json_object_get_string(v), &p, err, sizeof(err))) {
			snprintf(why, n, "%s", err);
			return -EINVAL;
		}
		r->sp.r.family = p.family;
		r->sp.r.plen = p.plen;
		memcpy(r->sp.r.addr, p.addr, 16);
		r->has_cidr = true;
	} else if (!strcmp(key, "port") || !strcmp(key, "sport")) {
		if (want_u32(v, key, 1, 65535, &u, why, n))
			return -EINVAL;
		if (r->sp.r.port) {
			snprintf(why, n, "one of 'port' and 'sport'");
			return -EINVAL;
		}
		r->sp.r.port = htons((__u16)u);
		if (key[0] == 's')
			r->sp.r.flags |= PL_RULE_F_SPORT;
	} else if (!strcmp(key, "proto")) {
		if (want_type(v, json_type_string, key, why, n) ||
		    pl_proto_parse(json_object_get_string(v), &r->sp.r.proto, err, sizeof(err))) {
			if (!why[0])
				snprintf(why, n, "%s", err);
			return -EINVAL;
		}
	} else if (!strcmp(key, "id") && !add) {
		if (want_u32(v, key, 1, PL_RULES_MAX - 1, &r->id, why, n))
			return -EINVAL;
	} else if (!strcmp(key, "min_len") && add) {
		if (want_u32(v, key, 1, 65535, &r->sp.r.min_len, why, n))
			return -EINVAL;
	} else if (!strcmp(key, "ttl_s") && add) {
		if (want_u32(v, key, 1, 10u * 366 * 86400, &u, why, n))
			return -EINVAL;
		r->sp.ttl_s = u;
	} else if (!strcmp(key, "alert") && add) {
		if (want_type(v, json_type_boolean, key, why, n))
			return -EINVAL;
		if (json_object_get_boolean(v))
			r->sp.r.flags |= PL_RULE_F_ALERT;
	} else {
		snprintf(why, n, "unknown field '%.32s'; %s", key,
			 add ? "block takes interface, cidr, port or sport, min_len, proto, ttl_s, "
			       "alert" : "unblock takes interface and id, or cidr, port or sport, proto");
		return -EINVAL;
	}
	return 0;
}

int pl_rules_req_parse(const char *body, size_t len, bool add, struct pl_rules_req *r,
		       char *why, size_t n)
{
	struct json_object *o;
	char err[PL_ERR_LEN];
	int e = 0;

	memset(r, 0, sizeof(*r));
	why[0] = 0;
	e = pl_body_json(body, len, add ? "{\"cidr\": \"198.18.0.9\", \"ttl_s\": 600}" :
			 "{\"id\": 7}", &o, why, n);
	if (e)
		return e;
	json_object_object_foreach(o, key, val) {
		e = one_field(r, key, val, add, why, n);
		if (e)
			break;
	}
	json_object_put(o);
	if (e)
		return e;
	if (!add && r->id) {
		if (r->has_cidr || r->sp.r.port || r->sp.r.proto) {
			snprintf(why, n, "unblock takes an id or a cidr (with its port and proto), "
				 "not both");
			return -EINVAL;
		}
		return 0;
	}
	if (!r->has_cidr) {
		snprintf(why, n, "%s needs 'cidr'%s", add ? "block" : "unblock",
			 add ? "" : " or 'id'");
		return -EINVAL;
	}
	r->sp.r.kind = PL_RULE_BLOCK;
	r->sp.r.origin = PL_ORIGIN_CLI;
	if (pl_port_rule_check(&r->sp, err, sizeof(err))) {
		snprintf(why, n, "%s", err);
		return -EINVAL;
	}
	return 0;
}
