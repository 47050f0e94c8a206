// SPDX-License-Identifier: BSD-2-Clause
/*
 * fuzz_cbpf.c - libFuzzer target for the classic-to-eBPF translator
 * (src/filter/translate.c). The first byte picks the input's meaning:
 *   even: the rest is a classic program (struct sock_filter, 8 bytes each), any
 *         instructions at all; odd: the rest is a tcpdump expression that libpcap
 *         compiles first (what users actually hand pktlens);
 * and bits 1-5 the options: TC or XDP, tail call or verdict, wire length from a map or
 * the buffer, forced call or inline loads. The translator
 * must accept or refuse with a message, never crash, and never emit a program that
 * does not end in an exit. Nothing is loaded into the kernel. `make fuzz` runs it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/bpf.h>
#include <linux/filter.h>
#include "filter/cbpf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pl_filter_opts o = { .wirelen_map_fd = -1, .tail_map_fd = -1 };
	struct sock_fprog prog = {}, compiled = {};
	struct bpf_insn *insns = NULL;
	char err[512], expr[1024];
	size_t cnt = 0;
	uint8_t mode;

	if (size < 1)
		return 0;
	mode = data[0];
	data++, size--;
	o.hook = mode & 2 ? PL_FILTER_TC : PL_FILTER_XDP;
	/* Map fds are only embedded in the instructions: any number will do here. */
	if (mode & 4)
		o.tail_map_fd = 3;
	if (mode & 8) {
		o.wirelen = PL_WIRELEN_MAP;
		o.wirelen_map_fd = 4;
		o.wirelen_off = 8;
	}
	if (mode & 16)
		o.flags |= PL_FILTER_F_CALL_LOADS;
	else if (mode & 32)
		o.flags |= PL_FILTER_F_INLINE_LOADS;
	if (mode & 1) {
		size_t n = size < sizeof(expr) - 1 ? size : sizeof(expr) - 1;

		memcpy(expr, data, n);
		expr[n] = 0;
		if (pl_filter_compile(expr, 1 /* DLT_EN10MB */, 262144, PL_FILTER_NETMASK_UNKNOWN, &compiled, err,
				      sizeof(err)))
			return 0;
		prog = compiled;
	} else {
		static struct sock_filter f[4096];
		size_t n = size / sizeof(f[0]);

		if (n == 0 || n > 4096)
			return 0;
		memcpy(f, data, n * sizeof(f[0]));
		prog.len = (unsigned short)n;
		prog.filter = f;
	}
	if (pl_filter_translate(&prog, &o, &insns, &cnt, err, sizeof(err)) == 0) {
		if (!insns || !cnt || insns[cnt - 1].code != (BPF_JMP | BPF_EXIT))
			abort();
		free(insns);
	} else if (insns || cnt) {
		abort();
	}
	pl_filter_free(&compiled);
	return 0;
}
