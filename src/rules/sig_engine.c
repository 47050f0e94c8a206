// SPDX-License-Identifier: BSD-2-Clause
/*
 * engine.c - one packet against a rule set: decode, update the flow's state, gather
 * the buffers (payload and L7 metadata), prefilter, then each candidate's header,
 * flow, flowbits and payload checks; alerts go through thresholds to the caller.
 * Rules on app-layer buffers alert once per flow (the metadata is the flow's).
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "rules/ruleset.h"
#include "rules/rules_pkt.h"

#define INSPECT_BUDGET 3000 /* steps of one rule on one packet (Suricata's recursion limit) */
#define APP_BUFS ((1u << RB_N) - 1 - (1u << RB_PKT) - (1u << RB_IP_SRC) - (1u << RB_IP_DST))

struct bufs {
	const uint8_t *d[RB_N];
	size_t len[RB_N];
	char stat[8];
	char host[PL_L7_NAME_MAX]; /* http.host: lower case, without the port */
	uint16_t urilen;
	bool have_uri;
};

/* A buffer from the flow's metadata, unless the packet gave it already. */
static void set_str(struct bufs *b, int i, const char *s)
{
	if (s && s[0] && !b->d[i]) {
		b->d[i] = (const uint8_t *)s;
		b->len[i] = strlen(s);
	}
}

/* Suricata's http.host: the Host header's name in lower case, its :port left out. */
static void norm_host(const uint8_t *h, size_t len, char *out, size_t n)
{
	size_t k = 0, end = len;
	const uint8_t *colon = memrchr(h, ':', len), *br = memrchr(h, ']', len);

	if (colon && (!br || colon > br) && (h[0] != '[' || br))
		end = (size_t)(colon - h);
	if (len && h[0] == '[' && br)
		end = (size_t)(br - h) + 1;
	for (; k < end && k + 1 < n; k++)
		out[k] = (char)tolower(h[k]);
	out[k] = 0;
}

/*
 * The packet's buffers: its payload and addresses; the HTTP buffers of a start line
 * it carries (any request of the flow); then what the flow's metadata holds (its first
 * transaction) for the buffers the packet did not give.
 */
static void gather(const struct pl_sigs_pkt *pk, const struct rpkt *p, struct bufs *b)
{
	const struct pl_l7_meta *m = pk->meta;
	bool http = (pk->app_proto && !strcmp(pk->app_proto, "http")) ||
		    (m && (m->http.have_request || m->http.have_response));

	memset(b, 0, sizeof(*b));
	b->d[RB_PKT] = p->payload;
	b->len[RB_PKT] = p->plen;
	b->d[RB_IP_SRC] = p->src;
	b->len[RB_IP_SRC] = p->alen;
	b->d[RB_IP_DST] = p->dst;
	b->len[RB_IP_DST] = p->alen;
	if (http)
		pl_sig_http_bufs(p->payload, p->plen, pk->to_server, b->d, b->len);
	if (m && m->http.have_request) {
		set_str(b, RB_HTTP_URI, m->http.url);
		set_str(b, RB_HTTP_METHOD, m->http.method);
		set_str(b, RB_HTTP_HOST_RAW, m->http.host);
		set_str(b, RB_HTTP_UA, m->http.user_agent);
	}
	if (b->d[RB_HTTP_HOST_RAW]) {
		norm_host(b->d[RB_HTTP_HOST_RAW], b->len[RB_HTTP_HOST_RAW], b->host, sizeof(b->host));
		set_str(b, RB_HTTP_HOST, b->host);
	}
	if (b->d[RB_HTTP_URI]) {
		b->have_uri = true;
		b->urilen = (uint16_t)(b->len[RB_HTTP_URI] > 65535 ? 65535 : b->len[RB_HTTP_URI]);
	}
	if (!m)
		return;
	if (m->http.have_response && m->http.status) {
		snprintf(b->stat, sizeof(b->stat), "%u", m->http.status);
		set_str(b, RB_HTTP_STAT_CODE, b->stat);
	}
	if (m->dns.have_query)
		set_str(b, RB_DNS_QUERY, m->dns.qname);
	set_str(b, RB_TLS_SNI, m->tls.sni);
	set_str(b, RB_JA3, m->tls.ja3_client);
}

static bool proto_ok(const struct rule *r, const struct rpkt *p, const char *alp)
{
	switch (r->proto) {
	case P_TCP: return p->proto == 6;
	case P_UDP: return p->proto == 17;
	case P_ICMP: return p->proto == 1 || p->proto == 58;
	case P_DNS: return alp && !strcmp(alp, "dns");
	case P_HTTP: return alp && !strcmp(alp, "http");
	case P_TLS: return alp && !strcmp(alp, "tls");
	default: return true;
	}
}

static bool hdr_dir(const struct rule *r, const struct rpkt *p, bool swap)
{
	const uint8_t *s = swap ? p->dst : p->src, *d = swap ? p->src : p->dst;
	uint16_t sp = swap ? p->dport : p->sport, dp = swap ? p->sport : p->dport;
	bool ports = p->has_l4 && (p->proto == 6 || p->proto == 17);

	if (!pl_addr_match(&r->src, p->family, s) || !pl_addr_match(&r->dst, p->family, d))
		return false;
	if (!ports) /* ICMP, fragments, other protocols: only rules without ports */
		return !r->sp.n && !r->dp.n;
	return pl_port_match(&r->sp, sp) && pl_port_match(&r->dp, dp);
}

static bool ipopt_ok(const struct rule *r, const struct rpkt *p)
{
	uint8_t t = r->ipopt;

	if (t == 0xff)
		return p->has_opts;
	if (t < 64)
		return p->opts_lo >> t & 1;
	if (t < 128)
		return p->opts_mid >> (t - 64) & 1;
	return t < 192 && (p->opts_hi >> (t - 128) & 1);
}

static bool flags_ok(const struct rule *r, const struct rpkt *p)
{
	uint8_t f = p->tcp_flags & (uint8_t)~r->flags_ign;

	if (p->proto != 6 || !p->has_l4)
		return false;
	switch (r->flags_mod) {
	case '+': return (f & r->flags_set) == r->flags_set;
	case '*': return (f & r->flags_set) != 0;
	case '!': return (f & r->flags_set) != r->flags_set;
	default: return f == r->flags_set;
	}
}

static bool headers_ok(const struct rule *r, const struct rpkt *p, const struct bufs *b)
{
	uint32_t h = r->hflags;
	bool icmp = p->has_l4 && (p->proto == 1 || p->proto == 58);
	bool tcp = p->has_l4 && p->proto == 6;

	if (!h)
		return true;
	if ((h & H_TTL) && !pl_uint_match(&r->ttl, p->ttl))
		return false;
	if ((h & H_ID) && (p->family != 4 || !pl_uint_match(&r->id, p->ipid)))
		return false;
	if ((h & H_IPPROTO) && !pl_uint_match(&r->ipproto, p->proto))
		return false;
	if ((h & H_SAMEIP) && memcmp(p->src, p->dst, p->alen))
		return false;
	if ((h & H_IPOPTS) && !ipopt_ok(r, p))
		return false;
	if ((h & (H_ITYPE | H_ICODE | H_ICMPID | H_ICMPSEQ)) && !icmp)
		return false;
	if ((h & H_ITYPE) && !pl_uint_match(&r->itype, p->itype))
		return false;
	if ((h & H_ICODE) && !pl_uint_match(&r->icode, p->icode))
		return false;
	if ((h & H_ICMPID) && !pl_uint_match(&r->icmpid, p->icmp_id))
		return false;
	if ((h & H_ICMPSEQ) && !pl_uint_match(&r->icmpseq, p->icmp_seq))
		return false;
	if ((h & (H_SEQ | H_ACK | H_WINDOW)) && !tcp)
		return false;
	if ((h & H_SEQ) && !pl_uint_match(&r->seq, p->seq))
		return false;
	if ((h & H_ACK) && !pl_uint_match(&r->ack, p->ack))
		return false;
	if ((h & H_WINDOW) && !pl_uint_match(&r->window, p->window))
		return false;
	if ((h & H_FLAGS) && !flags_ok(r, p))
		return false;
	if ((h & H_DSIZE) && (!p->has_l4 || !pl_uint_match(&r->dsize, p->plen)))
		return false;
	if ((h & H_URILEN) && (!b->have_uri || !pl_uint_match(&r->urilen, b->urilen)))
		return false;
	return true;
}

static bool established(const struct rflow *f, const struct rpkt *p)
{
	if (!f)
		return false;
	if (p->proto == 6)
		return f->tcp == 3 || (f->tcp == 4 && f->seen == 3);
	return f->seen == 3;
}

static bool flow_ok(const struct rule *r, const struct pl_sigs_pkt *pk, const struct rpkt *p,
		    const struct rflow *f)
{
	if ((r->flow & F_TOSERVER) && pk->to_server != 1)
		return false;
	if ((r->flow & F_TOCLIENT) && pk->to_server != 0)
		return false;
	if ((r->flow & F_ESTABLISHED) && !established(f, p))
		return false;
	if ((r->flow & F_NOT_ESTABLISHED) && established(f, p))
		return false;
	if (r->alproto_set) {
		bool is = pk->app_proto && !strcmp(pk->app_proto, r->alproto);

		if (is == r->alproto_neg)
			return false;
	}
	return true;
}

static bool bit(const struct rflow *f, int b)
{
	return f && (f->bits[b / 64] >> (b % 64) & 1);
}

static bool flowbits_ok(const struct rule *r, const struct rflow *f)
{
	for (int i = 0; i < r->nfb; i++) {
		const struct fbop *o = &r->fb[i];
		bool any = false;

		if (o->cmd != FB_ISSET && o->cmd != FB_ISNOTSET)
			continue;
		for (int k = 0; k < o->nbits; k++)
			any |= o->cmd == FB_ISSET ? bit(f, o->bits[k]) : !bit(f, o->bits[k]);
		if (!any)
			return false;
	}
	return true;
}

static void flowbits_apply(const struct rule *r, struct rflow *f)
{
	if (!f)
		return;
	for (int i = 0; i < r->nfb; i++) {
		const struct fbop *o = &r->fb[i];

		for (int k = 0; k < o->nbits; k++) {
			uint64_t m = 1ull << (o->bits[k] % 64);
			uint64_t *w = &f->bits[o->bits[k] / 64];

			if (o->cmd == FB_SET)
				*w |= m;
			else if (o->cmd == FB_UNSET)
				*w &= ~m;
			else if (o->cmd == FB_TOGGLE)
				*w ^= m;
		}
	}
}

static bool rule_match(const struct rule *r, const struct pl_sigs_pkt *pk, const struct rpkt *p,
		       const struct bufs *b, const struct rflow *f)
{
	struct inspect in = { .budget = INSPECT_BUDGET };

	if (!proto_ok(r, p, pk->app_proto))
		return false;
	if (!hdr_dir(r, p, false) && !(r->bidir && hdr_dir(r, p, true)))
		return false;
	if (!headers_ok(r, p, b) || !flow_ok(r, pk, p, f) || !flowbits_ok(r, f))
		return false;
	for (int i = 0; i < RB_N; i++) {
		if (!(r->bufs & (1u << i)))
			continue;
		if (!b->d[i] && i != RB_PKT)
			return false; /* no such buffer: nothing to inspect */
		if (!pl_inspect_buf(r, i, b->d[i], b->len[i], &in))
			return false;
	}
	return true;
}

static void track(struct rflow *f, const struct pl_sigs_pkt *pk, const struct rpkt *p)
{
	uint8_t fl = p->tcp_flags;

	if (!f)
		return;
	if (pk->to_server >= 0)
		f->seen |= pk->to_server ? 1 : 2;
	if (p->proto != 6 || !p->has_l4)
		return;
	if (!f->tcp)
		f->tcp = (fl & 0x12) == 0x02 ? 1 : 4;
	else if (f->tcp == 1 && (fl & 0x12) == 0x12 && pk->to_server == 0)
		f->tcp = 2;
	else if (f->tcp == 2 && (fl & 0x12) == 0x10 && pk->to_server == 1)
		f->tcp = 3;
}

static int cand_cmp(const void *a, const void *b, void *arg)
{
	const struct pl_sigs *rs = arg;
	const struct rule *x = &rs->r[*(const int *)a], *y = &rs->r[*(const int *)b];

	if (x->order != y->order)
		return x->order - y->order;
	return (int)x->idx - (int)y->idx;
}

static int gather_candidates(struct pl_sigs *rs, const struct bufs *b)
{
	int n = 0;

	/* the list grows with the candidates only: no pass over every rule */
	for (int i = 0; i < RB_N; i++)
		if (b->d[i] && b->len[i])
			pl_prefilter_scan(rs->pf, i, b->d[i], b->len[i], rs->cand, rs->clist, &n);
	for (int i = 0; i < n; i++)
		rs->cand[rs->clist[i]] = 0;
	for (int i = 0; i < rs->nalways; i++)
		rs->clist[n++] = rs->always[i];
	if (n > 1)
		qsort_r(rs->clist, (size_t)n, sizeof(int), cand_cmp, rs);
	return n;
}

int pl_sigs_match(struct pl_sigs *rs, const struct pl_sigs_pkt *pk, pl_sigs_alert_fn fn,
		   void *arg)
{
	struct rpkt p;
	struct bufs b;
	struct rflow *f = NULL;
	int n, alerts = 0;

	if (pl_rpkt_decode(pk->l3, pk->len, &p))
		return 0;
	rs->cnt.packets++;
	if (pk->key) {
		f = pl_rflow_get(rs, pk->key);
		track(f, pk, &p);
	}
	gather(pk, &p, &b);
	n = gather_candidates(rs, &b);
	rs->cnt.candidates += (uint64_t)n;
	for (int i = 0; i < n; i++) {
		const struct rule *r = &rs->r[rs->clist[i]];
		bool app = r->bufs & APP_BUFS;
		struct pl_sig_hit h;

		if (app && f && pl_rflow_fired(f, r->idx, false))
			continue;
		if (!rule_match(r, pk, &p, &b, f))
			continue;
		rs->cnt.matches++;
		flowbits_apply(r, f);
		if (r->noalert)
			continue;
		if (app && f)
			pl_rflow_fired(f, r->idx, true);
		if (r->has_thr && !pl_thresh_pass(rs, r, p.src, p.dst, p.alen, pk->ts_ns)) {
			rs->cnt.suppressed++;
			continue;
		}
		h = (struct pl_sig_hit){ r->gid, r->sid, r->rev, r->msg, r->category, r->prio,
					  r->drop, r->file, r->line };
		rs->cnt.alerts++;
		alerts++;
		if (fn)
			fn(arg, pk, &h);
	}
	return alerts;
}

void pl_sigs_counts(const struct pl_sigs *rs, struct pl_sigs_counts *c)
{
	*c = rs->cnt;
	c->rules = (unsigned int)rs->n;
	c->skipped = rs->skipped;
	c->prefiltered = (unsigned int)(rs->n - rs->nalways);
	c->flowbits = (unsigned int)rs->nfb;
	c->datasets = (unsigned int)pl_datasets_count(rs->dsets);
}
