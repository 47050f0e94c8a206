// SPDX-License-Identifier: BSD-2-Clause
/*
 * capture.c - `pktlens report -r CAPTURE`: the capture run through the offline data
 * plane as analyze runs it (BPF_PROG_TEST_RUN, with L7), written to a history database
 * as serve would have written it live: one row per minute of the packets' time stamps
 * (in file order: a frame from an earlier minute adds to that minute's row), and at the
 * end one row per flow of the table, with its application and name. The page is then
 * made from that database like any other.
 *
 * Frames run on one worker in the calling thread, its batch run at each minute's end,
 * so that the counters read then hold exactly the frames before it.
 */
#include <errno.h>
#include <stdlib.h>
#include <bpf/bpf.h>
#include <string.h>
#include <libgen.h>
#include "l7/classify.h"
#include "l7/session.h"
#include "loader/dataplane.h"
#include "loader/filter_prog.h"
#include "loader/offline_runner.h"
#include "report/report.h"
#include "sources/pcap_file.h"
#include "util/args.h"
#include "util/log.h"

#define APP_BUCKETS 4096

/* A flow L7 classified: its verdict and the name it was for. */
struct capp {
	struct capp *next;
	struct pl_flow_key key;
	char app[64], cat[32], name[256];
	const char *kind;
};

struct crun {
	struct pl_hist *h;
	struct pl_dp dp;
	struct pl_runner *runner;
	struct pl_l7_session *l7;
	struct capp *b[APP_BUCKETS];
	char ifname[16];
	int cpu;
	struct pl_stats base, extra; /* counters at the last minute's end; short frames */
	__u64 created0;
};

static size_t bucket(const struct pl_flow_key *k)
{
	const unsigned char *p = (const void *)k;
	__u32 h = 2166136261u;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h & (APP_BUCKETS - 1);
}

static void on_classified(void *arg, const struct pl_flow_key *k, const struct pl_l7_verdict *v,
			  const struct pl_l7_meta *m, const struct pl_l7_eve_flow *ev)
{
	struct crun *c = arg;
	struct capp *a = calloc(1, sizeof(*a));
	const char *name = m->dns.have_query && m->dns.qname[0] ? m->dns.qname :
			   m->tls.sni[0] ? m->tls.sni : m->http.host[0] ? m->http.host : NULL;

	(void)ev;
	if (!a)
		return; /* the row goes without its application */
	a->key = *k;
	snprintf(a->app, sizeof(a->app), "%s", v->name);
	snprintf(a->cat, sizeof(a->cat), "%s", v->category);
	if (name) {
		snprintf(a->name, sizeof(a->name), "%s", name);
		a->kind = name == m->dns.qname ? "dns" : name == m->tls.sni ? "tls" : "http";
	}
	a->next = c->b[bucket(k)];
	c->b[bucket(k)] = a;
}

static const struct capp *app_of(const struct crun *c, const struct pl_flow_key *k)
{
	for (const struct capp *a = c->b[bucket(k)]; a; a = a->next)
		if (!memcmp(&a->key, k, sizeof(*k)))
			return a;
	return NULL;
}

static void after_run(void *arg)
{
	pl_l7_drain(arg);
}

/* The counters' change since the last minute's end, as the row of @minute. */
static int put_minute(struct crun *c, __s64 minute)
{
	struct pl_hist_minute m = { .minute = minute };
	struct pl_stats cur;

	if (pl_stats_read(c->dp.stats_fd, &cur))
		return -errno;
	pl_stats_add(&cur, &c->extra);
	snprintf(m.ifname, sizeof(m.ifname), "%s", c->ifname);
	pl_stats_sub(&m.delta, &cur, &c->base);
	m.flows_new = m.delta.flows_created;
	if (m.delta.packets || m.flows_new)
		pl_hist_add_minute(c->h, &m);
	c->base = cur;
	return 0;
}

/* Every flow of the table at the end ("stopped"); those the table evicted are counted. */
static int put_flows(struct crun *c, __s64 last_minute)
{
	struct pl_hist_minute m = { .minute = last_minute };
	struct pl_flow *flows = NULL;
	size_t n = 0;

	if (pl_flows_read(c->dp.flows_fd, &flows, &n))
		return -errno;
	for (size_t i = 0; i < n; i++) {
		const struct capp *a = app_of(c, &flows[i].key);
		struct pl_hist_flow h;
		struct pl_tcp_val t;

		pl_hist_flow_from(&h, c->ifname, &flows[i], 0, "stopped");
		if (flows[i].key.proto == 6 && c->dp.tcp.flows >= 0 &&
		    !bpf_map_lookup_elem(c->dp.tcp.flows, &flows[i].key, &t))
			pl_hist_flow_tcp(&h, &t);
		if (a) {
			snprintf(h.application, sizeof(h.application), "%s", a->app);
			snprintf(h.category, sizeof(h.category), "%s", a->cat);
			snprintf(h.l7_name, sizeof(h.l7_name), "%s", a->name);
			h.l7_name_kind = a->kind;
		}
		pl_hist_add_flow(c->h, &h);
	}
	/* Evicted flows were never read: the last minute says how many there were. */
	snprintf(m.ifname, sizeof(m.ifname), "%s", c->ifname);
	m.evictions = c->base.flows_created > n ? c->base.flows_created - n : 0;
	m.unseen = m.evictions;
	if (m.evictions)
		pl_hist_add_minute(c->h, &m);
	free(flows);
	return 0;
}

static int setup(struct crun *c, const char *cap)
{
	struct pl_dp_opts o = { .mode = PL_MODE_OFFLINE, .flows = true,
				.filter_linktype = PL_LINKTYPE_ETHERNET,
				.flow_entries = PL_FLOWS_DEFAULT, .l7_pkts = PL_L7_PKTS_DEFAULT,
				.tcp = true };
	struct pl_l7_session_opts lo = { .on_classified = on_classified, .on_classified_arg = c };
	char copy[4096];
	int cpus[8], err;

	snprintf(copy, sizeof(copy), "%s", cap);
	snprintf(c->ifname, sizeof(c->ifname), "%s", basename(copy));
	if (pl_runner_cpus(cpus, 8) < 1) {
		pl_warn("no CPU is available to run frames on");
		return -ENODEV;
	}
	o.offline_cpu = c->cpu = cpus[0];
	err = pl_filter_prog_prepare(&o);
	if (!err)
		err = pl_dp_load(&c->dp, &o);
	if (err)
		return err;
	lo.events_fd = c->dp.l7_events_fd;
	lo.verdicts_fd = c->dp.l7_verdicts_fd;
	lo.counts_fd = c->dp.l7_counts_fd;
	lo.flows_fd = c->dp.flows_fd;
	c->l7 = pl_l7_session_new(&lo, &err);
	if (!c->l7) {
		pl_warn("cannot start L7 classification (nDPI): %s", strerror(-err));
		return err;
	}
	c->dp.after_run = after_run;
	c->dp.after_run_arg = c->l7;
	return pl_runner_start(&c->runner, &c->dp, &c->cpu, 1);
}

/* Run the frames queued (the runner batches them), then count the minute. */
static int end_minute(struct crun *c, __s64 minute, bool again)
{
	int err = pl_runner_finish(c->runner);

	c->runner = NULL;
	if (!err)
		err = put_minute(c, minute);
	if (!err && again)
		err = pl_runner_start(&c->runner, &c->dp, &c->cpu, 1);
	return err;
}

/* The frames of @pf, minute by minute; the last minute's start into *@last. */
static int run(struct crun *c, struct pl_pcap_file *pf, __s64 *last)
{
	struct pl_frame fr;
	bool any = false;
	__s64 cur = 0;
	int err = 0;

	while (!pl_stop && (err = pl_pcap_next(pf, &fr)) > 0) {
		__s64 minute = (__s64)(fr.ts_ns / 1000000000ull) / 60 * 60;

		if (any && minute != cur && (err = end_minute(c, cur, true)))
			return err;
		cur = minute;
		any = true;
		/* As analyze: the kernel takes no frame shorter than an Ethernet header. */
		if (fr.caplen < 14) {
			pl_stats_add_short_frame(&c->extra, fr.caplen, fr.frame_len);
			continue;
		}
		err = pl_runner_submit(c->runner, fr.data,
				       fr.caplen > PL_SNAPLEN_MAX ? PL_SNAPLEN_MAX : fr.caplen,
				       fr.wire_len, fr.frame_len, fr.ts_ns, false);
		if (err)
			return err;
	}
	if (err < 0) /* a damaged file: what came before it is reported */
		pl_warn("'%s': stopped at frame %llu", pf->path, (unsigned long long)pf->frames);
	*last = cur;
	return any ? end_minute(c, cur, false) : 0;
}

int pl_rep_capture(const char *cap, const char *db_path, char *why, size_t whylen)
{
	struct pl_hist_opts ho = { .path = db_path };
	struct pl_pcap_file *pf = malloc(sizeof(*pf));
	struct crun *c = calloc(1, sizeof(*c));
	__s64 last = 0;
	int err = -ENOMEM, ferr;

	snprintf(why, whylen, "cannot read the capture '%s'", cap);
	if (!pf || !c)
		goto out_free;
	err = pl_pcap_open(pf, cap);
	if (err)
		goto out_free;
	err = pl_hist_start(&c->h, &ho, why, whylen);
	if (err)
		goto out;
	err = setup(c, cap);
	if (!err)
		err = run(c, pf, &last);
	ferr = pl_runner_finish(c->runner);
	c->runner = NULL;
	err = err ? err : ferr;
	if (!err) {
		pl_l7_finish_all(c->l7);
		err = put_flows(c, last);
	}
	if (err)
		snprintf(why, whylen, "running '%s' through the data plane failed: %s", cap,
			 strerror(-err));
out:
	pl_hist_stop(c->h); /* writes what is queued */
	pl_l7_session_free(c->l7);
	pl_dp_close(&c->dp);
	pl_pcap_close(pf);
out_free:
	for (size_t i = 0; c && i < APP_BUCKETS; i++) {
		for (struct capp *a = c->b[i], *n; a; a = n) {
			n = a->next;
			free(a);
		}
	}
	free(c);
	free(pf);
	return err;
}
