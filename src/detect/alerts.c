// SPDX-License-Identifier: BSD-2-Clause
/* alerts.c - one record per attack, raised once and updated: see alerts.h. */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "detect/alerts.h"
#include "sinks/json.h"
#include "sinks/timefmt.h"

struct pl_alerts {
	FILE *eve;
	pl_alert_decide_fn decide;
	void *decide_arg;
	struct pl_alert_rec *rec;
	size_t n, max;
	uint64_t quiet_ns, next_id, dropped, eve_errors;
	struct pl_alerts_counts counts;
};

void pl_alerts_set_counts(struct pl_alerts *s, const struct pl_alerts_counts *c)
{
	s->counts = *c;
}

struct pl_alerts *pl_alerts_new(FILE *eve, unsigned int max, uint64_t quiet_ns)
{
	struct pl_alerts *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->eve = eve;
	s->max = max ? max : 1;
	s->quiet_ns = quiet_ns;
	s->next_id = 1;
	return s;
}

void pl_alerts_set_eve(struct pl_alerts *s, FILE *eve)
{
	s->eve = eve;
}

void pl_alerts_set_decide(struct pl_alerts *s, pl_alert_decide_fn fn, void *arg)
{
	s->decide = fn;
	s->decide_arg = arg;
}

static void rec_strings_free(struct pl_alert_rec *r)
{
	free((char *)r->a.signature);
	free((char *)r->a.category);
	free((char *)r->a.app_proto);
	free((char *)r->fl.in_iface);
	if (r->a.evidence)
		json_object_put(r->a.evidence);
}

void pl_alerts_free(struct pl_alerts *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		rec_strings_free(&s->rec[i]);
	free(s->rec);
	free(s);
}

static bool same_key(const struct pl_alert_rec *r, const struct pl_l7_eve_flow *fl,
		     uint32_t sid, bool by_victim)
{
	size_t len = fl->family == 6 ? 16 : 4;

	if (r->ended || r->a.sid != sid || r->fl.family != fl->family)
		return false;
	return by_victim ? !memcmp(r->fl.dst, fl->dst, len) : !memcmp(r->fl.src, fl->src, len);
}

/* Copy of @s or NULL (NULL stays NULL); false when out of memory. */
static bool dup_str(const char *s, const char **out)
{
	*out = s ? strdup(s) : NULL;
	return !s || *out;
}

static int rec_fill(struct pl_alert_rec *r, const struct pl_l7_eve_flow *fl,
		    const struct pl_eve_alert *a)
{
	memset(r, 0, sizeof(*r));
	r->fl = *fl;
	r->a = *a;
	r->fl.in_iface = NULL;
	r->a.signature = r->a.category = r->a.app_proto = NULL;
	r->a.evidence = NULL;
	if (!dup_str(fl->in_iface, &r->fl.in_iface) || !dup_str(a->signature, &r->a.signature) ||
	    !dup_str(a->category, &r->a.category) || !dup_str(a->app_proto, &r->a.app_proto)) {
		rec_strings_free(r);
		return -ENOMEM;
	}
	r->a.evidence = a->evidence ? json_object_get(a->evidence) : NULL;
	return 0;
}

bool pl_alerts_active(const struct pl_alerts *s, const struct pl_l7_eve_flow *fl, uint32_t sid,
		      bool by_victim)
{
	for (size_t i = 0; i < s->n; i++)
		if (same_key(&s->rec[i], fl, sid, by_victim))
			return true;
	return false;
}

int pl_alerts_raise(struct pl_alerts *s, const struct pl_l7_eve_flow *fl,
		    const struct pl_eve_alert *a, bool by_victim)
{
	struct pl_alert_rec *r;

	for (size_t i = 0; i < s->n; i++) {
		r = &s->rec[i];
		if (!same_key(r, fl, a->sid, by_victim))
			continue;
		if (a->evidence) {
			json_object_put(r->a.evidence);
			r->a.evidence = json_object_get(a->evidence);
		}
		r->fl.pkts_toserver = fl->pkts_toserver;
		r->fl.bytes_toserver = fl->bytes_toserver;
		r->fl.pkts_toclient = fl->pkts_toclient;
		r->fl.bytes_toclient = fl->bytes_toclient;
		r->fl.end_ns = fl->end_ns;
		r->last_ns = a->ts_ns;
		r->updates++;
		r->touched = true;
		return 0;
	}
	if (s->n == s->max) {
		s->dropped++;
		return -ENOSPC;
	}
	if (!(s->n & (s->n + 1)) || !s->rec) { /* grow at 0, 1, 3, 7, ... */
		size_t cap = (s->n + 1) * 2;
		void *p = realloc(s->rec, cap * sizeof(*s->rec));

		if (!p)
			return -ENOMEM;
		s->rec = p;
	}
	r = &s->rec[s->n];
	if (rec_fill(r, fl, a))
		return -ENOMEM;
	r->id = s->next_id++;
	r->first_ns = r->last_ns = a->ts_ns;
	r->touched = true;
	s->n++;
	if (s->decide)
		r->a.action = s->decide(s->decide_arg, &r->fl, &r->a);
	if (s->eve && pl_l7_eve_alert(s->eve, &r->fl, &r->a) < 0)
		s->eve_errors++;
	return 1;
}

void pl_alerts_tick(struct pl_alerts *s, uint64_t now_ns)
{
	for (size_t i = 0; i < s->n; i++)
		if (!s->rec[i].ended && now_ns > s->rec[i].last_ns + s->quiet_ns)
			s->rec[i].ended = true;
}

void pl_alerts_untouch(struct pl_alerts *s)
{
	for (size_t i = 0; i < s->n; i++)
		s->rec[i].touched = false;
}

size_t pl_alerts_forget_ended(struct pl_alerts *s)
{
	size_t k = 0, n = s->n;

	for (size_t i = 0; i < n; i++) {
		if (s->rec[i].ended) {
			rec_strings_free(&s->rec[i]);
			continue;
		}
		s->rec[k++] = s->rec[i];
	}
	s->n = k;
	return n - k;
}

const struct pl_alert_rec *pl_alerts_list(const struct pl_alerts *s, size_t *n)
{
	*n = s ? s->n : 0;
	return s ? s->rec : NULL;
}

uint64_t pl_alerts_dropped(const struct pl_alerts *s)
{
	return s->dropped;
}

uint64_t pl_alerts_eve_errors(const struct pl_alerts *s)
{
	return s->eve_errors;
}

static const char *addr_str(const struct pl_l7_eve_flow *fl, const uint8_t *a, char *buf)
{
	return inet_ntop(fl->family == 6 ? AF_INET6 : AF_INET, a, buf, INET6_ADDRSTRLEN);
}

/* A json-c value as pl_json calls: numbers, strings, booleans, objects, arrays. */
static void json_value(struct pl_json *j, const char *key, json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_int: pl_json_i64(j, key, json_object_get_int64(v)); break;
	case json_type_double: pl_json_double(j, key, json_object_get_double(v)); break;
	case json_type_boolean: pl_json_bool(j, key, json_object_get_boolean(v)); break;
	case json_type_string: pl_json_str(j, key, json_object_get_string(v)); break;
	case json_type_object:
		pl_json_begin_obj(j, key);
		json_object_object_foreach(v, k, val)
			json_value(j, k, val);
		pl_json_end_obj(j);
		break;
	case json_type_array:
		pl_json_begin_arr(j, key);
		for (size_t i = 0; i < json_object_array_length(v); i++)
			json_value(j, NULL, json_object_array_get_idx(v, i));
		pl_json_end_arr(j);
		break;
	default: pl_json_null(j, key); break;
	}
}

static void rec_json(struct pl_json *j, const struct pl_alert_rec *r)
{
	char a[INET6_ADDRSTRLEN], ts[64];

	pl_json_begin_obj(j, NULL);
	pl_json_u64(j, "id", r->id);
	pl_json_u64(j, "signature_id", r->a.sid);
	pl_json_u64(j, "rev", r->a.rev);
	pl_json_str(j, "signature", r->a.signature);
	pl_json_str(j, "category", r->a.category);
	pl_json_u64(j, "severity", r->a.severity);
	pl_json_str(j, "action", r->a.action == PL_EVE_BLOCKED	   ? "blocked"
				 : r->a.action == PL_EVE_WOULD_BLOCK ? "would-block"
								     : "allowed");
	pl_json_str(j, "src_ip", addr_str(&r->fl, r->fl.src, a));
	pl_json_str(j, "dest_ip", addr_str(&r->fl, r->fl.dst, a));
	pl_json_u64(j, "proto", r->fl.proto);
	pl_json_str(j, "first", pl_time_iso(r->first_ns, ts, sizeof(ts)));
	pl_json_str(j, "last", pl_time_iso(r->last_ns, ts, sizeof(ts)));
	pl_json_u64(j, "updates", r->updates);
	pl_json_str(j, "state", r->ended ? "ended" : "active");
	if (r->a.evidence)
		json_value(j, "pktlens", r->a.evidence);
	pl_json_end_obj(j);
}

void pl_alerts_json_items(struct pl_json *j, const struct pl_alerts *s, bool all)
{
	for (size_t i = 0; s && i < s->n; i++)
		if (all || s->rec[i].touched)
			rec_json(j, &s->rec[i]);
}

void pl_alerts_json_counts(struct pl_json *j, const struct pl_alerts *s)
{
	if (!s)
		return;
	pl_json_begin_obj(j, "detection");
	pl_json_u64(j, "ticks", s->counts.ticks);
	pl_json_u64(j, "sources", s->counts.kernel_sources);
	pl_json_u64(j, "sources_forgotten", s->counts.sources_forgotten);
	pl_json_u64(j, "scan_sources", s->counts.scan_sources);
	pl_json_u64(j, "scan_sources_evicted", s->counts.scan_evicted);
	pl_json_u64(j, "frag_datagrams", s->counts.frag_datagrams);
	pl_json_u64(j, "frag_datagrams_evicted", s->counts.frag_evicted);
	pl_json_u64(j, "alerts_not_kept", s->dropped);
	pl_json_end_obj(j);
}

void pl_alerts_text(const struct pl_alerts *s, bool all, void (*emit)(void *, const char *),
		    void *arg)
{
	char line[512], src[INET6_ADDRSTRLEN], dst[INET6_ADDRSTRLEN];
	bool head = false;

	for (size_t i = 0; s && i < s->n; i++) {
		const struct pl_alert_rec *r = &s->rec[i];

		if (!all && r->ended)
			continue;
		if (!head)
			emit(arg, "Alerts:");
		head = true;
		snprintf(line, sizeof(line), "  [%u] %s  %s -> %s  (%s, %llu updates)", r->a.sid,
			 r->a.signature ? r->a.signature : "", addr_str(&r->fl, r->fl.src, src),
			 addr_str(&r->fl, r->fl.dst, dst), r->ended ? "ended" : "active",
			 (unsigned long long)r->updates);
		emit(arg, line);
	}
}

void pl_alerts_brief(const struct pl_alerts *s, char *buf, size_t n)
{
	const struct pl_alert_rec *last = NULL;
	char src[INET6_ADDRSTRLEN];
	size_t active = 0;

	buf[0] = 0;
	for (size_t i = 0; s && i < s->n; i++)
		if (!s->rec[i].ended) {
			active++;
			last = &s->rec[i];
		}
	if (last)
		snprintf(buf, n, "%zu active, newest: %s from %s", active,
			 last->a.signature ? last->a.signature : "",
			 addr_str(&last->fl, last->fl.src, src));
}
