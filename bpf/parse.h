/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * parse.h - cursor-style header parsers for the ingress pipeline, one header per layer:
 *   parse_core.h  the cursor, struct pkt and the counting helpers (pl_bad, pl_short, ...)
 *   parse_l2.h    Ethernet, VLAN tags, ARP
 *   parse_l3.h    IPv4, IPv6 and its extension headers
 *   parse_l4.h    TCP, UDP, ICMP/ICMPv6, SCTP, GRE
 *   parse_fast.h  parse_fast(), the one-pass path for the common packet
 *
 * Every parser bounds-checks before it reads, validates variable lengths against
 * their minimum first, advances the cursor past the header and returns the next
 * protocol. Problems are reported as an enum pl_malformed reason in pkt->malformed;
 * parsing stops at the first one. Loops have constant bounds for the verifier.
 */
#ifndef PL_PARSE_H
#define PL_PARSE_H

#include "parse_core.h"
#include "parse_l2.h"
#include "parse_l3.h"
#include "parse_l4.h"
#include "parse_fast.h"

#endif /* PL_PARSE_H */
