// SPDX-License-Identifier: BSD-2-Clause
/*
 * daemon.c - the life of `pktlens serve`: attach every interface, start the HTTP
 * server, then sample the counters once a second until SIGTERM/SIGINT; SIGHUP reloads.
 * The signals are blocked in every thread and taken by the main thread alone
 * (sigtimedwait), so the HTTP thread is never interrupted and nothing races on them.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <microhttpd.h>
#include "detect/run.h"
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/log.h"

static __u64 mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (__u64)ts.tv_sec * 1000000000ull + (__u64)ts.tv_nsec;
}

int pl_srv_find(const struct pl_srv *srv, const char *name)
{
	for (int i = 0; i < srv->nifs; i++)
		if (!strcmp(srv->ifs[i].dp.ifname, name))
			return i;
	return -1;
}

void pl_srv_stats(struct pl_srv *srv, int i, struct pl_stats *out)
{
	struct pl_srv_if *s = &srv->ifs[i];

	if (s->gone || pl_stats_read(s->dp.stats_fd, out))
		*out = s->total;
}

int pl_srv_reload(struct pl_srv *srv, char *why, size_t whylen)
{
	char *tok = NULL;
	int err;

	if (srv->cfg->token_file) {
		err = pl_token_load(srv->cfg->token_file, &tok, why, whylen);
		if (err) {
			srv->reload_failures++;
			pl_warn("reload: %s; the old token stays", why);
			return err;
		}
		free(srv->token);
		srv->token = tok;
	}
	srv->reloads++;
	pl_info("reloaded%s", srv->cfg->token_file ? ": token file read again" : "");
	return 0;
}

/*
 * Once a second: the counters (for rates) and the size of each flow table; what
 * changed goes to the history's queue (record.c).
 */
static void sample_one(struct pl_srv *srv, int i)
{
	struct pl_srv_if *s = &srv->ifs[i];
	struct pl_flow *flows = NULL;
	struct pl_stats cur;
	size_t n = 0;
	__u64 now;

	pthread_mutex_lock(&srv->lock);
	if (!s->gone && !pl_dp_interface_present(&s->dp)) {
		s->gone = true;
		pl_warn("%s is gone: its last figures stay served", s->dp.ifname);
	}
	pthread_mutex_unlock(&srv->lock);
	if (s->gone)
		return;
	/* Read outside the lock: the HTTP thread goes on answering meanwhile. */
	if (pl_stats_read(s->dp.stats_fd, &cur) || pl_flows_read(s->dp.flows_fd, &flows, &n)) {
		pl_warn("reading the maps of %s failed: %s", s->dp.ifname, strerror(errno));
		free(flows);
		return;
	}
	now = mono_ns();
	pl_srv_l7_sample(srv, i, now);
	pl_rec_sample(srv, i, &cur, flows, n, now); /* takes flows */
	pthread_mutex_lock(&srv->lock);
	if (s->sample_mono_ns) {
		struct pl_rate_sample *r = &s->rates[s->rates_next];

		pl_stats_sub(&s->delta, &cur, &s->total);
		s->interval_s = (now - s->sample_mono_ns) / 1e9;
		s->sampled = true;
		r->unix_ns = pl_time_now_ns();
		r->interval_s = s->interval_s;
		r->packets = s->delta.packets;
		r->bytes = s->delta.bytes;
		s->rates_next = (s->rates_next + 1) % PL_RATES_MAX;
		if (s->rates_n < PL_RATES_MAX)
			s->rates_n++;
	}
	s->total = cur;
	s->nflows = n;
	s->flows_created = cur.flows_created;
	s->sample_mono_ns = now;
	pthread_mutex_unlock(&srv->lock);
}

static int attach_all(struct pl_srv *srv, const struct pl_serve_cfg *cfg)
{
	for (int i = 0; i < cfg->nifs; i++) {
		struct pl_dp_opts o = {
			.mode = cfg->mode, .ifname = cfg->ifnames[i], .flows = true,
			.flow_entries = cfg->flow_entries, .force = cfg->force,
			.filter_linktype = PL_LINKTYPE_ETHERNET, .l7_pkts = cfg->l7_pkts,
			.detect = cfg->detect,
			.tcp = cfg->tcp,
		};
		struct pl_dp *dp = &srv->ifs[i].dp;
		int err;

		if (srv->ifs[i].det.run)
			o.amp_min_bytes = srv->ifs[i].det.run->cfg.amp_min_bytes;
		err = pl_dp_load(dp, &o);

		if (!err)
			err = pl_dp_attach(dp, &o);
		if (err)
			return err;
		srv->nifs = i + 1;
		pl_dp_mode_note(dp);
		if (cfg->l7_pkts && ((err = pl_srv_perf_start(srv, i)) ||
				     (err = pl_srv_l7_start(srv, i))))
			return err;
	}
	srv->l7 = cfg->l7_pkts > 0;
	srv->tcp = cfg->tcp;
	return 0;
}

/*
 * A last read of every interface, and every flow still in a table, into the history;
 * detection's threads stopped first, its last alerts taken after the flows' last L7
 * (domain lists).
 */
static void record_last(struct pl_srv *srv)
{
	for (int i = 0; i < srv->nifs; i++)
		if (srv->ifs[i].det.run)
			pl_det_run_halt(srv->ifs[i].det.run);
	for (int i = 0; i < srv->nifs; i++) {
		sample_one(srv, i);
		pl_rec_stop(srv, i);
	}
	pl_srv_drops_sample(srv); /* the last drops into the history too */
	pl_srv_det_collect(srv, true);
}

static void detach_all(struct pl_srv *srv)
{
	/* A zeroed dp (never loaded) is safe to close. */
	for (int i = 0; i < PL_SERVE_MAX_IFS; i++)
		pl_dp_close(&srv->ifs[i].dp);
}

/* Wait for a signal until @deadline (monotonic ns); 0 on time out, else the signal. */
static int wait_signal(const sigset_t *set, __u64 deadline)
{
	__u64 now = mono_ns();
	struct timespec ts = { 0, 0 };
	int sig;

	if (deadline > now) {
		ts.tv_sec = (time_t)((deadline - now) / 1000000000ull);
		ts.tv_nsec = (long)((deadline - now) % 1000000000ull);
	}
	sig = sigtimedwait(set, NULL, &ts);
	return sig < 0 ? 0 : sig;
}

/*
 * Peeks between samples (record.c) while a table evicts: every 100 ms, or ten times as
 * long as the last one took, so that they cost at most a tenth of a CPU.
 */
static __u64 peek_all(struct pl_srv *srv)
{
	__u64 t0 = mono_ns(), took;

	for (int i = 0; i < srv->nifs; i++)
		pl_rec_peek(srv, i);
	took = mono_ns() - t0;
	return mono_ns() + (10 * took > 100000000ull ? 10 * took : 100000000ull);
}

static bool any_hot(const struct pl_srv *srv)
{
	for (int i = 0; i < srv->nifs; i++)
		if (srv->ifs[i].rec.hot)
			return true;
	return false;
}

/*
 * SIGHUP, or POST /api/v1/reload (which sends the main thread SIGHUP and waits): every
 * request asked before this reload starts is answered by it.
 */
static void reload(struct pl_srv *srv)
{
	__u64 asked;
	int err;

	pthread_mutex_lock(&srv->lock);
	asked = srv->reload_asked;
	pthread_mutex_unlock(&srv->lock);
	err = pl_srv_reload_all(srv); /* says why when it fails */
	pthread_mutex_lock(&srv->lock);
	srv->reload_err = err;
	srv->reload_done = asked;
	pthread_cond_broadcast(&srv->reload_cond);
	pthread_mutex_unlock(&srv->lock);
}

/* The L7 rings are read this often, so that a burst of new flows fits in them; the
 * detectors' new alerts are taken as often. */
#define L7_POLL_NS 50000000ull

static void serve_loop(struct pl_srv *srv, const sigset_t *set)
{
	__u64 next = mono_ns(), next_peek = next;
	int sig;

	for (;;) {
		bool peek = any_hot(srv) && next_peek < next;
		__u64 due = peek ? next_peek : next, now = mono_ns();
		bool poll = srv->l7 || srv->detect;

		sig = wait_signal(set, poll && due > now + L7_POLL_NS ? now + L7_POLL_NS : due);
		if (sig == SIGTERM || sig == SIGINT) {
			pl_info("%s: stopping", strsignal(sig));
			pthread_mutex_lock(&srv->lock);
			srv->stopping = true; /* a POST /api/v1/reload waiting is answered */
			pthread_cond_broadcast(&srv->reload_cond);
			pthread_mutex_unlock(&srv->lock);
			return;
		}
		if (sig == SIGHUP) {
			reload(srv);
			continue;
		}
		pl_srv_l7_drain(srv);
		pl_srv_det_collect(srv, false);
		if (mono_ns() < due)
			continue; /* only the L7 rings and the alerts were due */
		if (peek && mono_ns() < next) {
			next_peek = peek_all(srv);
			continue;
		}
		for (int i = 0; i < srv->nifs; i++)
			sample_one(srv, i);
		pl_srv_drops_sample(srv);
		pl_hist_kick(srv->hist);
		next_peek = mono_ns() + 100000000ull;
		next += 1000000000ull;
		if (next < mono_ns()) /* slow reads: no burst of samples to catch up */
			next = mono_ns() + 1000000000ull;
	}
}

int pl_serve_run(const struct pl_serve_cfg *cfg)
{
	struct pl_srv *srv = calloc(1, sizeof(*srv));
	struct sockaddr_storage ss;
	struct MHD_Daemon *mhd = NULL;
	const char *why;
	char msg[512];
	sigset_t set, old;
	int rc = 1;

	if (!srv)
		return 1;
	pthread_mutex_init(&srv->lock, NULL);
	pthread_cond_init(&srv->reload_cond, NULL);
	srv->main_thread = pthread_self();
	srv->cfg = cfg;
	srv->start_unix_ns = pl_time_now_ns();
	if (pl_listen_parse(cfg->listen, &ss, &why)) { /* checked by the command already */
		pl_warn("invalid --listen '%s': %s", cfg->listen, why);
		goto out;
	}
	if (cfg->token_file && pl_token_load(cfg->token_file, &srv->token, msg, sizeof(msg))) {
		pl_warn("%s", msg);
		goto out;
	}
	/* Blocked before any thread starts: libmicrohttpd's threads inherit the mask. */
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, &old);
	if (cfg->db) {
		struct pl_hist_opts ho = { .path = cfg->db, .retention_days = cfg->retention_days,
					   .max_db_mb = cfg->max_db_mb };

		if (pl_hist_start(&srv->hist, &ho, msg, sizeof(msg))) {
			pl_warn("%s", msg);
			goto out_mask;
		}
	}
	if (cfg->eve && pl_eve_open(srv, cfg->eve, msg, sizeof(msg))) {
		pl_warn("%s", msg);
		goto out_mask;
	}
	if (pl_ipfix_out_make(cfg, &srv->ipfix, msg, sizeof(msg))) {
		pl_warn("%s", msg);
		goto out_mask;
	}
	/* [detect] before attaching: a bad entry or list is said before anything runs. */
	if (pl_srv_det_start(srv))
		goto out_mask;
	if (attach_all(srv, cfg))
		goto out_mask;
	if (pl_srv_drops_start(srv)) /* after the interfaces: -i must exist */
		goto out_mask;
	if (pl_srv_det_live(srv))
		goto out_mask;
	mhd = pl_http_start(srv, &ss);
	if (!mhd) {
		pl_warn("cannot listen on %s (%s): is another server using the port? choose "
			"another with --listen ADDR:PORT", cfg->listen, strerror(errno));
		goto out_mask;
	}
	fprintf(stderr, "pktlens: serving");
	for (int i = 0; i < srv->nifs; i++)
		fprintf(stderr, "%s %s (%s)", i ? "," : "", srv->ifs[i].dp.ifname,
			pl_mode_name(srv->ifs[i].dp.mode));
	fprintf(stderr, " on http://%s/ (write calls %s; history %s; eve %s; ipfix %s; "
		"drops %s; detection %s; tcp %s; l7 %s)\n", cfg->listen, srv->token ? "need the token" :
		"off: no --token-file", cfg->db ? cfg->db : "off", cfg->eve ? cfg->eve : "off",
		cfg->ipfix ? cfg->ipfix : "off", srv->drops ? "on" : "off",
		srv->detect ? "on" : "off", srv->tcp ? "on" : "off", srv->l7 ? "on" : "off");
	serve_loop(srv, &set);
	rc = 0;
	record_last(srv);
out_mask:
	pl_http_stop(srv, mhd); /* no request is in flight past this point */
	pl_srv_det_stop(srv); /* before the maps it reads are closed */
	pl_srv_l7_stop(srv);
	pl_srv_perf_stop(srv);
	detach_all(srv);
	pl_srv_drops_stop(srv);
	pl_hist_stop(srv->hist); /* writes what is queued */
	pl_eve_close(srv);
	pl_ipfix_out_close(srv);
	for (int i = 0; i < PL_SERVE_MAX_IFS; i++) {
		free(srv->ifs[i].rec.prev);
		pl_flowset_free(&srv->ifs[i].rec.idx);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
out:
	while (srv->old_cfgs) {
		struct pl_cfg_node *n = srv->old_cfgs->next;

		pl_serve_cfg_release(&srv->old_cfgs->cfg);
		free(srv->old_cfgs);
		srv->old_cfgs = n;
	}
	free(srv->token);
	pthread_cond_destroy(&srv->reload_cond);
	pthread_mutex_destroy(&srv->lock);
	free(srv);
	return rc;
}
