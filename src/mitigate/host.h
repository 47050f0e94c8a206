/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * host.h - what block/unblock/blocked act on and what they must spare: the pin
 * directory of a running protect (or of a data plane bpftool loaded), and this host's
 * own addresses and default gateways, which pktlens never blocks.
 */
#ifndef PL_MITIGATE_HOST_H
#define PL_MITIGATE_HOST_H

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

#endif
