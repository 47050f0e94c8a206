/* SPDX-License-Identifier: BSD-2-Clause */
/* interfaces.h - `capture -D`: the interfaces pktlens could attach to, and how. */
#ifndef PL_INTERFACES_H
#define PL_INTERFACES_H

#include <stdio.h>

/*
 * One line per interface of this network namespace, as tcpdump -D prints them
 * ("1.eth0 [Up, Running]"), then what pktlens can do there: native XDP, generic XDP
 * only, or nothing (not Ethernet), and the driver. 0, or a negative errno.
 */
int pl_list_interfaces(FILE *out);

#endif
