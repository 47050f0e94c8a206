/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xdp_features.h - which interfaces of this network namespace have native XDP, as
 * their drivers tell the kernel (the "netdev" generic netlink family, Linux 6.3+).
 */
#ifndef PL_XDP_FEATURES_H
#define PL_XDP_FEATURES_H

#include <stdbool.h>

struct pl_xdp_native {
	int n;        /* interfaces listed */
	int *ifindex; /* each one ... */
	bool *native; /* ... and whether its driver has native XDP */
};

/* Fill @out (free with pl_xdp_native_free); a negative errno if it cannot be told. */
int pl_xdp_native_query(struct pl_xdp_native *out);
/* 1 native, 0 not, -1 not listed. */
int pl_xdp_native_has(const struct pl_xdp_native *x, int ifindex);
void pl_xdp_native_free(struct pl_xdp_native *x);

#endif
