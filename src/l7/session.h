/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * session.h - the user-space side of L7: reads the flow-start samples the data plane
 * puts in its L7 ring (bpf/l7.h), classifies each flow with one engine (classify.h),
 * writes the verdict back into pl_l7_verdicts so the kernel counts the flow's later
 * packets under its application, keeps per-application flow counts and the most
 * frequent DNS names, TLS SNIs and HTTP hosts, and writes EVE events (eve.h).
 *
 * Not thread-safe as such: pl_l7_drain() may be called from several threads (it takes
 * a lock), everything else from one.
 */
#ifndef PL_L7_SESSION_H
#define PL_L7_SESSION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "pktlens.h"
#include "analysis/stats.h"

struct pl_l7_session;
struct pl_json;
struct pl_l7_meta;
struct pl_l7_verdict;
struct pl_l7_eve_flow;

/* One sampled packet as the session saw it, for signatures (src/rules/). */
struct pl_l7_pkt_view {
	const struct pl_flow_key *key;
	uint64_t flow_id;                    /* as the flow's EVE events have it */
	uint64_t ts_ns;                      /* Unix time */
	uint8_t dir;                         /* enum pl_flow_dir of this packet */
	int to_server;                       /* 1, 0; -1: unknown (flow left out) */
	const uint8_t *l3;                   /* the IP header onwards, cap_len bounded */
	size_t len;
	const struct pl_l7_meta *meta;       /* the flow's metadata; NULL once classified */
	const struct pl_l7_verdict *verdict; /* so far, or final; NULL: none */
	const char *in_iface;
	const char *pcap_filename;
};
struct pl_svc;
struct pl_tcp_view;
struct pl_l7_eve_flow;
struct pl_l7_meta;

struct pl_l7_session_opts {
	int events_fd, verdicts_fd, counts_fd, flows_fd; /* the data plane's maps */
	FILE *eve;              /* NULL: no EVE output */
	const char *in_iface;   /* EVE in_iface; NULL: left out */
	const char *pcap_filename; /* offline: EVE pcap_filename (several captures a run) */
	bool eve_flows;         /* write flow events (pl_l7_eve_flows) */
	unsigned int pkts;      /* live: the kernel's samples per flow and direction; a flow
				 * with that many of both is done. 0: only the engine decides */
	__s64 clock_to_unix_ns; /* live: added to sample times (monotonic) for the events */
	unsigned int max_classifying; /* > 0: at most that many flows being classified at
				       * once; samples of more new flows are skipped (counted) */
	bool egress;            /* live: egress_fd is pl_l7_egress, whose counts flow events add */
	int egress_fd;
	/* Every sample (also of classified flows), before the flow is completed. */
	void (*on_packet)(void *arg, const struct pl_l7_pkt_view *v);
	void *on_packet_arg;
	struct pl_svc *svc;     /* service latency (src/perf/svc.h) fed each classified flow; NULL: none */
	/* Each flow once, when its verdict is final: what it is, its metadata and the
	 * EVE fields of its client and server (serve keeps them per flow). */
	void (*on_classified)(void *arg, const struct pl_flow_key *k,
			      const struct pl_l7_verdict *v, const struct pl_l7_meta *m,
			      const struct pl_l7_eve_flow *ev);
	void *on_classified_arg;
	/* Called with each classified flow's metadata (detection's domain lists); NULL: none. */
	void (*on_meta)(void *arg, const struct pl_l7_eve_flow *fl, const struct pl_l7_meta *m);
	void *on_meta_arg;
	/* Live: has the flow's EVE flow event been written (flow_ends.h)? A flow dropped
	 * while not (it left the table between two reads) gets one from its samples; the
	 * call takes "no" as that event being written (pl_l7_ends_claim). */
	bool (*written)(void *arg, const struct pl_flow_key *k);
	void *written_arg;
};

/* TCP RTT and health for the flow events from now on (NULL: none); the caller keeps
 * @v alive until the next call. */
void pl_l7_set_tcp(struct pl_l7_session *s, const struct pl_tcp_view *v);

/* A new session; NULL with *@err (< 0) when the ring or nDPI cannot be set up. */
struct pl_l7_session *pl_l7_session_new(const struct pl_l7_session_opts *o, int *err);
void pl_l7_session_free(struct pl_l7_session *s);

/* Classify every sample waiting in the ring; returns samples read or < 0. */
int pl_l7_drain(struct pl_l7_session *s);

/* Wait up to @timeout_ms for samples, then drain; for live use. */
int pl_l7_poll(struct pl_l7_session *s, int timeout_ms);

/* No more samples will come for flows not done: classify them with what they had. */
void pl_l7_finish_all(struct pl_l7_session *s);

/* The flow ended (or left the table): classify it with what it had. */
void pl_l7_finish_flow(struct pl_l7_session *s, const struct pl_flow_key *k);

/*
 * Live: classify the flows with no sample since @idle_ns before @now_ns; returns how
 * many. Classified flows quiet for PL_L7_KEEP_NS that the flow table no longer holds
 * are forgotten, so that memory follows the flows alive, not all flows ever seen.
 */
#define PL_L7_KEEP_NS (60ull * 1000000000ull)
int pl_l7_finish_idle(struct pl_l7_session *s, uint64_t now_ns, uint64_t idle_ns);

/* The flow left the kernel's table (its flow event is written): free what is kept of it. */
void pl_l7_forget(struct pl_l7_session *s, const struct pl_flow_key *k);

/* A compact copy of the L7 figures for the terminal view. */
#define PL_L7_SUM_APPS 8
#define PL_L7_SUM_NAMES 3
struct pl_l7_summary {
	uint64_t samples, lost, classified, classifying;
	int napps, ndns, nsni, nhost;
	struct {
		char name[64];
		uint64_t flows, bytes;
	} apps[PL_L7_SUM_APPS];
	char dns[PL_L7_SUM_NAMES][64], sni[PL_L7_SUM_NAMES][64], host[PL_L7_SUM_NAMES][64];
};
void pl_l7_summary(const struct pl_l7_session *s, struct pl_l7_summary *out);

/* One row of the application mix: packets and bytes the kernel counted under it. */
struct pl_l7_app_row {
	char name[64];
	uint64_t flows, packets, bytes;
};
/* Counters of the session as a whole. */
struct pl_l7_totals {
	uint64_t samples, lost, skipped, classified, classifying;
};
/*
 * The whole application mix, busiest first, into @rows (at most @max, PL_L7_APP_MAX
 * holds every one) and the totals into @t; returns the rows written.
 */
int pl_l7_apps(const struct pl_l7_session *s, struct pl_l7_app_row *rows, int max,
	       struct pl_l7_totals *t);

/* nDPI's "master.app" name of a flow ("Unknown" when not classified), never NULL. */
const char *pl_l7_app_of(const struct pl_l7_session *s, const struct pl_flow_key *k);

/* The "l7" object of the JSON report: applications, categories, top names, samples. */
void pl_l7_report_json(struct pl_json *j, const struct pl_l7_session *s, int top);

/* The same as text lines ("applications: ...") through @emit. */
void pl_l7_report_text(const struct pl_l7_session *s, int top,
		       void (*emit)(void *arg, const char *line), void *arg);

/*
 * EVE flow events for @flows (the flow table as read at the end), with their
 * verdicts; @clock_to_unix_ns turns flow time stamps into Unix time. Returns lines
 * written or < 0.
 */
int pl_l7_eve_flows(struct pl_l7_session *s, const struct pl_flow *flows, size_t n,
		    __s64 clock_to_unix_ns, const char *reason);

/*
 * Flow events for the flows the session sampled that @written says have none: flows
 * that came and left the table between two reads of it. Their packets, bytes and
 * times are those of their samples (all of a flow of up to --l7-packets per side).
 */
int pl_l7_eve_unread(struct pl_l7_session *s, bool (*written)(void *arg, const struct pl_flow_key *k),
		     void *arg, __s64 clock_to_unix_ns, const char *reason);

#endif
