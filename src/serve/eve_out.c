// SPDX-License-Identifier: BSD-2-Clause
/*
 * eve_out.c - --eve FILE: a Suricata EVE "flow" event (src/l7/eve.c's writer) for each
 * flow that leaves the table, the same flows and moments as the history's rows
 * (record.c), and an "alert" event for each attack detection raises (alerts_srv.c). Appends; SIGHUP reopens the file (logrotate moves it away first). Used by
 * the sampler (main) thread alone, so it takes no lock but srv->lock for its counters.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/bpf.h>
#include "l7/eve.h"
#include "serve/server.h"
#include "util/log.h"

/* Suricata's flow.reason for why the flow was written. */
static const char *reason_of(const char *ended)
{
	if (!strcmp(ended, "idle"))
		return "timeout";
	return !strcmp(ended, "stopped") ? "shutdown" : "forced";
}

/* Suricata's flow.state: closed after FIN/RST, established with both directions seen. */
static const char *state_of(const struct pl_flow *f)
{
	__u32 flags = f->val.tcp_flags | f->val.tcp_flags >> 8;

	if (f->key.proto == 6 && (flags & (PL_TCP_FIN | PL_TCP_RST)))
		return "closed";
	return f->val.packets[0] && f->val.packets[1] ? "established" : "new";
}

/* FNV-1a over the key and the first packet's time: one id per flow, not per key. */
__u64 pl_eve_flow_id(const struct pl_flow_key *k, __u64 first_seen_ns)
{
	const unsigned char *p = (const void *)k;
	__u64 h = 1469598103934665603ull;

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 1099511628211ull;
	for (int i = 0; i < 8; i++)
		h = (h ^ ((first_seen_ns >> (8 * i)) & 0xff)) * 1099511628211ull;
	return h;
}

static FILE *open_eve(const char *path, char *why, size_t whylen)
{
	FILE *f = fopen(path, "ae");

	if (!f)
		snprintf(why, whylen, "cannot open --eve %s: %s", path, strerror(errno));
	return f;
}

int pl_eve_open(struct pl_srv *srv, const char *path, char *why, size_t whylen)
{
	srv->eve = open_eve(path, why, whylen);
	return srv->eve ? 0 : -errno;
}

void pl_eve_reopen(struct pl_srv *srv)
{
	char why[512];
	FILE *f;

	if (!srv->eve)
		return;
	f = open_eve(srv->cfg->eve, why, sizeof(why));
	if (!f) {
		pl_warn("%s; events go on to the old file", why);
		return;
	}
	fclose(srv->eve);
	srv->eve = f;
	pl_info("--eve %s reopened", srv->cfg->eve);
}

static void failed(struct pl_srv *srv, int err)
{
	pthread_mutex_lock(&srv->lock);
	srv->eve_errors++;
	pthread_mutex_unlock(&srv->lock);
	if (!srv->eve_warned++)
		pl_warn("writing --eve %s failed: %s; events are lost until it works again "
			"(pktlens_eve_write_errors_total counts them)", srv->cfg->eve,
			strerror(-err));
	clearerr(srv->eve);
}

/* Events written (@rc >= 0) or a failure (< 0). */
static void counted(struct pl_srv *srv, int rc)
{
	if (rc < 0) {
		failed(srv, rc);
		return;
	}
	pthread_mutex_lock(&srv->lock);
	srv->eve_events += (__u64)rc;
	pthread_mutex_unlock(&srv->lock);
}

void pl_eve_flow(struct pl_srv *srv, int i, const struct pl_flow *f, __s64 to_unix,
		 const char *ended, const struct pl_srv_app *app)
{
	struct pl_l7_eve_flow ev = { 0 };
	struct pl_flow_view v;
	struct pl_tcp_val t;
	int v4 = f->key.family == 4, rc;

	if (!srv->eve)
		return;
	pl_flow_view(f, &v);
	ev.flow_id = pl_eve_flow_id(&f->key, f->val.first_seen_ns);
	ev.in_iface = srv->ifs[i].dp.ifname;
	ev.family = f->key.family;
	ev.proto = f->key.proto;
	ev.vlan = f->key.vlan;
	/* An IPv4 address is the key's last 4 bytes. */
	memcpy(ev.src, (const unsigned char *)v.src + (v4 ? 12 : 0), v4 ? 4 : 16);
	memcpy(ev.dst, (const unsigned char *)v.dst + (v4 ? 12 : 0), v4 ? 4 : 16);
	ev.sport = v.sport;
	ev.dport = v.dport;
	ev.pkts_toserver = v.pkts_fwd;
	ev.pkts_toclient = v.pkts_rev;
	ev.bytes_toserver = v.bytes_fwd;
	ev.bytes_toclient = v.bytes_rev;
	ev.start_ns = f->val.first_seen_ns + (__u64)to_unix;
	ev.end_ns = f->val.last_seen_ns + (__u64)to_unix;
	ev.state = state_of(f);
	ev.reason = reason_of(ended);
	if (!pl_srv_tcp_get(srv, i, &f->key, &t)) /* its RTT and health: a "tcp" object */
		ev.tcp = &t;
	rc = pl_l7_eve_write(srv->eve, PL_L7_EVE_FLOW, &ev, app ? &app->v : NULL, NULL);
	counted(srv, rc);
}

/*
 * L7 classified a flow (still in the table): its dns, http, tls or ssh events now, with
 * the flow id its flow event will have (the key and its first packet's time).
 */
void pl_eve_app(struct pl_srv *srv, int i, const struct pl_flow_key *k,
		const struct pl_l7_verdict *v, const struct pl_l7_meta *m,
		const struct pl_l7_eve_flow *ev)
{
	struct pl_l7_eve_flow e = *ev;
	struct pl_flow_value fv;

	if (!srv->eve)
		return;
	if (!bpf_map_lookup_elem(srv->ifs[i].dp.flows_fd, k, &fv))
		e.flow_id = pl_eve_flow_id(k, fv.first_seen_ns);
	counted(srv, pl_l7_eve_write(srv->eve, PL_L7_EVE_APP, &e, v, m));
}

/* A new attack of serve's detection (alerts_srv.c): the line monitor --eve writes. */
void pl_eve_alert(struct pl_srv *srv, const struct pl_l7_eve_flow *fl,
		  const struct pl_eve_alert *a)
{
	if (!srv->eve)
		return;
	counted(srv, pl_l7_eve_alert(srv->eve, fl, a));
}

void pl_eve_flush(struct pl_srv *srv)
{
	if (srv->eve && fflush(srv->eve))
		failed(srv, -errno);
}

void pl_eve_close(struct pl_srv *srv)
{
	if (!srv->eve)
		return;
	pl_eve_flush(srv);
	fclose(srv->eve);
	srv->eve = NULL;
}
