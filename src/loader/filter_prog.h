/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_prog.h - put a tcpdump expression in front of the pipeline: the expression
 * is compiled by libpcap, translated to eBPF (src/filter/cbpf.c) and loaded as the
 * entry program, which tail-calls the pipeline (pl_progs slot 0) only on a match.
 */
#ifndef PL_FILTER_PROG_H
#define PL_FILTER_PROG_H

struct pl_dp;
struct pl_dp_opts;

/* Build, load and wire the filter; sets dp->filter_fd and dp->entry_fd.
 * -EINVAL: bad expression (libpcap's message was printed), -EOPNOTSUPP: untranslatable. */
int pl_filter_prog_attach(struct pl_dp *dp, const struct pl_dp_opts *o);

#endif
