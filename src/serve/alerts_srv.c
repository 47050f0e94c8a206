// SPDX-License-Identifier: BSD-2-Clause
/*
 * alerts_srv.c - threat detection in the daemon: the same detector as `monitor`
 * (src/detect/run.c), one per interface in a thread of its own, ticking every
 * [detect] tick. Its alerts stay in its store (one record per attack, updated while
 * the attack goes on); the sampler (main) thread takes what is new or changed from
 * there, every time it wakes (50 ms), into:
 *   - the ring of the newest PL_SRV_ALERTS_RING alerts (GET /api/v1/alerts),
 *   - the per-interface counts by sid (/metrics, at most PL_SRV_ALERT_KINDS series),
 *   - one EVE "alert" event per new attack (--eve FILE, the same line monitor writes),
 *   - the history: a row when the attack starts, updated when it ends or at stop.
 * Ended records then leave the store, so a long-running daemon never fills it.
 * Locks: the detector's (pl_det_run_lock) before srv->lock, never the other way.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <json-c/json.h>
#include "config/config.h"
#include "detect/run.h"
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/log.h"

static void alert_strings_free(struct pl_srv_alert *a)
{
	free(a->evidence);
	a->evidence = NULL;
}

static char *evidence_text(const struct pl_alert_rec *r)
{
	const char *s;

	if (!r->a.evidence)
		return NULL;
	s = json_object_to_json_string_ext(r->a.evidence, JSON_C_TO_STRING_PLAIN |
					   JSON_C_TO_STRING_NOSLASHESCAPE);
	return s ? strdup(s) : NULL;
}

static void alert_from(struct pl_srv_alert *a, int ifi, __s64 run_ns,
		       const struct pl_alert_rec *r)
{
	size_t len = r->fl.family == 6 ? 16 : 4;
	__u64 id = a->id;

	alert_strings_free(a);
	memset(a, 0, sizeof(*a));
	a->id = id;
	a->run_ns = run_ns;
	a->rec_id = r->id;
	a->ifi = ifi;
	a->gid = r->a.gid;
	a->sid = r->a.sid;
	a->rev = r->a.rev;
	a->severity = r->a.severity;
	snprintf(a->signature, sizeof(a->signature), "%s", r->a.signature ? r->a.signature : "");
	snprintf(a->category, sizeof(a->category), "%s", r->a.category ? r->a.category : "");
	a->family = r->fl.family;
	a->proto = r->fl.proto;
	memcpy(a->src, r->fl.src, len);
	memcpy(a->dst, r->fl.dst, len);
	a->sport = r->fl.sport;
	a->dport = r->fl.dport;
	a->first_ns = r->first_ns;
	a->last_ns = r->last_ns;
	a->updates = r->updates;
	a->ended = r->ended;
	a->evidence = evidence_text(r);
}

/* The ring's entry of record @id of interface @ifi, newest first; NULL: gone from it. */
static struct pl_srv_alert *ring_find(struct pl_srv *srv, int ifi, __s64 run_ns, __u64 id)
{
	for (unsigned int k = 1; k <= srv->alerts_n; k++) {
		unsigned int j = (srv->alerts_next + PL_SRV_ALERTS_RING - k) % PL_SRV_ALERTS_RING;
		struct pl_srv_alert *a = &srv->alerts[j];

		if (a->ifi != ifi || a->run_ns != run_ns)
			continue;
		if (a->rec_id == id)
			return a;
		if (a->rec_id < id)
			return NULL; /* ids grow: older ones only from here */
	}
	return NULL;
}

/* Count a new alert of @sid for /metrics: one series per sid, bounded. Under lock. */
static void count_kind(struct pl_srv_det *d, __u32 sid, unsigned int severity)
{
	for (unsigned int k = 0; k < d->nkinds; k++)
		if (d->kinds[k].sid == sid) {
			d->kinds[k].n++;
			return;
		}
	if (d->nkinds == PL_SRV_ALERT_KINDS) {
		d->kinds_other++;
		return;
	}
	d->kinds[d->nkinds++] = (struct pl_srv_alert_kind){ sid, severity, 1 };
}

static void hist_row(struct pl_srv *srv, int ifi, const struct pl_alert_rec *r, bool final)
{
	struct pl_hist_alert h;
	char *ev;

	if (!srv->hist)
		return;
	memset(&h, 0, sizeof(h));
	h.run = srv->ifs[ifi].det.run_ns;
	snprintf(h.ifname, sizeof(h.ifname), "%s", srv->ifs[ifi].dp.ifname);
	h.alert_id = r->id;
	h.first_ms = (__s64)(r->first_ns / 1000000ull);
	h.last_ms = (__s64)(r->last_ns / 1000000ull);
	h.gid = r->a.gid;
	h.sid = r->a.sid;
	h.rev = r->a.rev;
	h.severity = r->a.severity;
	snprintf(h.signature, sizeof(h.signature), "%s", r->a.signature ? r->a.signature : "");
	snprintf(h.category, sizeof(h.category), "%s", r->a.category ? r->a.category : "");
	h.family = r->fl.family;
	h.proto = r->fl.proto;
	inet_ntop(r->fl.family == 6 ? AF_INET6 : AF_INET, r->fl.src, h.src, sizeof(h.src));
	inet_ntop(r->fl.family == 6 ? AF_INET6 : AF_INET, r->fl.dst, h.dst, sizeof(h.dst));
	h.sport = r->fl.sport;
	h.dport = r->fl.dport;
	h.updates = r->updates;
	h.state = r->ended ? "ended" : final ? "stopped" : "active";
	ev = evidence_text(r);
	/* Evidence that does not fit the row's buffer is left out rather than cut. */
	if (ev && strlen(ev) < sizeof(h.evidence))
		strcpy(h.evidence, ev);
	free(ev);
	pl_hist_add_alert(srv->hist, &h);
}

/* A new record: the EVE line, the history row, the ring and the counts. */
static void take_new(struct pl_srv *srv, int ifi, const struct pl_alert_rec *r, bool final)
{
	struct pl_srv_det *d = &srv->ifs[ifi].det;
	struct pl_srv_alert *slot;

	if (srv->eve)
		pl_eve_alert(srv, &r->fl, &r->a);
	hist_row(srv, ifi, r, final);
	pthread_mutex_lock(&srv->lock);
	slot = &srv->alerts[srv->alerts_next];
	alert_from(slot, ifi, d->run_ns, r);
	slot->id = srv->alerts_raised + 1;
	srv->alerts_next = (srv->alerts_next + 1) % PL_SRV_ALERTS_RING;
	if (srv->alerts_n < PL_SRV_ALERTS_RING)
		srv->alerts_n++;
	srv->alerts_raised++;
	count_kind(d, r->a.sid, r->a.severity);
	pthread_mutex_unlock(&srv->lock);
}

/* A record seen before, updated (or ended) since: its ring entry and history row. */
static void take_update(struct pl_srv *srv, int ifi, const struct pl_alert_rec *r, bool final)
{
	struct pl_srv_alert *a;

	/* The row is written when the attack starts and when it ends (or at stop). */
	if (r->ended || final)
		hist_row(srv, ifi, r, final);
	pthread_mutex_lock(&srv->lock);
	a = ring_find(srv, ifi, srv->ifs[ifi].det.run_ns, r->id);
	if (a)
		alert_from(a, ifi, srv->ifs[ifi].det.run_ns, r);
	pthread_mutex_unlock(&srv->lock);
}

static void collect_one(struct pl_srv *srv, int ifi, bool final)
{
	struct pl_srv_det *d = &srv->ifs[ifi].det;
	const struct pl_alert_rec *recs;
	struct pl_det_counts c;
	size_t n;

	pl_det_run_lock(d->run);
	recs = pl_alerts_list(d->run->alerts, &n);
	for (size_t k = 0; k < n; k++) {
		const struct pl_alert_rec *r = &recs[k];

		if (r->id > d->seen_id) {
			take_new(srv, ifi, r, final);
			d->seen_id = r->id;
		} else if (r->touched || r->ended || final) {
			take_update(srv, ifi, r, final);
		}
	}
	pl_alerts_untouch(d->run->alerts);
	pl_alerts_forget_ended(d->run->alerts);
	pl_det_counts(d->run->det, &c);
	pthread_mutex_lock(&srv->lock);
	d->not_kept = d->not_kept_before + pl_alerts_dropped(d->run->alerts);
	d->ticks = d->ticks_before + c.ticks;
	d->evicted = d->evicted_before + c.sources_evicted;
	d->tracked = c.sources_tracked;
	pthread_mutex_unlock(&srv->lock);
	pl_det_run_unlock(d->run);
}

void pl_srv_det_collect(struct pl_srv *srv, bool final)
{
	bool any = false;

	for (int i = 0; i < srv->nifs; i++) {
		if (!srv->ifs[i].det.run || !srv->ifs[i].det.run->alerts)
			continue;
		collect_one(srv, i, final);
		any = true;
	}
	if (any)
		pl_eve_flush(srv);
}

/* [detect] of the configuration file read now into a new run (alerts kept, no EVE). */
static int run_new(struct pl_det_run **out)
{
	struct pl_det_run *r = calloc(1, sizeof(*r));
	int err;

	*out = NULL;
	if (!r)
		return -ENOMEM;
	err = pl_det_run_start(r, NULL, NULL);
	if (err) {
		free(r);
		return err;
	}
	*out = r;
	return 0;
}

static void run_free(struct pl_det_run *r)
{
	if (!r)
		return;
	pl_det_run_stop(r);
	free(r);
}

void pl_srv_det_runs_free(struct pl_det_run **runs, int n)
{
	for (int i = 0; i < n; i++) {
		run_free(runs[i]);
		runs[i] = NULL;
	}
}

int pl_srv_det_start(struct pl_srv *srv)
{
	int err;

	srv->alerts = calloc(PL_SRV_ALERTS_RING, sizeof(*srv->alerts));
	if (!srv->alerts)
		return -ENOMEM;
	if (!srv->cfg->detect)
		return 0;
	for (int i = 0; i < srv->cfg->nifs; i++) {
		err = run_new(&srv->ifs[i].det.run);
		if (err)
			return err; /* the configuration's file and line were said */
		srv->ifs[i].det.run_ns = (__s64)pl_time_now_ns();
	}
	return 0;
}

int pl_srv_det_live(struct pl_srv *srv)
{
	for (int i = 0; i < srv->nifs; i++) {
		struct pl_srv_det *d = &srv->ifs[i].det;

		if (d->run && pl_det_run_live(d->run, &srv->ifs[i].dp))
			return -1; /* said why */
	}
	srv->detect = srv->cfg->detect;
	return 0;
}

void pl_srv_det_stop(struct pl_srv *srv)
{
	for (int i = 0; i < PL_SERVE_MAX_IFS; i++) {
		run_free(srv->ifs[i].det.run);
		srv->ifs[i].det.run = NULL;
	}
	for (unsigned int k = 0; srv->alerts && k < PL_SRV_ALERTS_RING; k++)
		alert_strings_free(&srv->alerts[k]);
	free(srv->alerts);
	srv->alerts = NULL;
}

void pl_srv_det_meta(void *arg, const struct pl_l7_eve_flow *fl, const struct pl_l7_meta *m)
{
	struct pl_srv_if *s = arg;

	if (s->det.run && s->det.run->det)
		pl_det_run_meta(s->det.run, fl, m);
}

int pl_srv_det_reload_prepare(struct pl_srv *srv, struct pl_det_run **runs, bool *changed,
			      char *why, size_t whylen)
{
	const struct pl_det_run *old = srv->ifs[0].det.run;
	int err;

	*changed = false;
	if (!srv->detect)
		return 0; /* --no-detect: a change of it needs a restart (reload.c) */
	for (int i = 0; i < srv->nifs; i++) {
		err = run_new(&runs[i]);
		if (err) {
			snprintf(why, whylen, "[detect] of %s is refused (said above)",
				 pl_config_file() ? pl_config_file() : "the configuration");
			pl_srv_det_runs_free(runs, i);
			return err;
		}
	}
	err = pl_det_run_differs(old, runs[0], why, whylen);
	if (err < 0) {
		pl_srv_det_runs_free(runs, srv->nifs);
		return err;
	}
	*changed = err;
	if (!*changed)
		pl_srv_det_runs_free(runs, srv->nifs);
	return 0;
}

void pl_srv_det_reload_commit(struct pl_srv *srv, struct pl_det_run **runs)
{
	/* What the old detectors raised until now; their attacks' rows end as "stopped". */
	for (int i = 0; i < srv->nifs; i++)
		pl_det_run_halt(srv->ifs[i].det.run);
	pl_srv_det_collect(srv, true);
	for (int i = 0; i < srv->nifs; i++) {
		struct pl_srv_det *d = &srv->ifs[i].det;

		d->not_kept_before = d->not_kept;
		d->ticks_before = d->ticks;
		d->evicted_before = d->evicted;
		run_free(d->run);
		d->run = runs[i];
		d->seen_id = 0;
		d->run_ns = (__s64)pl_time_now_ns();
		runs[i] = NULL;
		if (pl_det_run_live(d->run, &srv->ifs[i].dp))
			pl_warn("detection on %s is off until a restart", srv->ifs[i].dp.ifname);
	}
	pl_info("reloaded: [detect] applied again: detection starts learning afresh and an "
		"attack still going on is alerted again");
}
