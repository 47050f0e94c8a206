/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * blocklist.h - user space of the kernel blocklist (bpf/blocklist.h): add, remove and
 * look up prefixes, keeping the /16 tables, summaries and filter bits consistent with
 * the hashes. Callers that share the maps with another process hold the mitigation
 * lock (mitigate/maps.h) around every change. Functions return 0 or a negative errno
 * and print nothing.
 */
#ifndef PL_MITIGATE_BLOCKLIST_H
#define PL_MITIGATE_BLOCKLIST_H

#include <stddef.h>
#include <stdint.h>
#include "pktlens.h"

struct pl_prefix {
	uint8_t family;   /* 4 or 6 */
	uint8_t plen;
	uint16_t pad;
	uint32_t addr[4]; /* network order, masked to plen; IPv4 in addr[0], the rest 0 */
};

struct pl_bl {
	int cfg_fd, bloom_fd, top4_fd, top6_fd, sum6_fd;
	int hash_fd[2];           /* [0] IPv4, [1] IPv6 */
	/* Mapped by pl_bl_map(). */
	uint64_t *bloom;
	uint32_t bloom_words;
	struct pl_bl_top *top[2];
	struct pl_bl_sum6 *sum6;
};

/* Map the arrays of @bl (its fds set). Undo with pl_bl_unmap(). */
int pl_bl_map(struct pl_bl *bl);
void pl_bl_unmap(struct pl_bl *bl);

/* Mask @p's address to its length (bits past it cleared). */
void pl_prefix_mask(struct pl_prefix *p);
/* Does @p contain @q (same family, p no longer, q's first p->plen bits equal)? */
int pl_prefix_contains(const struct pl_prefix *p, const struct pl_prefix *q);

/* Fresh maps: write the configuration (the filter's size). */
int pl_bl_init(struct pl_bl *bl);
/* Add or replace prefixes (rule[i] != 0 for v[i]). */
int pl_bl_add(struct pl_bl *bl, const struct pl_prefix *v, const uint32_t *rule, size_t n);
/* Remove a prefix; -ENOENT if absent. */
int pl_bl_del(struct pl_bl *bl, const struct pl_prefix *p);
/* The rule of exactly @p, -ENOENT if absent. */
int pl_bl_get(struct pl_bl *bl, const struct pl_prefix *p, uint32_t *rule);

#endif
