// SPDX-License-Identifier: BSD-2-Clause
/*
 * dump.c - print a filter expression's classic program as tcpdump -d/-dd/-ddd does
 * and its translated eBPF program as the kernel's verifier log does (see dump.h).
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* u_int, u_char, ... for <pcap/pcap.h> under -std=c11 */
#endif
#define bpf_insn pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include "filter/dump.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

static void say(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* Standard output after printing: 0, -EPIPE (the reader left) or -EIO. */
static int stdout_status(char *err, size_t errlen)
{
	errno = 0;
	if (fflush(stdout) == 0 && !ferror(stdout))
		return 0;
	if (errno == EPIPE)
		return -EPIPE;
	say(err, errlen, "writing to standard output failed: %s",
	    errno ? strerror(errno) : "I/O error");
	return -EIO;
}

int pl_cbpf_dump(const struct pl_cbpf_dump_opts *o, char *err, size_t errlen)
{
	char ebuf[PCAP_ERRBUF_SIZE] = "";
	struct pcap_bpf_program bp;
	__u32 netmask = o->netmask;
	pcap_t *p;

	if (o->read_path) {
		/* As tcpdump -r: the file's link type and snap length, no netmask. */
		p = pcap_open_offline(o->read_path, ebuf);
		if (!p) {
			say(err, errlen, "cannot read '%s': %s", o->read_path, ebuf);
			return -EIO;
		}
		netmask = 0;
	} else {
		p = pcap_open_dead(o->linktype, o->snaplen);
		if (!p) {
			say(err, errlen, "out of memory");
			return -ENOMEM;
		}
	}
	if (pcap_compile(p, &bp, o->expr ? o->expr : "", 1, netmask) < 0) {
		say(err, errlen, "%s", pcap_geterr(p));
		pcap_close(p);
		return -EINVAL;
	}
	bpf_dump(&bp, o->level); /* libpcap's printer: tcpdump's output to the byte */
	pcap_freecode(&bp);
	pcap_close(p);
	return stdout_status(err, errlen);
}

/* ---------------------------------------------------------------------------------- */
/* eBPF, in the notation of the kernel's verifier log                                  */

/* Helper names: the uapi header's list, in one of its two forms. */
#ifdef ___BPF_FUNC_MAPPER
#define PL_HELPER_NAME(x, id, ...) [id] = "bpf_" #x,
static const char *const helper_names[] = { ___BPF_FUNC_MAPPER(PL_HELPER_NAME) };
#else
#define PL_HELPER_NAME(x) "bpf_" #x
static const char *const helper_names[] = { __BPF_FUNC_MAPPER(PL_HELPER_NAME) };
#endif
#undef PL_HELPER_NAME

static const char *const alu_ops[16] = {
	[BPF_ADD >> 4] = "+=",   [BPF_SUB >> 4] = "-=", [BPF_MUL >> 4] = "*=",
	[BPF_DIV >> 4] = "/=",   [BPF_OR >> 4] = "|=",  [BPF_AND >> 4] = "&=",
	[BPF_LSH >> 4] = "<<=",  [BPF_RSH >> 4] = ">>=", [BPF_MOD >> 4] = "%=",
	[BPF_XOR >> 4] = "^=",   [BPF_MOV >> 4] = "=",  [BPF_ARSH >> 4] = "s>>=",
};

static const char *const jmp_ops[16] = {
	[BPF_JEQ >> 4] = "==", [BPF_JGT >> 4] = ">",   [BPF_JGE >> 4] = ">=",
	[BPF_JSET >> 4] = "&", [BPF_JNE >> 4] = "!=",  [BPF_JSGT >> 4] = "s>",
	[BPF_JSGE >> 4] = "s>=", [BPF_JLT >> 4] = "<", [BPF_JLE >> 4] = "<=",
	[BPF_JSLT >> 4] = "s<", [BPF_JSLE >> 4] = "s<=",
};

static const char *size_name(int code)
{
	switch (BPF_SIZE(code)) {
	case BPF_B: return "u8";
	case BPF_H: return "u16";
	case BPF_W: return "u32";
	default: return "u64";
	}
}

static const char *map_name(int fd, const struct pl_dump_map *maps, size_t nmaps)
{
	for (size_t i = 0; i < nmaps; i++)
		if (maps[i].fd == fd)
			return maps[i].name;
	return NULL;
}

/* One instruction (two slots for ld_imm64: @next is the one after it) into @s. */
static void insn_text(char *s, size_t n, const struct bpf_insn *in, const struct bpf_insn *next,
		      const struct pl_dump_map *maps, size_t nmaps)
{
	int cls = BPF_CLASS(in->code), op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X;
	char r = cls == BPF_ALU64 || cls == BPF_JMP ? 'r' : 'w';
	const char *name;

	switch (cls) {
	case BPF_ALU:
	case BPF_ALU64:
		if (op == BPF_END)
			snprintf(s, n, "r%d = %s%d r%d", in->dst_reg, x ? "be" : "le", in->imm,
				 in->dst_reg);
		else if (op == BPF_NEG)
			snprintf(s, n, "%c%d = -%c%d", r, in->dst_reg, r, in->dst_reg);
		else if (!alu_ops[op >> 4])
			snprintf(s, n, "(unknown ALU opcode)");
		else if (x)
			snprintf(s, n, "%c%d %s %c%d", r, in->dst_reg, alu_ops[op >> 4], r,
				 in->src_reg);
		else
			snprintf(s, n, "%c%d %s %d", r, in->dst_reg, alu_ops[op >> 4], in->imm);
		return;
	case BPF_JMP:
	case BPF_JMP32:
		if (op == BPF_EXIT) {
			snprintf(s, n, "exit");
		} else if (op == BPF_CALL && in->src_reg == BPF_PSEUDO_CALL) {
			snprintf(s, n, "call pc%+d", in->imm);
		} else if (op == BPF_CALL) {
			name = in->imm >= 0 && (size_t)in->imm < sizeof(helper_names) /
									 sizeof(helper_names[0]) ?
				       helper_names[in->imm] : NULL;
			snprintf(s, n, "call %s#%d", name ? name : "unknown", in->imm);
		} else if (op == BPF_JA) {
			/* JMP32|JA is "gotol": a 32-bit offset in imm */
			if (cls == BPF_JMP32)
				snprintf(s, n, "gotol pc%+d", in->imm);
			else
				snprintf(s, n, "goto pc%+d", in->off);
		} else if (!jmp_ops[op >> 4]) {
			snprintf(s, n, "(unknown jump opcode)");
		} else if (x) {
			snprintf(s, n, "if %c%d %s %c%d goto pc%+d", r, in->dst_reg, jmp_ops[op >> 4],
				 r, in->src_reg, in->off);
		} else {
			snprintf(s, n, "if %c%d %s 0x%x goto pc%+d", r, in->dst_reg, jmp_ops[op >> 4],
				 (unsigned int)in->imm, in->off);
		}
		return;
	case BPF_LDX:
		snprintf(s, n, "r%d = *(%s *)(r%d %+d)", in->dst_reg, size_name(in->code),
			 in->src_reg, in->off);
		return;
	case BPF_STX:
		if (BPF_MODE(in->code) == BPF_ATOMIC)
			snprintf(s, n, "lock *(%s *)(r%d %+d) atomic(0x%x) r%d", size_name(in->code),
				 in->dst_reg, in->off, (unsigned int)in->imm, in->src_reg);
		else
			snprintf(s, n, "*(%s *)(r%d %+d) = r%d", size_name(in->code), in->dst_reg,
				 in->off, in->src_reg);
		return;
	case BPF_ST:
		snprintf(s, n, "*(%s *)(r%d %+d) = %d", size_name(in->code), in->dst_reg, in->off,
			 in->imm);
		return;
	case BPF_LD:
		if (in->code == (BPF_LD | BPF_IMM | BPF_DW) && next) {
			__u64 v = (__u32)in->imm | (__u64)(__u32)next->imm << 32;

			if (in->src_reg == BPF_PSEUDO_MAP_FD &&
			    (name = map_name(in->imm, maps, nmaps)))
				snprintf(s, n, "r%d = map[%s]", in->dst_reg, name);
			else if (in->src_reg == BPF_PSEUDO_MAP_FD)
				snprintf(s, n, "r%d = map[fd:%d]", in->dst_reg, in->imm);
			else if (in->src_reg == BPF_PSEUDO_MAP_VALUE &&
				 (name = map_name(in->imm, maps, nmaps)))
				snprintf(s, n, "r%d = map[%s][0]+%u", in->dst_reg, name,
					 (unsigned int)next->imm);
			else if (in->src_reg == BPF_PSEUDO_MAP_VALUE)
				snprintf(s, n, "r%d = map[fd:%d][0]+%u", in->dst_reg, in->imm,
					 (unsigned int)next->imm);
			else if (in->src_reg == BPF_PSEUDO_FUNC)
				snprintf(s, n, "r%d = func pc%+d", in->dst_reg, in->imm);
			else
				snprintf(s, n, "r%d = 0x%llx", in->dst_reg, (unsigned long long)v);
			return;
		}
		if (BPF_MODE(in->code) == BPF_ABS) {
			snprintf(s, n, "r0 = *(%s *)skb[%d]", size_name(in->code), in->imm);
			return;
		}
		if (BPF_MODE(in->code) == BPF_IND) {
			snprintf(s, n, "r0 = *(%s *)skb[r%d %+d]", size_name(in->code), in->src_reg,
				 in->imm);
			return;
		}
		break;
	}
	snprintf(s, n, "(unknown opcode)");
}

int pl_ebpf_print(FILE *f, const struct bpf_insn *insns, size_t cnt,
		  const struct pl_dump_map *maps, size_t nmaps)
{
	char text[160];

	errno = 0;
	for (size_t i = 0; i < cnt; i++) {
		bool wide = insns[i].code == (BPF_LD | BPF_IMM | BPF_DW) && i + 1 < cnt;

		insn_text(text, sizeof(text), &insns[i], wide ? &insns[i + 1] : NULL, maps, nmaps);
		if (fprintf(f, "%4zu: (%02x) %s\n", i, insns[i].code, text) < 0)
			break;
		i += wide;
	}
	if (fflush(f) == 0 && !ferror(f))
		return 0;
	return errno ? -errno : -EIO;
}

/*
 * What loader/filter_prog.c translates for a live interface; the fd of its tail-call
 * map (pl_progs) is only a number in the instructions here: nothing is loaded.
 */
#define DUMP_TAIL_FD 1000000
#define DUMP_PIPELINE_SLOT 0

int pl_ebpf_dump_live(const char *expr, enum pl_filter_hook hook, __u32 netmask,
		      size_t *n_classic, size_t *n_ebpf, char *err, size_t errlen)
{
	const struct pl_filter_opts fo = {
		.hook = hook,
		.wirelen = PL_WIRELEN_BUFF,
		.tail_map_fd = DUMP_TAIL_FD,
		.tail_index = DUMP_PIPELINE_SLOT,
		.flags = PL_FILTER_F_LIVE_INGRESS,
	};
	const struct pl_dump_map maps[] = { { DUMP_TAIL_FD, "pl_progs" } };
	struct sock_fprog cbpf = {};
	struct bpf_insn *insns = NULL;
	size_t cnt = 0;
	int ret;

	*n_classic = *n_ebpf = 0;
	/* The snap length only sets the RET value, which the translation reads as match. */
	ret = pl_filter_compile(expr ? expr : "", DLT_EN10MB, PL_DUMP_SNAPLEN_MAX, netmask,
				&cbpf, err, errlen);
	if (ret)
		return ret;
	ret = pl_filter_translate(&cbpf, &fo, &insns, &cnt, err, errlen);
	if (!ret) {
		*n_classic = cbpf.len;
		*n_ebpf = cnt;
		ret = pl_ebpf_print(stdout, insns, cnt, maps, 1);
		if (ret && ret != -EPIPE) {
			say(err, errlen, "writing to standard output failed: %s", strerror(-ret));
			ret = -EIO;
		}
	}
	pl_filter_free(&cbpf);
	free(insns);
	return ret;
}
