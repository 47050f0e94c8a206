// SPDX-License-Identifier: BSD-2-Clause
/*
 * reload.c - SIGHUP: the command line and --config FILE parsed again, then applied as
 * one: the token file, --eve FILE (reopened, also when unchanged: logrotate), --ipfix
 * and its timeouts, --idle-timeout, the history's retention, and [detect] (applied
 * when its numbers changed or it names lists, which are read again; the detectors then
 * start afresh). Everything new is
 * opened and checked before anything is swapped, so a bad new configuration (a bad
 * entry, a token file refused, a file or collector that cannot be opened, a change
 * only a restart makes: interfaces, --listen, --db, --mode, --flows, --force, --drops,
 * --l7-packets, --no-detect, [detect] amplification-min-bytes, --no-tcp) keeps
 * the old one whole and says why. Runs in the main (sampler) thread.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include "export/ipfix.h"
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/log.h"

static bool same(const char *a, const char *b)
{
	return a == b || (a && b && !strcmp(a, b));
}

static const char *or_none(const char *s)
{
	return s ? s : "none";
}

/* A copy of @s into *out (NULL stays NULL): 0 or -ENOMEM. */
static int dup(const char *s, const char **out)
{
	*out = s ? strdup(s) : NULL;
	return s && !*out ? -ENOMEM : 0;
}

int pl_serve_cfg_own(struct pl_serve_cfg *cfg)
{
	struct pl_serve_cfg c = *cfg;
	int err = 0;

	if (cfg->owns_strings)
		return 0;
	c.owns_strings = true;
	memset(c.ifnames, 0, sizeof(c.ifnames));
	c.listen = c.token_file = c.db = c.eve = c.ipfix = NULL;
	for (int i = 0; i < c.nifs; i++)
		err = err ?: dup(cfg->ifnames[i], &c.ifnames[i]);
	err = err ?: dup(cfg->listen, &c.listen);
	err = err ?: dup(cfg->token_file, &c.token_file);
	err = err ?: dup(cfg->db, &c.db);
	err = err ?: dup(cfg->eve, &c.eve);
	err = err ?: dup(cfg->ipfix, &c.ipfix);
	if (err) {
		pl_serve_cfg_release(&c); /* the copies made so far; the rest are NULL */
		return err;
	}
	*cfg = c;
	return 0;
}

void pl_serve_cfg_release(struct pl_serve_cfg *cfg)
{
	if (!cfg->owns_strings)
		return;
	for (int i = 0; i < cfg->nifs; i++)
		free((char *)cfg->ifnames[i]);
	free((char *)cfg->listen);
	free((char *)cfg->token_file);
	free((char *)cfg->db);
	free((char *)cfg->eve);
	free((char *)cfg->ipfix);
	memset(cfg, 0, sizeof(*cfg));
}

/* The first change only a restart makes, said in @why; 0 if none. */
static int restart_only(const struct pl_serve_cfg *o, const struct pl_serve_cfg *n, char *why,
			size_t whylen)
{
	const char *what = NULL, *from = NULL, *to = NULL;
	bool ifs = o->nifs != n->nifs;

	for (int i = 0; !ifs && i < o->nifs; i++)
		ifs = strcmp(o->ifnames[i], n->ifnames[i]);
	if (ifs)
		what = "the interfaces (-i)";
	else if (!same(o->listen, n->listen))
		what = "--listen", from = o->listen, to = n->listen;
	else if (!same(o->db, n->db))
		what = "the history (--db/--no-db)", from = or_none(o->db), to = or_none(n->db);
	else if (o->mode != n->mode)
		what = "--mode";
	else if (o->flow_entries != n->flow_entries)
		what = "--flows";
	else if (o->force != n->force)
		what = "--force";
	else if (o->drops != n->drops)
		what = "--drops";
	else if (o->l7_pkts != n->l7_pkts)
		what = "--l7-packets";
	else if (o->detect != n->detect)
		what = "--no-detect";
	else if (o->tcp != n->tcp)
		what = "--no-tcp";
	if (!what)
		return 0;
	if (from)
		snprintf(why, whylen, "%s changed (%s to %s): that needs a restart", what, from, to);
	else
		snprintf(why, whylen, "%s changed: that needs a restart", what);
	return -EINVAL;
}

/* What the new configuration opens before it takes over. */
struct fresh {
	char *token;
	FILE *eve;
	struct pl_ipfix *ipfix;
	bool new_ipfix;       /* ipfix replaces the exporter (else it stays, or goes) */
};

static int open_fresh(struct pl_srv *srv, const struct pl_serve_cfg *n, struct fresh *f,
		      bool *token_failed, char *why, size_t whylen)
{
	const struct pl_serve_cfg *o = srv->cfg;
	int err;

	if (n->token_file) {
		err = pl_token_load(n->token_file, &f->token, why, whylen);
		if (err) {
			*token_failed = true;
			return err;
		}
	}
	if (n->eve) {
		f->eve = fopen(n->eve, "ae");
		if (!f->eve) {
			err = -errno;
			snprintf(why, whylen, "cannot open --eve %s: %s%s", n->eve, strerror(-err),
				 same(o->eve, n->eve) ? "; events go on to the old file" : "");
			return err;
		}
	}
	if (n->ipfix && (!same(o->ipfix, n->ipfix) ||
			 o->ipfix_template_refresh_s != n->ipfix_template_refresh_s)) {
		err = pl_ipfix_out_make(n, &f->ipfix, why, whylen);
		if (err)
			return err;
		f->new_ipfix = true;
	}
	return 0;
}

static void drop_fresh(struct fresh *f)
{
	free(f->token);
	if (f->eve)
		fclose(f->eve);
	pl_ipfix_close(f->ipfix);
}

/* Swap in what was opened; the old parts are closed after srv->lock is let go. */
static void commit(struct pl_srv *srv, struct pl_cfg_node *node, struct fresh *f)
{
	const struct pl_serve_cfg *n = &node->cfg;
	struct pl_ipfix *old_x = NULL;
	FILE *old_eve;
	char *old_tok;

	pthread_mutex_lock(&srv->lock);
	old_tok = srv->token;
	srv->token = f->token;
	old_eve = srv->eve;
	srv->eve = f->eve;
	if (f->new_ipfix || !n->ipfix) {
		old_x = srv->ipfix;
		srv->ipfix = f->ipfix;
	}
	srv->cfg = n;
	node->next = srv->old_cfgs;
	srv->old_cfgs = node;
	srv->reloads++;
	pthread_mutex_unlock(&srv->lock);
	free(old_tok);
	if (old_eve && fclose(old_eve))
		pl_warn("closing the old --eve file failed: %s", strerror(errno));
	if (old_x) {
		pl_ipfix_flush(old_x, pl_time_now_ns() / 1000000ull);
		pl_ipfix_close(old_x);
	}
	pl_hist_set_limits(srv->hist, n->retention_days, n->max_db_mb);
}

int pl_srv_reload_all(struct pl_srv *srv)
{
	struct pl_det_run *runs[PL_SERVE_MAX_IFS] = { 0 };
	struct pl_cfg_node *node;
	struct fresh f = { 0 };
	bool token_failed = false, det_changed = false;
	char why[640];
	int err;

	if (!srv->cfg->reparse) {
		pthread_mutex_lock(&srv->lock);
		err = pl_srv_reload(srv, why, sizeof(why)); /* says why when it fails */
		pthread_mutex_unlock(&srv->lock);
		pl_eve_reopen(srv);
		return err;
	}
	node = calloc(1, sizeof(*node));
	if (!node) {
		snprintf(why, sizeof(why), "out of memory");
		err = -ENOMEM;
		goto fail;
	}
	err = srv->cfg->reparse(&node->cfg);
	if (err) {
		snprintf(why, sizeof(why), "the configuration is refused (said above)");
		goto fail;
	}
	err = restart_only(srv->cfg, &node->cfg, why, sizeof(why));
	if (!err)
		err = open_fresh(srv, &node->cfg, &f, &token_failed, why, sizeof(why));
	if (!err)
		err = pl_srv_det_reload_prepare(srv, runs, &det_changed, why, sizeof(why));
	if (err)
		goto fail;
	if (srv->cfg->eve && same(srv->cfg->eve, node->cfg.eve))
		pl_info("--eve %s reopened", node->cfg.eve);
	commit(srv, node, &f);
	if (det_changed)
		pl_srv_det_reload_commit(srv, runs);
	pl_warn("reloaded: token %s, eve %s, ipfix %s (active timeout %u s), idle timeout %u s, "
		"retention %u days, %u MiB, detection %s", node->cfg.token_file ? "read again" :
		"off", or_none(node->cfg.eve), or_none(node->cfg.ipfix), node->cfg.ipfix_active_s,
		node->cfg.idle_timeout_s, node->cfg.retention_days, node->cfg.max_db_mb,
		!srv->detect ? "off" : det_changed ? "[detect] applied" : "[detect] unchanged");
	return 0;
fail:
	drop_fresh(&f);
	if (node)
		pl_serve_cfg_release(&node->cfg);
	free(node);
	pthread_mutex_lock(&srv->lock);
	srv->reload_failures++;
	snprintf(srv->reload_why, sizeof(srv->reload_why), "%s%s", why,
		 token_failed ? " (the old token stays)" : "");
	pthread_mutex_unlock(&srv->lock);
	pl_warn("reload: %s; the old configuration stays%s", why,
		token_failed ? " (the old token stays)" : "");
	pl_eve_reopen(srv); /* logrotate moved the file whatever else the reload refused */
	return err;
}
