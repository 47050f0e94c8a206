// SPDX-License-Identifier: BSD-2-Clause
/* flowrow.c - a flow-table entry into the row the history stores. */
#include <stdio.h>
#include <string.h>
#include "history/history.h"

void pl_hist_flow_from(struct pl_hist_flow *h, const char *ifname, const struct pl_flow *f,
		       __s64 to_unix, const char *ended)
{
	struct pl_flow_view v;

	/* The same orientation, addresses and state as GET /api/v1/flows. */
	pl_flow_view(f, &v);
	memset(h, 0, sizeof(*h));
	snprintf(h->ifname, sizeof(h->ifname), "%s", ifname);
	pl_addr_str(v.src, f->key.family, h->src, sizeof(h->src));
	pl_addr_str(v.dst, f->key.family, h->dst, sizeof(h->dst));
	h->sport = v.sport;
	h->dport = v.dport;
	h->vlan = f->key.vlan;
	h->proto = f->key.proto;
	h->family = f->key.family;
	h->packets_fwd = v.pkts_fwd;
	h->bytes_fwd = v.bytes_fwd;
	h->packets_rev = v.pkts_rev;
	h->bytes_rev = v.bytes_rev;
	h->first_ms = ((__s64)f->val.first_seen_ns + to_unix) / 1000000;
	h->last_ms = ((__s64)f->val.last_seen_ns + to_unix) / 1000000;
	h->tcp_flags = v.flags_fwd | (__u32)v.flags_rev << 8;
	h->state = pl_flow_state_seen(f, true);
	h->ended = ended;
}

void pl_hist_flow_tcp(struct pl_hist_flow *h, const struct pl_tcp_val *t)
{
	const struct pl_tcp_dir *c = &t->d[t->init_dir & 1], *s = &t->d[!(t->init_dir & 1)];
	const struct pl_rtt_stat *r = &t->rtt[0];

	h->has_tcp = true;
	if (r->samples) {
		h->rtt_samples = r->samples;
		h->rtt_min_us = r->min_ns / 1e3;
		h->rtt_avg_us = r->sum_ns / 1e3 / r->samples;
		h->rtt_max_us = r->max_ns / 1e3;
	}
	h->handshake_rtt_us = (t->hs & PL_HS_DONE) ? t->handshake_ns / 1e3 : 0;
	h->tcp_retrans = (__u64)c->retrans + s->retrans;
	h->tcp_ooo = (__u64)c->ooo + s->ooo;
	h->tcp_dupack = (__u64)c->dupack + s->dupack;
	h->tcp_zero_win = (__u64)c->zero_win + s->zero_win;
	h->tcp_rst_client = c->rst;
	h->tcp_rst_server = s->rst;
}
