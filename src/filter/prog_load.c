// SPDX-License-Identifier: BSD-2-Clause
/*
 * prog_load.c - load a translated filter program into the kernel, with generated BTF
 * func_info for its subprograms (see cbpf.h for the contract).
 */
#include "cbpf_internal.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

/*
 * Subprograms need BTF func_info: find their starts, and describe
 *   - targets of BPF_PSEUDO_FUNC (the bpf_loop() callback) as
 *     static int f(int index, void *state);
 *   - targets of BPF_PSEUDO_CALL (call-load mode's pl_load1/2/4, TC's pl_vload1/2/4) as global
 *     unsigned long long f(struct xdp_md *ctx, unsigned long long off) (or
 *     struct __sk_buff *): a global function is verified once, with its arguments
 *     typed from BTF.
 * The main program is static int f(void *ctx). Returns the number of functions
 * (1 without subprograms), with *btfp and info[] filled when > 1; negative errno.
 */
#define MAX_FUNCS 12
static int make_func_info(const struct bpf_insn *insns, size_t cnt, enum pl_filter_hook hook,
			  struct btf **btfp, struct bpf_func_info *info)
{
	__u32 starts[MAX_FUNCS];
	bool global[MAX_FUNCS];
	int n = 1, t_int, t_u64, t_void_ptr, t_ctx, t_ctx_ptr, t_main, t_cb, t_ld, ret;
	struct btf *btf;

	starts[0] = 0;
	global[0] = false;
	for (size_t i = 0; i < cnt; i++) {
		const struct bpf_insn *in = &insns[i];
		bool cb = in->code == (BPF_LD | BPF_DW | BPF_IMM) && in->src_reg == BPF_PSEUDO_FUNC;
		bool gl = in->code == (BPF_JMP | BPF_CALL) && in->src_reg == BPF_PSEUDO_CALL;
		long long d;
		int j;

		if (!cb && !gl)
			continue;
		d = (long long)i + 1 + in->imm;
		if (d <= 0 || d >= (long long)cnt)
			return -EINVAL;
		for (j = 0; j < n && starts[j] != (__u32)d; j++)
			;
		if (j < n)
			continue;
		if (n == MAX_FUNCS)
			return -E2BIG;
		/* keep sorted */
		for (j = n; j > 0 && starts[j - 1] > (__u32)d; j--) {
			starts[j] = starts[j - 1];
			global[j] = global[j - 1];
		}
		starts[j] = (__u32)d;
		global[j] = gl;
		n++;
	}
	*btfp = NULL;
	if (n == 1)
		return 1;
	btf = btf__new_empty();
	if (!btf)
		return -ENOMEM;
	ret = t_int = btf__add_int(btf, "int", 4, BTF_INT_SIGNED);
	if (ret >= 0)
		ret = t_u64 = btf__add_int(btf, "unsigned long long", 8, 0);
	if (ret >= 0)
		ret = t_void_ptr = btf__add_ptr(btf, 0);
	if (ret >= 0)
		ret = t_ctx = btf__add_struct(btf, hook == PL_FILTER_XDP ? "xdp_md" : "__sk_buff", 0);
	if (ret >= 0)
		ret = t_ctx_ptr = btf__add_ptr(btf, t_ctx);
	if (ret >= 0)
		ret = t_main = btf__add_func_proto(btf, t_int);
	if (ret >= 0)
		ret = btf__add_func_param(btf, "ctx", t_void_ptr);
	if (ret >= 0)
		ret = t_cb = btf__add_func_proto(btf, t_int);
	if (ret >= 0)
		ret = btf__add_func_param(btf, "index", t_int);
	if (ret >= 0)
		ret = btf__add_func_param(btf, "state", t_void_ptr);
	if (ret >= 0)
		ret = t_ld = btf__add_func_proto(btf, t_u64);
	if (ret >= 0)
		ret = btf__add_func_param(btf, "ctx", t_ctx_ptr);
	if (ret >= 0)
		ret = btf__add_func_param(btf, "off", t_u64);
	if (ret >= 0) {
		ret = btf__add_func(btf, "pl_filter", BTF_FUNC_STATIC, t_main);
		info[0].type_id = (__u32)ret;
	}
	for (int f = 1; f < n && ret >= 0; f++) {
		char name[32];

		snprintf(name, sizeof(name), "pl_filter_%s%d", global[f] ? "load" : "loop", f);
		ret = btf__add_func(btf, name, global[f] ? BTF_FUNC_GLOBAL : BTF_FUNC_STATIC,
				    global[f] ? t_ld : t_cb);
		info[f].type_id = (__u32)ret;
	}
	if (ret >= 0)
		ret = btf__load_into_kernel(btf);
	if (ret < 0) {
		btf__free(btf);
		return ret;
	}
	for (int f = 0; f < n; f++)
		info[f].insn_off = starts[f];
	*btfp = btf;
	return n;
}

int pl_filter_load(const struct bpf_insn *insns, size_t cnt, enum pl_filter_hook hook,
		   __u32 prog_flags, char *log, size_t loglen)
{
	enum bpf_prog_type type = hook == PL_FILTER_XDP ? BPF_PROG_TYPE_XDP
							: BPF_PROG_TYPE_SCHED_CLS;
	struct bpf_func_info finfo[MAX_FUNCS];
	struct btf *btf = NULL;
	int nfuncs;
	/* A tail-call target must match its caller's expected attach type too (libbpf
	 * loads SEC("xdp") programs as BPF_XDP), so declare the same. */
	LIBBPF_OPTS(bpf_prog_load_opts, opts, .prog_flags = prog_flags,
		    .expected_attach_type = hook == PL_FILTER_XDP ? BPF_XDP : 0);
	char *buf = log;
	size_t buflen = loglen;
	int fd, err;

	if (log && loglen)
		log[0] = '\0';
	if (!insns || !cnt || cnt > UINT_MAX) {
		set_err(log, loglen, "no instructions");
		return -EINVAL;
	}
	memset(finfo, 0, sizeof(finfo));
	nfuncs = make_func_info(insns, cnt, hook, &btf, finfo);
	if (nfuncs < 0) {
		set_err(log, loglen, "BTF for the subprograms: %s", strerror(-nfuncs));
		return nfuncs;
	}
	if (btf) {
		opts.prog_btf_fd = (__u32)btf__fd(btf);
		opts.func_info = finfo;
		opts.func_info_cnt = (__u32)nfuncs;
		opts.func_info_rec_size = sizeof(finfo[0]);
	}
	fd = bpf_prog_load(type, "pl_filter", "Dual BSD/GPL", insns, cnt, &opts);
	if (fd >= 0 || !log || !loglen) {
		btf__free(btf);
		return fd;
	}
	err = fd;
	/* again, with the verifier log (the kernel wants at least 128 bytes) */
	if (loglen < 128) {
		buflen = 4096;
		buf = malloc(buflen);
		if (!buf) {
			set_err(log, loglen, "bpf_prog_load: %s", strerror(-err));
			btf__free(btf);
			return err;
		}
	}
	if (buflen > UINT_MAX)
		buflen = UINT_MAX;
	buf[0] = '\0';
	opts.log_buf = buf;
	opts.log_size = (__u32)buflen;
	opts.log_level = 1;
	/* Only for the log: the first error is the one to report (the retry may fail
	 * differently, e.g. -ENOSPC for a log buffer too small). */
	fd = bpf_prog_load(type, "pl_filter", "Dual BSD/GPL", insns, cnt, &opts);
	if (fd >= 0) /* should not happen */
		close(fd);
	btf__free(btf);
	if (buf[0] == '\0')
		snprintf(buf, buflen, "bpf_prog_load: %s", strerror(-err));
	if (buf != log) {
		size_t n = strlen(buf);
		const char *tail = n >= loglen ? buf + n - (loglen - 1) : buf;

		snprintf(log, loglen, "%s", tail);
		free(buf);
	}
	return err;
}
