/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * promisc.h - the interface in promiscuous mode while pktlens captures, as tcpdump
 * does unless given -p: a NIC then passes frames for other MAC addresses up to XDP.
 */
#ifndef PL_PROMISC_H
#define PL_PROMISC_H

/*
 * Ask for promiscuous mode on @ifindex; returns a descriptor that holds it (close it
 * to give it back), or -errno. The kernel counts such requests, so someone else's
 * setting survives ours, and drops ours when the descriptor closes, even when
 * pktlens is killed.
 */
int pl_promisc_hold(int ifindex);

#endif
