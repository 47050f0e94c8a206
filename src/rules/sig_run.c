// SPDX-License-Identifier: BSD-2-Clause
/* sig_run.c - signatures over the L7 samples, into EVE and the report (sig_run.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include "config/config.h"
#include "l7/classify.h"
#include "l7/eve.h"
#include "rules/ruleset.h"
#include "rules/sig_run.h"
#include "analysis/report.h"
#include "sinks/json.h"

#define SIDS_MAX 1024 /* distinct signatures counted for the text report */

struct kept {
	uint64_t ts_ns, flow_id;
	uint8_t family, proto;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	char app_proto[32];
	struct pl_sig_hit h;
	enum pl_eve_action action;
};

struct sid_count {
	uint32_t gid, sid;
	const char *msg;
	uint64_t n;
};

struct pl_sig_run {
	struct pl_sigs *rs;
	FILE *eve;
	uint64_t eve_errors, alerts;
	struct kept *keep;  /* a ring of the latest PL_SIG_KEEP */
	uint64_t nkeep;     /* alerts ever kept; the ring holds the last PL_SIG_KEEP */
	uint64_t listed;    /* nkeep at the previous report (monitor) */
	bool since_last;
	struct sid_count sids[SIDS_MAX];
	int nsids;
	/* the packet being matched */
	const struct pl_l7_pkt_view *v;
	const char *alp;
	/* protect: what a drop rule's alert does (an automatic block of its source) */
	pl_alert_decide_fn decide;
	void *decide_arg;
};

struct pl_sig_run *pl_sig_run_new(struct pl_sigs *rs, FILE *eve)
{
	struct pl_sig_run *r = calloc(1, sizeof(*r));

	if (r)
		r->keep = calloc(PL_SIG_KEEP, sizeof(*r->keep));
	if (!r || !r->keep) {
		free(r);
		pl_sigs_free(rs);
		return NULL;
	}
	r->rs = rs;
	r->eve = eve;
	return r;
}

void pl_sig_run_free(struct pl_sig_run *r)
{
	if (!r)
		return;
	pl_sigs_free(r->rs);
	free(r->keep);
	free(r);
}

static void counts_reset(struct pl_sig_run *r)
{
	r->eve_errors = r->alerts = r->nkeep = r->listed = 0;
	memset(r->sids, 0, sizeof(r->sids));
	r->nsids = 0;
}

int pl_sig_run_restart(struct pl_sig_run *r)
{
	if (!r)
		return 0;
	pl_sigs_state_free(r->rs);
	counts_reset(r);
	return pl_sigs_state_init(r->rs) ? -ENOMEM : 0;
}

void pl_sig_run_replace(struct pl_sig_run *r, struct pl_sigs *rs)
{
	pl_sigs_free(r->rs);
	r->rs = rs;
	counts_reset(r);
}

void pl_sig_run_set_eve(struct pl_sig_run *r, FILE *eve)
{
	r->eve = eve;
}

void pl_sig_run_set_decide(struct pl_sig_run *r, pl_alert_decide_fn fn, void *arg)
{
	r->decide = fn;
	r->decide_arg = arg;
}

void pl_sig_run_set_interval(struct pl_sig_run *r, bool since_last)
{
	r->since_last = since_last;
}

uint64_t pl_sig_run_eve_errors(const struct pl_sig_run *r)
{
	return r->eve_errors;
}

/* The EVE flow of the packet: src is the packet's sender (the attacker's side). */
static void flow_of(const struct pl_l7_pkt_view *v, struct pl_l7_eve_flow *fl)
{
	const struct pl_flow_key *k = v->key;
	const uint8_t *a = (const uint8_t *)k->addr_a, *b = (const uint8_t *)k->addr_b;
	int v4 = k->family == 4, ab = v->dir == PL_DIR_A_TO_B;

	memset(fl, 0, sizeof(*fl));
	fl->flow_id = v->flow_id;
	fl->in_iface = v->in_iface;
	fl->pcap_filename = v->pcap_filename;
	fl->family = k->family;
	fl->proto = k->proto;
	fl->vlan = k->vlan;
	memcpy(fl->src, (ab ? a : b) + (v4 ? 12 : 0), v4 ? 4 : 16);
	memcpy(fl->dst, (ab ? b : a) + (v4 ? 12 : 0), v4 ? 4 : 16);
	fl->sport = ntohs(ab ? k->port_a : k->port_b);
	fl->dport = ntohs(ab ? k->port_b : k->port_a);
}

static void count_sid(struct pl_sig_run *r, const struct pl_sig_hit *h)
{
	for (int i = 0; i < r->nsids; i++) {
		if (r->sids[i].sid == h->sid && r->sids[i].gid == h->gid) {
			r->sids[i].n++;
			return;
		}
	}
	if (r->nsids < SIDS_MAX)
		r->sids[r->nsids++] = (struct sid_count){ h->gid, h->sid, h->msg, 1 };
}

static void on_alert(void *arg, const struct pl_sigs_pkt *p, const struct pl_sig_hit *h)
{
	struct pl_sig_run *r = arg;
	const struct pl_l7_pkt_view *v = r->v;
	struct pl_l7_eve_flow fl;
	struct kept *k = &r->keep[r->nkeep % PL_SIG_KEEP];
	struct pl_eve_alert a = { .ts_ns = p->ts_ns, .gid = h->gid, .sid = h->sid, .rev = h->rev,
				  .signature = h->msg, .category = h->category,
				  .severity = h->severity, .action = PL_EVE_ALLOWED,
				  .app_proto = r->alp };

	r->alerts++;
	count_sid(r, h);
	flow_of(v, &fl);
	/* Suricata's drop: in IPS mode the packet goes and the alert stays; here its
	 * source is blocked (or in a dry run would be). alert rules never block. */
	if (h->drop && r->decide)
		a.action = r->decide(r->decide_arg, &fl, &a);
	memset(k, 0, sizeof(*k));
	k->ts_ns = p->ts_ns;
	k->flow_id = fl.flow_id;
	k->family = fl.family;
	k->proto = fl.proto;
	memcpy(k->src, fl.src, 16);
	memcpy(k->dst, fl.dst, 16);
	k->sport = fl.sport;
	k->dport = fl.dport;
	snprintf(k->app_proto, sizeof(k->app_proto), "%s", r->alp ? r->alp : "");
	k->h = *h;
	k->action = a.action;
	r->nkeep++;
	if (!r->eve)
		return;
	a.evidence = json_object_new_object();
	if (a.evidence) {
		json_object_object_add(a.evidence, "rules_file", json_object_new_string(h->file));
		json_object_object_add(a.evidence, "rules_line", json_object_new_int(h->line));
		if (h->drop) /* the rule says drop: for mitigation (pktlens detects only here) */
			json_object_object_add(a.evidence, "rule_action", json_object_new_string("drop"));
	}
	if (pl_l7_eve_alert(r->eve, &fl, &a) < 0)
		r->eve_errors++;
	json_object_put(a.evidence);
}

/* The application of the flow: the engine's verdict, else what the metadata shows. */
static const char *app_of(const struct pl_l7_pkt_view *v, char *buf)
{
	const char *n = v->verdict ? pl_l7_eve_app_proto(v->verdict, buf) : NULL;

	if (n && strcmp(n, "unknown") && strcmp(n, "failed"))
		return n;
	if (!v->meta)
		return NULL;
	if (v->meta->http.have_request || v->meta->http.have_response)
		return "http";
	if (v->meta->dns.have_query || v->meta->dns.have_response)
		return "dns";
	if (v->meta->tls.have_client_hello || v->meta->tls.have_server_hello)
		return "tls";
	return NULL;
}

void pl_sig_run_packet(void *arg, const struct pl_l7_pkt_view *v)
{
	struct pl_sig_run *r = arg;
	char buf[64];
	struct pl_sigs_pkt p = { .l3 = v->l3, .len = v->len, .ts_ns = v->ts_ns, .key = v->key,
				 .to_server = v->to_server, .meta = v->meta };

	r->alp = app_of(v, buf);
	p.app_proto = r->alp;
	r->v = v;
	pl_sigs_match(r->rs, &p, on_alert, r);
	r->v = NULL;
}

static void addr_str(uint8_t family, const uint8_t *a, char *buf, size_t n)
{
	inet_ntop(family == 4 ? AF_INET : AF_INET6, a, buf, (socklen_t)n);
}

static const char *proto_name(uint8_t p, char *buf)
{
	switch (p) {
	case 6: return "TCP";
	case 17: return "UDP";
	case 1: return "ICMP";
	case 58: return "IPv6-ICMP";
	default:
		snprintf(buf, 8, "%u", p);
		return buf;
	}
}

void pl_sig_run_json(struct pl_json *j, void *arg)
{
	struct pl_sig_run *r = arg;
	struct pl_sigs_counts c;

	pl_sigs_counts(r->rs, &c);
	pl_json_begin_obj(j, "signatures");
	pl_json_u64(j, "rules", c.rules);
	pl_json_u64(j, "rules_skipped", c.skipped);
	pl_json_u64(j, "packets", c.packets);
	pl_json_u64(j, "matches", c.matches);
	pl_json_u64(j, "alerts", r->alerts);
	pl_json_u64(j, "suppressed", c.suppressed);
	pl_json_u64(j, "flows_evicted", c.flows_evicted);
	pl_json_u64(j, "eve_errors", r->eve_errors);
	pl_json_end_obj(j);
}

static const char *action_str(enum pl_eve_action a)
{
	return a == PL_EVE_BLOCKED ? "blocked" : a == PL_EVE_WOULD_BLOCK ? "would-block" : "allowed";
}

void pl_sig_run_alert_items(struct pl_json *j, void *arg)
{
	struct pl_sig_run *r = arg;
	uint64_t from = r->since_last ? r->listed : 0, first;

	/* Suricata's alert fields: detection's alerts and these are one list */
	first = r->nkeep > PL_SIG_KEEP ? r->nkeep - PL_SIG_KEEP : 0;
	if (from < first)
		from = first;
	for (uint64_t i = from; i < r->nkeep; i++) {
		const struct kept *k = &r->keep[i % PL_SIG_KEEP];
		char ts[64], a[64], pb[8];

		pl_json_begin_obj(j, NULL);
		pl_l7_eve_time(k->ts_ns, ts, sizeof(ts));
		pl_json_str(j, "timestamp", ts);
		pl_json_u64(j, "flow_id", k->flow_id & 0x7fffffffffffffffull);
		addr_str(k->family, k->src, a, sizeof(a));
		pl_json_str(j, "src_ip", a);
		pl_json_u64(j, "src_port", k->sport);
		addr_str(k->family, k->dst, a, sizeof(a));
		pl_json_str(j, "dest_ip", a);
		pl_json_u64(j, "dest_port", k->dport);
		pl_json_str(j, "proto", proto_name(k->proto, pb));
		if (k->app_proto[0])
			pl_json_str(j, "app_proto", k->app_proto);
		/* the fields detection's items have at the top, so one list reads alike */
		pl_json_u64(j, "signature_id", k->h.sid);
		pl_json_str(j, "signature", k->h.msg);
		pl_json_str(j, "action", action_str(k->action));
		pl_json_begin_obj(j, "alert");
		pl_json_str(j, "action", action_str(k->action));
		pl_json_u64(j, "gid", k->h.gid);
		pl_json_u64(j, "signature_id", k->h.sid);
		pl_json_u64(j, "rev", k->h.rev);
		pl_json_str(j, "signature", k->h.msg);
		pl_json_str(j, "category", k->h.category);
		pl_json_u64(j, "severity", k->h.severity);
		pl_json_end_obj(j);
		pl_json_end_obj(j);
	}
	r->listed = r->nkeep;
}

static int sid_cmp(const void *a, const void *b)
{
	const struct sid_count *x = a, *y = b;

	if (x->n != y->n)
		return x->n < y->n ? 1 : -1;
	return x->sid < y->sid ? -1 : x->sid > y->sid;
}

void pl_sig_run_text(void (*emit)(void *emit_arg, const char *line), void *emit_arg, void *arg)
{
	struct pl_sig_run *r = arg;
	struct pl_sigs_counts c;
	char line[512];

	pl_sigs_counts(r->rs, &c);
	snprintf(line, sizeof(line), "signatures: %u rules (%u skipped), %llu packets matched "
		 "against them, %llu alerts", c.rules, c.skipped, (unsigned long long)c.packets,
		 (unsigned long long)r->alerts);
	emit(emit_arg, line);
	if (r->nsids > 1)
		qsort(r->sids, (size_t)r->nsids, sizeof(r->sids[0]), sid_cmp);
	for (int i = 0; i < r->nsids && i < 10; i++) {
		snprintf(line, sizeof(line), "  %8llu  [%u:%u] %s", (unsigned long long)r->sids[i].n,
			 r->sids[i].gid, r->sids[i].sid, r->sids[i].msg);
		emit(emit_arg, line);
	}
}

int pl_sig_load_cli(const char *path, bool lenient, struct pl_sigs **out)
{
	struct pl_sigs_opts o = { .lenient = lenient };
	char **vars = NULL;
	int nvars = 0, err;

	err = pl_config_vars(pl_config_file(), &vars, &nvars);
	if (err)
		return err;
	o.vars = (const char *const *)vars;
	o.nvars = nvars;
	err = pl_sigs_load(path, &o, out);
	pl_config_free(vars, nvars);
	return err;
}

void pl_sig_run_report(struct pl_report *r, struct pl_sig_run *run)
{
	unsigned int n = r->nextra;

	pl_report_add_extra(r, pl_sig_run_json, pl_sig_run_text, run);
	if (r->nextra > n)
		r->extra[n].alert_items = pl_sig_run_alert_items;
}
