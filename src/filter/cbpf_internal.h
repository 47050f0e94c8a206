/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * cbpf_internal.h - what the files of the classic BPF -> eBPF translator share (not an
 * interface: src/filter/cbpf.h is). The translation scheme (registers, stack, loop
 * mode, packet loads, VLAN tags at TC) is described at the top of translate.c.
 *   compile.c       libpcap compilation (pl_filter_netmask, pl_filter_compile)
 *   analyse.c       validation and analysis of the classic program
 *   packet_loads.c  the eBPF code of classic packet loads
 *   translate.c     the translation proper (pl_filter_translate)
 *   prog_load.c     loading into the kernel with BTF func_info (pl_filter_load)
 * Functions shared between these files are named cbpf_*; set_err() and the emitter's
 * instruction constructors are static inline here.
 */
#ifndef PKTLENS_FILTER_CBPF_INTERNAL_H
#define PKTLENS_FILTER_CBPF_INTERNAL_H

#include "cbpf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Writes a message into a caller's err/log buffer; NULL or length 0: nothing. */
static inline void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static inline void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

/* ---------------------------------------------------------------------------------- */
/* eBPF emitter                                                                        */

enum {
	R0 = 0, R1, R2, R3, R4, R5, R6, R7, R8, R9, R10,
	RCTX = R6, RA = R7, RX = R8, RLEN = R9,
};

#define STK_KEY (-4)
#define STK_BUF (-16)
#define STK_ERR (-88) /* u64: call-load mode's deferred "a load failed" */
#define STK_MEM(i) (-80 + 4 * (int)(i))

/*
 * Direct packet access up to this offset (a power of two minus one, below the
 * verifier's MAX_PACKET_OFF 0xffff); further on the load helpers read, as they do
 * beyond data_end. See emit_direct_load() (packet_loads.c) for why it is a mask.
 */
#define MAX_DIRECT_OFF 0x7fff

/*
 * Programs with backward jumps (libpcap emits them for "protochain") run as a
 * bpf_loop() callback: the callback holds the whole classic program, and each backward
 * jump saves A and X in the loop state, sets the resume point and returns 0 (next
 * iteration); RET stores the verdict and returns 1 (stop). At most LOOP_BUDGET
 * backward jumps per packet, then no match. Loop state, on the main program's stack:
 */
#define LOOP_BUDGET 16384
#define ST_BASE (-128)
#define ST_CTX 0     /* u64: ctx pointer */
#define ST_A 8
#define ST_X 12
#define ST_LEN 16
#define ST_PC 20     /* classic index to resume at */
#define ST_RESULT 24 /* 1 = match */
#define ST_VTAG 28   /* 1 = skb carries a VLAN tag: run the tagged copy (TC) */
#define ST_MEM(i) (32 + 4 * (int)(i))

enum target_kind {
	TGT_CLASSIC,
	TGT_MATCH, TGT_NOMATCH,       /* main program's epilogue */
	TGT_CB_MATCH, TGT_CB_NOMATCH, /* the loop callback's epilogue */
	TGT_CB_START,                 /* ld_imm64 of the callback (imm, not off) */
	TGT_LOADFN,                   /* call of the load function of size target */
	TGT_VLOADFN,                  /* call of the VLAN-aware load function (TC) */
	TGT_VSTART,                   /* start of the tagged copy (TC) */
};

/* The virtual packet of a TC program on an skb with a VLAN tag (see translate.c). */
#define VTAG_OFF 12 /* where the tag goes back: after the MAC addresses */
#define VTAG_END 16 /* virtual offsets >= VTAG_END are data[off - 4] */
#define VTAG_LEN 4

/* How the copy of the classic program being emitted does its packet loads. */
enum load_mode {
	LM_INLINE,  /* direct access + helper fallback */
	LM_CALL,    /* pl_load<size> calls, deferred errors (CALL_LOADS_ABOVE) */
	LM_VINLINE, /* TC, tagged copy: LM_INLINE at remapped offsets, pl_vload for the rest */
	LM_VCALL,   /* TC: pl_vload<size> calls (mapping at run time), deferred errors */
};

/*
 * Call-load mode. The verifier explores one path at a time and keeps the other side of
 * every two-way branch pending, at most 8192 of them (BPF_COMPLEXITY_LIMIT_JMP_SEQ).
 * Inline loads are one or two such branches each, so very large classic programs
 * (hundreds of "host" terms) would be rejected. In call-load mode every packet load
 * calls a global function (pl_load1/2/4, verified once, not per call site) that returns
 * the value, or bit 32 set when the bytes are beyond the packet; the caller ORs that
 * into a stack slot and checks it only at RET and backward jumps: a classic program
 * has no side effects, so a failed load ending the filter at once or only at its RET
 * gives the same verdict. Chosen when the inline estimate exceeds CALL_LOADS_ABOVE.
 */
#define CALL_LOADS_ABOVE 4000

struct fixup {
	size_t at;            /* index of the jump instruction */
	size_t target;        /* classic index for TGT_CLASSIC */
	enum target_kind kind;
};

struct emitter {
	struct bpf_insn *v;
	size_t n, cap;
	struct fixup *fx;
	size_t nfx, capfx;
	bool oom;
	const struct pl_filter_opts *o;
	bool used_match, used_nomatch, used_cb_match, used_cb_nomatch;
	bool loop_mode; /* the classic program runs in a bpf_loop() callback */
	bool call_loads; /* packet loads call pl_(v)load1/2/4 (see CALL_LOADS_ABOVE) */
	enum load_mode lm; /* of the copy being emitted (call_loads follows it) */
	bool any_call;  /* some copy uses call loads: STK_ERR is initialized */
	size_t copy_base; /* added to classic targets: 0, or len + 1 in the tagged copy */
	bool used_loadfn[3];
	bool used_vloadfn[3];
	bool two_copies; /* TC, inline loads: untagged and tagged copy (see translate.c) */
	bool len_fix;   /* TC, PL_WIRELEN_BUFF and the program reads len: + 4 if tagged */
	bool in_cb;     /* emitting the callback: r9 = loop state, no RLEN */
};

static inline struct bpf_insn mk(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
{
	struct bpf_insn in;

	memset(&in, 0, sizeof(in));
	in.code = code;
	in.dst_reg = dst & 0xf;
	in.src_reg = src & 0xf;
	in.off = off;
	in.imm = imm;
	return in;
}

static inline size_t emit(struct emitter *e, struct bpf_insn in)
{
	if (e->n == e->cap) {
		size_t nc = e->cap ? e->cap * 2 : 256;
		struct bpf_insn *nv = realloc(e->v, nc * sizeof(*nv));

		if (!nv) {
			e->oom = true;
			return e->n;
		}
		e->v = nv;
		e->cap = nc;
	}
	e->v[e->n] = in;
	return e->n++;
}

static inline void add_fixup(struct emitter *e, size_t at, enum target_kind kind,
			     size_t target)
{
	if (e->nfx == e->capfx) {
		size_t nc = e->capfx ? e->capfx * 2 : 64;
		struct fixup *nf = realloc(e->fx, nc * sizeof(*nf));

		if (!nf) {
			e->oom = true;
			return;
		}
		e->fx = nf;
		e->capfx = nc;
	}
	if (kind == TGT_CLASSIC)
		target += e->copy_base;
	if (e->in_cb && kind == TGT_MATCH)
		kind = TGT_CB_MATCH;
	else if (e->in_cb && kind == TGT_NOMATCH)
		kind = TGT_CB_NOMATCH;
	e->fx[e->nfx].at = at;
	e->fx[e->nfx].kind = kind;
	e->fx[e->nfx].target = target;
	e->nfx++;
	if (kind == TGT_MATCH)
		e->used_match = true;
	else if (kind == TGT_NOMATCH)
		e->used_nomatch = true;
	else if (kind == TGT_CB_MATCH)
		e->used_cb_match = true;
	else if (kind == TGT_CB_NOMATCH)
		e->used_cb_nomatch = true;
}

/* Instruction constructors (names follow the kernel's internal macros). */
static inline void mov64_reg(struct emitter *e, int dst, int src)
{
	emit(e, mk(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0));
}
static inline void mov64_imm(struct emitter *e, int dst, __s32 imm)
{
	emit(e, mk(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm));
}
static inline void mov32_reg(struct emitter *e, int dst, int src)
{
	emit(e, mk(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0));
}
static inline void mov32_imm(struct emitter *e, int dst, __u32 imm)
{
	emit(e, mk(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (__s32)imm));
}
static inline void add64_imm(struct emitter *e, int dst, __s32 imm)
{
	emit(e, mk(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm));
}
static inline void add64_reg(struct emitter *e, int dst, int src)
{
	emit(e, mk(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0));
}
static inline void ldx(struct emitter *e, int size, int dst, int src, __s16 off)
{
	emit(e, mk(BPF_LDX | BPF_MEM | size, dst, src, off, 0));
}
static inline void stx(struct emitter *e, int size, int dst, int src, __s16 off)
{
	emit(e, mk(BPF_STX | BPF_MEM | size, dst, src, off, 0));
}
static inline void st_imm(struct emitter *e, int size, int dst, __s16 off, __s32 imm)
{
	emit(e, mk(BPF_ST | BPF_MEM | size, dst, 0, off, imm));
}
static inline void call(struct emitter *e, int func)
{
	emit(e, mk(BPF_JMP | BPF_CALL, 0, 0, 0, func));
}
static inline void exit_insn(struct emitter *e)
{
	emit(e, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}
/* Local forward jump; returns its index for patch_here(). */
static inline size_t jmp_local(struct emitter *e, __u8 code, int dst, int src, __s32 imm)
{
	return emit(e, mk(code, dst, src, 0, imm));
}
static inline void patch_here(struct emitter *e, size_t at)
{
	if (!e->oom)
		e->v[at].off = (__s16)(e->n - at - 1);
}
/* Unconditional jump to a label, fixed up at the end. */
static inline void ja_to(struct emitter *e, enum target_kind kind, size_t target)
{
	size_t at = emit(e, mk(BPF_JMP | BPF_JA, 0, 0, 0, 0));

	add_fixup(e, at, kind, target);
}
static inline void ld_map_fd(struct emitter *e, int dst, int fd)
{
	emit(e, mk(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd));
	emit(e, mk(0, 0, 0, 0, 0));
}

static inline int ctx_data_off(const struct pl_filter_opts *o)
{
	return o->hook == PL_FILTER_XDP ? (int)offsetof(struct xdp_md, data)
					: (int)offsetof(struct __sk_buff, data);
}
static inline int ctx_data_end_off(const struct pl_filter_opts *o)
{
	return o->hook == PL_FILTER_XDP ? (int)offsetof(struct xdp_md, data_end)
					: (int)offsetof(struct __sk_buff, data_end);
}

static inline int bpf_size(unsigned int sz)
{
	return sz == 4 ? BPF_W : sz == 2 ? BPF_H : BPF_B;
}

/* packet_loads.c: the code of classic packet loads and the load functions. */
void cbpf_emit_check_err(struct emitter *e);
void cbpf_emit_loadfn(struct emitter *e, unsigned int sz);
void cbpf_emit_vloadfn(struct emitter *e, unsigned int sz);
void cbpf_emit_load_abs(struct emitter *e, unsigned int sz, __u32 k, int dst);
void cbpf_emit_load_ind(struct emitter *e, unsigned int sz, __u32 k, int dst);

/* ---------------------------------------------------------------------------------- */
/* Classic program analysis                                                            */

struct tctx {
	char *err;
	size_t errlen;
};

/*
 * Where a packet load's constant offset k points (ABS, IND and MSH loads alike).
 * libpcap's interpreter (pcap_offline_filter) compares k as unsigned with the packet
 * length, so every k >= 2^31 is beyond the packet: no match. The kernel's classic BPF
 * agrees below SKF_LL_OFF, but gives [SKF_LL_OFF, 2^32) a meaning (link-layer and
 * network-header relative loads, ancillary data from SKF_AD_OFF on) that libpcap
 * relies on for live captures ("inbound", "ifindex"): those are refused, except the
 * two ancillary loads PL_FILTER_F_LIVE_INGRESS defines.
 */
enum load_kind {
	LK_PACKET,   /* k < 2^31: a packet offset */
	LK_BEYOND,   /* [2^31, SKF_LL_OFF): beyond any packet, no match */
	LK_PKTTYPE,  /* ABS at SKF_AD_OFF + SKF_AD_PKTTYPE, live ingress */
	LK_IFINDEX,  /* ABS at SKF_AD_OFF + SKF_AD_IFINDEX, live ingress */
	LK_SPECIAL,  /* the rest of [SKF_LL_OFF, 2^32): refused */
};

struct analysis {
	size_t diamonds;      /* two-way verifier branches of inline code (estimate) */
	bool *reach;          /* reachable from instruction 0 */
	bool *entry;          /* target of a backward jump (a loop resume point) */
	unsigned int memmask; /* scratch slots used */
	bool uses_len;
	bool has_back;        /* some backward jump: loop mode */
	size_t ind_loads;     /* reachable IND loads */
	bool loads_past_tag;  /* some load may read at offset >= 12 (TC: VLAN mapping) */
};

/* analyse.c */
enum load_kind cbpf_load_kind(const struct sock_filter *in, __u32 flags);
bool cbpf_is_load_pkt(__u16 code);
int cbpf_analyse(const struct sock_fprog *p, __u32 flags, struct analysis *a,
		 struct tctx *t);

#endif /* PKTLENS_FILTER_CBPF_INTERNAL_H */
