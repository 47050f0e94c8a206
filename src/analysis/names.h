/* SPDX-License-Identifier: BSD-2-Clause */
/* names.h - the labels of the shared enums; they are JSON keys and metric labels. */
#ifndef PL_NAMES_H
#define PL_NAMES_H

#include "pktlens.h"

const char *pl_l3_name(unsigned int i);
const char *pl_l4_name(unsigned int i);
const char *pl_malformed_name(unsigned int i);
const char *pl_encap_name(unsigned int i);
const char *pl_size_name(unsigned int i);
/* Link-layer shims (enum pl_link): "pppoe_session", "pppoe_discovery", "mpls". */
const char *pl_link_name(unsigned int i);
/* TCP flags as tcpdump prints them ("S.", "F.", "R", "none"); @buf holds >= 12 bytes. */
const char *pl_tcp_flags_str(unsigned int flags, char *buf);
const char *pl_proto_name(unsigned int ipproto);
const char *pl_ethertype_name(unsigned int ethertype);

#endif
