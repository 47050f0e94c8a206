/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * flow_ends.h - live, between two reads of the flow table: which flows ended (TCP FIN
 * or RST seen and nothing since) and which left the table (evicted). Each is
 * classified with what it had and gets its EVE flow event once, as Suricata writes
 * one when a flow times out ("timeout") or is pushed out ("forced"); at exit every
 * flow not yet written gets one ("shutdown").
 */
#ifndef PL_L7_FLOW_ENDS_H
#define PL_L7_FLOW_ENDS_H

#include <stddef.h>
#include "analysis/stats.h"

struct pl_l7_session;
struct pl_l7_ends;

struct pl_l7_ends *pl_l7_ends_new(void);
void pl_l7_ends_free(struct pl_l7_ends *e);

/* After a read of the table (@flows, @n): events for what ended or left. 0 or -errno. */
int pl_l7_ends_update(struct pl_l7_ends *e, struct pl_l7_session *s, const struct pl_flow *flows,
		      size_t n, __s64 clock_to_unix_ns);

/* At exit: an event for every flow of the last read not written yet. 0 or -errno. */
int pl_l7_ends_shutdown(struct pl_l7_ends *e, struct pl_l7_session *s,
			__s64 clock_to_unix_ns);

/* Was the flow event of @k written (and its flow not gone since)? @e: the tracker. */
bool pl_l7_ends_written(void *e, const struct pl_flow_key *k);

/*
 * For the session's idle flows (session.h, written): was @k's flow event written? If
 * not, the caller writes it now, and a flow of the last read is marked written so that
 * the next update, seeing it leave, does not write a second one.
 */
bool pl_l7_ends_claim(void *e, const struct pl_flow_key *k);

/*
 * At exit, after pl_l7_ends_shutdown(): an event ("forced") for every flow the session
 * sampled that no read of the table ever held (it came and was evicted between two
 * reads), with the packets, bytes and times of its samples. 0 or -errno.
 */
int pl_l7_ends_unread(struct pl_l7_ends *e, struct pl_l7_session *s, __s64 clock_to_unix_ns);

#endif
