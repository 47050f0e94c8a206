/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dataplane_internal.h - helpers that dataplane.c, attach.c and pin.c share; not for
 * use outside src/loader/ (the API is dataplane.h).
 */
#ifndef PL_DATAPLANE_INTERNAL_H
#define PL_DATAPLANE_INTERNAL_H

#include <stdbool.h>
#include <net/if.h>

struct pl_dp;
struct pl_dp_opts;

/* dataplane.c: every fd -1 (ours to close), nothing loaded. */
void pl_dp_reset(struct pl_dp *dp);
/* reuse.c: park an offline data plane at close, hand it out again at load. */
bool pl_dp_park(struct pl_dp *dp);
bool pl_dp_unpark(struct pl_dp *dp, const struct pl_dp_opts *o);
void pl_dp_note_opts(const struct pl_dp *dp, const struct pl_dp_opts *o);
/* dataplane.c: an interface ioctl (@ifr's other fields set by the caller); 0 or -1. */
int pl_if_ioctl(const char *ifname, unsigned long req, struct ifreq *ifr);
/* interfaces.c: the driver's name (ethtool -i), "" if it cannot be told. */
void pl_if_driver(const char *ifname, char *out, size_t len);

/* pin.c: pin our maps under /sys/fs/bpf/pktlens/<ifname>/ (--pin). */
int pl_dp_pin(struct pl_dp *dp);
/* pin.c: remove what pl_dp_pin() pinned; nothing if it did not. */
void pl_dp_unpin(struct pl_dp *dp);

#endif
