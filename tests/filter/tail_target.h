/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * tail_target.h - what the filter tests put behind a filter program loaded as
 * production loads it (a tail call into the pipeline on a match): a prog array whose
 * slot 0 holds a program that only returns "matched" (XDP_TX / TC_ACT_REDIRECT), a
 * value neither the filter nor the pipeline returns.
 */
#ifndef PL_TAIL_TARGET_H
#define PL_TAIL_TARGET_H

#include <unistd.h>
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include "filter/cbpf.h"

#define TAIL_MATCH_XDP XDP_TX
#define TAIL_MATCH_TC TC_ACT_REDIRECT

/*
 * A prog array for @hook with the "matched" program in slot 0, or -1 (errno set).
 * The target agrees with the filter programs on type, attach type and frags, which
 * the kernel checks when a prog array is shared.
 */
static inline int tail_target_map(enum pl_filter_hook hook, const char *name)
{
	struct bpf_insn ret[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0,
		  .imm = hook == PL_FILTER_XDP ? TAIL_MATCH_XDP : TAIL_MATCH_TC },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, xo, .prog_flags = BPF_F_XDP_HAS_FRAGS,
		    .expected_attach_type = BPF_XDP);
	__u32 slot = 0;
	int map, prog;

	map = bpf_map_create(BPF_MAP_TYPE_PROG_ARRAY, name, 4, 4, 1, NULL);
	prog = hook == PL_FILTER_XDP
		       ? bpf_prog_load(BPF_PROG_TYPE_XDP, name, "GPL", ret, 2, &xo)
		       : bpf_prog_load(BPF_PROG_TYPE_SCHED_CLS, name, "GPL", ret, 2, NULL);
	if (map < 0 || prog < 0 || bpf_map_update_elem(map, &slot, &prog, BPF_ANY)) {
		if (map >= 0)
			close(map);
		map = -1;
	}
	if (prog >= 0)
		close(prog); /* the prog array holds it */
	return map;
}

#endif
