/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * collect.h - load and attach the drops program (bpf/drops.bpf.c) and read its
 * tables. Functions return 0 or a negative errno and have said what failed.
 */
#ifndef PL_DROPS_COLLECT_H
#define PL_DROPS_COLLECT_H

#include <stdbool.h>
#include <net/if.h>
#include "pktlens.h"
#include "drops/reasons.h"

struct drops;

struct pl_drops_opts {
	const char *ifname; /* NULL: every interface */
	bool all_netns;     /* count drops in every network namespace, not only ours */
};

struct pl_drops {
	struct drops *skel;
	struct bpf_link *link;
	const char *hook;      /* "tp_btf" or "raw_tp": what the kernel took */
	bool whole_skb;        /* headers read beyond the linear part (dynptr) */
	__u32 netns;           /* inode of our network namespace */
	int ifindex;           /* -i, else 0 */
	char ifname[IF_NAMESIZE];
	bool all_netns;
};

struct pl_drop_row {
	struct pl_drop_key k;
	__u64 n;
};

struct pl_drop_loc_row {
	struct pl_drop_loc k;
	__u64 n;
};

/* The tables at one moment, summed over CPUs; rows sorted by key. */
struct pl_drops_snap {
	struct pl_drop_row *rows;
	size_t nrows;
	struct pl_drop_loc_row *locs;
	size_t nlocs;
	__u64 totals[PL_DT_MAX];
	__u64 mono_ns;
};

/* The inode number of this process's network namespace (0 if unknown). */
__u32 pl_drops_own_netns(void);
/* Load and attach; @names gives the special reasons to skip. */
int pl_drops_open(struct pl_drops *d, const struct pl_drops_opts *o,
		  const struct pl_drop_names *names);
void pl_drops_close(struct pl_drops *d);
/* Read the tables into @s (freed with pl_drops_snap_free(), also after an error). */
int pl_drops_read(const struct pl_drops *d, struct pl_drops_snap *s);
void pl_drops_snap_free(struct pl_drops_snap *s);
/* Rows of @s with key @k (NULL if none): the interval's delta is cur - prev. */
const struct pl_drop_row *pl_drops_find(const struct pl_drops_snap *s, const struct pl_drop_key *k);
const struct pl_drop_loc_row *pl_drops_find_loc(const struct pl_drops_snap *s,
						const struct pl_drop_loc *k);

#endif
