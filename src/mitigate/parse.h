/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse.h - the text of mitigation: addresses and prefixes, durations, protocols, and
 * the rule and list files of `pktlens protect --rules FILE`. Errors go into a caller's
 * buffer as one line that names the bad input (and file:line for files) and what
 * would be right; nothing is printed here.
 *
 * Rules file, one rule a line ('#' starts a comment):
 *   block CIDR [port N] [proto tcp|udp|sctp|icmp|icmpv6] [ttl DURATION] [alert]
 *   block CIDR sport N proto tcp|udp|sctp [minlen BYTES] [ttl DURATION] [alert]
 *                                       answers from source port N (reflection),
 *                                       frames of at least BYTES
 *   allow CIDR
 *   rate CIDR PPS [burst N] [aggregate] [alert]
 *                                       at most PPS packets a second from each source
 *                                       (aggregate: from all of CIDR together)
 *   blocklist FILE                      one CIDR a line; FILE relative to the rules file
 */
#ifndef PL_MITIGATE_PARSE_H
#define PL_MITIGATE_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include "pktlens.h"
#include "mitigate/blocklist.h"

#define PL_ERR_LEN 512

/* One rule as read: its meta data, and for a list rule its prefixes (owned). */
struct pl_rule_spec {
	struct pl_rule r;       /* kind, family, plen, addr, proto, port, pps, ... */
	__u64 ttl_s;            /* 0: none */
	struct pl_prefix *list; /* PL_RULE_LIST */
	size_t nlist;
};

struct pl_rule_set {
	struct pl_rule_spec *v;
	size_t n;
};

/* "ADDR" or "ADDR/LEN"; host bits past LEN are an error. */
int pl_prefix_parse(const char *s, struct pl_prefix *p, char *err, size_t errlen);
/* Text form of @p ("198.18.0.0/15"; a full-length prefix without "/LEN"). */
const char *pl_prefix_str(const struct pl_prefix *p, char *buf, size_t len);
/* "90", "90s", "15m", "2h", "1d" -> seconds (> 0, at most 10 years). */
int pl_duration_parse(const char *s, __u64 *seconds, char *err, size_t errlen);
/* A block's port, source port (PL_RULE_F_SPORT), minimum length and protocol fit
 * together; makes it a port rule when it has a port or protocol. */
int pl_port_rule_check(struct pl_rule_spec *sp, char *err, size_t errlen);
/* tcp, udp, sctp, icmp, icmpv6 -> IP protocol number. */
int pl_proto_parse(const char *s, __u8 *proto, char *err, size_t errlen);
const char *pl_mit_proto_name(__u8 proto);
/* The protocol fits the family (icmp is IPv4's, icmpv6 IPv6's)? */
int pl_proto_check(__u8 proto, int family, char *err, size_t errlen);

/*
 * Parse rules text @buf (@len bytes) read from @name. List files named in it are read
 * relative to @name's directory unless @no_files (then a blocklist line is an error).
 * On error *set is empty and @err says "NAME:LINE: what".
 */
int pl_rules_parse(const char *name, const char *buf, size_t len, bool no_files,
		   struct pl_rule_set *set, char *err, size_t errlen);
/* Read and parse the rules file @path. */
int pl_rules_load(const char *path, struct pl_rule_set *set, char *err, size_t errlen);
/* A list file's prefixes (one CIDR a line, '#' comments), into *out (caller frees). */
int pl_list_parse(const char *name, const char *buf, size_t len, struct pl_prefix **out,
		  size_t *n, char *err, size_t errlen);
void pl_rules_free(struct pl_rule_set *set);

#endif
