// SPDX-License-Identifier: BSD-2-Clause
/*
 * alerts_api.c - GET /api/v1/alerts (the newest alerts of the ring, filtered) and the
 * alerts' series of /metrics. Both under srv->lock, read from what the sampler took
 * of the detectors (alerts_srv.c). Field names as the EVE alert's, in docs/openapi.yaml.
 */
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include "serve/query.h"
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/json_text.h"

static void add_str(struct json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, pl_json_text(v, strlen(v), PL_JSON_BAD_FFFD));
}

static void add_u64(struct json_object *o, const char *key, __u64 v)
{
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static struct json_object *alert_json(struct pl_srv *srv, const struct pl_srv_alert *a)
{
	struct json_object *o = json_object_new_object(), *ev;
	char t[40], ip[INET6_ADDRSTRLEN];
	int af = a->family == 6 ? AF_INET6 : AF_INET;

	add_u64(o, "id", a->id);
	add_str(o, "interface", srv->ifs[a->ifi].dp.ifname);
	add_str(o, "first_seen", pl_time_iso(a->first_ns, t, sizeof(t)));
	add_str(o, "last_seen", pl_time_iso(a->last_ns, t, sizeof(t)));
	add_u64(o, "gid", a->gid);
	add_u64(o, "signature_id", a->sid);
	add_u64(o, "rev", a->rev);
	add_str(o, "signature", a->signature);
	add_str(o, "category", a->category);
	add_u64(o, "severity", a->severity);
	add_u64(o, "proto", a->proto);
	add_str(o, "src_ip", inet_ntop(af, a->src, ip, sizeof(ip)) ? ip : "");
	add_u64(o, "src_port", a->sport);
	add_str(o, "dest_ip", inet_ntop(af, a->dst, ip, sizeof(ip)) ? ip : "");
	add_u64(o, "dest_port", a->dport);
	add_u64(o, "updates", a->updates);
	add_str(o, "state", a->ended ? "ended" : "active");
	ev = a->evidence ? json_tokener_parse(a->evidence) : NULL;
	if (ev)
		json_object_object_add(o, "pktlens", ev);
	return o;
}

static bool wanted(const struct pl_srv_alert *a, const struct pl_alerts_query *q, int ifi)
{
	if (ifi >= 0 && a->ifi != ifi)
		return false;
	if (q->severity && a->severity > q->severity)
		return false;
	return !q->since || a->last_ns >= (__u64)q->since * 1000000000ull;
}

int pl_api_alerts(struct pl_srv *srv, const struct pl_alerts_query *q, char **out)
{
	struct json_object *o = json_object_new_object(), *arr = json_object_new_array();
	unsigned int n = 0;
	__u64 not_kept = 0;
	int ifi = -1;
	const char *s;
	char t[40];

	if (q->ifname[0] && (ifi = pl_srv_find(srv, q->ifname)) < 0) {
		json_object_put(o);
		json_object_put(arr);
		return -ENOENT;
	}
	for (int i = 0; i < srv->nifs; i++)
		not_kept += srv->ifs[i].det.not_kept;
	add_str(o, "timestamp", pl_time_iso(pl_time_now_ns(), t, sizeof(t)));
	json_object_object_add(o, "detection", json_object_new_boolean(srv->detect));
	add_u64(o, "ring_size", PL_SRV_ALERTS_RING);
	add_u64(o, "raised", srv->alerts_raised);
	add_u64(o, "not_kept", not_kept);
	/* Newest first: back from the ring's next slot. */
	for (unsigned int k = 1; k <= srv->alerts_n && n < q->limit; k++) {
		unsigned int j = (srv->alerts_next + PL_SRV_ALERTS_RING - k) % PL_SRV_ALERTS_RING;

		if (!wanted(&srv->alerts[j], q, ifi))
			continue;
		json_object_array_add(arr, alert_json(srv, &srv->alerts[j]));
		n++;
	}
	json_object_object_add(o, "alerts", arr);
	s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	*out = s ? malloc(strlen(s) + 2) : NULL;
	if (*out)
		strcat(strcpy(*out, s), "\n");
	json_object_put(o);
	return *out ? 0 : -ENOMEM;
}

static void label(FILE *f, const char *s)
{
	char b[PL_PROM_ESC_LEN];

	fputs(pl_prom_esc(s, b, sizeof(b)), f);
}

/* One series per interface of the __u64 at @off of its struct pl_srv_det. */
static void per_if(struct pl_srv *srv, FILE *f, const char *name, const char *type,
		   const char *help, size_t off)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
	for (int i = 0; i < srv->nifs; i++) {
		fprintf(f, "%s{interface=\"", name);
		label(f, srv->ifs[i].dp.ifname);
		fprintf(f, "\"} %llu\n", (unsigned long long)*(const __u64 *)
			((const char *)&srv->ifs[i].det + off));
	}
}

void pl_metrics_alerts(struct pl_srv *srv, FILE *f)
{
	if (!srv->detect)
		return;
	fputs("# HELP pktlens_alerts_total Attacks alerted (one per attack, not per update), "
	      "by interface, signature id and severity (1 the most severe).\n"
	      "# TYPE pktlens_alerts_total counter\n", f);
	for (int i = 0; i < srv->nifs; i++) {
		const struct pl_srv_det *d = &srv->ifs[i].det;

		for (unsigned int k = 0; k < d->nkinds; k++) {
			fputs("pktlens_alerts_total{interface=\"", f);
			label(f, srv->ifs[i].dp.ifname);
			fprintf(f, "\",signature_id=\"%u\",severity=\"%u\"} %llu\n", d->kinds[k].sid,
				d->kinds[k].severity, (unsigned long long)d->kinds[k].n);
		}
		if (d->kinds_other) {
			fputs("pktlens_alerts_total{interface=\"", f);
			label(f, srv->ifs[i].dp.ifname);
			fprintf(f, "\",signature_id=\"other\",severity=\"0\"} %llu\n",
				(unsigned long long)d->kinds_other);
		}
	}
	per_if(srv, f, "pktlens_alerts_not_kept_total", "counter", "Attacks not alerted: the "
	       "detector's store of attacks going on was full ([detect] max-alerts).",
	       offsetof(struct pl_srv_det, not_kept));
	per_if(srv, f, "pktlens_detection_ticks_total", "counter",
	       "Detection's ticks (one every [detect] tick).", offsetof(struct pl_srv_det, ticks));
	per_if(srv, f, "pktlens_detection_sources", "gauge",
	       "Sources detection follows in user space (at most [detect] max-sources).",
	       offsetof(struct pl_srv_det, tracked));
	per_if(srv, f, "pktlens_detection_sources_evicted_total", "counter",
	       "Sources detection forgot to stay within [detect] max-sources.",
	       offsetof(struct pl_srv_det, evicted));
}
