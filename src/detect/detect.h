/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * detect.h - threat detection (issue 19): floods, amplification and reflection, scans
 * with their style, packet anomalies, learned baselines and IOC lists, decided in user
  * space once per tick from the data plane's snapshot: the counters' difference, the
 * flow table, and the per-source counters of pl_det_srcs (bpf/detect.h). monitor ticks
 * every cfg.tick_s on the monotonic clock (run.c); analyze every tick_s of capture time,
 * so that rates and windows mean the same offline as live.
 *
 * Built-in detections have fixed sids (PL_SID_*, listed in pktlens.conf(5)); their
 * alerts go to a struct pl_alerts (alerts.h), one record per attack.
 */
#ifndef PL_DETECT_H
#define PL_DETECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pktlens.h"
#include "analysis/stats.h"

struct pl_alerts;
struct pl_ioc;

/* Built-in signature ids: 9100001 and up (gid 1), documented in pktlens.conf(5). */
enum pl_det_sid {
	PL_SID_SYN_FLOOD_SRC = 9100001,
	PL_SID_UDP_FLOOD_SRC = 9100002,
	PL_SID_ICMP_FLOOD_SRC = 9100003,
	PL_SID_SYN_FLOOD = 9100004, /* aggregate: many sources */
	PL_SID_UDP_FLOOD = 9100005,
	PL_SID_ICMP_FLOOD = 9100006,
	PL_SID_UDP_AMP = 9100010,
	PL_SID_SYNACK_REFLECT = 9100011,
	PL_SID_SCAN_SYN = 9100020,
	PL_SID_SCAN_CONNECT = 9100021,
	PL_SID_SCAN_FIN = 9100022,
	PL_SID_SCAN_NULL = 9100023,
	PL_SID_SCAN_XMAS = 9100024,
	PL_SID_SCAN_ACK = 9100025,
	PL_SID_SCAN_UDP = 9100026,
	PL_SID_SWEEP_ICMP = 9100027,
	PL_SID_SWEEP_ARP = 9100028,
	PL_SID_BAD_FLAGS = 9100030,
	PL_SID_LAND = 9100031,
	PL_SID_TINY_FRAG = 9100032,
	PL_SID_MALFORMED = 9100033,
	PL_SID_FRAG_OVERLAP = 9100034,
	PL_SID_BASE_PPS = 9100040,
	PL_SID_BASE_BPS = 9100041,
	PL_SID_BASE_FLOWS = 9100042,
	PL_SID_BASE_SYN_RATIO = 9100043,
	PL_SID_BASE_SRC_ENTROPY = 9100044,
	PL_SID_IOC_ADDR = 9100050,
	PL_SID_IOC_DOMAIN = 9100051,
};

/* Thresholds and windows ([detect] of pktlens.conf(5)); pl_det_cfg_default() fills them. */
struct pl_det_cfg {
	double window_s;         /* rates: over this sliding window */
	double tick_s;           /* seconds between ticks (analyze: of capture time) */
	double syn_pps_src, udp_pps_src, icmp_pps_src;   /* one source */
	double syn_pps, udp_pps, icmp_pps;               /* every source together */
	double udp_flood_max_bytes; /* UDP floods: mean frame size at most this */
	double scan_window_s;
	unsigned int scan_ports, scan_hosts, arp_hosts;  /* distinct targets in the window */
	double amp_pps;          /* unsolicited large answers per victim, packets/s */
	unsigned int amp_min_bytes; /* mean frame size of an amplified answer */
	double synack_pps;       /* SYN-ACKs for connections never opened, per victim */
	double bad_flags_pps, tiny_frag_pps, malformed_pps; /* anomalies; land: any */
	double base_alpha;       /* EWMA weight of a new value */
	double base_k;           /* alert above mean + k * deviation ... */
	double base_min_factor;  /* ... and above factor * mean */
	unsigned int base_warmup; /* ticks learned before any baseline alert */
	unsigned int base_sustain; /* consecutive ticks above before an alert */
	unsigned int max_sources; /* sources tracked in user space (scans, rates) */
	double quiet_s;          /* an attack with no update for this long has ended */
	unsigned int max_alerts;
};

void pl_det_cfg_default(struct pl_det_cfg *c);

/*
 * [detect] of the configuration file @path (NULL: defaults only) into @c and the IOC
 * lists it names into *ioc (NULL when none). 0, or -EINVAL after a message naming the
 * file and line; nothing is kept on failure.
 */
int pl_det_cfg_load(const char *path, struct pl_det_cfg *c, struct pl_ioc **ioc);

/* Do @a and @b hold the same thresholds and windows (every [detect] number)? */
bool pl_det_cfg_equal(const struct pl_det_cfg *a, const struct pl_det_cfg *b);

/* One tick's snapshot of the data plane. */
struct pl_det_input {
	uint64_t now_ns;        /* program clock: monotonic live, capture time offline */
	int64_t to_unix_ns;     /* add to program time for Unix time (0 offline) */
	double span_s;          /* seconds since the last tick */
	const struct pl_stats *delta; /* counters over the span */
	const struct pl_flow *flows;  /* the whole flow table */
	size_t nflows;
	int det_srcs_fd;        /* pl_det_srcs; -1: none */
	int det_frags_fd;       /* pl_det_frags (fragments being received); -1: none */
	int det_frag_stats_fd;  /* pl_det_frag_stats (what their tracking did); -1: none */
	int egress_fd;          /* pl_l7_egress (what this host sent per flow); -1: none */
	bool offline;           /* both directions are in the flow table */
	const char *in_iface;   /* EVE in_iface, NULL: none */
};

struct pl_det;

/* A detector with @cfg (copied) that raises into @alerts (borrowed); NULL: no memory. */
struct pl_det *pl_det_new(const struct pl_det_cfg *cfg, struct pl_alerts *alerts,
			  struct pl_ioc *ioc);
void pl_det_free(struct pl_det *d); /* frees its IOC lists too */

/* Decide on one tick; 0, or -errno when a map could not be read. */
int pl_det_tick(struct pl_det *d, const struct pl_det_input *in);

struct pl_l7_eve_flow;
struct pl_l7_meta;
/*
 * L7 metadata of a classified flow (the session's on_meta hook): DNS query name, TLS
 * SNI and HTTP host against the domain lists. @arg is the struct pl_det.
 */
void pl_det_meta(void *arg, const struct pl_l7_eve_flow *fl, const struct pl_l7_meta *m);

/* Counters of the detector itself (for the reports). */
struct pl_det_counts {
	uint64_t ticks;
	uint64_t sources_evicted; /* user-space source states dropped to stay bounded */
	uint64_t sources_tracked;
	uint64_t kernel_sources;  /* entries of pl_det_srcs at the last tick */
	uint64_t sources_idle;    /* addresses forgotten after standing still */
	uint64_t frag_datagrams;  /* fragmented datagrams tracked (pl_det_frags entries made) */
	uint64_t frag_evicted;    /* of those, dropped by the LRU before all their bytes came */
};
void pl_det_counts(const struct pl_det *d, struct pl_det_counts *c);

#endif
