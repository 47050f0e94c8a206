/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * maps.h - the mitigation maps of a data plane (bpf/mitigate.h, bpf/blocklist.h): sized
 * before load, opened from our skeleton or from pins (a running protect, or a data plane
 * bpftool loaded), and locked while changed: protect and `pktlens block` may write them
 * at once. Functions return 0 or a negative errno and print nothing unless they say so.
 */
#ifndef PL_MITIGATE_MAPS_H
#define PL_MITIGATE_MAPS_H

#include <stdbool.h>
#include "pktlens.h"
#include "mitigate/blocklist.h"

struct pktlens;

struct pl_mit {
	int cfg_fd, stats_fd, rules_fd, rule_stats_fd;
	int allow_fd, port_fd, rate_fd, rate_state_fd;
	struct pl_bl bl;
	bool owned;    /* the fds are ours to close (opened from pins) */
	int lock_fd;   /* -1: not locked */
	char dir[256]; /* the pin directory, "" for our own skeleton */
};

/* The names of the maps protect pins beside pl_stats/pl_flows/pl_events. */
extern const char *const pl_mit_map_names[];
extern const int pl_mit_nmaps;

/* Between open and load: mitigation on (sized for @prefixes per family) or off (tiny). */
void pl_mit_size_maps(struct pktlens *skel, bool on, __u32 prefixes);
/* The maps of a loaded skeleton (fds borrowed); writes a fresh configuration. */
int pl_mit_from_skel(struct pl_mit *m, struct pktlens *skel);
/* The maps pinned in @dir (checked to be ours); says what is wrong when they are not. */
int pl_mit_open_pinned(struct pl_mit *m, const char *dir);
void pl_mit_close(struct pl_mit *m);

/* Exclusive lock on the maps against other pktlens processes (flock on the directory). */
int pl_mit_lock(struct pl_mit *m);
void pl_mit_unlock(struct pl_mit *m);

#endif
