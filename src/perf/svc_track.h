/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * svc_track.h - every DNS and HTTP request/response pair of one flow, from the flow's
 * sampled packets (src/l7/session.c feeds it each sample, before and after the flow is
 * classified): HTTP/1 requests in order, each paired with the next response head
 * (keep-alive and pipelining), DNS queries paired with the response of the same id
 * (several queries on one UDP 5-tuple). Until the L7 parsers say what the flow is,
 * the pairs wait here; pl_svc_track_bind() hands them to the service figures
 * (perf/svc.h) and later ones go there at once.
 *
 * Only sampled packets are seen: live, the first --l7-packets of each flow and
 * direction, so a long keep-alive connection is counted up to its samples' end;
 * analyze --l7-packets all sees every request.
 */
#ifndef PL_PERF_SVC_TRACK_H
#define PL_PERF_SVC_TRACK_H

#include <stdint.h>
#include "pktlens.h"

struct pl_svc;
struct pl_svc_track;
struct pl_l7_pkt;

struct pl_svc_track *pl_svc_track_new(void);
void pl_svc_track_free(struct pl_svc_track *t);

/* One sampled packet of the flow; @to_server: sent by the side that began the flow. */
void pl_svc_track_pkt(struct pl_svc_track *t, const struct pl_l7_pkt *p, int to_server,
		      uint64_t ts_ns);

/*
 * The flow is DNS (@dns) and/or HTTP (@http) as the L7 parsers found: its pairs so far
 * and all later ones count for the service on the server's port of @k (@client_dir:
 * enum pl_flow_dir of the side that began it). Returns 0 when it is neither (the
 * caller then frees @t), 1 when bound.
 */
int pl_svc_track_bind(struct pl_svc_track *t, struct pl_svc *s, const struct pl_flow_key *k,
		      int client_dir, int dns, int http);

#endif
