/* SPDX-License-Identifier: BSD-2-Clause */
/* ruleset.h - a loaded rule set and its matching state (load.c, engine.c, state.c). */
#ifndef PL_RULESET_H
#define PL_RULESET_H

#include "rules/rules_int.h"

struct rflow;
struct thr_ent;

struct pl_sigs {
	char *file;
	struct rule *r;
	int n, cap;
	unsigned int skipped;
	struct rule **sorted;   /* evaluation order */
	char **fbnames;
	int nfb;
	struct dsets *dsets;
	struct prefilter *pf;
	int *always;            /* rules without a prefilter pattern */
	int nalways;
	uint8_t *cand;          /* per rule: a candidate of this packet */
	int *clist;
	/* state.c */
	unsigned int flows_max;
	struct rflow **fb;      /* flow hash buckets */
	unsigned int nbuckets, nflows;
	struct rflow *oldest, *newest;
	struct thr_ent **thr;   /* threshold buckets */
	unsigned int nthr;
	struct pl_sigs_counts cnt;
};

int pl_sigs_state_init(struct pl_sigs *rs);
void pl_sigs_state_free(struct pl_sigs *rs);

/* A flow's rule state: flowbits, handshake, the app-layer rules that fired. */
struct rflow {
	struct rflow *next, *older, *newer;
	struct pl_flow_key key;
	uint8_t seen;      /* 1: to server, 2: to client */
	uint8_t tcp;       /* 1: SYN, 2: SYN-ACK, 3: established; 4: started mid-stream */
	uint32_t *fired;   /* rule indexes alerted once for the flow */
	uint32_t nfired, capfired;
	uint64_t bits[];   /* flowbits */
};

struct rflow *pl_rflow_get(struct pl_sigs *rs, const struct pl_flow_key *k);
bool pl_rflow_fired(struct rflow *f, uint32_t idx, bool mark);
/* Threshold/detection_filter: whether this match alerts. */
bool pl_thresh_pass(struct pl_sigs *rs, const struct rule *r, const uint8_t *src,
		    const uint8_t *dst, uint8_t alen, uint64_t ts_ns);

#endif
