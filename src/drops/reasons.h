/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * reasons.h - the names of the kernel's drop reasons, read at run time from the
 * running kernel's BTF (enum skb_drop_reason), so that a newer kernel's reasons are
 * named without a table in pktlens. Names lose the "SKB_DROP_REASON_" (or "SKB_")
 * prefix, as the kernel's own tracepoint prints them: NO_SOCKET, NETFILTER_DROP.
 */
#ifndef PL_DROP_REASONS_H
#define PL_DROP_REASONS_H

#include <stddef.h>
#include <bpf/btf.h>
#include <linux/types.h>

#define PL_DROP_NONE 0xffffffffu /* a special value the kernel does not have */

struct pl_drop_reason {
	__u32 value;
	char *name;
};

struct pl_drop_names {
	struct pl_drop_reason *r; /* sorted by value */
	size_t n;
	char **subsys;            /* enum skb_drop_reason_subsys names by value; may be NULL */
	size_t nsubsys;
	__u32 consumed;           /* SKB_CONSUMED, or PL_DROP_NONE */
	__u32 not_dropped;        /* SKB_NOT_DROPPED_YET, or PL_DROP_NONE */
	__u32 not_specified;      /* SKB_DROP_REASON_NOT_SPECIFIED, or PL_DROP_NONE */
};

/*
 * Fill @n from @btf's enum skb_drop_reason (and enum skb_drop_reason_subsys when
 * present). 0; -ENOENT when @btf has no such enum (a kernel before 5.17); -ENOMEM.
 * The caller frees @n with pl_drop_names_free(), also after an error.
 */
int pl_drop_names_from_btf(const struct btf *btf, struct pl_drop_names *n);
/* The same from the running kernel's BTF (/sys/kernel/btf/vmlinux); says why not. */
int pl_drop_names_load(struct pl_drop_names *n);
void pl_drop_names_free(struct pl_drop_names *n);
/*
 * The name of reason @v: the enum's name, "SUBSYS:CODE" for a reason of a subsystem
 * (the high 16 bits; e.g. OPENVSWITCH:3), else "REASON_<v>". Points into @n or @buf.
 */
const char *pl_drop_name(const struct pl_drop_names *n, __u32 v, char *buf, size_t len);

#endif
