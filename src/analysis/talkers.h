/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * talkers.h - the kernel's own counts of sources, destinations, ports and ICMP types
 * (maps pl_srcs, pl_dsts, pl_ports, pl_icmp, pl_talk_stats), read into plain arrays,
 * and the spread sketches' estimates.
 */
#ifndef PL_TALKERS_H
#define PL_TALKERS_H

#include <stdbool.h>
#include <stddef.h>
#include "pktlens.h"
#include "analysis/stats.h"

/* One address of an address table. */
struct pl_addr_stat {
	__u32 addr[4];
	__u8 family;
	__u64 packets;
	__u64 bytes;
	__u32 flows;  /* flows of the flow table in which it sent (sources) / received */
	double peers; /* estimated distinct destinations (sources) / sources (destinations) */
	double ports; /* estimated distinct (protocol, destination port) pairs */
};

struct pl_port_stat {
	__u8 kind; /* enum pl_port_kind */
	__u16 port;
	__u64 packets;
	__u64 bytes;
};

struct pl_icmp_stat {
	__u8 v6;
	__u8 type;
	__u8 code;
	__u64 packets;
};

/* File descriptors of the maps; -1: not there (pins of an older object). */
struct pl_talker_fds {
	int srcs, dsts, ports, icmp, stats;
};

struct pl_talkers {
	bool present;                /* the address maps were read */
	struct pl_addr_stat *src;    /* every entry of pl_srcs */
	size_t nsrc;
	struct pl_addr_stat *dst;
	size_t ndst;
	__u32 src_capacity, dst_capacity;
	struct pl_talk_stats st;     /* created and evicted entries, update failures */
	struct pl_port_stat *ports;  /* every (kind, port) seen */
	size_t nports;
	struct pl_icmp_stat *icmp;   /* every (family, type, code) seen, in key order */
	size_t nicmp;
};

/*
 * Read every map of @fds into @t (arrays malloc'ed; pl_talkers_free() frees them), and
 * count each address's flows in @flows. Maps that are absent leave their part empty.
 */
int pl_talkers_read(struct pl_talkers *t, const struct pl_talker_fds *fds,
		    const struct pl_flow *flows, size_t nflows);
void pl_talkers_free(struct pl_talkers *t);

/*
 * One address of table @fd (pl_srcs or pl_dsts) into @v, the ways it holds added up;
 * -ENOENT (and @v zero) when it is not there, another negative errno if the map could
 * not be read. For tests and tools; pl_talkers_read() reads every address.
 */
int pl_talkers_lookup(int fd, const struct pl_addr_key *k, struct pl_addr_value *v);
/* Empty table @fd (its memory mapped writable); 0 or a negative errno. */
int pl_talkers_clear(int fd);

/* Evicted entries, as the kernel counted them (sources: @dst false). */
__u64 pl_talkers_evicted(const struct pl_talkers *t, bool dst);

/* Sort largest first by bytes or by packets (ties in address or key order). */
void pl_addrs_sort(struct pl_addr_stat *a, size_t n, enum pl_flow_order order);
void pl_ports_sort(struct pl_port_stat *p, size_t n, enum pl_flow_order order);

/* Estimated distinct items of a sketch (HyperLogLog, Ertl's improved estimator). */
double pl_hll_estimate(const __u8 regs[PL_HLL_BYTES]);
/* The hash the kernel adds for an address and for (protocol, port), for tests. */
__u64 pl_hll_hash_addr(const __u32 addr[4]);
__u64 pl_hll_hash_port(__u8 proto, __u16 port);
/* The kernel's register update, for tests. */
void pl_hll_add(__u8 regs[PL_HLL_BYTES], __u64 h);
/* Relative standard error of an estimate: 1.04 / sqrt(PL_HLL_REGS). */
#define PL_HLL_STDERR 0.092

/* "tcp", "udp", "sctp"; "dst" or "src" for a port kind. */
const char *pl_port_kind_proto(unsigned int kind);
const char *pl_port_kind_side(unsigned int kind);
/* IANA service name of a well-known port ("domain", "ntp", "snmp"), NULL if none here. */
const char *pl_service_name(const char *proto, unsigned int port);
/* ICMP names: "echo-request", "destination-unreachable"; codes: "port-unreachable"; NULL
 * when the type or code has no name here. */
const char *pl_icmp_type_name(bool v6, unsigned int type);
const char *pl_icmp_code_name(bool v6, unsigned int type, unsigned int code);

#endif
