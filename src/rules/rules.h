/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * rules.h - payload signatures: a documented subset of Suricata's rule language
 * (pktlens-rules(5)), loaded from files, matched against IP packets and the L7
 * metadata of their flows with a Hyperscan prefilter in front of the exact checks.
 *
 * Loading is all or nothing: any error (named FILE:LINE: ...) leaves nothing loaded,
 * except that with @lenient a rule using a keyword pktlens does not support is skipped
 * with a warning and counted. Matching is single-threaded per pl_sigs.
 */
#ifndef PL_SIGS_H
#define PL_SIGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "pktlens.h"
#include "l7/meta.h"

struct pl_sigs;

/* Bounds on what a (hostile) file makes pktlens read or keep. */
#define PL_SIGS_FILE_MAX   (64u << 20) /* bytes of one rule file */
#define PL_SIGS_LINE_MAX   (64u << 10) /* one rule, continuation lines joined */
#define PL_SIGS_MAX        200000      /* rules of one set */
#define PL_SIGS_DATASET_MAX (256u << 20)

struct pl_sigs_opts {
	bool lenient;              /* skip (and count) rules with unsupported keywords */
	const char *const *vars;   /* "NAME=VALUE" ($NAME in addresses and ports) */
	int nvars;
	const char *dataset_dir;   /* relative dataset files: NULL = the rule file's directory */
	unsigned int flows_max;    /* flows whose state (flowbits, ...) is kept; 0: 65536 */
	bool no_files;             /* fuzzing: dataset files are not read (empty sets) */
};

/* Load @path (a rule file) into *@out. 0, or < 0 after messages naming FILE:LINE. */
int pl_sigs_load(const char *path, const struct pl_sigs_opts *o, struct pl_sigs **out);
/* The same from @text (NUL-terminated); messages say @name. */
int pl_sigs_load_text(const char *name, const char *text, size_t len,
		       const struct pl_sigs_opts *o, struct pl_sigs **out);
void pl_sigs_free(struct pl_sigs *rs);

struct pl_sigs_counts {
	unsigned int rules, skipped, prefiltered, flowbits, datasets;
	uint64_t packets, candidates, matches, alerts, suppressed, flows_evicted;
};
void pl_sigs_counts(const struct pl_sigs *rs, struct pl_sigs_counts *c);

/* One packet to match: its IP header onwards, and what L7 knows of its flow. */
struct pl_sigs_pkt {
	const uint8_t *l3;
	size_t len;
	uint64_t ts_ns;                 /* Unix time */
	const struct pl_flow_key *key;  /* NULL: no flow state (flowbits never set) */
	int to_server;                  /* 1, 0; -1: unknown (flow:to_* never match) */
	const struct pl_l7_meta *meta;  /* NULL: none (yet) */
	const char *app_proto;          /* "http", "dns", "tls", ...; NULL: unknown */
};

/* What a matching rule says. */
struct pl_sig_hit {
	uint32_t gid, sid, rev;
	const char *msg;
	const char *category;  /* classtype's description, "" when none */
	unsigned int severity; /* priority: 1 (high) .. 255 */
	bool drop;             /* the rule's action is drop (for mitigation) */
	const char *file;
	int line;
};

typedef void (*pl_sigs_alert_fn)(void *arg, const struct pl_sigs_pkt *p,
				  const struct pl_sig_hit *h);

/* Match @p against every rule; @fn is called for each alert. Returns alerts or < 0. */
int pl_sigs_match(struct pl_sigs *rs, const struct pl_sigs_pkt *p, pl_sigs_alert_fn fn,
		   void *arg);

/* The flow ended: forget its state. */
void pl_sigs_forget(struct pl_sigs *rs, const struct pl_flow_key *k);

#endif
