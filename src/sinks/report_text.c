// SPDX-License-Identifier: BSD-2-Clause
/* report_text.c - the report as aligned text lines (analyze, monitor's terminal view). */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "detect/alerts.h"
#include "analysis/names.h"
#include "analysis/report.h"
#include "drops/report.h"
#include "perf/svc.h"
#include "perf/tcp.h"
#include "sinks/report_fmt.h"
#include "sinks/screen.h"
#include "sinks/timefmt.h"

struct out {
	pl_line_fn emit;
	void *arg;
};

static void line(struct out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void line(struct out *o, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	o->emit(o->arg, buf);
}

const char *pl_report_share(__u64 part, __u64 all, char *buf, size_t len)
{
	double pct = all ? 100.0 * part / all : 0;

	if (part && pct < 0.05) /* would print as 0.0% */
		snprintf(buf, len, "<0.1%%");
	else if (part < all && pct >= 99.95) /* would print as 100.0% beside others */
		snprintf(buf, len, ">99.9%%");
	else
		snprintf(buf, len, "%.1f%%", pct);
	return buf;
}

double pl_report_pps(const struct pl_report *r)
{
	return r->interval_s > 0 ? r->delta->packets / r->interval_s : 0;
}

double pl_report_bps(const struct pl_report *r)
{
	return r->interval_s > 0 ? r->delta->bytes * 8 / r->interval_s : 0;
}

__u64 pl_report_malformed_total(const struct pl_report *r)
{
	__u64 n = 0;

	for (int i = 1; i < PL_MAL_MAX; i++)
		n += r->total->malformed[i];
	return n;
}

void pl_flow_ends(const struct pl_flow *f, char *e1, char *e2, size_t len, char *proto)
{
	const char *pn = pl_proto_name(f->key.proto);
	struct pl_flow_view v;
	char a[64];

	/* tcpdump's form for both families, as capture's lines print them. */
	pl_flow_view(f, &v);
	snprintf(e1, len, "%s.%u", pl_addr_str(v.src, f->key.family, a, sizeof(a)), v.sport);
	snprintf(e2, len, "%s.%u", pl_addr_str(v.dst, f->key.family, a, sizeof(a)), v.dport);
	if (pn)
		snprintf(proto, 8, "%s", pn);
	else
		snprintf(proto, 8, "%u", f->key.proto);
}

const struct pl_rate *pl_talker_rate(const struct pl_talker *ft, size_t nft, const __u32 addr[4],
				     __u8 family)
{
	static const struct pl_rate none;

	for (size_t i = 0; i < nft; i++)
		if (ft[i].family == family && !memcmp(ft[i].addr, addr, sizeof(ft[i].addr)))
			return &ft[i].rate;
	return &none;
}

/* Live, the headings of the rate columns below; "" offline. */
static const char *rate_heads(const struct pl_report *r)
{
	return r->has_rates ? "     bit/s       pps        2s       10s       40s" : "";
}

/*
 * Live, a row's bit/s and pps over the last interval and its average bit/s over the
 * last 2, 10 and 40 s, as the view shows them ("" offline: no rates).
 */
static void rate_cols(const struct pl_report *r, const struct pl_rate *rt, char *b, size_t len)
{
	char h[5][16];

	if (r->has_rates)
		snprintf(b, len, " %9s %9s %9s %9s %9s", pl_human(rt->bps, h[0], sizeof(h[0])),
			 pl_human(rt->pps, h[1], sizeof(h[1])),
			 pl_human(rt->bps_avg[0], h[2], sizeof(h[2])),
			 pl_human(rt->bps_avg[1], h[3], sizeof(h[3])),
			 pl_human(rt->bps_avg[2], h[4], sizeof(h[4])));
	else
		b[0] = 0;
}

static void flows(struct out *o, const struct pl_report *r, const char *title)
{
	char e1[64], e2[64], h1[16], h2[16], pn[8];
	int n = (int)r->nflows < r->top ? (int)r->nflows : r->top;
	int sw = r->has_rates ? 14 : 0; /* the state padded only when rates follow */

	line(o, "%s", title);
	line(o, "  %-6s %-47s %-47s %9s %9s %-*s%s", "proto", "initiator", "responder", "packets",
	     "bytes", sw, "state", rate_heads(r));
	for (int i = 0; i < n; i++) {
		const struct pl_flow *f = &r->flows[i];
		const struct pl_flow_value *v = &f->val;
		struct pl_rate rt;
		char rs[64] = "";

		pl_flow_ends(f, e1, e2, sizeof(e1), pn);
		pl_flow_rate(f, &rt);
		rate_cols(r, &rt, rs, sizeof(rs));
		line(o, "  %-6s %-47s %-47s %9s %9s %-*s%s", pn, e1, e2,
		     pl_human(v->packets[0] + v->packets[1], h1, sizeof(h1)),
		     pl_human(v->bytes[0] + v->bytes[1], h2, sizeof(h2)),
		     sw, pl_report_flow_state(r, f), rs);
	}
}

/* Addresses, live with the rates of their flows that way (@ft, @nft: the flows' talkers). */
static void addrs_text(struct out *o, const struct pl_report *r, const char *title,
		       struct pl_addr_stat *a, size_t n, bool dst, const struct pl_talker *ft,
		       size_t nft)
{
	char h1[16], h2[16], buf[64], rs[64];

	pl_addrs_sort(a, n, PL_ORDER_BYTES);
	line(o, "%s", title);
	line(o, "  %-40s %9s %9s %6s %7s %6s%s", "address", "packets", "bytes", "flows",
	     dst ? "sources" : "dests", "ports", rate_heads(r));
	for (size_t i = 0; i < n && (int)i < r->top; i++) {
		rate_cols(r, pl_talker_rate(ft, nft, a[i].addr, a[i].family), rs, sizeof(rs));
		line(o, "  %-40s %9s %9s %6u %7.0f %6.0f%s",
		     pl_addr_str(a[i].addr, a[i].family, buf, sizeof(buf)),
		     pl_human(a[i].packets, h1, sizeof(h1)), pl_human(a[i].bytes, h2, sizeof(h2)),
		     a[i].flows, a[i].peers, a[i].ports, rs);
	}
}

static void ports_text(struct out *o, const struct pl_report *r)
{
	struct pl_talkers *t = r->talk;
	struct pl_screen_port *fp = NULL;
	char h1[16], h2[16], svc[24], rs[64];
	size_t nfp = 0;

	if (r->has_rates && pl_flow_ports(r->flows, r->nflows, &fp, &nfp))
		nfp = 0;
	pl_ports_sort(t->ports, t->nports, PL_ORDER_BYTES);
	line(o, "top ports (tcp/udp/sctp destination, udp source)");
	line(o, "  %-5s %-4s %6s %-14s %9s %9s%s", "proto", "side", "port", "service", "packets",
	     "bytes", rate_heads(r));
	for (size_t i = 0; i < t->nports && (int)i < r->top; i++) {
		const struct pl_port_stat *p = &t->ports[i];
		const char *proto = pl_port_kind_proto(p->kind), *name;

		name = pl_service_name(proto, p->port);
		snprintf(svc, sizeof(svc), "%s", name ? name : "-");
		rate_cols(r, pl_flow_port_rate(fp, nfp, p->kind, p->port), rs, sizeof(rs));
		line(o, "  %-5s %-4s %6u %-14s %9s %9s%s", proto, pl_port_kind_side(p->kind), p->port,
		     svc, pl_human(p->packets, h1, sizeof(h1)), pl_human(p->bytes, h2, sizeof(h2)),
		     rs);
	}
	free(fp);
}

static void icmp_text(struct out *o, const struct pl_talkers *t)
{
	if (!t->nicmp)
		return;
	line(o, "%s", "");
	line(o, "icmp by type and code");
	for (size_t i = 0; i < t->nicmp; i++) {
		const struct pl_icmp_stat *c = &t->icmp[i];
		const char *tn = pl_icmp_type_name(c->v6, c->type);
		const char *cn = pl_icmp_code_name(c->v6, c->type, c->code);

		line(o, "  %-6s %3u/%-3u %-24s %-26s %12llu", c->v6 ? "icmpv6" : "icmp", c->type,
		     c->code, tn ? tn : "-", cn ? cn : "", (unsigned long long)c->packets);
	}
}

/* TCP flag combinations, as pktlens-analyze(8) and the JSON's tcp_flags give them. */
static void flags_text(struct out *o, const struct pl_stats *s)
{
	char buf[256], f[16];
	size_t n = 0;

	line(o, "tcp flags");
	for (int i = 0; i < 256; i++) {
		if (!s->tcp_flags[i])
			continue;
		n += snprintf(buf + n, sizeof(buf) - n, "  %s %llu", pl_tcp_flags_str(i, f),
			      (unsigned long long)s->tcp_flags[i]);
		if (n > 72) {
			line(o, "%s", buf);
			n = 0;
		}
	}
	if (n)
		line(o, "%s", buf);
	else if (!s->l4_packets[PL_L4_TCP])
		line(o, "  (no tcp)");
}

static void talker_text(struct out *o, const struct pl_report *r)
{
	struct pl_talkers *t = r->talk;
	struct pl_talker *fs = NULL, *fd = NULL;
	size_t nfs = 0, nfd = 0;

	/* Live, an address's rate is that of its flows of the table, as the view shows it. */
	if (r->has_rates && pl_top_sources(r->flows, r->nflows, &fs, &nfs))
		nfs = 0;
	if (r->has_rates && pl_top_destinations(r->flows, r->nflows, &fd, &nfd))
		nfd = 0;
	addrs_text(o, r, "top sources", t->src, t->nsrc, false, fs, nfs);
	line(o, "%s", "");
	addrs_text(o, r, "top destinations", t->dst, t->ndst, true, fd, nfd);
	free(fs);
	free(fd);
	line(o, "  (sources %zu active / %u capacity, %llu evicted; destinations %zu / %u, "
		"%llu evicted; dests, sources, ports: estimates, +-9 %%)",
	     t->nsrc, t->src_capacity, (unsigned long long)pl_talkers_evicted(t, false), t->ndst,
	     t->dst_capacity, (unsigned long long)pl_talkers_evicted(t, true));
	line(o, "%s", "");
	ports_text(o, r);
	icmp_text(o, t);
}

void pl_report_render(const struct pl_report *r, pl_line_fn emit, void *arg)
{
	const struct pl_stats *s = r->total;
	struct out o = { emit, arg };
	struct pl_talker *t = NULL;
	size_t nt = 0;
	char h1[16], h2[16], h3[16], ts[40];

	line(&o, "pktlens %s (%s)  %s", r->source, r->mode,
	     r->no_time ? "no packets" : pl_time_iso(r->now_unix_ns, ts, sizeof(ts)));
	line(&o, "rx %s pps  %sbit/s   total %s packets %sB",
	     pl_human(pl_report_pps(r), h1, sizeof(h1)), pl_human(pl_report_bps(r), h2, sizeof(h2)),
	     pl_human(s->packets, h3, sizeof(h3)), pl_human(s->bytes, ts, sizeof(ts)));
	if (r->has_cost)
		line(&o, "own cost %.1f ns/packet in kernel, average over %llu runs (timed %u%% of the time)",
		     r->cost_ns_per_pkt, (unsigned long long)r->cost_runs, r->cost_sample_pct);
	else if (r->mode && strcmp(r->mode, "offline"))
		line(&o, "own cost not measured (see --cost-sample in pktlens-monitor(8))");
	line(&o, "%s", "");
	line(&o, "%-10s %12s %6s   %-10s %12s %6s", "L3", "packets", "%", "L4", "packets", "%");
	for (int i = 0; i < PL_L4_MAX; i++) {
		char l3[64] = "", p3[8], p4[8];

		if (i < PL_L3_MAX)
			snprintf(l3, sizeof(l3), "%-10s %12llu %6s", pl_l3_name(i),
				 (unsigned long long)s->l3_packets[i],
				 pl_report_share(s->l3_packets[i], s->packets, p3, sizeof(p3)));
		line(&o, "%-31s   %-10s %12llu %6s", l3, pl_l4_name(i),
		     (unsigned long long)s->l4_packets[i],
		     pl_report_share(s->l4_packets[i], s->packets, p4, sizeof(p4)));
	}
	if (s->encap[PL_ENCAP_GRE] || s->encap[PL_ENCAP_VXLAN])
		line(&o, "tunnels: gre %llu  vxlan %llu  (inner ipv4 %llu, ipv6 %llu, tcp %llu, udp %llu)",
		     (unsigned long long)s->encap[PL_ENCAP_GRE],
		     (unsigned long long)s->encap[PL_ENCAP_VXLAN],
		     (unsigned long long)s->inner_l3_packets[PL_L3_IPV4],
		     (unsigned long long)s->inner_l3_packets[PL_L3_IPV6],
		     (unsigned long long)s->inner_l4_packets[PL_L4_TCP],
		     (unsigned long long)s->inner_l4_packets[PL_L4_UDP]);
	line(&o, "vlan-tagged %llu  qinq %llu  ipv4 frags %llu/%llu  ipv6 frags %llu/%llu "
		 "(first/later)",
	     (unsigned long long)s->vlan_tagged, (unsigned long long)s->qinq,
	     (unsigned long long)s->ipv4_frag_first, (unsigned long long)s->ipv4_frag_later,
	     (unsigned long long)s->ipv6_frag_first, (unsigned long long)s->ipv6_frag_later);
	if (s->link[PL_LINK_PPPOE_SESSION] || s->link[PL_LINK_PPPOE_DISCOVERY] ||
	    s->link[PL_LINK_MPLS] || s->tso)
		line(&o, "pppoe session %llu  pppoe discovery %llu  mpls %llu  tso %llu",
		     (unsigned long long)s->link[PL_LINK_PPPOE_SESSION],
		     (unsigned long long)s->link[PL_LINK_PPPOE_DISCOVERY],
		     (unsigned long long)s->link[PL_LINK_MPLS], (unsigned long long)s->tso);
	line(&o, "%s", "");
	line(&o, "size histogram");
	for (int i = 0; i < PL_SZ_MAX; i++) {
		char p[8];

		line(&o, "  %-10s %12llu %6s", pl_size_name(i), (unsigned long long)s->size_hist[i],
		     pl_report_share(s->size_hist[i], s->packets, p, sizeof(p)));
	}

	line(&o, "%s", "");
	line(&o, "malformed %llu", (unsigned long long)pl_report_malformed_total(r));
	for (int i = 1; i < PL_MAL_MAX; i++) {
		__u64 v = r->total->malformed[i];

		if (v)
			line(&o, "  %-24s %llu", pl_malformed_name(i), (unsigned long long)v);
	}
	if (s->hdr_cut)
		line(&o, "headers cut %llu (past the bytes captured: not malformed)",
		     (unsigned long long)s->hdr_cut);
	if (r->drops)
		pl_drops_lines(r->drops_ctx, r->drops, o.emit, o.arg);
	if (r->tcp)
		pl_tcp_lines(r->tcp, r->top, o.emit, o.arg);
	if (r->svc)
		pl_svc_lines(r->svc, r->top, o.emit, o.arg);
	line(&o, "flows %zu active / %u capacity, %llu created, %llu evicted%s", r->nflows,
	     r->flow_capacity, (unsigned long long)s->flows_created,
	     (unsigned long long)pl_report_evictions(r),
	     pl_report_evictions(r) ? " (table full: raise --flows)" : "");
	if (s->capture_copied || s->capture_lost)
		line(&o, "capture: %llu copied, %llu lost in ring buffer",
		     (unsigned long long)s->capture_copied, (unsigned long long)s->capture_lost);
	if (r->alerts)
		pl_alerts_text(r->alerts, r->alerts_all, emit, arg);
	for (unsigned int i = 0; i < r->nextra; i++)
		if (r->extra[i].text)
			r->extra[i].text(emit, arg, r->extra[i].arg);
	line(&o, "%s", "");
	flags_text(&o, s);
	line(&o, "%s", "");
	pl_flows_sort(r->flows, r->nflows, PL_ORDER_BYTES);
	flows(&o, r, "top flows by bytes");
	line(&o, "%s", "");
	pl_flows_sort(r->flows, r->nflows, PL_ORDER_PACKETS);
	flows(&o, r, "top flows by packets");
	line(&o, "%s", "");
	if (r->has_rates) {
		pl_flows_sort(r->flows, r->nflows, PL_ORDER_RATE);
		flows(&o, r, "top flows by rate");
		line(&o, "%s", "");
	}
	if (r->talk && r->talk->present) {
		talker_text(&o, r);
		return;
	}
	line(&o, "top sources%s", r->has_rates ? "   (live: bit/s pps 2s 10s 40s)" : "");
	if (!pl_top_sources(r->flows, r->nflows, &t, &nt)) {
		for (size_t i = 0; i < nt && (int)i < r->top; i++) {
			char rs[64] = "";

			rate_cols(r, &t[i].rate, rs, sizeof(rs));
			line(&o, "  %-40s %9s packets %9sB %6u flows%s",
			     pl_addr_str(t[i].addr, t[i].family, ts, sizeof(ts)),
			     pl_human(t[i].packets, h1, sizeof(h1)),
			     pl_human(t[i].bytes, h2, sizeof(h2)), t[i].flows, rs);
		}
	}
	free(t);
}

static void to_file(void *arg, const char *l)
{
	fputs(l, (FILE *)arg);
	fputc('\n', (FILE *)arg);
}

void pl_report_text(FILE *f, const struct pl_report *r)
{
	pl_report_render(r, to_file, f);
	fflush(f);
}
