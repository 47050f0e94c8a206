// SPDX-License-Identifier: BSD-2-Clause
/* report_json.c - the report as one JSON object per line; field names in pktlens-monitor(8). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "analysis/names.h"
#include "analysis/report.h"
#include "l7/session.h"
#include "detect/alerts.h"
#include "drops/report.h"
#include "perf/svc.h"
#include "perf/tcp.h"
#include "sinks/json.h"
#include "sinks/report_fmt.h"
#include "sinks/screen.h"
#include "sinks/timefmt.h"

static double rate(__u64 v, double s)
{
	return s > 0 ? v / s : 0;
}

static void classes(struct pl_json *j, const char *key, const __u64 *pkts, const __u64 *bytes,
		    unsigned int n, const char *(*name)(unsigned int))
{
	pl_json_begin_obj(j, key);
	for (unsigned int i = 0; i < n; i++) {
		if (bytes) {
			pl_json_begin_obj(j, name(i));
			pl_json_u64(j, "packets", pkts[i]);
			pl_json_u64(j, "bytes", bytes[i]);
			pl_json_end_obj(j);
		} else {
			pl_json_u64(j, name(i), pkts[i]);
		}
	}
	pl_json_end_obj(j);
}

/*
 * A row's rates (live only): bps and pps over the last interval, then iftop's averages
 * as bps_2s, bps_10s, bps_40s and pps_2s, ... Any top list's rows take them from here.
 */
static void rate_keys(struct pl_json *j, const struct pl_report *r, const struct pl_rate *rt)
{
	char k[16];

	if (!r->has_rates)
		return;
	pl_json_double(j, "bps", rt->bps);
	pl_json_double(j, "pps", rt->pps);
	for (int i = 0; i < PL_RATE_AVGS; i++) {
		snprintf(k, sizeof(k), "bps_%us", pl_rate_avg_s(i));
		pl_json_double(j, k, rt->bps_avg[i]);
	}
	for (int i = 0; i < PL_RATE_AVGS; i++) {
		snprintf(k, sizeof(k), "pps_%us", pl_rate_avg_s(i));
		pl_json_double(j, k, rt->pps_avg[i]);
	}
}

static void flow_list(struct pl_json *j, const char *key, const struct pl_report *r)
{
	char a[64], b[64], fl[16], t[40];
	int n = (int)r->nflows < r->top ? (int)r->nflows : r->top;

	pl_json_begin_arr(j, key);
	for (int i = 0; i < n; i++) {
		const struct pl_flow *f = &r->flows[i];
		const char *pname = pl_proto_name(f->key.proto);
		struct pl_flow_view v;

		pl_flow_view(f, &v);
		pl_json_begin_obj(j, NULL);
		if (pname)
			pl_json_str(j, "proto", pname);
		else
			pl_json_u64(j, "proto", f->key.proto);
		pl_json_str(j, "src", pl_addr_str(v.src, f->key.family, a, sizeof(a)));
		pl_json_u64(j, "sport", v.sport);
		pl_json_str(j, "dst", pl_addr_str(v.dst, f->key.family, b, sizeof(b)));
		pl_json_u64(j, "dport", v.dport);
		pl_json_u64(j, "vlan", f->key.vlan);
		pl_json_u64(j, "packets", v.pkts_fwd);
		pl_json_u64(j, "bytes", v.bytes_fwd);
		pl_json_u64(j, "packets_reply", v.pkts_rev);
		pl_json_u64(j, "bytes_reply", v.bytes_rev);
		pl_json_str(j, "first_seen",
			    pl_time_iso(f->val.first_seen_ns + r->clock_to_unix_ns, t, sizeof(t)));
		pl_json_str(j, "last_seen",
			    pl_time_iso(f->val.last_seen_ns + r->clock_to_unix_ns, t, sizeof(t)));
		pl_json_double(j, "duration_s",
			       (f->val.last_seen_ns - f->val.first_seen_ns) / 1e9);
		if (f->key.proto == 6) {
			pl_json_str(j, "tcp_flags", pl_tcp_flags_str(v.flags_fwd, fl));
			pl_json_str(j, "tcp_flags_reply", pl_tcp_flags_str(v.flags_rev, fl));
		}
		pl_json_str(j, "state", pl_report_flow_state(r, f));
		if (r->has_rates) {
			struct pl_rate sum;

			pl_flow_rate(f, &sum);
			rate_keys(j, r, &sum);
		}
		if (r->l7)
			pl_json_str(j, "app", pl_l7_app_of(r->l7, &f->key));
		if (r->tcp && f->key.proto == 6) {
			const struct pl_tcp_val *t = pl_tcp_find(r->tcp, &f->key);

			if (t) {
				pl_json_begin_obj(j, "tcp");
				pl_tcp_flow_json(j, t, r->tcp->offline);
				pl_json_end_obj(j);
			}
		}
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
}

/* Before the kernel counted addresses (pins of an older object): from the flows. */
static void flow_sources(struct pl_json *j, const struct pl_report *r)
{
	struct pl_talker *talkers = NULL;
	size_t ntalkers = 0;
	char buf[64];

	pl_json_begin_arr(j, "top_sources");
	if (!pl_top_sources(r->flows, r->nflows, &talkers, &ntalkers)) {
		for (size_t i = 0; i < ntalkers && (int)i < r->top; i++) {
			pl_json_begin_obj(j, NULL);
			pl_json_str(j, "addr",
				    pl_addr_str(talkers[i].addr, talkers[i].family, buf, sizeof(buf)));
			pl_json_u64(j, "packets", talkers[i].packets);
			pl_json_u64(j, "bytes", talkers[i].bytes);
			pl_json_u64(j, "flows", talkers[i].flows);
			rate_keys(j, r, &talkers[i].rate);
			pl_json_end_obj(j);
		}
	}
	free(talkers);
	pl_json_end_arr(j);
}

/* An estimate of the sketches, as a whole number. */
static __u64 est(double v)
{
	return (__u64)(v + 0.5);
}

static void addr_list(struct pl_json *j, const struct pl_report *r, const char *key,
		      struct pl_addr_stat *a, size_t n, enum pl_flow_order order, bool dst,
		      const struct pl_talker *ft, size_t nft)
{
	int top = r->top;
	char buf[64];

	pl_addrs_sort(a, n, order);
	pl_json_begin_arr(j, key);
	for (size_t i = 0; i < n && (int)i < top; i++) {
		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "addr", pl_addr_str(a[i].addr, a[i].family, buf, sizeof(buf)));
		pl_json_u64(j, "packets", a[i].packets);
		pl_json_u64(j, "bytes", a[i].bytes);
		pl_json_u64(j, "flows", a[i].flows);
		pl_json_u64(j, dst ? "sources" : "destinations", est(a[i].peers));
		pl_json_u64(j, "ports", est(a[i].ports));
		rate_keys(j, r, pl_talker_rate(ft, nft, a[i].addr, a[i].family));
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
}

/* Ports, each with the rate its flows carried it at that way (@fp: pl_flow_ports()). */
static void port_list(struct pl_json *j, const struct pl_report *r, const char *key,
		      enum pl_flow_order order, const struct pl_screen_port *fp, size_t nfp)
{
	struct pl_talkers *t = r->talk;
	int top = r->top;

	pl_ports_sort(t->ports, t->nports, order);
	pl_json_begin_arr(j, key);
	for (size_t i = 0; i < t->nports && (int)i < top; i++) {
		const struct pl_port_stat *p = &t->ports[i];
		const char *proto = pl_port_kind_proto(p->kind);

		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "proto", proto);
		pl_json_str(j, "side", pl_port_kind_side(p->kind));
		pl_json_u64(j, "port", p->port);
		pl_json_str(j, "service", pl_service_name(proto, p->port));
		pl_json_u64(j, "packets", p->packets);
		pl_json_u64(j, "bytes", p->bytes);
		rate_keys(j, r, pl_flow_port_rate(fp, nfp, p->kind, p->port));
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
}

static void icmp_list(struct pl_json *j, const struct pl_talkers *t)
{
	pl_json_begin_arr(j, "icmp");
	for (size_t i = 0; i < t->nicmp; i++) {
		const struct pl_icmp_stat *c = &t->icmp[i];

		pl_json_begin_obj(j, NULL);
		pl_json_str(j, "proto", c->v6 ? "icmpv6" : "icmp");
		pl_json_u64(j, "type", c->type);
		pl_json_u64(j, "code", c->code);
		pl_json_str(j, "type_name", pl_icmp_type_name(c->v6, c->type));
		pl_json_str(j, "code_name", pl_icmp_code_name(c->v6, c->type, c->code));
		pl_json_u64(j, "packets", c->packets);
		pl_json_end_obj(j);
	}
	pl_json_end_arr(j);
}

static void table_use(struct pl_json *j, const char *key, const struct pl_talkers *t, bool dst)
{
	pl_json_begin_obj(j, key);
	pl_json_u64(j, "active", dst ? t->ndst : t->nsrc);
	pl_json_u64(j, "capacity", dst ? t->dst_capacity : t->src_capacity);
	pl_json_u64(j, "created", t->st.created[dst]);
	pl_json_u64(j, "evicted", pl_talkers_evicted(t, dst));
	pl_json_end_obj(j);
}

/* The kernel's own counts of addresses, ports and ICMP types (issue 17). */
static void talker_lists(struct pl_json *j, const struct pl_report *r)
{
	struct pl_talkers *t = r->talk;
	struct pl_talker *fs = NULL, *fd = NULL;
	struct pl_screen_port *fp = NULL;
	size_t nfs = 0, nfd = 0, nfp = 0;

	/*
	 * Live, a row's rate is what its flows gained (they may be fewer than it had): the
	 * same sums the terminal view shows.
	 */
	if (r->has_rates && pl_top_sources(r->flows, r->nflows, &fs, &nfs))
		nfs = 0;
	if (r->has_rates && pl_top_destinations(r->flows, r->nflows, &fd, &nfd))
		nfd = 0;
	if (r->has_rates && pl_flow_ports(r->flows, r->nflows, &fp, &nfp))
		nfp = 0;
	addr_list(j, r, "top_sources", t->src, t->nsrc, PL_ORDER_BYTES, false, fs, nfs);
	addr_list(j, r, "top_sources_by_packets", t->src, t->nsrc, PL_ORDER_PACKETS, false, fs,
		  nfs);
	addr_list(j, r, "top_destinations", t->dst, t->ndst, PL_ORDER_BYTES, true, fd, nfd);
	addr_list(j, r, "top_destinations_by_packets", t->dst, t->ndst, PL_ORDER_PACKETS, true,
		  fd, nfd);
	port_list(j, r, "top_ports_by_bytes", PL_ORDER_BYTES, fp, nfp);
	port_list(j, r, "top_ports_by_packets", PL_ORDER_PACKETS, fp, nfp);
	free(fs);
	free(fd);
	free(fp);
	icmp_list(j, t);
	pl_json_begin_obj(j, "talkers");
	table_use(j, "sources", t, false);
	table_use(j, "destinations", t, true);
	pl_json_u64(j, "update_failures", t->st.update_fail);
	pl_json_end_obj(j);
}

/* One "alerts" list: detection's, then the signatures' (Suricata's alert objects). */
static void alerts_json(struct pl_json *j, const struct pl_report *r)
{
	bool any = r->alerts;

	for (unsigned int i = 0; i < r->nextra; i++)
		any |= r->extra[i].alert_items != NULL;
	if (!any)
		return;
	pl_json_begin_arr(j, "alerts");
	pl_alerts_json_items(j, r->alerts, r->alerts_all);
	for (unsigned int i = 0; i < r->nextra; i++)
		if (r->extra[i].alert_items)
			r->extra[i].alert_items(j, r->extra[i].arg);
	pl_json_end_arr(j);
	pl_alerts_json_counts(j, r->alerts);
}

void pl_report_json(FILE *out, const struct pl_report *r, bool pretty)
{
	const struct pl_stats *s = r->total, *d = r->delta;
	struct pl_json j;
	char buf[64];
	__u64 mal = 0;

	pl_json_init(&j, out, pretty);
	pl_json_begin_obj(&j, NULL);
	/* A capture without packets has no time: not 1970-01-01. */
	pl_json_str(&j, "timestamp",
		    r->no_time ? NULL : pl_time_iso(r->now_unix_ns, buf, sizeof(buf)));
	pl_json_str(&j, "source", r->source);
	pl_json_str(&j, "mode", r->mode);
	pl_json_double(&j, "interval_s", r->interval_s);

	pl_json_begin_obj(&j, "rx");
	pl_json_u64(&j, "packets", d->packets);
	pl_json_u64(&j, "bytes", d->bytes);
	pl_json_double(&j, "pps", rate(d->packets, r->interval_s));
	pl_json_double(&j, "bps", rate(d->bytes * 8, r->interval_s));
	pl_json_end_obj(&j);

	pl_json_begin_obj(&j, "total");
	pl_json_u64(&j, "packets", s->packets);
	pl_json_u64(&j, "bytes", s->bytes);
	pl_json_end_obj(&j);

	classes(&j, "l3", s->l3_packets, s->l3_bytes, PL_L3_MAX, pl_l3_name);
	classes(&j, "l4", s->l4_packets, s->l4_bytes, PL_L4_MAX, pl_l4_name);
	classes(&j, "encap", s->encap, NULL, PL_ENCAP_MAX, pl_encap_name);
	classes(&j, "inner_l3", s->inner_l3_packets, NULL, PL_L3_MAX, pl_l3_name);
	classes(&j, "inner_l4", s->inner_l4_packets, NULL, PL_L4_MAX, pl_l4_name);
	classes(&j, "size_hist", s->size_hist, NULL, PL_SZ_MAX, pl_size_name);

	pl_json_begin_obj(&j, "vlan");
	pl_json_u64(&j, "tagged", s->vlan_tagged);
	pl_json_u64(&j, "qinq", s->qinq);
	pl_json_end_obj(&j);
	classes(&j, "link", s->link, NULL, PL_LINK_MAX, pl_link_name);
	pl_json_begin_obj(&j, "ip");
	pl_json_u64(&j, "ipv4_fragments_first", s->ipv4_frag_first);
	pl_json_u64(&j, "ipv4_fragments_later", s->ipv4_frag_later);
	pl_json_u64(&j, "ipv6_fragments_first", s->ipv6_frag_first);
	pl_json_u64(&j, "ipv6_fragments_later", s->ipv6_frag_later);
	pl_json_u64(&j, "ipv4_options", s->ipv4_options);
	pl_json_u64(&j, "ipv6_ext_headers", s->ipv6_ext);
	pl_json_u64(&j, "tso", s->tso);
	pl_json_end_obj(&j);

	pl_json_begin_obj(&j, "tcp_flags");
	for (int i = 0; i < 256; i++)
		if (s->tcp_flags[i])
			pl_json_u64(&j, pl_tcp_flags_str(i, buf), s->tcp_flags[i]);
	pl_json_end_obj(&j);

	pl_json_begin_obj(&j, "malformed");
	for (int i = 1; i < PL_MAL_MAX; i++)
		mal += s->malformed[i];
	pl_json_u64(&j, "total", mal);
	for (int i = 1; i < PL_MAL_MAX; i++)
		pl_json_u64(&j, pl_malformed_name(i), s->malformed[i]);
	pl_json_end_obj(&j);
	pl_json_u64(&j, "headers_cut", s->hdr_cut);

	pl_json_begin_obj(&j, "flows");
	pl_json_u64(&j, "active", r->nflows);
	pl_json_u64(&j, "capacity", r->flow_capacity);
	pl_json_u64(&j, "created", s->flows_created);
	pl_json_u64(&j, "evicted", pl_report_evictions(r));
	pl_json_u64(&j, "update_failures", s->flow_update_fail);
	pl_json_end_obj(&j);

	pl_flows_sort(r->flows, r->nflows, PL_ORDER_BYTES);
	flow_list(&j, "top_flows_by_bytes", r);
	pl_flows_sort(r->flows, r->nflows, PL_ORDER_PACKETS);
	flow_list(&j, "top_flows_by_packets", r);
	if (r->has_rates) {
		pl_flows_sort(r->flows, r->nflows, PL_ORDER_RATE);
		flow_list(&j, "top_flows_by_rate", r);
	}

	if (r->talk && r->talk->present)
		talker_lists(&j, r);
	else
		flow_sources(&j, r);
	if (s->capture_copied || s->capture_lost) {
		pl_json_begin_obj(&j, "capture");
		pl_json_u64(&j, "copied", s->capture_copied);
		pl_json_u64(&j, "lost", s->capture_lost);
		pl_json_end_obj(&j);
	}
	if (r->l7)
		pl_l7_report_json(&j, r->l7, r->top);
	if (r->tcp)
		pl_tcp_json(&j, r->tcp, r->top);
	if (r->svc)
		pl_svc_json(&j, r->svc, r->top);
	if (r->drops) {
		pl_json_begin_obj(&j, "drops");
		pl_drops_json(&j, r->drops_ctx, r->drops);
		pl_json_end_obj(&j);
	}
	if (r->has_cost) {
		pl_json_begin_obj(&j, "cost");
		pl_json_double(&j, "ns_per_packet", r->cost_ns_per_pkt);
		pl_json_u64(&j, "runs", r->cost_runs);
		pl_json_u64(&j, "sampled_pct", r->cost_sample_pct);
		pl_json_end_obj(&j);
	} else {
		pl_json_null(&j, "cost");
	}
	alerts_json(&j, r);
	for (unsigned int i = 0; i < r->nextra; i++)
		if (r->extra[i].json)
			r->extra[i].json(&j, r->extra[i].arg);
	pl_json_end_obj(&j);
	pl_json_finish(&j);
}
