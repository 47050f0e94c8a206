/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * filter_prog.h - put a tcpdump expression in front of the pipeline: the expression
 * is compiled by libpcap, translated to eBPF (src/filter/cbpf.h) and loaded as the
 * entry program, which tail-calls the pipeline (pl_progs slot 0) only on a match.
 */
#ifndef PL_FILTER_PROG_H
#define PL_FILTER_PROG_H

struct pl_dp;
struct pl_dp_opts;

/*
 * Compile and translate o->filter for o->mode without loading anything: needs no
 * privileges, so commands call it before they check for root. Messages printed.
 * -EINVAL: libpcap rejected the expression (only then: bad usage), -EOPNOTSUPP:
 * pktlens cannot run it (e.g. "inbound" offline), -ENOMEM.
 */
int pl_filter_prog_check(const struct pl_dp_opts *o);

/*
 * What a command does with its expression before it checks for root (libpcap needs no
 * privileges, so a bad expression is bad usage for anyone): take the netmask for
 * "ip broadcast" from o->ifname as tcpdump does (live modes), then
 * pl_filter_prog_check(). 0 without an expression.
 */
int pl_filter_prog_prepare(struct pl_dp_opts *o);

/* Build, load and wire the filter; sets dp->filter_fd and dp->entry_fd. Negative
 * errno, message printed (after pl_filter_prog_check(), a runtime failure). */
int pl_filter_prog_attach(struct pl_dp *dp, const struct pl_dp_opts *o);

#endif
