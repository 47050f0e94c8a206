// SPDX-License-Identifier: BSD-2-Clause
/*
 * writer.c - the history's one writer thread. The daemon's threads append minutes and
 * ended flows to a queue under a mutex held for a copy, never across SQLite; the writer
 * takes the whole queue and commits it in one transaction. A failed transaction (disk
 * full, file made read-only) is rolled back and its rows go back to the queue to be
 * tried again; the queue is bounded (flows beyond it are dropped, counted), minutes
 * merge by interface and minute so they never grow it.
 */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sqlite3.h>
#include "analysis/names.h"
#include "history/history.h"
#include "util/log.h"

#define FLOW_QUEUE_MAX 131072
/* Alert rows waiting: an attack makes two (start, end); more than this are dropped. */
#define ALERT_QUEUE_MAX 4096

struct pl_hist {
	struct sqlite3 *db;
	struct pl_hist_opts o;
	char path[PATH_MAX];
	pthread_t thr;
	bool started;
	pthread_mutex_t mu;
	pthread_cond_t cv;
	bool stop, kick;
	struct pl_hist_minute *min; /* pending, one per (interface, minute) */
	size_t nmin, capmin;
	struct pl_hist_flow *fl;
	size_t nfl, capfl;
	struct pl_hist_alert *al;   /* alert rows (new or updated) */
	size_t nal;
	struct pl_hist_counts c;
	int last_rc;                /* of the last failed transaction, 0 after a good one */
	__s64 last_trim;
	sqlite3_stmt *ins_min, *ins_cls, *ins_flow, *ins_alert;
};

static void stats_add(struct pl_stats *a, const struct pl_stats *b)
{
	__u64 *x = (__u64 *)a;
	const __u64 *y = (const __u64 *)b;

	for (size_t i = 0; i < sizeof(*a) / sizeof(__u64); i++)
		x[i] += y[i];
}

void pl_hist_minute_drop(struct pl_hist_minute *m, const char *reason, __u64 packets)
{
	unsigned int i;

	for (i = 0; i < m->ndrops; i++)
		if (!strcmp(m->drops[i].reason, reason))
			break;
	if (i == PL_HIST_DROPS_MAX)
		return;
	if (i == m->ndrops) {
		snprintf(m->drops[i].reason, sizeof(m->drops[i].reason), "%s", reason);
		m->drops[i].packets = 0;
		m->ndrops++;
	}
	m->drops[i].packets += packets;
}

static void minute_merge(struct pl_hist_minute *a, const struct pl_hist_minute *b)
{
	stats_add(&a->delta, &b->delta);
	a->evictions += b->evictions;
	a->unseen += b->unseen;
	a->flows_new += b->flows_new;
	for (unsigned int i = 0; i < b->ndrops; i++)
		pl_hist_minute_drop(a, b->drops[i].reason, b->drops[i].packets);
}

/* Caller holds h->mu. */
static void queue_minute(struct pl_hist *h, const struct pl_hist_minute *m)
{
	for (size_t i = 0; i < h->nmin; i++) {
		if (h->min[i].minute == m->minute && !strcmp(h->min[i].ifname, m->ifname)) {
			minute_merge(&h->min[i], m);
			return;
		}
	}
	if (h->nmin == h->capmin) {
		size_t cap = h->capmin ? 2 * h->capmin : 8;
		void *p = realloc(h->min, cap * sizeof(*h->min));

		if (!p)
			return; /* that second is lost; nothing else to do without memory */
		h->min = p;
		h->capmin = cap;
	}
	h->min[h->nmin++] = *m;
}

/* Caller holds h->mu. */
static bool queue_flow(struct pl_hist *h, const struct pl_hist_flow *f)
{
	if (h->nfl == h->capfl) {
		size_t cap = h->capfl ? 2 * h->capfl : 256;
		void *p;

		if (h->capfl >= FLOW_QUEUE_MAX)
			return false;
		p = realloc(h->fl, cap * sizeof(*h->fl));
		if (!p)
			return false;
		h->fl = p;
		h->capfl = cap;
	}
	h->fl[h->nfl++] = *f;
	return true;
}

void pl_hist_add_minute(struct pl_hist *h, const struct pl_hist_minute *m)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	queue_minute(h, m);
	pthread_mutex_unlock(&h->mu);
}

void pl_hist_add_flow(struct pl_hist *h, const struct pl_hist_flow *f)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	if (!queue_flow(h, f))
		h->c.flows_dropped++;
	pthread_mutex_unlock(&h->mu);
}

/* Caller holds h->mu. The queue is allocated whole at the first row. */
static bool queue_alert(struct pl_hist *h, const struct pl_hist_alert *a)
{
	if (!h->al)
		h->al = malloc(ALERT_QUEUE_MAX * sizeof(*h->al));
	if (!h->al || h->nal == ALERT_QUEUE_MAX)
		return false;
	h->al[h->nal++] = *a;
	return true;
}

void pl_hist_add_alert(struct pl_hist *h, const struct pl_hist_alert *a)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	if (!queue_alert(h, a))
		h->c.alerts_dropped++;
	pthread_mutex_unlock(&h->mu);
}

void pl_hist_kick(struct pl_hist *h)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->kick = true;
	pthread_cond_signal(&h->cv);
	pthread_mutex_unlock(&h->mu);
}

void pl_hist_counts(struct pl_hist *h, struct pl_hist_counts *c)
{
	memset(c, 0, sizeof(*c));
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	*c = h->c;
	c->queued = h->nfl;
	pthread_mutex_unlock(&h->mu);
}

const char *pl_hist_path(const struct pl_hist *h)
{
	return h->path;
}

static int run(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int put_class(struct pl_hist *h, const struct pl_hist_minute *m, const char *layer,
		     const char *cls, __u64 packets, __u64 bytes)
{
	sqlite3_stmt *st = h->ins_cls;

	if (!packets && !bytes)
		return SQLITE_OK;
	sqlite3_bind_text(st, 1, m->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, m->minute);
	sqlite3_bind_text(st, 3, layer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, cls, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)packets);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)bytes);
	return run(st);
}

static int put_minute(struct pl_hist *h, const struct pl_hist_minute *m)
{
	const struct pl_stats *d = &m->delta;
	sqlite3_stmt *st = h->ins_min;
	__u64 mal = 0;
	int rc = SQLITE_OK;

	for (unsigned int i = 0; !rc && i < m->ndrops; i++)
		rc = put_class(h, m, "drop", m->drops[i].reason, m->drops[i].packets, 0);
	/* Drops alone (an interface serve does not watch): no minutes row. */
	if (rc || (!d->packets && !m->flows_new && !m->evictions && !m->unseen))
		return rc;
	for (int i = 1; i < PL_MAL_MAX; i++)
		mal += d->malformed[i];
	sqlite3_bind_text(st, 1, m->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, m->minute);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)d->packets);
	sqlite3_bind_int64(st, 4, (sqlite3_int64)d->bytes);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)mal);
	sqlite3_bind_int64(st, 6, (sqlite3_int64)m->flows_new);
	sqlite3_bind_int64(st, 7, (sqlite3_int64)m->evictions);
	sqlite3_bind_int64(st, 8, (sqlite3_int64)m->unseen);
	rc = run(st);
	for (int i = 0; !rc && i < PL_L3_MAX; i++)
		rc = put_class(h, m, "l3", pl_l3_name(i), d->l3_packets[i], d->l3_bytes[i]);
	for (int i = 0; !rc && i < PL_L4_MAX; i++)
		rc = put_class(h, m, "l4", pl_l4_name(i), d->l4_packets[i], d->l4_bytes[i]);
	for (int i = 1; !rc && i < PL_MAL_MAX; i++)
		rc = put_class(h, m, "malformed", pl_malformed_name(i), d->malformed[i], 0);
	return rc;
}

/* Columns 22-32: the flow's TCP RTT and health; NULL when it has none. */
static void bind_tcp(sqlite3_stmt *st, const struct pl_hist_flow *f)
{
	const __u64 c[6] = { f->tcp_retrans, f->tcp_ooo, f->tcp_dupack, f->tcp_zero_win,
			     f->tcp_rst_client, f->tcp_rst_server };

	for (int i = 22; i <= 32; i++)
		sqlite3_bind_null(st, i);
	if (!f->has_tcp)
		return;
	sqlite3_bind_int64(st, 22, f->rtt_samples);
	if (f->rtt_samples) {
		sqlite3_bind_double(st, 23, f->rtt_min_us);
		sqlite3_bind_double(st, 24, f->rtt_avg_us);
		sqlite3_bind_double(st, 25, f->rtt_max_us);
	}
	if (f->handshake_rtt_us > 0)
		sqlite3_bind_double(st, 26, f->handshake_rtt_us);
	for (int i = 0; i < 6; i++)
		sqlite3_bind_int64(st, 27 + i, (sqlite3_int64)c[i]);
}

static int put_flow(struct pl_hist *h, const struct pl_hist_flow *f)
{
	sqlite3_stmt *st = h->ins_flow;

	sqlite3_bind_text(st, 1, f->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, f->family);
	sqlite3_bind_int(st, 3, f->proto);
	sqlite3_bind_text(st, 4, f->src, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 5, f->sport);
	sqlite3_bind_text(st, 6, f->dst, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 7, f->dport);
	sqlite3_bind_int(st, 8, f->vlan);
	sqlite3_bind_int64(st, 9, (sqlite3_int64)f->packets_fwd);
	sqlite3_bind_int64(st, 10, (sqlite3_int64)f->bytes_fwd);
	sqlite3_bind_int64(st, 11, (sqlite3_int64)f->packets_rev);
	sqlite3_bind_int64(st, 12, (sqlite3_int64)f->bytes_rev);
	sqlite3_bind_int64(st, 13, f->first_ms);
	sqlite3_bind_int64(st, 14, f->last_ms);
	sqlite3_bind_int64(st, 15, f->tcp_flags);
	sqlite3_bind_text(st, 16, f->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 17, f->ended, -1, SQLITE_STATIC);
	/* NULL, not "": never classified (or L7 off). */
	if (f->application[0])
		sqlite3_bind_text(st, 18, f->application, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 18);
	if (f->category[0])
		sqlite3_bind_text(st, 19, f->category, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 19);
	if (f->l7_name_kind) {
		sqlite3_bind_text(st, 20, f->l7_name, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 21, f->l7_name_kind, -1, SQLITE_STATIC);
	} else {
		sqlite3_bind_null(st, 20);
		sqlite3_bind_null(st, 21);
	}
	bind_tcp(st, f);
	return run(st);
}

static int put_alert(struct pl_hist *h, const struct pl_hist_alert *a)
{
	sqlite3_stmt *st = h->ins_alert;

	sqlite3_bind_int64(st, 1, a->run);
	sqlite3_bind_text(st, 2, a->ifname, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, (sqlite3_int64)a->alert_id);
	sqlite3_bind_int64(st, 4, a->first_ms);
	sqlite3_bind_int64(st, 5, a->last_ms);
	sqlite3_bind_int64(st, 6, a->gid);
	sqlite3_bind_int64(st, 7, a->sid);
	sqlite3_bind_int64(st, 8, a->rev);
	sqlite3_bind_int(st, 9, (int)a->severity);
	sqlite3_bind_text(st, 10, a->signature, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 11, a->category, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 12, a->family);
	sqlite3_bind_int(st, 13, a->proto);
	sqlite3_bind_text(st, 14, a->src, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 15, a->sport);
	sqlite3_bind_text(st, 16, a->dst, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 17, a->dport);
	sqlite3_bind_int64(st, 18, (sqlite3_int64)a->updates);
	sqlite3_bind_text(st, 19, a->state, -1, SQLITE_STATIC);
	if (a->evidence[0])
		sqlite3_bind_text(st, 20, a->evidence, -1, SQLITE_STATIC);
	else
		sqlite3_bind_null(st, 20);
	return run(st);
}

/* One transaction: every minute, flow and alert taken from the queue. SQLite's code. */
static int commit(struct pl_hist *h, const struct pl_hist_minute *min, size_t nmin,
		  const struct pl_hist_flow *fl, size_t nfl, const struct pl_hist_alert *al,
		  size_t nal)
{
	int rc = sqlite3_exec(h->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	for (size_t i = 0; !rc && i < nmin; i++)
		rc = put_minute(h, &min[i]);
	for (size_t i = 0; !rc && i < nfl; i++)
		rc = put_flow(h, &fl[i]);
	for (size_t i = 0; !rc && i < nal; i++)
		rc = put_alert(h, &al[i]);
	if (!rc)
		rc = sqlite3_exec(h->db, "COMMIT", NULL, NULL, NULL);
	if (rc && !sqlite3_get_autocommit(h->db))
		sqlite3_exec(h->db, "ROLLBACK", NULL, NULL, NULL);
	return rc;
}

/* A failed batch of alerts goes back in front of what was queued since (in order:
 * a later update of the same row must stay after it). */
static void requeue_alerts(struct pl_hist *h, struct pl_hist_alert *al, size_t nal)
{
	struct pl_hist_alert *later = h->al;
	size_t nlater = h->nal;

	h->al = al;
	h->nal = nal;
	for (size_t i = 0; i < nlater; i++)
		if (!queue_alert(h, &later[i]))
			h->c.alerts_dropped++;
	free(later);
}

/* A failed batch goes back in front of what was queued since. */
static void requeue(struct pl_hist *h, struct pl_hist_minute *min, size_t nmin,
		    struct pl_hist_flow *fl, size_t nfl)
{
	struct pl_hist_flow *later = h->fl;
	size_t nlater = h->nfl;

	for (size_t i = 0; i < nmin; i++)
		queue_minute(h, &min[i]);
	h->fl = fl;
	h->nfl = nfl;
	h->capfl = nfl;
	for (size_t i = 0; i < nlater; i++)
		if (!queue_flow(h, &later[i]))
			h->c.flows_dropped++;
	free(later);
}

static void report(struct pl_hist *h, int rc)
{
	char why[640];

	if (rc && rc != h->last_rc) {
		pl_db_err(h->db, rc, h->path, why, sizeof(why));
		pl_warn("history: %s; the rows stay queued and are tried again", why);
	} else if (!rc && h->last_rc) {
		pl_info("history: writing to %s again", h->path);
	}
	h->last_rc = rc;
}

static void maybe_trim(struct pl_hist *h, bool force)
{
	__s64 now = (__s64)time(NULL);
	struct pl_hist_opts o;
	char why[640];
	long n;

	pthread_mutex_lock(&h->mu); /* a reload may change the limits */
	o = h->o;
	pthread_mutex_unlock(&h->mu);
	if (!force && now - h->last_trim < 60)
		return;
	h->last_trim = now;
	if (!o.retention_days && !o.max_db_mb)
		return;
	n = pl_hist_trim(h->db, &o, now, why, sizeof(why));
	if (n < 0) {
		pl_warn("history: retention: %s", why);
		return;
	}
	pthread_mutex_lock(&h->mu);
	h->c.rows_trimmed += (__u64)n;
	pthread_mutex_unlock(&h->mu);
}

static void *writer(void *arg)
{
	struct pl_hist *h = arg;
	bool stop = false;

	maybe_trim(h, true);
	while (!stop) {
		struct pl_hist_minute *min;
		struct pl_hist_flow *fl;
		struct pl_hist_alert *al;
		size_t nmin, nfl, nal;
		struct timespec ts;
		int rc;

		pthread_mutex_lock(&h->mu);
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += 1;
		while (!h->stop && !h->kick)
			if (pthread_cond_timedwait(&h->cv, &h->mu, &ts) == ETIMEDOUT)
				break;
		stop = h->stop;
		h->kick = false;
		min = h->min, nmin = h->nmin, fl = h->fl, nfl = h->nfl;
		h->min = NULL, h->nmin = h->capmin = 0;
		h->fl = NULL, h->nfl = h->capfl = 0;
		al = h->al, nal = h->nal;
		h->al = NULL, h->nal = 0;
		pthread_mutex_unlock(&h->mu);
		rc = (nmin || nfl || nal) ? commit(h, min, nmin, fl, nfl, al, nal) : SQLITE_OK;
		pthread_mutex_lock(&h->mu);
		if (rc) {
			h->c.write_errors++;
			requeue(h, min, nmin, fl, nfl);
			requeue_alerts(h, al, nal);
			fl = NULL;
			al = NULL;
		} else {
			h->c.minutes_written += nmin;
			h->c.flows_written += nfl;
			h->c.alerts_written += nal;
		}
		pthread_mutex_unlock(&h->mu);
		free(min);
		free(fl);
		free(al);
		report(h, rc);
		if (!rc)
			maybe_trim(h, false);
	}
	return NULL;
}

static const char sql_min[] =
	"INSERT INTO minutes (interface, minute, packets, bytes, malformed, flows_new, "
	"evictions, flows_unseen) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
	"ON CONFLICT (interface, minute) DO UPDATE SET packets = packets + excluded.packets, "
	"bytes = bytes + excluded.bytes, malformed = malformed + excluded.malformed, "
	"flows_new = flows_new + excluded.flows_new, evictions = evictions + excluded.evictions, "
	"flows_unseen = flows_unseen + excluded.flows_unseen";
static const char sql_cls[] =
	"INSERT INTO minute_classes (interface, minute, layer, class, packets, bytes) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (interface, minute, layer, class) "
	"DO UPDATE SET packets = packets + excluded.packets, bytes = bytes + excluded.bytes";
static const char sql_flow[] =
	"INSERT INTO flows (interface, family, proto, src, sport, dst, dport, vlan, packets_fwd, "
	"bytes_fwd, packets_rev, bytes_rev, first_seen, last_seen, tcp_flags, state, ended, "
	"application, category, l7_name, l7_name_kind, rtt_samples, rtt_min_us, rtt_avg_us, "
	"rtt_max_us, handshake_rtt_us, tcp_retransmits, tcp_out_of_order, tcp_duplicate_acks, "
	"tcp_zero_windows, tcp_resets_client, tcp_resets_server) "
	"VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, "
	"?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32)";

/* A row per attack: its start inserts it, its end (or the stop) updates it. */
static const char sql_alert[] =
	"INSERT INTO alerts (run, interface, alert_id, first_seen, last_seen, gid, sid, rev, "
	"severity, signature, category, family, proto, src, sport, dst, dport, updates, state, "
	"evidence) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, "
	"?16, ?17, ?18, ?19, ?20) ON CONFLICT (run, interface, alert_id) DO UPDATE SET "
	"last_seen = excluded.last_seen, updates = excluded.updates, state = excluded.state, "
	"evidence = coalesce(excluded.evidence, evidence)";

int pl_hist_start(struct pl_hist **out, const struct pl_hist_opts *o, char *why, size_t whylen)
{
	struct pl_hist *h = calloc(1, sizeof(*h));
	int rc, err;

	*out = NULL;
	if (!h)
		return -ENOMEM;
	h->o = *o;
	snprintf(h->path, sizeof(h->path), "%s", o->path);
	h->o.path = h->path;
	pthread_mutex_init(&h->mu, NULL);
	pthread_cond_init(&h->cv, NULL);
	err = pl_db_open(h->path, false, &h->db, why, whylen);
	if (err)
		goto fail;
	rc = sqlite3_prepare_v2(h->db, sql_min, -1, &h->ins_min, NULL);
	if (!rc)
		rc = sqlite3_prepare_v2(h->db, sql_cls, -1, &h->ins_cls, NULL);
	if (!rc)
		rc = sqlite3_prepare_v2(h->db, sql_flow, -1, &h->ins_flow, NULL);
	if (!rc)
		rc = sqlite3_prepare_v2(h->db, sql_alert, -1, &h->ins_alert, NULL);
	if (rc) {
		err = pl_db_err(h->db, rc, h->path, why, whylen);
		goto fail;
	}
	err = -pthread_create(&h->thr, NULL, writer, h);
	if (err) {
		snprintf(why, whylen, "history: cannot start the writer thread: %s", strerror(-err));
		goto fail;
	}
	h->started = true;
	*out = h;
	return 0;
fail:
	pl_hist_stop(h);
	return err;
}

void pl_hist_stop(struct pl_hist *h)
{
	if (!h)
		return;
	if (h->started) {
		pthread_mutex_lock(&h->mu);
		h->stop = true;
		pthread_cond_signal(&h->cv);
		pthread_mutex_unlock(&h->mu);
		pthread_join(h->thr, NULL);
		if (h->nmin || h->nfl || h->nal)
			pl_warn("history: %zu flows, %zu minutes and %zu alert rows could not be "
				"written to %s", h->nfl, h->nmin, h->nal, h->path);
	}
	sqlite3_finalize(h->ins_min);
	sqlite3_finalize(h->ins_cls);
	sqlite3_finalize(h->ins_flow);
	sqlite3_finalize(h->ins_alert);
	pl_db_close(h->db);
	pthread_mutex_destroy(&h->mu);
	pthread_cond_destroy(&h->cv);
	free(h->min);
	free(h->fl);
	free(h->al);
	free(h);
}

void pl_hist_set_limits(struct pl_hist *h, unsigned int retention_days, unsigned int max_db_mb)
{
	if (!h)
		return;
	pthread_mutex_lock(&h->mu);
	h->o.retention_days = retention_days;
	h->o.max_db_mb = max_db_mb;
	h->last_trim = 0;
	pthread_mutex_unlock(&h->mu);
}
