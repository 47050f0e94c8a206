// SPDX-License-Identifier: BSD-2-Clause
/*
 * record.c - what the daemon writes to its history at each read of an interface's maps
 * (once a second): the counters' change since the last read, added to the current
 * minute, and the flows that left the table since the last read.
 *
 * The table is compared with the one read a second before (indexed by key): an
 * entry gone (or whose key came back with a new first packet) was evicted by the LRU
 * and is written with its counts at the last read; packets it took after that read are
 * in the minutes but not in its row. A flow created and evicted between two reads is
 * never seen: flows_unseen counts them (flows created minus new keys seen). While the
 * kernel evicts, the table is also read between samples (pl_rec_peek, up to ten times a
 * second) for the flows gone, so that fewer go unseen. With an idle timeout, entries
 * idle longer are deleted here and written as "idle", which keeps the table from
 * filling so that the LRU rarely has to evict anything.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <bpf/bpf.h>
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/log.h"

/* The flow's L7 into its history row. */
static void l7_of(struct pl_hist_flow *h, const struct pl_srv_app *a)
{
	const char *name = a->dns ? a->dns : a->sni ? a->sni : a->host;

	snprintf(h->application, sizeof(h->application), "%s", a->v.name);
	snprintf(h->category, sizeof(h->category), "%s", a->v.category);
	if (name) {
		snprintf(h->l7_name, sizeof(h->l7_name), "%s", name);
		h->l7_name_kind = a->dns ? "dns" : a->sni ? "tls" : "http";
	}
}

static void write_flow(struct pl_srv *srv, int i, const struct pl_flow *f, __s64 to_unix,
		       const char *ended)
{
	const struct pl_srv_app *app = pl_srv_l7_end(srv, i, &f->key);
	struct pl_hist_flow h;

	pl_eve_flow(srv, i, f, to_unix, ended, app);
	pl_ipfix_out_flow(srv, i, f, to_unix, ended);
	if (srv->hist) {
		pl_hist_flow_from(&h, srv->ifs[i].dp.ifname, f, to_unix, ended);
		if (app)
			l7_of(&h, app);
		pl_srv_tcp_row(srv, i, &f->key, &h);
		pl_hist_add_flow(srv->hist, &h);
	}
	pl_srv_l7_forget(srv, i, &f->key);
	pl_srv_tcp_forget(srv, i, &f->key);
}

/* Flows leaving the table are followed for the history, the EVE file or both. */
static bool wanted(const struct pl_srv *srv)
{
	return srv->hist || srv->eve || srv->ipfix;
}

/*
 * Delete @f from the table if it is still idle: looked up again first, so a flow that
 * took a packet since the read stays (its copy is refreshed). A packet that lands
 * between that look-up and the delete is lost to its row (it stays in the minutes).
 */
static bool remove_idle(int fd, struct pl_flow *f)
{
	struct pl_flow_value v;

	if (bpf_map_lookup_elem(fd, &f->key, &v))
		return true; /* evicted meanwhile: its last read is what there is */
	if (v.last_seen_ns != f->val.last_seen_ns || v.packets[0] != f->val.packets[0] ||
	    v.packets[1] != f->val.packets[1]) {
		f->val = v;
		return false;
	}
	return !bpf_map_delete_elem(fd, &f->key);
}

/*
 * Compare @cur with the last read (indexed by key): the entries gone, and those whose
 * key came back with a new first packet, are written as evicted. Returns the new keys
 * seen; none when memory for the comparison is short (said once).
 */
static size_t diff(struct pl_srv *srv, int i, const struct pl_flow *cur, size_t n, __s64 to_unix)
{
	struct pl_rec *r = &srv->ifs[i].rec;
	unsigned char *seen = calloc(r->nprev ? r->nprev : 1, 1);
	size_t fresh = 0;

	if (!seen) {
		if (!r->warned++)
			pl_warn("history: no memory to compare the flow table of %s: flows that "
				"leave it meanwhile are not written", srv->ifs[i].dp.ifname);
		return 0;
	}
	for (size_t b = 0; b < n; b++) {
		long a = pl_flowset_find(&r->idx, &cur[b].key);

		if (a < 0) {
			fresh++;
			continue;
		}
		seen[a] = 1;
		if (r->prev[a].val.first_seen_ns != cur[b].val.first_seen_ns) {
			write_flow(srv, i, &r->prev[a], to_unix, "evicted");
			fresh++;
		}
	}
	for (size_t a = 0; a < r->nprev; a++)
		if (!seen[a])
			write_flow(srv, i, &r->prev[a], to_unix, "evicted");
	free(seen);
	return fresh;
}

/* @flows (n) become the last read, indexed for the next comparison. */
static void keep(struct pl_srv *srv, int i, struct pl_flow *flows, size_t n)
{
	struct pl_rec *r = &srv->ifs[i].rec;

	free(r->prev);
	r->prev = flows;
	r->nprev = n;
	if (pl_flowset_build(&r->idx, flows, n)) {
		/* Without an index nothing compares: start again from an empty read. */
		if (!r->warned++)
			pl_warn("history: no memory to index the flow table of %s",
				srv->ifs[i].dp.ifname);
		free(r->prev);
		r->prev = NULL;
		r->nprev = 0;
		r->idx.n = 0;
	}
}

/* Take the idle entries out of the table (and @flows); returns how many are left. */
static size_t expire(struct pl_srv *srv, int i, struct pl_flow *flows, size_t n, __u64 now_mono,
		     __s64 to_unix)
{
	__u64 idle = (__u64)srv->cfg->idle_timeout_s * 1000000000ull;
	size_t k = 0;

	for (size_t j = 0; j < n; j++) {
		struct pl_flow *f = &flows[j];

		if (idle && now_mono > f->val.last_seen_ns + idle &&
		    remove_idle(srv->ifs[i].dp.flows_fd, f)) {
			write_flow(srv, i, f, to_unix, "idle");
			continue;
		}
		flows[k++] = *f;
	}
	return k;
}

void pl_rec_sample(struct pl_srv *srv, int i, const struct pl_stats *cur, struct pl_flow *flows,
		   size_t n, __u64 now_mono)
{
	struct pl_rec *r = &srv->ifs[i].rec;
	__s64 to_unix = pl_time_mono_to_unix();
	struct pl_hist_minute m = { 0 };
	__u64 created, fresh;
	__s64 grown;

	if (!wanted(srv)) {
		free(flows);
		return;
	}
	fresh = diff(srv, i, flows, n, to_unix) + r->fresh_acc;
	r->fresh_acc = 0;
	snprintf(m.ifname, sizeof(m.ifname), "%s", srv->ifs[i].dp.ifname);
	m.minute = ((__s64)(now_mono + (__u64)to_unix) / 1000000000) / 60 * 60;
	pl_stats_sub(&m.delta, cur, &r->base);
	created = m.delta.flows_created;
	grown = (__s64)n - (__s64)r->nbase;
	m.flows_new = created;
	/* Left the table on their own (LRU): created minus what the table grew by. */
	m.evictions = (__s64)created > grown ? (__u64)((__s64)created - grown) : 0;
	m.unseen = created > fresh ? created - fresh : 0;
	if (srv->hist && (m.delta.packets || m.flows_new || m.evictions))
		pl_hist_add_minute(srv->hist, &m);
	r->base = *cur;
	/* The table churns: read it more often until the next sample (pl_rec_peek). */
	r->hot = m.evictions > 0;
	n = expire(srv, i, flows, n, now_mono, to_unix);
	pl_ipfix_out_active(srv, i, flows, n, to_unix, now_mono);
	keep(srv, i, flows, n);
	r->nbase = r->nprev;
	pl_eve_flush(srv);
	pl_ipfix_out_flush(srv);
}

int pl_rec_peek(struct pl_srv *srv, int i)
{
	struct pl_rec *r = &srv->ifs[i].rec;
	struct pl_flow *flows = NULL;
	size_t n = 0;
	int err;

	if (!wanted(srv) || !r->hot || srv->ifs[i].gone)
		return 0;
	err = pl_flows_read(srv->ifs[i].dp.flows_fd, &flows, &n);
	if (err)
		return err;
	r->fresh_acc += diff(srv, i, flows, n, pl_time_mono_to_unix());
	keep(srv, i, flows, n);
	r->peeks++;
	pl_eve_flush(srv);
	pl_ipfix_out_flush(srv);
	return 0;
}

void pl_rec_stop(struct pl_srv *srv, int i)
{
	struct pl_rec *r = &srv->ifs[i].rec;
	__s64 to_unix = pl_time_mono_to_unix();

	for (size_t j = 0; wanted(srv) && j < r->nprev; j++)
		write_flow(srv, i, &r->prev[j], to_unix, "stopped");
	pl_eve_flush(srv);
	pl_ipfix_out_flush(srv);
	free(r->prev);
	r->prev = NULL;
	r->nprev = 0;
	pl_flowset_free(&r->idx);
}
