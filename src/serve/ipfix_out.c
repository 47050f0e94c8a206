// SPDX-License-Identifier: BSD-2-Clause
/*
 * ipfix_out.c - --ipfix HOST:PORT: the flows that leave the table (record.c: idle,
 * evicted, at stop) as IPFIX records (src/export/ipfix.c), one per direction that
 * carried packets; with an active timeout, the flows still alive are also exported every
 * that many seconds with what they counted since their last export (delta counts, so
 * that a collector adding them up gets each flow's total once). Used by the sampler
 * (main) thread alone.
 *
 * The kernel's flow table counts whole frames: the record's layer2OctetDeltaCount is
 * that; octetDeltaCount (IP header and payload) takes the Ethernet header and one VLAN
 * tag per tagged packet off it, so it is exact for untagged and single-tagged frames
 * without padding. Both directions carry the flow's first and last packet times, the
 * application's name and the server's name (enterprise elements, export/ipfix.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include "export/ipfix.h"
#include "serve/server.h"
#include "sinks/timefmt.h"
#include "util/log.h"

static __u64 now_ms(void)
{
	return pl_time_now_ns() / 1000000ull;
}

int pl_ipfix_out_make(const struct pl_serve_cfg *cfg, struct pl_ipfix **x, char *why,
		      size_t whylen)
{
	struct pl_ipfix_opts o = { .template_refresh_s = cfg->ipfix_template_refresh_s };
	struct sockaddr_storage ss;
	const char *e;

	*x = NULL;
	if (!cfg->ipfix)
		return 0;
	if (pl_listen_parse(cfg->ipfix, &ss, &e)) {
		snprintf(why, whylen, "invalid --ipfix '%s': %s", cfg->ipfix, e);
		return -EINVAL;
	}
	return pl_ipfix_open(x, &ss, &o, why, whylen);
}

static __u8 end_reason(const char *ended)
{
	if (!strcmp(ended, "idle"))
		return PL_IPFIX_END_IDLE;
	if (!strcmp(ended, "evicted"))
		return PL_IPFIX_END_LACK;
	if (!strcmp(ended, "active"))
		return PL_IPFIX_END_ACTIVE;
	return PL_IPFIX_END_FORCED;
}

/* Direction @d of @f, less what @base (the last export, or NULL) had, into @x. */
static void export_dir(struct pl_srv *srv, int i, const struct pl_flow *f,
		       const struct pl_flow *base, int d, __u8 reason, __s64 to_unix)
{
	const struct pl_flow_key *k = &f->key;
	struct pl_ipfix_rec r = { 0 };
	int v4 = k->family == 4, icmp = k->proto == 1 || k->proto == 58;
	const struct pl_srv_app *app;
	struct pl_tcp_val t;
	__u64 hdr = 14 + (k->vlan ? 4 : 0), first;

	r.packets = f->val.packets[d] - (base ? base->val.packets[d] : 0);
	r.l2_octets = f->val.bytes[d] - (base ? base->val.bytes[d] : 0);
	if (!r.packets)
		return;
	r.octets = r.l2_octets > r.packets * hdr ? r.l2_octets - r.packets * hdr : 0;
	r.family = k->family;
	/* An IPv4 address is the key's last 4 bytes. */
	memcpy(r.src, (const __u8 *)(d ? k->addr_b : k->addr_a) + (v4 ? 12 : 0), v4 ? 4 : 16);
	memcpy(r.dst, (const __u8 *)(d ? k->addr_a : k->addr_b) + (v4 ? 12 : 0), v4 ? 4 : 16);
	/* ICMP's key holds the echo id in both ports: no transport ports to export. */
	r.sport = icmp ? 0 : ntohs(d ? k->port_b : k->port_a);
	r.dport = icmp ? 0 : ntohs(d ? k->port_a : k->port_b);
	r.proto = k->proto;
	r.tcp_flags = (f->val.tcp_flags >> (8 * d)) & 0xff;
	r.vlan = k->vlan;
	app = pl_srv_l7_find(srv, i, k);
	if (app) { /* the application part of nDPI's verdict, else its master */
		r.app_engine = PL_IPFIX_ENGINE_NDPI;
		r.app_selector = app->v.app_id ? app->v.app_id : app->v.master_id;
		r.app_name = app->v.name;
		r.app_selector_name = app->v.app; /* the selector's own name (the master's if none) */
		r.server_name = app->sni ? app->sni : app->host ? app->host : app->dns;
	}
	if (!pl_srv_tcp_get(srv, i, k, &t) && t.rtt[0].samples) { /* the flow's RTT */
		r.rtt_min_us = (__u32)(t.rtt[0].min_ns / 1000);
		r.rtt_avg_us = (__u32)(t.rtt[0].sum_ns / t.rtt[0].samples / 1000);
		r.rtt_max_us = (__u32)(t.rtt[0].max_ns / 1000);
		r.rtt_samples = t.rtt[0].samples;
	}
	r.ifindex = (__u32)srv->ifs[i].dp.ifindex;
	first = base ? base->val.last_seen_ns : f->val.first_seen_ns;
	r.start_ms = (first + (__u64)to_unix) / 1000000ull;
	r.end_ms = (f->val.last_seen_ns + (__u64)to_unix) / 1000000ull;
	r.end_reason = reason;
	pl_ipfix_add(srv->ipfix, &r, now_ms());
}

/* What interface @i's last active export held of @f (same key, same first packet). */
static const struct pl_flow *base_of(struct pl_srv *srv, int i, const struct pl_flow *f)
{
	struct pl_ipfix_if *s = &srv->ifs[i].ipx;
	long a;

	if (!s->nsent)
		return NULL;
	a = pl_flowset_find(&s->idx, &f->key);
	if (a < 0 || s->sent[a].val.first_seen_ns != f->val.first_seen_ns)
		return NULL;
	return &s->sent[a];
}

void pl_ipfix_out_flow(struct pl_srv *srv, int i, const struct pl_flow *f, __s64 to_unix,
		       const char *ended)
{
	const struct pl_flow *base;

	if (!srv->ipfix)
		return;
	base = base_of(srv, i, f);
	for (int d = 0; d < 2; d++)
		export_dir(srv, i, f, base, d, end_reason(ended), to_unix);
}

void pl_ipfix_out_active(struct pl_srv *srv, int i, const struct pl_flow *flows, size_t n,
			 __s64 to_unix, __u64 now_mono)
{
	struct pl_ipfix_if *s = &srv->ifs[i].ipx;
	__u64 every = (__u64)srv->cfg->ipfix_active_s * 1000000000ull;
	struct pl_flow *copy;

	if (!srv->ipfix || !every || srv->ipfix_active_off)
		return;
	if (!s->next_mono)
		s->next_mono = now_mono + every;
	if (now_mono < s->next_mono)
		return;
	s->next_mono = now_mono + every;
	for (size_t j = 0; j < n; j++) {
		const struct pl_flow *base = base_of(srv, i, &flows[j]);

		for (int d = 0; d < 2; d++)
			export_dir(srv, i, &flows[j], base, d, PL_IPFIX_END_ACTIVE, to_unix);
	}
	/* What was exported of each live flow: the base of its next record. */
	copy = malloc((n ? n : 1) * sizeof(*copy));
	if (copy && n) /* flows is NULL when there are none */
		memcpy(copy, flows, n * sizeof(*copy));
	free(s->sent);
	s->sent = copy;
	s->nsent = n;
	if (!copy || pl_flowset_build(&s->idx, copy, n)) {
		/* Without it the next records would count from the flow's start again. */
		pl_warn("IPFIX: no memory to remember the flows exported; the active "
			"timeout is turned off");
		srv->ipfix_active_off = true;
		s->nsent = 0;
	}
}

/* Sends that must work, and for how long, after the last error before the collector is
 * said to take records again: a connected UDP socket learns of a refusal (ICMP port
 * unreachable) only at its next send, so while the collector is down every other send
 * still "works". */
#define IPFIX_OK_MSGS 2
#define IPFIX_OK_MS 2000

void pl_ipfix_out_flush(struct pl_srv *srv)
{
	struct pl_ipfix_stats st;
	__u64 now = now_ms();

	if (!srv->ipfix)
		return;
	pl_ipfix_flush(srv->ipfix, now);
	pl_ipfix_get_stats(srv->ipfix, &st);
	if (st.send_errors < srv->ipfix_out.errors || st.messages < srv->ipfix_out.msgs_at_err) {
		srv->ipfix_out.errors = st.send_errors; /* a reload made another exporter */
		srv->ipfix_out.msgs_at_err = st.messages;
	}
	if (st.send_errors > srv->ipfix_out.errors) {
		srv->ipfix_out.errors = st.send_errors;
		srv->ipfix_out.msgs_at_err = st.messages;
		srv->ipfix_out.err_ms = now;
		if (!srv->ipfix_out.down)
			pl_warn("IPFIX: sending to %s failed: %s; records are lost until the "
				"collector answers again (pktlens_ipfix_records_lost_total counts "
				"them)", srv->cfg->ipfix,
				strerror(pl_ipfix_last_error(srv->ipfix)));
		srv->ipfix_out.down = true;
		return;
	}
	if (srv->ipfix_out.down && st.messages >= srv->ipfix_out.msgs_at_err + IPFIX_OK_MSGS &&
	    now - srv->ipfix_out.err_ms >= IPFIX_OK_MS) {
		srv->ipfix_out.down = false;
		pl_warn("IPFIX: %s takes records again (templates sent first)", srv->cfg->ipfix);
	}
}

void pl_ipfix_out_close(struct pl_srv *srv)
{
	struct pl_ipfix_stats st;

	if (srv->ipfix) {
		pl_ipfix_out_flush(srv);
		pl_ipfix_get_stats(srv->ipfix, &st);
		pl_info("IPFIX: %llu messages sent to %s (%llu records, %llu template sets); "
			"%llu sends failed, %llu records in them", (unsigned long long)st.messages,
			srv->cfg->ipfix, (unsigned long long)st.records,
			(unsigned long long)st.template_sends, (unsigned long long)st.send_errors,
			(unsigned long long)st.records_lost);
	}
	pl_ipfix_close(srv->ipfix);
	srv->ipfix = NULL;
	for (int i = 0; i < PL_SERVE_MAX_IFS; i++) {
		free(srv->ifs[i].ipx.sent);
		srv->ifs[i].ipx.sent = NULL;
		srv->ifs[i].ipx.nsent = 0;
		pl_flowset_free(&srv->ifs[i].ipx.idx);
	}
}
