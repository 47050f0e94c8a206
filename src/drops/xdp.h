/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * xdp.h - the verdicts of the XDP programs attached to interfaces (`pktlens drops`):
 * an fexit program (bpf/xdp_verdicts.bpf.c) on each one's entry function counts what
 * it returned. XDP_DROP never reaches skb:kfree_skb: these are drops the kernel's
 * reasons cannot show. Programs attached or replaced later are followed at each read.
 * Where the kernel refuses fexit programs (lockdown, no trampolines), the driver's own
 * XDP counters (ethtool statistics named *xdp*: veth, mlx5, ...) are read instead,
 * for native XDP; generic XDP's drops reach skb:kfree_skb.
 *
 * Why the test machine (6.18 Firecracker guest kernel, lockdown "integrity") refuses it:
 * BPF_PROG_LOAD of every fentry/fexit program fails with EPERM and an empty verifier
 * log, whatever the target: this one on an XDP program (attach_prog_fd) and a plain
 * fexit on a kernel function (do_unlinkat, loaded with bpftool) alike, while a tp_btf
 * program (the same program type, another attach type) loads. The same kernel refuses
 * ftrace's available_filter_functions (EPERM), offers no function_graph tracer and has
 * no kprobes, and no BPF LSM program is loaded: the kernel build refuses BPF
 * trampolines before verification, so the rules of attaching to an XDP program never
 * come into play and nothing on our side can change it. The fexit path has not run on
 * a kernel that allows trampolines.
 */
#ifndef PL_DROPS_XDP_H
#define PL_DROPS_XDP_H

#include <stdbool.h>
#include <net/if.h>
#include "pktlens.h"

struct pl_json;
struct xdp_verdicts;
struct bpf_link;

#define PL_XDP_TARGETS_MAX 16

struct pl_xdp_target {
	int ifindex;
	char ifname[IF_NAMESIZE];
	__u32 prog_id;          /* 0: no XDP program now */
	char prog[64];          /* its entry function */
	const char *mode;       /* "native", "generic", "offload" */
	struct xdp_verdicts *skel;
	struct bpf_link *link;
	__u64 base[PL_XDP_ACTS]; /* counted by programs replaced since */
	__u64 cur[PL_XDP_ACTS], prev[PL_XDP_ACTS]; /* since the start, now and at the last read */
	char error[192];        /* why it is not counted, "" when it is */
	const char *source;     /* "fexit" or "driver" (ethtool statistics), NULL: none */
	char note[160];         /* why the driver's counters are used */
	__u64 drv0[PL_XDP_ACTS]; /* driver: the counters when counting began */
};

struct pl_xdp_verdicts {
	int ifindex;            /* -i, else 0: every interface of this namespace */
	int n;
	struct pl_xdp_target t[PL_XDP_TARGETS_MAX];
};

/* Start counting for @ifindex (0: all). Never fails: what cannot be counted says why. */
void pl_xdp_verdicts_start(struct pl_xdp_verdicts *v, int ifindex);
/* Follow attach changes and read the counters (prev becomes the last read). */
void pl_xdp_verdicts_update(struct pl_xdp_verdicts *v);
void pl_xdp_verdicts_stop(struct pl_xdp_verdicts *v);

/* The "xdp" array of the drops JSON: totals and, with @interval, the last interval. */
void pl_xdp_verdicts_json(struct pl_json *j, const struct pl_xdp_verdicts *v);
/* One line per interface ("xdp eth0 (xdp_prog id 7, native): drop 5 pass 10 ..."),
 * @delta: the last interval's counts, else the totals. */
void pl_xdp_verdicts_lines(const struct pl_xdp_verdicts *v, bool delta,
			   void (*emit)(void *arg, const char *line), void *arg);

#endif
