/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * server.h - the daemon's state, shared by its parts (not part of serve.h's interface).
 * The HTTP thread and the main thread (sampler, signals) meet under srv->lock.
 */
#ifndef PL_SERVE_SERVER_H
#define PL_SERVE_SERVER_H

#include <pthread.h>
#include <stdio.h>
#include "analysis/stats.h"
#include "l7/classify.h"
#include "l7/session.h"
#include "history/history.h"
#include "serve/flowset.h"
#include "loader/dataplane.h"
#include "serve/serve.h"

struct pl_det_run;
struct pl_eve_alert;
struct pl_l7_eve_flow;

/* What the history has of an interface (record.c). */
struct pl_rec {
	struct pl_flow *prev;    /* the table at the last read */
	size_t nprev;
	struct pl_flowset idx;   /* prev by key */
	unsigned int warned;
	size_t nbase;            /* its size after the last sample (evictions are from it) */
	struct pl_stats base;    /* the counters written to the history so far */
	__u64 fresh_acc;         /* new keys seen by peeks since the last sample */
	bool hot;                /* the last sample saw evictions: peek until the next */
	__u64 peeks;
};

/* The last samples of an interface (GET /api/v1/rates, the dashboard's chart). */
#define PL_RATES_MAX 120
struct pl_rate_sample {
	__u64 unix_ns;           /* when the sample was taken */
	double interval_s;       /* since the one before */
	__u64 packets, bytes;    /* counted in that interval */
};

/* What --ipfix's active timeout exported of interface's live flows (ipfix_out.c). */
struct pl_ipfix_if {
	struct pl_flow *sent;    /* the table at the last active export */
	size_t nsent;
	struct pl_flowset idx;   /* sent by key */
	__u64 next_mono;         /* the next active export */
};

/* A flow L7 classified (l7_srv.c): kept while the flow lives, for the API and history. */
struct pl_srv_app {
	struct pl_srv_app *next;
	struct pl_flow_key key;
	struct pl_l7_verdict v;
	char *dns, *sni, *host;  /* the names it carried; NULL: none */
	bool marked;             /* not in the table at the last sweep */
};

/* L7 on an interface (l7_srv.c). The table is written by the sampler under srv->lock. */
struct pl_srv_l7 {
	struct pl_l7_session *s; /* NULL: L7 off */
	struct pl_srv_app **b;   /* PL_SRV_APP_BUCKETS chains */
	size_t n;
	struct pl_l7_app_row *apps; /* the mix at the last sample (PL_L7_APP_MAX), under lock */
	int napps;
	struct pl_l7_totals tot;
	__u64 next_sweep;
	struct pl_srv *srv;      /* for the session's callback */
	int ifi;
};

/* Detection in the daemon (alerts_srv.c): the alerts kept for GET /api/v1/alerts. */
#define PL_SRV_ALERTS_RING 1000 /* the newest alerts kept in memory (pktlens-serve(8)) */
#define PL_SRV_ALERT_KINDS 64   /* signature ids counted per interface for /metrics */
struct pl_srv_alert {
	__u64 id;                /* the daemon's: 1, 2, ... over every interface */
	__u64 rec_id;            /* the detector's record id (1, 2, ...) */
	__s64 run_ns;            /* that detector's start (a reload starts another) */
	int ifi;
	__u32 gid, sid, rev;
	unsigned int severity;
	char signature[128], category[64];
	__u8 family, proto;
	__u8 src[16], dst[16];
	__u16 sport, dport;
	__u64 first_ns, last_ns, updates; /* Unix ns */
	bool ended;
	char *evidence;          /* the "pktlens" object's JSON text; NULL: none */
};
struct pl_srv_alert_kind {
	__u32 sid;
	unsigned int severity;
	__u64 n;                 /* alerts raised */
};
/* One interface's detection: the run (NULL: --no-detect) and what was taken of it. */
struct pl_srv_det {
	struct pl_det_run *run;
	__s64 run_ns;            /* when the run started, Unix ns */
	__u64 seen_id;           /* the newest store id taken */
	struct pl_srv_alert_kind kinds[PL_SRV_ALERT_KINDS]; /* under srv->lock */
	unsigned int nkinds;
	__u64 kinds_other;       /* raised with a sid beyond the table */
	__u64 not_kept, not_kept_before; /* attacks the full store refused (this run, earlier) */
	__u64 ticks, tracked, evicted;  /* the detector's: ticks, sources followed, evicted */
	__u64 ticks_before, evicted_before; /* of the runs a reload replaced */
};

struct pl_srv_if {
	struct pl_dp dp;
	struct pl_srv_l7 l7;
	struct pl_rate_sample rates[PL_RATES_MAX]; /* a ring, oldest at rates_next once full */
	unsigned int rates_n, rates_next;
	bool gone;               /* the interface disappeared: last figures kept */
	struct pl_stats total;   /* at the last sample */
	struct pl_stats delta;   /* over the last sample interval (rates) */
	double interval_s;       /* that interval */
	size_t nflows;           /* entries in the flow table at the last sample */
	__u64 flows_created;     /* the counter at that same sample */
	bool sampled;            /* one sample taken: rates mean something */
	__u64 sample_mono_ns;
	struct pl_rec rec;
	struct pl_ipfix_if ipx;
	struct pl_srv_det det;
	struct pl_svc *svc;      /* DNS/HTTP service latency (with L7), NULL: none */
	/* /metrics: the service ports labelled so far (they keep their label: "other"
	 * never shrinks); under srv->lock (perf_metrics.c). */
	unsigned int rtt_ports[8], nrtt_ports;
	unsigned int lat_ports[8], nlat_ports;
};

/* HTTP answers by class, counted for /metrics. */
enum { PL_HTTP_2XX, PL_HTTP_4XX, PL_HTTP_5XX, PL_HTTP_CLASSES };
/* Connections closed at once: over the total limit, over one address's. */
enum { PL_HTTP_REFUSED_LIMIT, PL_HTTP_REFUSED_ADDRESS, PL_HTTP_REFUSED_MAX };
/* Connections one address off the loopback may hold open (pktlens-serve(8)). */
#define PL_HTTP_PER_ADDR 32

/* A configuration a reload made; kept until exit (the HTTP thread may hold its strings). */
struct pl_cfg_node {
	struct pl_serve_cfg cfg;
	struct pl_cfg_node *next;
};

struct pl_srv {
	pthread_mutex_t lock;
	struct pl_srv_if ifs[PL_SERVE_MAX_IFS];
	int nifs;
	const struct pl_serve_cfg *cfg;
	char *token;             /* NULL: write calls refused */
	__u64 start_unix_ns;
	__s64 clock_to_unix_ns;  /* flow time stamps (monotonic) to Unix time */
	__u64 http_requests[PL_HTTP_CLASSES];
	/* Connections (http_conns.c): open now, the limit, refused (atomics). */
	unsigned int http_open, http_limit;
	__u64 http_refused[PL_HTTP_REFUSED_MAX];
	struct pl_http_conns *http_conns;
	__u64 reloads, reload_failures;
	struct pl_hist *hist;    /* NULL: no history (--no-db) */
	FILE *eve;               /* --eve FILE; NULL: none (eve_out.c, sampler thread only) */
	__u64 eve_events, eve_errors; /* under lock */
	unsigned int eve_warned;
	struct pl_ipfix *ipfix;  /* --ipfix; NULL: none (ipfix_out.c, sampler thread only) */
	bool ipfix_active_off;   /* no memory for the active timeout's state */
	/* The collector's outage as ipfix_out.c says it: one line when sends start failing,
	 * one when they have worked a while (UDP reports a refusal on the next send only). */
	struct {
		bool down;
		__u64 errors;        /* send_errors at the last flush */
		__u64 msgs_at_err;   /* messages sent when the last error was seen */
		__u64 err_ms;        /* and when (Unix ms) */
	} ipfix_out;
	struct pl_drops_live *drops; /* --drops; NULL: off. Its view under lock */
	bool drops_ok;
	unsigned int drops_warned;
	struct pl_cfg_node *old_cfgs; /* reloads' configurations, newest first (srv->cfg) */
	bool l7;                 /* L7 runs on every interface */
	bool detect;             /* detection runs on every interface */
	struct pl_srv_alert *alerts; /* PL_SRV_ALERTS_RING, oldest at alerts_next once full */
	unsigned int alerts_n, alerts_next; /* under lock */
	__u64 alerts_raised;     /* under lock */
	bool tcp;                /* TCP RTT and health run on every interface */
	/* POST /api/v1/reload: asked of the main thread (SIGHUP), answered under lock. */
	pthread_t main_thread;
	pthread_cond_t reload_cond;
	__u64 reload_asked, reload_done;
	int reload_err;
	bool stopping;           /* SIGTERM: no reload will be made any more */
	char reload_why[700];
};

struct pl_flow_query;
/* --l7-packets (l7_srv.c), called by the sampler (main) thread. */
/* Start L7 on interface @i (its data plane loaded with l7_pkts): 0 or < 0 (said why). */
int pl_srv_l7_start(struct pl_srv *srv, int i);
/* Read the samples waiting in every interface's ring. */
void pl_srv_l7_drain(struct pl_srv *srv);
/* At each sample of interface @i: idle flows classified, the mix kept for the API. */
void pl_srv_l7_sample(struct pl_srv *srv, int i, __u64 now_mono);
/*
 * Flow @k of interface @i leaves the table: classified with what it had; its entry
 * (NULL: never classified) stays until pl_srv_l7_forget().
 */
const struct pl_srv_app *pl_srv_l7_end(struct pl_srv *srv, int i, const struct pl_flow_key *k);
void pl_srv_l7_forget(struct pl_srv *srv, int i, const struct pl_flow_key *k);
/* The entry of flow @k (NULL: not classified yet); the sampler, or under srv->lock. */
const struct pl_srv_app *pl_srv_l7_find(const struct pl_srv *srv, int i,
					const struct pl_flow_key *k);
/* Does @a answer to the name @app (nDPI's whole name, its master or its app part)? */
bool pl_srv_app_is(const struct pl_srv_app *a, const char *app);
void pl_srv_l7_stop(struct pl_srv *srv);
/* GET /api/v1/applications; caller holds srv->lock. -ENOENT: L7 is off. */
int pl_api_applications(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
/* The L7 series of /metrics; caller holds srv->lock. */
void pl_metrics_l7(struct pl_srv *srv, FILE *f);
/* The EVE flow id of a flow (eve_out.c): the same in its flow and application events. */
__u64 pl_eve_flow_id(const struct pl_flow_key *k, __u64 first_seen_ns);
/* EVE application events of a flow L7 just classified (eve_out.c). */
void pl_eve_app(struct pl_srv *srv, int i, const struct pl_flow_key *k,
		const struct pl_l7_verdict *v, const struct pl_l7_meta *m,
		const struct pl_l7_eve_flow *ev);

/*
 * After each read of interface @i's maps at @now_mono: the counters' change into the
 * current minute, the flows gone since the last read (and, with an idle timeout, the
 * idle ones, deleted from the table) queued for the history. Takes @flows (freed).
 * Called by the sampler alone, without srv->lock.
 */
void pl_rec_sample(struct pl_srv *srv, int i, const struct pl_stats *cur, struct pl_flow *flows,
		   size_t n, __u64 now_mono);
/*
 * Between samples, while interface @i's table evicts (the last sample said so): read it
 * and write the flows gone since the last read. 0 (also when not needed), or a negative
 * errno. Called by the sampler alone.
 */
int pl_rec_peek(struct pl_srv *srv, int i);
/* The daemon stops: every flow of the last read is written ("stopped"). */
void pl_rec_stop(struct pl_srv *srv, int i);

/*
 * Fresh counters of interface @i into @out (the per-CPU map, read now); the last
 * sample's when the interface is gone. Caller holds srv->lock.
 */
void pl_srv_stats(struct pl_srv *srv, int i, struct pl_stats *out);
/* Index of interface @name, -1 if it is not served. */
int pl_srv_find(const struct pl_srv *srv, const char *name);
/* Re-read the token file (POST /api/v1/reload). 0, or < 0 with @why set;
 * a bad new file keeps the old token. Caller holds srv->lock. */
int pl_srv_reload(struct pl_srv *srv, char *why, size_t whylen);
/*
 * SIGHUP (reload.c): the whole configuration again, applied as one or not at all (said
 * why). 0 or a negative errno. Main thread, without srv->lock.
 */
int pl_srv_reload_all(struct pl_srv *srv);

/* JSON answers (api.c): a malloc'ed NUL-terminated text in *out, or a negative errno. */
struct pl_flow_query;
int pl_api_stats(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
int pl_api_protocols(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
int pl_api_flows(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
int pl_api_rates(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
/* The answer of an endpoint that reports each interface asked for (?interface=): the
 * timestamp and uptime, then "interfaces", one object each made by @one. 0, -ENOENT
 * (no such interface), -ENOMEM. */
struct json_object;
int pl_api_per_iface(struct pl_srv *srv, const struct pl_flow_query *q, char **out,
		     struct json_object *(*one)(struct pl_srv *srv, int i));
int pl_api_index(char **out);
/*
 * GET /api/v1/history/...: pktlens query's JSON for @q into *out. -ENOENT: no history
 * (--no-db); another negative errno: the database could not be read. @why says it.
 */
int pl_api_history(struct pl_srv *srv, const struct pl_hq *q, char **out, char *why,
		   size_t whylen);
/* {"error": MESSAGE, "status": CODE}. */
char *pl_api_error(int status, const char *msg);

/* --eve FILE (eve_out.c), all called by the sampler (main) thread. */
int pl_eve_open(struct pl_srv *srv, const char *path, char *why, size_t whylen);
/* SIGHUP: open the file again (a file that cannot be opened keeps the old one). */
void pl_eve_reopen(struct pl_srv *srv);
/* A flow event for @f, which left interface @i's table (@ended: idle/evicted/stopped). */
void pl_eve_flow(struct pl_srv *srv, int i, const struct pl_flow *f, __s64 to_unix,
		 const char *ended, const struct pl_srv_app *app);
void pl_eve_flush(struct pl_srv *srv);
void pl_eve_close(struct pl_srv *srv);

/* --ipfix HOST:PORT (ipfix_out.c), all called by the sampler (main) thread. */
struct pl_ipfix;
/* The exporter @cfg asks for into *x (NULL without --ipfix). 0, or < 0 with @why. */
int pl_ipfix_out_make(const struct pl_serve_cfg *cfg, struct pl_ipfix **x, char *why,
		      size_t whylen);
/* IPFIX records of @f, which left interface @i's table (@ended: idle/evicted/stopped). */
void pl_ipfix_out_flow(struct pl_srv *srv, int i, const struct pl_flow *f, __s64 to_unix,
		       const char *ended);
/* With an active timeout: when due, the live @flows' counts since their last export. */
void pl_ipfix_out_active(struct pl_srv *srv, int i, const struct pl_flow *flows, size_t n,
			 __s64 to_unix, __u64 now_mono);
void pl_ipfix_out_flush(struct pl_srv *srv);
void pl_ipfix_out_close(struct pl_srv *srv);

/* --drops (drops_api.c). Start: 0 or a negative errno (said why). */
struct pl_drops_live;
#define PL_DROPS_API_ENTRIES 100
int pl_srv_drops_start(struct pl_srv *srv);
/* Read the tables (sampler, once a second; takes srv->lock). */
void pl_srv_drops_sample(struct pl_srv *srv);
void pl_srv_drops_stop(struct pl_srv *srv);
/* GET /api/v1/drops (-ENOENT: --drops is off); caller holds srv->lock. */
int pl_api_drops(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
/* The drops' series of /metrics on @f; caller holds srv->lock. */
void pl_metrics_drops(struct pl_srv *srv, FILE *f);

/*
 * Detection (alerts_srv.c). Start: [detect] of --config FILE read for every interface
 * before they are attached (0, or < 0 said why). Live: the detection threads, once
 * attached. Collect: the alerts raised and updated since the last call into the ring,
 * the EVE file and the history (sampler thread). Stop: the last collect, then stop.
 */
int pl_srv_det_start(struct pl_srv *srv);
int pl_srv_det_live(struct pl_srv *srv);
void pl_srv_det_collect(struct pl_srv *srv, bool final);
void pl_srv_det_stop(struct pl_srv *srv);
/*
 * SIGHUP: [detect] of the new configuration read into @runs (one per interface).
 * 0 (nothing to apply: *changed false), or < 0 with @why set: refused.
 */
int pl_srv_det_reload_prepare(struct pl_srv *srv, struct pl_det_run **runs, bool *changed,
			      char *why, size_t whylen);
/* Swap @runs in (the old ones collected and stopped). */
void pl_srv_det_reload_commit(struct pl_srv *srv, struct pl_det_run **runs);
void pl_srv_det_runs_free(struct pl_det_run **runs, int n);
/* The L7 session's on_meta hook of interface @arg (struct pl_srv_if): domain lists. */
void pl_srv_det_meta(void *arg, const struct pl_l7_eve_flow *fl, const struct pl_l7_meta *m);
/* GET /api/v1/alerts; caller holds srv->lock. -ENOENT: no such interface. */
struct pl_alerts_query;
int pl_api_alerts(struct pl_srv *srv, const struct pl_alerts_query *q, char **out);
/* pktlens_alerts_total and the detection's counters on @f; caller holds srv->lock. */
void pl_metrics_alerts(struct pl_srv *srv, FILE *f);
/* An EVE alert event (eve_out.c, sampler thread). */
void pl_eve_alert(struct pl_srv *srv, const struct pl_l7_eve_flow *fl,
		  const struct pl_eve_alert *a);
/* TCP RTT and health, service latency (perf_srv.c). */
/* Interface @i's service latency (before L7 starts on it): 0 or -ENOMEM. */
int pl_srv_perf_start(struct pl_srv *srv, int i);
void pl_srv_perf_stop(struct pl_srv *srv);
/* GET /api/v1/rtt: reads the TCP maps, then takes srv->lock to answer (the caller does
 * not hold it). -ENODATA: off; -ENOENT: no such interface. */
int pl_api_rtt(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
/* GET /api/v1/latency; caller holds srv->lock. -ENODATA: L7 off. */
int pl_api_latency(struct pl_srv *srv, const struct pl_flow_query *q, char **out);
/* The "tcp" object of flow @k of interface @i for /api/v1/flows; NULL: none. */
struct json_object *pl_srv_tcp_json(struct pl_srv *srv, int i, const struct pl_flow_key *k);
/* Flow @k's record in interface @i's TCP map: 0, or -ENOENT (none, not TCP, --no-tcp). */
int pl_srv_tcp_get(struct pl_srv *srv, int i, const struct pl_flow_key *k, struct pl_tcp_val *t);
/* Flow @k left the table (written): its TCP record goes, so that the key's next flow
 * starts afresh. */
void pl_srv_tcp_forget(struct pl_srv *srv, int i, const struct pl_flow_key *k);
/* The RTT and health of flow @k of interface @i into its history row (when it has them). */
struct pl_hist_flow;
void pl_srv_tcp_row(struct pl_srv *srv, int i, const struct pl_flow_key *k,
		    struct pl_hist_flow *h);
/* The RTT, health and latency series of /metrics on @f (perf_metrics.c); caller holds
 * srv->lock. */
void pl_metrics_perf(struct pl_srv *srv, FILE *f);

/* The dashboard page (dashboard.c): static text of *len bytes. */
const char *pl_dashboard(size_t *len);

/* Prometheus text exposition (metrics.c) into *out (malloc'ed), or a negative errno. */
int pl_metrics_render(struct pl_srv *srv, char **out, size_t *len);
/*
 * @s as a label value, escaped, into @buf of @len bytes (metrics.c): the one escaper of
 * every /metrics writer. PL_PROM_ESC_LEN holds any escaped name of up to 64 bytes.
 */
#define PL_PROM_ESC_LEN (2 * 64 + 1)
const char *pl_prom_esc(const char *s, char *buf, size_t len);
/* pktlens's own cost on @f (cost_metrics.c): process_* and the BPF programs' run time. */
void pl_metrics_cost(struct pl_srv *srv, FILE *f);

/* HTTP (http.c). */
struct MHD_Daemon;
struct MHD_Daemon *pl_http_start(struct pl_srv *srv, const struct sockaddr_storage *ss);
void pl_http_stop(struct pl_srv *srv, struct MHD_Daemon *d);

/* The endpoints, for GET /api/v1 and the OpenAPI test. */
struct pl_route {
	const char *path;
	const char *methods; /* "GET", "POST" */
	const char *summary;
};
extern const struct pl_route pl_routes[];
extern const size_t pl_nroutes;

#endif
