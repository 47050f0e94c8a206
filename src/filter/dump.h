/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * dump.h - a filter expression's programs, printed: the classic program as tcpdump's
 * -d, -dd and -ddd print it (libpcap's own bpf_dump()), and the eBPF program the
 * translator (cbpf.h) makes of it, one instruction a line in the notation of the
 * kernel's verifier log and `bpftool prog dump xlated`. Needs no privileges: nothing
 * is loaded. For `pktlens capture -d/-dd/-ddd/--dump-ebpf`.
 */
#ifndef PKTLENS_FILTER_DUMP_H
#define PKTLENS_FILTER_DUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include "filter/cbpf.h"

/* tcpdump's largest (and default) snap length, which its -d programs return. */
#define PL_DUMP_SNAPLEN_MAX 262144

struct pl_cbpf_dump_opts {
	const char *expr;      /* NULL: every packet, as tcpdump without an expression */
	const char *read_path; /* non-NULL: compiled for this capture file's link type and
				* snap length, netmask 0, as tcpdump -r FILE -d */
	int linktype;          /* otherwise these */
	int snaplen;
	__u32 netmask;         /* as pcap_compile() takes it */
	int level;             /* 1: -d (readable), 2: -dd (C array), 3: -ddd (decimal) */
};

/*
 * Compile o->expr as tcpdump does (optimized) and print the classic program on
 * standard output in tcpdump's form. 0; -EINVAL: libpcap rejected the expression
 * (its words in err); -EIO: the capture file cannot be read, or standard output
 * failed (err says which; -EPIPE: the reader went away); -ENOMEM.
 */
int pl_cbpf_dump(const struct pl_cbpf_dump_opts *o, char *err, size_t errlen);

/* A map's name for the fd a translated program embeds. */
struct pl_dump_map {
	int fd;
	const char *name;
};

/*
 * Print @cnt eBPF instructions to @f, one a line: "%4u: (opcode) text", a 16-byte
 * load (ld_imm64) on one line that takes two indexes, as bpftool prints them. Map
 * fds in @maps are shown by name. 0, or a negative errno when writing failed.
 */
int pl_ebpf_print(FILE *f, const struct bpf_insn *insns, size_t cnt,
		  const struct pl_dump_map *maps, size_t nmaps);

/*
 * The eBPF program a live `capture -i` or `monitor -i` loads in front of the
 * pipeline for @expr (Ethernet, wire length from the frame, ingress only, a tail call
 * to the pipeline on a match), translated for @hook and printed with pl_ebpf_print()
 * to standard output. *n_classic and *n_ebpf get the sizes of the two programs.
 * 0; -EINVAL: libpcap rejected the expression; -EOPNOTSUPP (or another errno): the
 * translator refused it; the reason in err. -EPIPE/-EIO: standard output failed.
 */
int pl_ebpf_dump_live(const char *expr, enum pl_filter_hook hook, __u32 netmask,
		      size_t *n_classic, size_t *n_ebpf, char *err, size_t errlen);

#endif /* PKTLENS_FILTER_DUMP_H */
