/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * classify.h - application classification (nDPI) and metadata of flows, fed with the
 * first packets of each flow. One engine per worker thread (an nDPI detection
 * module is not shared between threads); one pl_l7_flow per flow, which the caller
 * keys and keeps (the engine keeps no flow table).
 *
 *	e = pl_l7_engine_new(&err);
 *	f = pl_l7_flow_new(e);
 *	while (packets && !pl_l7_feed(e, f, dir, ts_ns, l3, len))
 *		;
 *	pl_l7_finish(e, f);            (the flow ended before the engine was done)
 *	v = pl_l7_verdict(f); m = pl_l7_meta(f);
 *	pl_l7_flow_free(f); pl_l7_engine_free(e);
 */
#ifndef PL_L7_CLASSIFY_H
#define PL_L7_CLASSIFY_H

#include <stddef.h>
#include <stdint.h>
#include "l7/dissect.h"
#include "l7/meta.h"

struct pl_l7_engine;
struct pl_l7_flow;

struct pl_l7_verdict {
	uint8_t done;        /* no more packets are needed */
	uint8_t guessed;     /* nDPI gave up and guessed (from ports, addresses) */
	uint16_t master_id;  /* nDPI protocol ids; 0 is Unknown */
	uint16_t app_id;
	uint16_t category_id;
	uint32_t packets;    /* packets the engine was fed */
	char name[64];       /* nDPI's "master.app" ("TLS.Google", "DNS", "Unknown") */
	char master[32];     /* the master protocol alone ("TLS"; the app when it has none) */
	char app[32];        /* the application alone ("Google"; the master when none) */
	char category[32];   /* nDPI's category name ("Web", "Network", ...) */
};

/*
 * A new engine: an nDPI detection module with every protocol on, and the packet
 * limits of nDPI's own reader (ndpiReader gives up after 80 TCP or 24 UDP packets;
 * other flows after 24). Do not call from several threads at once (nDPI's rule).
 * Returns NULL and sets *@err (-ENOMEM) on failure; free with pl_l7_engine_free().
 */
struct pl_l7_engine *pl_l7_engine_new(int *err);
void pl_l7_engine_free(struct pl_l7_engine *e);
/* Change the give-up limits (packets of both directions); 0 keeps a limit as it is. */
void pl_l7_engine_set_limits(struct pl_l7_engine *e, uint32_t tcp, uint32_t udp,
			     uint32_t other);

/* A new flow for @e (about 10 KB); NULL when out of memory. Free with pl_l7_flow_free. */
struct pl_l7_flow *pl_l7_flow_new(struct pl_l7_engine *e);
void pl_l7_flow_free(struct pl_l7_flow *f);

/*
 * Feed one packet of the flow: @dir is PL_L7_DIR_TOSERVER for packets from the side
 * that started the flow, PL_L7_DIR_TOCLIENT for the other; @ts_ns its time; @l3 the
 * IPv4/IPv6 packet from its IP header (as far as captured, @len bytes). Returns 1 when
 * the engine is done with the flow (later packets need not be fed: they are ignored),
 * 0 when it wants more, -EINVAL when @l3 is not an IP packet (it is ignored).
 */
int pl_l7_feed(struct pl_l7_engine *e, struct pl_l7_flow *f, int dir, uint64_t ts_ns,
	       const uint8_t *l3, size_t len);

/* The flow ended (or will be fed no more): give up on it now if not done. */
void pl_l7_finish(struct pl_l7_engine *e, struct pl_l7_flow *f);

/* The verdict so far (final once done) and the metadata; valid until the flow is freed. */
const struct pl_l7_verdict *pl_l7_verdict(const struct pl_l7_flow *f);
const struct pl_l7_meta *pl_l7_meta(const struct pl_l7_flow *f);

#endif
