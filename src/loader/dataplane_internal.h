/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dataplane_internal.h - helpers that dataplane.c, attach.c and pin.c share; not for
 * use outside src/loader/ (the API is dataplane.h).
 */
#ifndef PL_DATAPLANE_INTERNAL_H
#define PL_DATAPLANE_INTERNAL_H

#include <net/if.h>

struct pl_dp;

/* dataplane.c: every fd -1 (ours to close), nothing loaded. */
void pl_dp_reset(struct pl_dp *dp);
/* dataplane.c: an interface ioctl (@ifr's other fields set by the caller); 0 or -1. */
int pl_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr);
/* interfaces.c: the driver's name (ethtool -i), "" if it cannot be told. */
void pl_if_driver(const char *ifname, char *out, size_t len);

/* pin.c: pin our maps under /sys/fs/bpf/pktlens/<ifname>/ (--pin). */
int pl_dp_pin(struct pl_dp *dp);
/* pin.c: remove what pl_dp_pin() pinned; nothing if it did not. */
void pl_dp_unpin(struct pl_dp *dp);

#endif
