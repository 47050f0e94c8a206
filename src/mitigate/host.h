/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * host.h - what block/unblock/blocked act on and what they must spare: the pin
 * directory of a running protect (or of a data plane bpftool loaded), and this host's
 * own addresses and default gateways, which pktlens never blocks.
 */
#ifndef PL_MITIGATE_HOST_H
#define PL_MITIGATE_HOST_H

#include <stdbool.h>
#include <stddef.h>
#include "mitigate/blocklist.h"

#define PL_PIN_ROOT_DIR "/sys/fs/bpf/pktlens"

/*
 * The directory to use: @pinned, else /sys/fs/bpf/pktlens/@ifname, else the one
 * directory under /sys/fs/bpf/pktlens that holds mitigation maps. Says why not
 * (none running, or several: name one) and returns a negative errno.
 */
int pl_mit_find_dir(const char *ifname, const char *pinned, char *dir, size_t len);
/* Own addresses (every interface of this network namespace) and default gateways. */
int pl_host_addrs(struct pl_prefix **out, size_t *n);
/* The same, the gateways only with @gateways (protect --block-gateway: without). */
int pl_host_addrs_gw(struct pl_prefix **out, size_t *n, bool gateways);
/*
 * What a block through @m may not cover: with a running protect, this host's own
 * addresses (its gateways are allow rules in the maps unless --block-gateway, and
 * those refuse blocks over them); with a data plane bpftool loaded (no such rules),
 * its own addresses and its gateways.
 */
struct pl_mit;
int pl_host_protected(struct pl_mit *m, struct pl_prefix **out, size_t *n);

#endif
