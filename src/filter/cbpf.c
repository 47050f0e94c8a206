// SPDX-License-Identifier: BSD-2-Clause
/*
 * cbpf.c - compile tcpdump expressions with libpcap and translate the classic BPF
 * program to eBPF (see cbpf.h for the contract).
 *
 * Translation scheme
 * ------------------
 * Registers: r6 = ctx, w7 = A, w8 = X, w9 = wire length ("len"), r1-r5 scratch.
 * A and X are only ever written by 32-bit operations, so their upper halves stay zero.
 * Stack: fp-4 map key (wire length lookup), fp-16..fp-9 load buffer of the helper path,
 * fp-80..fp-17 the classic scratch memory M[0..15] (only the slots the program uses
 * are zeroed in the prologue, which is what the verifier needs; libpcap leaves them
 * uninitialized, and its code generator never reads a slot it did not write),
 * fp-88 the deferred load error of call-load mode (see CALL_LOADS_ABOVE).
 *
 * Loop mode: a program with backward jumps (libpcap's "protochain" walks IPv6/IPv4
 * extension headers with one) cannot be verified as straight-line code, so the whole
 * classic program becomes the callback of bpf_loop() (kernel >= 5.17). A, X, len, the
 * scratch memory, the ctx pointer, the resume point and the verdict live in a state
 * block on the main program's stack (fp-128..fp-33); in the callback r9 points to
 * it. A backward jump saves A and X, stores its target and returns 0 (next
 * iteration); RET stores the verdict and returns 1. After LOOP_BUDGET backward jumps
 * the packet does not match (libpcap's interpreter would loop on forever for some
 * crafted AH chains, see gen_protochain()). The callback needs BTF func_info, which
 * pl_filter_load() generates.
 *
 * Packet loads (network byte order, converted with BPF_END/BPF_TO_BE):
 *   fast path: direct packet access, bounds-checked against data_end;
 *   slow path: when the bytes are not in the linear area (beyond data_end: XDP
 *   multi-buffer frags, TC non-linear skb, offsets > MAX_DIRECT_OFF (0x7fff), where
 *   direct access stops) the load is done with bpf_xdp_load_bytes() / bpf_skb_load_bytes(); when
 *   that fails too the bytes are beyond the packet and the filter ends with "no match",
 *   exactly like classic BPF (libpcap's interpreter returns 0). So a classic load sees
 *   the whole packet (linear + non-linear) in both hooks.
 *   IND loads compute X + k in 64 bits (no wrap-around, like libpcap's checks) and
 *   take the fast path only when it is <= MAX_DIRECT_OFF - size, masked with
 *   MAX_DIRECT_OFF so that the verifier keeps the bound on every path.
 *   Limitation: bpf_xdp_load_bytes() refuses offsets > 0xffff, so in XDP a load at
 *   such an offset of a frame longer than 64 KiB does not match (TC reads it).
 *
 * Jumps: classic jumps are relative (forward, but for loop mode's backward "ja"); every
 * reachable classic instruction gets the index of its first eBPF instruction (first
 * pass), and jump offsets are patched at the end (second pass). Unreachable classic instructions are not emitted
 * (the verifier rejects unreachable code). Unconditional jumps longer than the 16-bit
 * offset use the 32-bit "gotol" form (BPF_JMP32|BPF_JA, kernel >= 6.4).
 * Comparisons use BPF_JMP32 (unsigned 32-bit, like classic).
 *
 * Division or modulo by X == 0 ends with no match (libpcap). Shifts by X >= 32 give 0
 * (libpcap >= 1.10 semantics; eBPF would mask the count).
 *
 * VLAN tags at TC: the classic program is written for the frame as it is on the wire
 * (libpcap's "vlan" checks the ethertype at offset 12 for 0x8100/0x88a8/0x9100 inline).
 * At TC ingress the stack has already moved the outer 802.1Q/802.1ad tag of a received
 * frame into skb metadata (__netif_receive_skb_core -> skb_vlan_untag), and at TC egress
 * a tag a VLAN device put there may not be inserted yet; then __sk_buff data is
 * dst MAC, src MAC, inner ethertype, ... while skb->vlan_present/vlan_proto/vlan_tci
 * hold the tag. So when skb->vlan_present, the TC translation reads a virtual packet,
 * the wire frame with the tag put back at offset 12:
 *     virtual [0, 12)  = data[0, 12)
 *     virtual [12, 14) = vlan_proto (the TPID, e.g. 0x8100, network order)
 *     virtual [14, 16) = vlan_tci (PCP, DEI, VID; host order in __sk_buff)
 *     virtual [16, ..) = data[12, ..)
 * and "len" (PL_WIRELEN_BUFF) is skb->len + 4. Without a tag nothing changes (the kernel
 * leaves other TPIDs, e.g. 0x9100, and every inner tag inline: those are in the data).
 * How (see emit_load_abs/emit_load_ind/emit_vloadfn):
 *   - inline loads (the usual case): the prologue reads skb->vlan_present and branches
 *     once into one of two translations of the classic program: the untagged copy is
 *     exactly the code of before (two more instructions on the fast path, the load and
 *     the branch), the tagged copy remaps at translation time: an ABS load below 12
 *     stays, one at >= 16 reads data[k - 4] (same inline code), one inside [12, 16) is
 *     computed from vlan_proto/vlan_tci without touching the packet; an IND load at
 *     X + k >= 16 reads data[X + k - 4] inline; the rest (loads straddling 12 or 16 and
 *     IND offsets below 16) call pl_vload<size>, a global function (verified once) that
 *     applies the mapping at run time. The verifier explores each copy on its own path,
 *     so the limit on pending branches (CALL_LOADS_ABOVE) is per copy; the tagged copy's
 *     estimate (2 more per IND load) decides the load mode.
 *   - call-load mode: a single translation; every load calls pl_vload<size>, which
 *     checks skb->vlan_present itself (untagged: the plain pl_load code), and the
 *     prologue adds 4 * vlan_present to len without a branch.
 *   - loop mode: the same, the flag is kept in the loop state and the callback
 *     dispatches into the copy it selects.
 * A program whose packet loads all end before offset 12 and that does not read "len"
 * reads the same bytes either way and gets one translation. XDP sees the tag inline:
 * its translation has none of this. PL_WIRELEN_MAP: the map's value is the wire length
 * as the caller gives it (not adjusted).
 */
#ifndef _DEFAULT_SOURCE
#define _DEFAULT_SOURCE /* u_int, u_char, ... for <pcap/pcap.h> under -std=c11 */
#endif
#define bpf_insn pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include "cbpf.h"

#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>

_Static_assert(sizeof(struct pcap_bpf_insn) == sizeof(struct sock_filter),
	       "libpcap and kernel classic instructions differ");
_Static_assert(PL_FILTER_NETMASK_UNKNOWN == PCAP_NETMASK_UNKNOWN, "netmask unknown differs");
_Static_assert(offsetof(struct pcap_bpf_insn, k) == offsetof(struct sock_filter, k),
	       "libpcap and kernel classic instructions differ");

/* ---------------------------------------------------------------------------------- */
/* libpcap compilation                                                                 */

/* pcap_compile() does name lookups (services, protocols) that are not all reentrant. */
static pthread_mutex_t compile_lock = PTHREAD_MUTEX_INITIALIZER;

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || !errlen)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

__u32 pl_filter_netmask(const char *ifname)
{
	char ebuf[PCAP_ERRBUF_SIZE];
	bpf_u_int32 net, mask;

	/* an ioctl on a socket: no privileges; fails for an interface without IPv4 */
	if (!ifname || pcap_lookupnet(ifname, &net, &mask, ebuf) < 0)
		return PL_FILTER_NETMASK_UNKNOWN;
	/*
	 * pcap_lookupnet() gives the mask in network byte order, pcap_compile() takes it in
	 * host order (tcpdump passes one to the other, so on little-endian hosts its
	 * "ip broadcast" tests the wrong bytes; libpcap pull request 1454).
	 */
	return ntohl(mask);
}

int pl_filter_compile(const char *expr, int linktype, int snaplen, __u32 netmask,
		      struct sock_fprog *out, char *err, size_t errlen)
{
	struct pcap_bpf_program bp;
	pcap_t *p;
	int ret = 0;

	if (!out)
		return -EINVAL;
	memset(out, 0, sizeof(*out));
	if (!expr) {
		set_err(err, errlen, "no filter expression");
		return -EINVAL;
	}
	p = pcap_open_dead(linktype, snaplen);
	if (!p) {
		set_err(err, errlen, "pcap_open_dead(%d, %d) failed", linktype, snaplen);
		return -ENOMEM;
	}
	pthread_mutex_lock(&compile_lock);
	if (pcap_compile(p, &bp, expr, 1, netmask) < 0) {
		set_err(err, errlen, "%s", pcap_geterr(p));
		pthread_mutex_unlock(&compile_lock);
		pcap_close(p);
		return -EINVAL;
	}
	pthread_mutex_unlock(&compile_lock);
	if (bp.bf_len == 0 || bp.bf_len > USHRT_MAX) {
		set_err(err, errlen, "classic program has %u instructions", bp.bf_len);
		ret = bp.bf_len ? -E2BIG : -EINVAL;
		goto out;
	}
	out->filter = malloc(bp.bf_len * sizeof(*out->filter));
	if (!out->filter) {
		set_err(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	for (unsigned int i = 0; i < bp.bf_len; i++) {
		out->filter[i].code = bp.bf_insns[i].code;
		out->filter[i].jt = bp.bf_insns[i].jt;
		out->filter[i].jf = bp.bf_insns[i].jf;
		out->filter[i].k = bp.bf_insns[i].k;
	}
	out->len = (unsigned short)bp.bf_len;
out:
	pcap_freecode(&bp);
	pcap_close(p);
	return ret;
}

void pl_filter_free(struct sock_fprog *prog)
{
	if (!prog)
		return;
	free(prog->filter);
	prog->filter = NULL;
	prog->len = 0;
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
 * beyond data_end. See emit_direct_load() for why it is a mask.
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

/* The virtual packet of a TC program on an skb with a VLAN tag (see the top). */
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
	bool two_copies; /* TC, inline loads: untagged and tagged copy (see the top) */
	bool len_fix;   /* TC, PL_WIRELEN_BUFF and the program reads len: + 4 if tagged */
	bool in_cb;     /* emitting the callback: r9 = loop state, no RLEN */
};

static struct bpf_insn mk(__u8 code, __u8 dst, __u8 src, __s16 off, __s32 imm)
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

static size_t emit(struct emitter *e, struct bpf_insn in)
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

static void add_fixup(struct emitter *e, size_t at, enum target_kind kind, size_t target)
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
static void mov64_reg(struct emitter *e, int dst, int src)
{
	emit(e, mk(BPF_ALU64 | BPF_MOV | BPF_X, dst, src, 0, 0));
}
static void mov64_imm(struct emitter *e, int dst, __s32 imm)
{
	emit(e, mk(BPF_ALU64 | BPF_MOV | BPF_K, dst, 0, 0, imm));
}
static void mov32_reg(struct emitter *e, int dst, int src)
{
	emit(e, mk(BPF_ALU | BPF_MOV | BPF_X, dst, src, 0, 0));
}
static void mov32_imm(struct emitter *e, int dst, __u32 imm)
{
	emit(e, mk(BPF_ALU | BPF_MOV | BPF_K, dst, 0, 0, (__s32)imm));
}
static void add64_imm(struct emitter *e, int dst, __s32 imm)
{
	emit(e, mk(BPF_ALU64 | BPF_ADD | BPF_K, dst, 0, 0, imm));
}
static void add64_reg(struct emitter *e, int dst, int src)
{
	emit(e, mk(BPF_ALU64 | BPF_ADD | BPF_X, dst, src, 0, 0));
}
static void ldx(struct emitter *e, int size, int dst, int src, __s16 off)
{
	emit(e, mk(BPF_LDX | BPF_MEM | size, dst, src, off, 0));
}
static void stx(struct emitter *e, int size, int dst, int src, __s16 off)
{
	emit(e, mk(BPF_STX | BPF_MEM | size, dst, src, off, 0));
}
static void st_imm(struct emitter *e, int size, int dst, __s16 off, __s32 imm)
{
	emit(e, mk(BPF_ST | BPF_MEM | size, dst, 0, off, imm));
}
static void call(struct emitter *e, int func)
{
	emit(e, mk(BPF_JMP | BPF_CALL, 0, 0, 0, func));
}
static void exit_insn(struct emitter *e)
{
	emit(e, mk(BPF_JMP | BPF_EXIT, 0, 0, 0, 0));
}
/* Local forward jump; returns its index for patch_here(). */
static size_t jmp_local(struct emitter *e, __u8 code, int dst, int src, __s32 imm)
{
	return emit(e, mk(code, dst, src, 0, imm));
}
static void patch_here(struct emitter *e, size_t at)
{
	if (!e->oom)
		e->v[at].off = (__s16)(e->n - at - 1);
}
/* Unconditional jump to a label, fixed up at the end. */
static void ja_to(struct emitter *e, enum target_kind kind, size_t target)
{
	size_t at = emit(e, mk(BPF_JMP | BPF_JA, 0, 0, 0, 0));

	add_fixup(e, at, kind, target);
}
static void ld_map_fd(struct emitter *e, int dst, int fd)
{
	emit(e, mk(BPF_LD | BPF_DW | BPF_IMM, dst, BPF_PSEUDO_MAP_FD, 0, fd));
	emit(e, mk(0, 0, 0, 0, 0));
}

static int ctx_data_off(const struct pl_filter_opts *o)
{
	return o->hook == PL_FILTER_XDP ? (int)offsetof(struct xdp_md, data)
					: (int)offsetof(struct __sk_buff, data);
}
static int ctx_data_end_off(const struct pl_filter_opts *o)
{
	return o->hook == PL_FILTER_XDP ? (int)offsetof(struct xdp_md, data_end)
					: (int)offsetof(struct __sk_buff, data_end);
}

static int bpf_size(unsigned int sz)
{
	return sz == 4 ? BPF_W : sz == 2 ? BPF_H : BPF_B;
}

/*
 * Slow path of a load: the offset is in r2 (< 2^31); loads sz bytes with the hook's
 * load_bytes helper into dst, or jumps to "no match". Leaves dst in packet byte order.
 */
static void emit_helper_load(struct emitter *e, unsigned int sz, int dst)
{
	size_t j;

	mov64_reg(e, R1, RCTX);
	mov64_reg(e, R3, R10);
	add64_imm(e, R3, STK_BUF);
	mov64_imm(e, R4, (__s32)sz);
	call(e, e->o->hook == PL_FILTER_XDP ? BPF_FUNC_xdp_load_bytes : BPF_FUNC_skb_load_bytes);
	j = jmp_local(e, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0);
	ja_to(e, TGT_NOMATCH, 0);
	patch_here(e, j);
	ldx(e, bpf_size(sz), dst, R10, STK_BUF);
}

static void emit_to_host(struct emitter *e, unsigned int sz, int dst)
{
	if (sz > 1)
		emit(e, mk(BPF_ALU | BPF_END | BPF_TO_BE, dst, 0, 0, (__s32)(sz * 8)));
}

static int loadfn_index(unsigned int sz)
{
	return sz == 4 ? 2 : sz == 2 ? 1 : 0;
}

/*
 * dst = pl_load<sz>(ctx, offset in r2), or pl_vload<sz> when vlan (TC, the mapping of
 * the tagged virtual packet). Call-load mode: a failure is ORed into STK_ERR; else
 * (LM_VINLINE's calls) a failure is "no match" at once.
 */
static void emit_fn_load(struct emitter *e, unsigned int sz, int dst, bool vlan)
{
	int f = loadfn_index(sz);
	size_t at, j;

	mov64_reg(e, R1, RCTX);
	at = emit(e, mk(BPF_JMP | BPF_CALL, 0, BPF_PSEUDO_CALL, 0, 0));
	add_fixup(e, at, vlan ? TGT_VLOADFN : TGT_LOADFN, (size_t)f);
	if (vlan)
		e->used_vloadfn[f] = true;
	else
		e->used_loadfn[f] = true;
	mov32_reg(e, dst, R0);
	emit(e, mk(BPF_ALU64 | BPF_RSH | BPF_K, R0, 0, 0, 32));
	if (e->call_loads) {
		ldx(e, BPF_DW, R1, R10, STK_ERR);
		emit(e, mk(BPF_ALU64 | BPF_OR | BPF_X, R1, R0, 0, 0));
		stx(e, BPF_DW, R10, R1, STK_ERR);
	} else {
		j = jmp_local(e, BPF_JMP | BPF_JEQ | BPF_K, R0, 0, 0);
		ja_to(e, TGT_NOMATCH, 0);
		patch_here(e, j);
	}
}

/* Call-load mode: if a load failed, go to "no match". */
static void emit_check_err(struct emitter *e)
{
	size_t j;

	if (!e->call_loads)
		return;
	ldx(e, BPF_DW, R1, R10, STK_ERR);
	j = jmp_local(e, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0);
	ja_to(e, TGT_NOMATCH, 0);
	patch_here(e, j);
}

/*
 * The global function pl_load<sz>(ctx, u64 offset): fast path direct access, slow path
 * the load_bytes helper, like the inline code; returns the value in host order, or
 * 1 << 32 when the bytes are not in the packet.
 */
static void emit_loadfn_body(struct emitter *e, unsigned int sz);

/*
 * dst = the sz bytes at packet offset @off (a 64-bit register; ctx in @ctx) read
 * directly, when off <= MAX_DIRECT_OFF - sz and they lie before data_end. Otherwise it
 * jumps away: *jbig (offset too large) and *jslow (beyond data_end) are the jumps for
 * the caller to patch to its slower path. Uses r3-r5; the value is in network order.
 */
static void emit_direct_load(struct emitter *e, int ctx, int off, unsigned int sz, int dst,
			     size_t *jbig, size_t *jslow)
{
	*jbig = jmp_local(e, BPF_JMP | BPF_JGT | BPF_K, off, 0, (__s32)(MAX_DIRECT_OFF - sz));
	ldx(e, BPF_W, R3, ctx, (__s16)ctx_data_off(e->o));
	ldx(e, BPF_W, R4, ctx, (__s16)ctx_data_end_off(e->o));
	/*
	 * A no-op after the jump above, but a bound the verifier cannot lose: on a path
	 * it cannot rule out although no value takes it (an earlier load of the same X + k
	 * went slow, and X's known low bits exclude the rest), its bounds for @off may
	 * come out wrong, and it would refuse the access (test_cbpf_random found it).
	 */
	mov64_reg(e, R5, off);
	emit(e, mk(BPF_ALU64 | BPF_AND | BPF_K, R5, 0, 0, MAX_DIRECT_OFF));
	add64_reg(e, R3, R5);
	mov64_reg(e, R5, R3);
	add64_imm(e, R5, (__s32)sz);
	*jslow = jmp_local(e, BPF_JMP | BPF_JGT | BPF_X, R5, R4, 0);
	ldx(e, bpf_size(sz), dst, R3, 0);
}

static void emit_loadfn(struct emitter *e, unsigned int sz)
{
	mov64_reg(e, R6, R1);
	mov64_reg(e, R7, R2);
	emit_loadfn_body(e, sz);
}

/* The code of pl_load<sz> after its prologue: r6 = ctx, r7 = offset (u64). */
static void emit_loadfn_body(struct emitter *e, unsigned int sz)
{
	size_t jslow, jslow2, jerr, jerr2;

	emit_direct_load(e, R6, R7, sz, R0, &jslow, &jslow2);
	emit_to_host(e, sz, R0);
	exit_insn(e);
	patch_here(e, jslow);
	patch_here(e, jslow2);
	jerr = jmp_local(e, BPF_JMP | BPF_JGT | BPF_K, R7, 0, INT_MAX);
	mov64_reg(e, R1, R6);
	mov64_reg(e, R2, R7);
	mov64_reg(e, R3, R10);
	add64_imm(e, R3, -8);
	mov64_imm(e, R4, (__s32)sz);
	call(e, e->o->hook == PL_FILTER_XDP ? BPF_FUNC_xdp_load_bytes : BPF_FUNC_skb_load_bytes);
	jerr2 = jmp_local(e, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0);
	ldx(e, bpf_size(sz), R0, R10, -8);
	emit_to_host(e, sz, R0);
	exit_insn(e);
	patch_here(e, jerr);
	patch_here(e, jerr2);
	mov64_imm(e, R0, 1);
	emit(e, mk(BPF_ALU64 | BPF_LSH | BPF_K, R0, 0, 0, 32));
	exit_insn(e);
}

/* r = the 4 tag bytes as a big-endian u32: vlan_proto << 16 | vlan_tci (ctx in rc). */
static void emit_tag32(struct emitter *e, int r, int rc, int tmp)
{
	ldx(e, BPF_W, r, rc, (__s16)offsetof(struct __sk_buff, vlan_proto));
	emit(e, mk(BPF_ALU | BPF_END | BPF_TO_BE, r, 0, 0, 16)); /* __be16 as stored -> value */
	emit(e, mk(BPF_ALU | BPF_LSH | BPF_K, r, 0, 0, 16));
	ldx(e, BPF_W, tmp, rc, (__s16)offsetof(struct __sk_buff, vlan_tci));
	emit(e, mk(BPF_ALU | BPF_AND | BPF_K, tmp, 0, 0, 0xffff));
	emit(e, mk(BPF_ALU | BPF_OR | BPF_X, r, tmp, 0, 0));
}

/*
 * The global function pl_vload<sz>(ctx, u64 offset) of TC programs: a load from the
 * virtual packet (see the top), same return convention as pl_load<sz>.
 *   no tag:            pl_load's code at offset
 *   offset >= 16:      pl_load's code at offset - 4
 *   offset + sz <= 12: pl_load's code at offset
 *   else (the load overlaps the tag, offset in [13 - sz, 15]): byte by byte, each one
 *     from the tag or with bpf_skb_load_bytes() from data[o] (o < 12) or data[o - 4].
 * Straddling loads are rare (libpcap's own VLAN code loads the tag with ldh [12] and
 * ldh [14], which the tagged inline copy computes directly), so their path is simple.
 */
static void emit_vloadfn(struct emitter *e, unsigned int sz)
{
	size_t jplain, jshift, jlow, jerr[VTAG_LEN], nerr = 0;

	mov64_reg(e, R6, R1);
	mov64_reg(e, R7, R2);
	ldx(e, BPF_W, R1, R6, (__s16)offsetof(struct __sk_buff, vlan_present));
	jplain = jmp_local(e, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0);
	jshift = jmp_local(e, BPF_JMP | BPF_JGE | BPF_K, R7, 0, VTAG_END);
	jlow = jmp_local(e, BPF_JMP | BPF_JLE | BPF_K, R7, 0, (__s32)(VTAG_OFF - sz));
	/* straddle: r8 = tag, r9 = value so far */
	emit_tag32(e, R8, R6, R1);
	mov64_imm(e, R9, 0);
	for (unsigned int j = 0; j < sz; j++) {
		/* o = offset + j is in [13 - sz + j, 15 + j] */
		bool lo = j + 1 < sz, hi = j >= 1;
		size_t jd = 0, jh = 0, jj = 0;

		mov64_reg(e, R2, R7);
		if (j)
			add64_imm(e, R2, (__s32)j);
		if (lo)
			jd = jmp_local(e, BPF_JMP | BPF_JLT | BPF_K, R2, 0, VTAG_OFF);
		if (hi)
			jh = jmp_local(e, BPF_JMP | BPF_JGE | BPF_K, R2, 0, VTAG_END);
		/* a tag byte: (tag >> 8 * (15 - o)) & 0xff */
		mov64_imm(e, R3, VTAG_END - 1);
		emit(e, mk(BPF_ALU64 | BPF_SUB | BPF_X, R3, R2, 0, 0));
		emit(e, mk(BPF_ALU64 | BPF_LSH | BPF_K, R3, 0, 0, 3));
		mov64_reg(e, R0, R8);
		emit(e, mk(BPF_ALU64 | BPF_RSH | BPF_X, R0, R3, 0, 0));
		emit(e, mk(BPF_ALU64 | BPF_AND | BPF_K, R0, 0, 0, 0xff));
		if (lo || hi) {
			jj = jmp_local(e, BPF_JMP | BPF_JA, 0, 0, 0);
			if (hi) {
				patch_here(e, jh);
				add64_imm(e, R2, -VTAG_LEN);
			}
			if (lo)
				patch_here(e, jd);
			/* a data byte at r2 */
			mov64_reg(e, R1, R6);
			mov64_reg(e, R3, R10);
			add64_imm(e, R3, -8);
			mov64_imm(e, R4, 1);
			call(e, BPF_FUNC_skb_load_bytes);
			jerr[nerr++] = jmp_local(e, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0);
			ldx(e, BPF_B, R0, R10, -8);
			patch_here(e, jj);
		}
		emit(e, mk(BPF_ALU64 | BPF_LSH | BPF_K, R9, 0, 0, 8));
		emit(e, mk(BPF_ALU64 | BPF_OR | BPF_X, R9, R0, 0, 0));
	}
	mov64_reg(e, R0, R9);
	exit_insn(e);
	if (nerr) { /* (pl_vload1's straddle reads only the tag) */
		for (size_t i = 0; i < nerr; i++)
			patch_here(e, jerr[i]);
		mov64_imm(e, R0, 1);
		emit(e, mk(BPF_ALU64 | BPF_LSH | BPF_K, R0, 0, 0, 32));
		exit_insn(e);
	}
	patch_here(e, jshift);
	add64_imm(e, R7, -VTAG_LEN);
	patch_here(e, jplain);
	patch_here(e, jlow);
	emit_loadfn_body(e, sz);
}

/* Tagged copy (LM_VINLINE): dst = the sz bytes at virtual offset 12 + t, all in the tag. */
static void emit_tag_bytes(struct emitter *e, unsigned int sz, unsigned int t, int dst)
{
	unsigned int shift = 8 * (VTAG_LEN - t - sz);

	emit_tag32(e, R1, RCTX, R2);
	mov32_reg(e, dst, R1);
	if (shift)
		emit(e, mk(BPF_ALU | BPF_RSH | BPF_K, dst, 0, 0, (__s32)shift));
	if (sz < 4)
		emit(e, mk(BPF_ALU | BPF_AND | BPF_K, dst, 0, 0, (__s32)((1u << (8 * sz)) - 1)));
}

/* dst = sz bytes at absolute offset k (k < 2^31), network order converted to host. */
static void emit_load_abs(struct emitter *e, unsigned int sz, __u32 k, int dst)
{
	size_t jslow = 0, jdone = 0;
	bool direct;

	if (e->lm == LM_VCALL) {
		mov64_imm(e, R2, (__s32)k);
		emit_fn_load(e, sz, dst, true);
		return;
	}
	if (e->lm == LM_VINLINE) {
		/* the tagged copy: offsets known now, remapped now */
		if (k >= VTAG_END) {
			k -= VTAG_LEN; /* data[k - 4], the plain code below */
		} else if ((__u64)k + sz > VTAG_OFF) {
			if (k >= VTAG_OFF && k + sz <= VTAG_END) {
				emit_tag_bytes(e, sz, k - VTAG_OFF, dst);
			} else { /* straddles 12 or 16 */
				mov64_imm(e, R2, (__s32)k);
				emit_fn_load(e, sz, dst, true);
			}
			return;
		}
	}
	if (e->call_loads) {
		mov64_imm(e, R2, (__s32)k);
		emit_fn_load(e, sz, dst, false);
		return;
	}
	direct = (__u64)k + sz <= MAX_DIRECT_OFF;
	if (direct) {
		ldx(e, BPF_W, R2, RCTX, (__s16)ctx_data_off(e->o));
		ldx(e, BPF_W, R3, RCTX, (__s16)ctx_data_end_off(e->o));
		if (k)
			add64_imm(e, R2, (__s32)k);
		mov64_reg(e, R4, R2);
		add64_imm(e, R4, (__s32)sz);
		jslow = jmp_local(e, BPF_JMP | BPF_JGT | BPF_X, R4, R3, 0);
		ldx(e, bpf_size(sz), dst, R2, 0);
		jdone = jmp_local(e, BPF_JMP | BPF_JA, 0, 0, 0);
		patch_here(e, jslow);
	}
	mov64_imm(e, R2, (__s32)k);
	emit_helper_load(e, sz, dst);
	if (direct)
		patch_here(e, jdone);
	emit_to_host(e, sz, dst);
}

/* dst = sz bytes at offset X + k (k < 2^31, computed in 64 bits). */
static void emit_load_ind(struct emitter *e, unsigned int sz, __u32 k, int dst)
{
	size_t jbig, jslow, jdone, jok, jv = 0, jvdone;

	mov32_reg(e, R2, RX);
	if (k)
		add64_imm(e, R2, (__s32)k);
	if (e->call_loads) {
		emit_fn_load(e, sz, dst, e->lm == LM_VCALL);
		return;
	}
	if (e->lm == LM_VINLINE) {
		/* the tagged copy: X + k >= 16 is data[X + k - 4] (the plain code below) */
		jv = jmp_local(e, BPF_JMP | BPF_JLT | BPF_K, R2, 0, VTAG_END);
		add64_imm(e, R2, -VTAG_LEN);
	}
	emit_direct_load(e, RCTX, R2, sz, dst, &jbig, &jslow);
	jdone = jmp_local(e, BPF_JMP | BPF_JA, 0, 0, 0);
	patch_here(e, jbig);
	patch_here(e, jslow);
	/* the helpers take a u32 offset: X + k >= 2^31 is beyond any packet */
	jok = jmp_local(e, BPF_JMP | BPF_JLE | BPF_K, R2, 0, INT_MAX);
	ja_to(e, TGT_NOMATCH, 0);
	patch_here(e, jok);
	emit_helper_load(e, sz, dst);
	patch_here(e, jdone);
	emit_to_host(e, sz, dst);
	if (e->lm == LM_VINLINE) {
		/* below 16: the tag or across it, with the mapping at run time */
		jvdone = jmp_local(e, BPF_JMP | BPF_JA, 0, 0, 0);
		patch_here(e, jv);
		emit_fn_load(e, sz, dst, true);
		patch_here(e, jvdone);
	}
}

/* ---------------------------------------------------------------------------------- */
/* Translation                                                                         */

static const char *cbpf_mnemonic(__u16 code)
{
	switch (code) {
	case BPF_RET | BPF_K: return "ret #k";
	case BPF_RET | BPF_A: return "ret a";
	case BPF_LD | BPF_W | BPF_ABS: return "ld [k]";
	case BPF_LD | BPF_H | BPF_ABS: return "ldh [k]";
	case BPF_LD | BPF_B | BPF_ABS: return "ldb [k]";
	case BPF_LD | BPF_W | BPF_IND: return "ld [x+k]";
	case BPF_LD | BPF_H | BPF_IND: return "ldh [x+k]";
	case BPF_LD | BPF_B | BPF_IND: return "ldb [x+k]";
	case BPF_LD | BPF_W | BPF_LEN: return "ld #len";
	case BPF_LDX | BPF_W | BPF_LEN: return "ldx #len";
	case BPF_LDX | BPF_MSH | BPF_B: return "ldxb 4*([k]&0xf)";
	case BPF_LD | BPF_IMM: return "ld #k";
	case BPF_LDX | BPF_IMM: return "ldx #k";
	case BPF_LD | BPF_MEM: return "ld M[k]";
	case BPF_LDX | BPF_MEM: return "ldx M[k]";
	case BPF_ST: return "st M[k]";
	case BPF_STX: return "stx M[k]";
	case BPF_JMP | BPF_JA: return "ja";
	case BPF_JMP | BPF_JEQ | BPF_K: return "jeq #k";
	case BPF_JMP | BPF_JGT | BPF_K: return "jgt #k";
	case BPF_JMP | BPF_JGE | BPF_K: return "jge #k";
	case BPF_JMP | BPF_JSET | BPF_K: return "jset #k";
	case BPF_JMP | BPF_JEQ | BPF_X: return "jeq x";
	case BPF_JMP | BPF_JGT | BPF_X: return "jgt x";
	case BPF_JMP | BPF_JGE | BPF_X: return "jge x";
	case BPF_JMP | BPF_JSET | BPF_X: return "jset x";
	case BPF_ALU | BPF_NEG: return "neg";
	case BPF_MISC | BPF_TAX: return "tax";
	case BPF_MISC | BPF_TXA: return "txa";
	default: break;
	}
	if (BPF_CLASS(code) == BPF_ALU) {
		static const char *const names[16] = {
			"add", "sub", "mul", "div", "or", "and", "lsh", "rsh",
			"neg", "mod", "xor", "?", "?", "?", "?", "?",
		};
		return names[BPF_OP(code) >> 4];
	}
	return "unknown";
}

#define insn_err(ctx, idx, ins, fmt, ...)                                                  \
	set_err((ctx)->err, (ctx)->errlen, "classic insn %zu (%s, code 0x%02x jt %u jf %u k %#x): " fmt, \
		(size_t)(idx), cbpf_mnemonic((ins)->code), (ins)->code, (ins)->jt, (ins)->jf,    \
		(ins)->k, ##__VA_ARGS__)

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

static enum load_kind load_kind(const struct sock_filter *in, __u32 flags)
{
	if (in->k < 0x80000000u)
		return LK_PACKET;
	if (in->k < (__u32)SKF_LL_OFF)
		return LK_BEYOND;
	if (BPF_MODE(in->code) != BPF_ABS || BPF_CLASS(in->code) != BPF_LD ||
	    !(flags & PL_FILTER_F_LIVE_INGRESS))
		return LK_SPECIAL;
	/* the kernel ignores the load size of ancillary loads (libpcap uses h and w) */
	if (in->k == (__u32)(SKF_AD_OFF + SKF_AD_PKTTYPE))
		return LK_PKTTYPE;
	if (in->k == (__u32)(SKF_AD_OFF + SKF_AD_IFINDEX))
		return LK_IFINDEX;
	return LK_SPECIAL;
}

static bool is_load_pkt(__u16 code)
{
	switch (code) {
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_MSH | BPF_B:
		return true;
	default:
		return false;
	}
}

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

/* Successor of a jump: i + 1 + off, or SIZE_MAX when outside [0, len). */
static size_t jump_dest(size_t i, long long off, size_t len)
{
	long long d = (long long)i + 1 + off;

	return d < 0 || d >= (long long)len ? SIZE_MAX : (size_t)d;
}

/*
 * Validate the classic program and compute reachability (a work list: backward jumps
 * exist), loop entries, scratch slots and len use. Returns 0 or a negative errno with
 * the message set.
 */
static int analyse(const struct sock_fprog *p, __u32 flags, struct analysis *a,
		   struct tctx *t)
{
	size_t len = p->len, *work, nwork = 0;
	int ret = 0;

	work = malloc(len * sizeof(*work));
	if (!work) {
		set_err(t->err, t->errlen, "out of memory");
		return -ENOMEM;
	}
	memset(a->reach, 0, len);
	memset(a->entry, 0, len);
	a->memmask = 0;
	a->diamonds = 0;
	a->uses_len = false;
	a->has_back = false;
	a->ind_loads = 0;
	a->loads_past_tag = false;
	a->reach[0] = true;
	work[nwork++] = 0;

#define SUCC(d)                                                                            \
	do {                                                                               \
		size_t d_ = (d);                                                           \
		if (d_ == SIZE_MAX) {                                                      \
			insn_err(t, i, in, "jump outside the program");                   \
			ret = -EINVAL;                                                     \
			goto out;                                                          \
		}                                                                          \
		if (!a->reach[d_]) {                                                       \
			a->reach[d_] = true;                                               \
			work[nwork++] = d_;                                                \
		}                                                                          \
	} while (0)

	while (nwork) {
		size_t i = work[--nwork];
		const struct sock_filter *in = &p->filter[i];
		__u16 c = in->code;

		switch (c) {
		case BPF_RET | BPF_K:
		case BPF_RET | BPF_A:
			continue; /* no successor */
		case BPF_JMP | BPF_JA:
			/* libpcap's interpreter sign-extends k (protochain jumps back) */
			if ((__s32)in->k < 0) {
				size_t d = jump_dest(i, (__s32)in->k, len);

				a->has_back = true;
				if (d != SIZE_MAX)
					a->entry[d] = true;
				SUCC(d);
			} else {
				SUCC(jump_dest(i, in->k, len));
			}
			continue;
		case BPF_JMP | BPF_JEQ | BPF_K: case BPF_JMP | BPF_JGT | BPF_K:
		case BPF_JMP | BPF_JGE | BPF_K: case BPF_JMP | BPF_JSET | BPF_K:
		case BPF_JMP | BPF_JEQ | BPF_X: case BPF_JMP | BPF_JGT | BPF_X:
		case BPF_JMP | BPF_JGE | BPF_X: case BPF_JMP | BPF_JSET | BPF_X:
			SUCC(jump_dest(i, in->jt, len));
			SUCC(jump_dest(i, in->jf, len));
			a->diamonds += in->jt != in->jf;
			continue;
		case BPF_LD | BPF_MEM: case BPF_LDX | BPF_MEM: case BPF_ST: case BPF_STX:
			if (in->k >= BPF_MEMWORDS) {
				insn_err(t, i, in, "scratch memory index out of range (0..15)");
				ret = -EINVAL;
				goto out;
			}
			a->memmask |= 1u << in->k;
			break;
		case BPF_LD | BPF_W | BPF_LEN: case BPF_LDX | BPF_W | BPF_LEN:
			a->uses_len = true;
			break;
		case BPF_ALU | BPF_DIV | BPF_K: case BPF_ALU | BPF_MOD | BPF_K:
			if (in->k == 0) {
				insn_err(t, i, in, "division by constant zero");
				ret = -EINVAL;
				goto out;
			}
			break;
		case BPF_ALU | BPF_LSH | BPF_K: case BPF_ALU | BPF_RSH | BPF_K:
			if (in->k >= 32) {
				insn_err(t, i, in, "shift by constant >= 32");
				ret = -EINVAL;
				goto out;
			}
			break;
		case BPF_ALU | BPF_ADD | BPF_K: case BPF_ALU | BPF_SUB | BPF_K:
		case BPF_ALU | BPF_MUL | BPF_K: case BPF_ALU | BPF_OR | BPF_K:
		case BPF_ALU | BPF_AND | BPF_K: case BPF_ALU | BPF_XOR | BPF_K:
		case BPF_ALU | BPF_ADD | BPF_X: case BPF_ALU | BPF_SUB | BPF_X:
		case BPF_ALU | BPF_MUL | BPF_X: case BPF_ALU | BPF_DIV | BPF_X:
		case BPF_ALU | BPF_MOD | BPF_X: case BPF_ALU | BPF_OR | BPF_X:
		case BPF_ALU | BPF_AND | BPF_X: case BPF_ALU | BPF_XOR | BPF_X:
		case BPF_ALU | BPF_LSH | BPF_X: case BPF_ALU | BPF_RSH | BPF_X:
		case BPF_ALU | BPF_NEG:
		case BPF_LD | BPF_IMM: case BPF_LDX | BPF_IMM:
		case BPF_MISC | BPF_TAX: case BPF_MISC | BPF_TXA:
			break;
		default:
			if (is_load_pkt(c)) {
				enum load_kind lk = load_kind(in, flags);

				if (lk == LK_BEYOND)
					continue; /* ends with no match, like ret #0 */
				if (lk == LK_PKTTYPE || lk == LK_IFINDEX)
					break; /* reads the ctx, not the packet */
				if (lk == LK_SPECIAL) {
					insn_err(t, i, in,
						 "Linux ancillary / negative-offset load (SKF_AD_OFF, SKF_NET_OFF, SKF_LL_OFF) is not supported%s",
						 (flags & PL_FILTER_F_LIVE_INGRESS)
							 ? ""
							 : " here (\"inbound\", \"outbound\" and \"ifindex\" only on a live interface)");
					ret = -EOPNOTSUPP;
					goto out;
				}
				if (BPF_MODE(c) == BPF_IND) {
					a->diamonds += 2;
					a->ind_loads++;
					a->loads_past_tag = true;
				} else {
					unsigned int sz = BPF_SIZE(c) == BPF_W ? 4 : BPF_SIZE(c) == BPF_H ? 2 : 1;

					if (in->k + 4ull <= MAX_DIRECT_OFF)
						a->diamonds += 1;
					if (in->k + (__u64)sz > VTAG_OFF)
						a->loads_past_tag = true;
				}
				break;
			}
			insn_err(t, i, in, "unsupported classic instruction");
			ret = -EOPNOTSUPP;
			goto out;
		}
		/* falls through to the next instruction */
		if (i + 1 >= len) {
			insn_err(t, i, in, "program does not end with a return");
			ret = -EINVAL;
			goto out;
		}
		SUCC(i + 1);
	}
#undef SUCC
out:
	free(work);
	return ret;
}

/* Conditional jump opcodes: the inverse (0 if none). */
static __u8 jmp_inverse(__u8 op)
{
	switch (op) {
	case BPF_JEQ: return BPF_JNE;
	case BPF_JGT: return BPF_JLE;
	case BPF_JGE: return BPF_JLT;
	default: return 0; /* JSET has no inverse */
	}
}

static void emit_cond_jump(struct emitter *e, const struct sock_filter *in, size_t i)
{
	__u8 op = BPF_OP(in->code);
	bool x = BPF_SRC(in->code) == BPF_X;
	size_t t = i + 1 + in->jt, f = i + 1 + in->jf;
	__u8 inv = jmp_inverse(op);
	size_t at;

	if (t == f) {
		if (t != i + 1)
			ja_to(e, TGT_CLASSIC, t);
		return;
	}
	if (f == i + 1 || !inv) {
		at = emit(e, mk(BPF_JMP32 | op | (x ? BPF_X : BPF_K), RA, x ? RX : 0, 0,
				x ? 0 : (__s32)in->k));
		add_fixup(e, at, TGT_CLASSIC, t);
		if (f != i + 1)
			ja_to(e, TGT_CLASSIC, f);
		return;
	}
	at = emit(e, mk(BPF_JMP32 | inv | (x ? BPF_X : BPF_K), RA, x ? RX : 0, 0,
			x ? 0 : (__s32)in->k));
	add_fixup(e, at, TGT_CLASSIC, f);
	if (t != i + 1)
		ja_to(e, TGT_CLASSIC, t);
}

static void emit_alu(struct emitter *e, const struct sock_filter *in)
{
	__u8 op = BPF_OP(in->code);
	size_t j;

	if (op == BPF_NEG) {
		emit(e, mk(BPF_ALU | BPF_NEG, RA, 0, 0, 0));
		return;
	}
	if (BPF_SRC(in->code) == BPF_K) {
		emit(e, mk(BPF_ALU | op | BPF_K, RA, 0, 0, (__s32)in->k));
		return;
	}
	switch (op) {
	case BPF_DIV:
	case BPF_MOD: /* classic: X == 0 -> return 0 */
		j = jmp_local(e, BPF_JMP32 | BPF_JNE | BPF_K, RX, 0, 0);
		ja_to(e, TGT_NOMATCH, 0);
		patch_here(e, j);
		emit(e, mk(BPF_ALU | op | BPF_X, RA, RX, 0, 0));
		break;
	case BPF_LSH:
	case BPF_RSH:
		/*
		 * libpcap: a shift by X >= 32 gives 0 (eBPF would mask the count).
		 * Branchless (no verifier path): mask = ((X >> 5) - 1) >> 32 is
		 * 0xffffffff when X < 32 and 0 otherwise; A = (A op (X & 31)) & mask.
		 */
		mov32_reg(e, R1, RX);
		emit(e, mk(BPF_ALU64 | BPF_RSH | BPF_K, R1, 0, 0, 5));
		emit(e, mk(BPF_ALU64 | BPF_SUB | BPF_K, R1, 0, 0, 1));
		emit(e, mk(BPF_ALU64 | BPF_RSH | BPF_K, R1, 0, 0, 32));
		mov32_reg(e, R2, RX);
		emit(e, mk(BPF_ALU | BPF_AND | BPF_K, R2, 0, 0, 31));
		emit(e, mk(BPF_ALU | op | BPF_X, RA, R2, 0, 0));
		emit(e, mk(BPF_ALU | BPF_AND | BPF_X, RA, R1, 0, 0));
		break;
	default:
		emit(e, mk(BPF_ALU | op | BPF_X, RA, RX, 0, 0));
		break;
	}
}

/* w9 = wire length (r1-r5, r0 clobbered); may jump to "no match". */
static void emit_wirelen(struct emitter *e)
{
	const struct pl_filter_opts *o = e->o;
	size_t j;

	if (o->wirelen == PL_WIRELEN_MAP) {
		st_imm(e, BPF_W, R10, STK_KEY, 0);
		ld_map_fd(e, R1, o->wirelen_map_fd);
		mov64_reg(e, R2, R10);
		add64_imm(e, R2, STK_KEY);
		call(e, BPF_FUNC_map_lookup_elem);
		j = jmp_local(e, BPF_JMP | BPF_JNE | BPF_K, R0, 0, 0);
		ja_to(e, TGT_NOMATCH, 0);
		patch_here(e, j);
		ldx(e, BPF_W, RLEN, R0, (__s16)o->wirelen_off);
	} else if (o->hook == PL_FILTER_XDP) {
		mov64_reg(e, R1, RCTX);
		call(e, BPF_FUNC_xdp_get_buff_len);
		mov32_reg(e, RLEN, R0);
	} else {
		ldx(e, BPF_W, RLEN, RCTX, (__s16)offsetof(struct __sk_buff, len));
	}
}

/* r = 1 if the skb carries a VLAN tag (TC), else 0, without a branch. */
static void emit_vtag_flag(struct emitter *e, int r)
{
	ldx(e, BPF_W, r, RCTX, (__s16)offsetof(struct __sk_buff, vlan_present));
	emit(e, mk(BPF_ALU64 | BPF_NEG, r, 0, 0, 0));            /* u32 != 0: bit 63 set */
	emit(e, mk(BPF_ALU64 | BPF_RSH | BPF_K, r, 0, 0, 63));
}

/* Straight mode: the classic program is the main program's body. */
static void emit_prologue(struct emitter *e, const struct analysis *a)
{
	size_t j;

	mov64_reg(e, RCTX, R1);
	mov32_imm(e, RA, 0);
	mov32_imm(e, RX, 0);
	for (unsigned int i = 0; i < BPF_MEMWORDS; i++)
		if (a->memmask & (1u << i))
			st_imm(e, BPF_W, R10, (__s16)STK_MEM(i), 0);
	if (e->any_call)
		st_imm(e, BPF_DW, R10, STK_ERR, 0);
	if (a->uses_len)
		emit_wirelen(e);
	if (e->two_copies) {
		/* the one branch of the untagged fast path */
		ldx(e, BPF_W, R1, RCTX, (__s16)offsetof(struct __sk_buff, vlan_present));
		j = jmp_local(e, BPF_JMP | BPF_JEQ | BPF_K, R1, 0, 0);
		ja_to(e, TGT_VSTART, 0);
		patch_here(e, j);
	} else if (e->len_fix) {
		/* call-load mode, one copy: len += 4 * vlan_present */
		emit_vtag_flag(e, R1);
		emit(e, mk(BPF_ALU64 | BPF_LSH | BPF_K, R1, 0, 0, 2));
		emit(e, mk(BPF_ALU | BPF_ADD | BPF_X, RLEN, R1, 0, 0));
	}
}

/*
 * Loop mode, main program: set up the loop state, run the callback with bpf_loop(),
 * then go to match / no match on the stored result.
 */
static void emit_loop_main(struct emitter *e, const struct analysis *a)
{
	size_t at, j;

	mov64_reg(e, RCTX, R1);
	stx(e, BPF_DW, R10, RCTX, ST_BASE + ST_CTX);
	st_imm(e, BPF_W, R10, ST_BASE + ST_A, 0);
	st_imm(e, BPF_W, R10, ST_BASE + ST_X, 0);
	st_imm(e, BPF_W, R10, ST_BASE + ST_PC, 0);
	st_imm(e, BPF_W, R10, ST_BASE + ST_RESULT, 0);
	for (unsigned int i = 0; i < BPF_MEMWORDS; i++)
		if (a->memmask & (1u << i))
			st_imm(e, BPF_W, R10, (__s16)(ST_BASE + ST_MEM(i)), 0);
	if (a->uses_len)
		emit_wirelen(e);
	if (e->two_copies || e->len_fix) {
		emit_vtag_flag(e, R1);
		if (e->two_copies) /* the callback dispatches into the tagged copy */
			stx(e, BPF_W, R10, R1, ST_BASE + ST_VTAG);
		if (e->len_fix) {
			emit(e, mk(BPF_ALU64 | BPF_LSH | BPF_K, R1, 0, 0, 2));
			emit(e, mk(BPF_ALU | BPF_ADD | BPF_X, RLEN, R1, 0, 0));
		}
	}
	if (a->uses_len)
		stx(e, BPF_W, R10, RLEN, ST_BASE + ST_LEN);
	mov64_imm(e, R1, LOOP_BUDGET);
	at = emit(e, mk(BPF_LD | BPF_DW | BPF_IMM, R2, BPF_PSEUDO_FUNC, 0, 0));
	emit(e, mk(0, 0, 0, 0, 0));
	add_fixup(e, at, TGT_CB_START, 0);
	mov64_reg(e, R3, R10);
	add64_imm(e, R3, ST_BASE);
	mov64_imm(e, R4, 0);
	call(e, BPF_FUNC_loop);
	ldx(e, BPF_W, R1, R10, ST_BASE + ST_RESULT);
	j = jmp_local(e, BPF_JMP32 | BPF_JEQ | BPF_K, R1, 0, 0);
	ja_to(e, TGT_MATCH, 0);
	patch_here(e, j);
	ja_to(e, TGT_NOMATCH, 0);
}

/* Loop mode: jump to the resume point in r1 (of the copy being emitted). */
static void emit_loop_dispatch(struct emitter *e, const struct analysis *a, size_t len)
{
	for (size_t i = 1; i < len; i++) {
		if (a->entry[i] && a->reach[i]) {
			size_t at = emit(e, mk(BPF_JMP32 | BPF_JEQ | BPF_K, R1, 0, 0, (__s32)i));

			add_fixup(e, at, TGT_CLASSIC, i);
		}
	}
	/* pc 0 (or anything else: cannot happen) starts at instruction 0, emitted next */
}

/* Loop mode, callback entry: r9 = state, restore ctx, A, X, dispatch on the pc. */
static void emit_loop_cb_entry(struct emitter *e, const struct analysis *a, size_t len)
{
	size_t j;

	mov64_reg(e, R9, R2);
	if (e->any_call)
		st_imm(e, BPF_DW, R10, STK_ERR, 0);
	ldx(e, BPF_DW, RCTX, R9, ST_CTX);
	ldx(e, BPF_W, RA, R9, ST_A);
	ldx(e, BPF_W, RX, R9, ST_X);
	ldx(e, BPF_W, R1, R9, ST_PC);
	if (e->two_copies) {
		ldx(e, BPF_W, R2, R9, ST_VTAG);
		j = jmp_local(e, BPF_JMP32 | BPF_JEQ | BPF_K, R2, 0, 0);
		ja_to(e, TGT_VSTART, 0); /* its dispatch, then the tagged copy */
		patch_here(e, j);
	}
	emit_loop_dispatch(e, a, len);
}

static void emit_mem(struct emitter *e, bool store, int reg, __u32 k)
{
	int base = e->in_cb ? R9 : R10;
	__s16 off = (__s16)(e->in_cb ? ST_MEM(k) : STK_MEM(k));

	if (store)
		stx(e, BPF_W, base, reg, off);
	else
		ldx(e, BPF_W, reg, base, off);
}

static void emit_len(struct emitter *e, int dst)
{
	if (e->in_cb)
		ldx(e, BPF_W, dst, R9, ST_LEN);
	else
		mov32_reg(e, dst, RLEN);
}

/* dst = the ancillary value a live ingress program reads instead of a packet load. */
static void emit_load_anc(struct emitter *e, enum load_kind lk, int dst)
{
	bool xdp = e->o->hook == PL_FILTER_XDP;

	if (lk == LK_IFINDEX) /* the receiving device (the kernel: skb->dev->ifindex) */
		ldx(e, BPF_W, dst, RCTX,
		    (__s16)(xdp ? offsetof(struct xdp_md, ingress_ifindex)
				: offsetof(struct __sk_buff, ifindex)));
	else if (xdp) /* no skb yet; received, so never PACKET_OUTGOING */
		mov32_imm(e, dst, PACKET_HOST);
	else
		ldx(e, BPF_W, dst, RCTX, (__s16)offsetof(struct __sk_buff, pkt_type));
}

static void emit_insn(struct emitter *e, const struct sock_filter *in, size_t i)
{
	__u16 c = in->code;

	if (is_load_pkt(c)) {
		enum load_kind lk = load_kind(in, e->o->flags);

		if (lk == LK_BEYOND) {
			ja_to(e, TGT_NOMATCH, 0);
			return;
		}
		if (lk == LK_PKTTYPE || lk == LK_IFINDEX) {
			emit_load_anc(e, lk, RA);
			return;
		}
	}
	switch (c) {
	case BPF_RET | BPF_K:
		if (in->k)
			emit_check_err(e);
		ja_to(e, in->k ? TGT_MATCH : TGT_NOMATCH, 0);
		break;
	case BPF_RET | BPF_A: {
		size_t j;

		emit_check_err(e);
		j = jmp_local(e, BPF_JMP32 | BPF_JNE | BPF_K, RA, 0, 0);

		ja_to(e, TGT_NOMATCH, 0);
		patch_here(e, j);
		ja_to(e, TGT_MATCH, 0);
		break;
	}
	case BPF_LD | BPF_W | BPF_ABS: emit_load_abs(e, 4, in->k, RA); break;
	case BPF_LD | BPF_H | BPF_ABS: emit_load_abs(e, 2, in->k, RA); break;
	case BPF_LD | BPF_B | BPF_ABS: emit_load_abs(e, 1, in->k, RA); break;
	case BPF_LD | BPF_W | BPF_IND: emit_load_ind(e, 4, in->k, RA); break;
	case BPF_LD | BPF_H | BPF_IND: emit_load_ind(e, 2, in->k, RA); break;
	case BPF_LD | BPF_B | BPF_IND: emit_load_ind(e, 1, in->k, RA); break;
	case BPF_LDX | BPF_MSH | BPF_B:
		emit_load_abs(e, 1, in->k, RX);
		emit(e, mk(BPF_ALU | BPF_AND | BPF_K, RX, 0, 0, 0xf));
		emit(e, mk(BPF_ALU | BPF_LSH | BPF_K, RX, 0, 0, 2));
		break;
	case BPF_LD | BPF_W | BPF_LEN: emit_len(e, RA); break;
	case BPF_LDX | BPF_W | BPF_LEN: emit_len(e, RX); break;
	case BPF_LD | BPF_IMM: mov32_imm(e, RA, in->k); break;
	case BPF_LDX | BPF_IMM: mov32_imm(e, RX, in->k); break;
	case BPF_LD | BPF_MEM: emit_mem(e, false, RA, in->k); break;
	case BPF_LDX | BPF_MEM: emit_mem(e, false, RX, in->k); break;
	case BPF_ST: emit_mem(e, true, RA, in->k); break;
	case BPF_STX: emit_mem(e, true, RX, in->k); break;
	case BPF_MISC | BPF_TAX: mov32_reg(e, RX, RA); break;
	case BPF_MISC | BPF_TXA: mov32_reg(e, RA, RX); break;
	case BPF_JMP | BPF_JA:
		if ((__s32)in->k < 0) {
			/* backward (loop mode): save A and X, resume at the target */
			emit_check_err(e);
			stx(e, BPF_W, R9, RA, ST_A);
			stx(e, BPF_W, R9, RX, ST_X);
			st_imm(e, BPF_W, R9, ST_PC, (__s32)(i + 1 + (long long)(__s32)in->k));
			mov64_imm(e, R0, 0);
			exit_insn(e);
		} else if (in->k) {
			ja_to(e, TGT_CLASSIC, i + 1 + in->k);
		}
		break;
	default:
		if (BPF_CLASS(c) == BPF_JMP)
			emit_cond_jump(e, in, i);
		else
			emit_alu(e, in); /* analyse() accepted only ALU codes here */
		break;
	}
}

static void emit_epilogue(struct emitter *e, size_t *l_match, size_t *l_nomatch)
{
	const struct pl_filter_opts *o = e->o;
	bool xdp = o->hook == PL_FILTER_XDP;
	__s32 pass = xdp ? XDP_PASS : TC_ACT_OK, drop = xdp ? XDP_DROP : TC_ACT_SHOT;

	*l_match = *l_nomatch = SIZE_MAX;
	if (o->tail_map_fd >= 0) {
		if (e->used_match) {
			*l_match = e->n;
			mov64_reg(e, R1, RCTX);
			ld_map_fd(e, R2, o->tail_map_fd);
			mov32_imm(e, R3, o->tail_index);
			call(e, BPF_FUNC_tail_call);
			/* tail call failed: fall through to PASS */
		}
		if (e->used_match || e->used_nomatch) {
			*l_nomatch = e->n;
			/* tc: no verdict, so that the filters queued after ours still run. */
			mov64_imm(e, R0, xdp ? XDP_PASS : TC_ACT_UNSPEC);
			exit_insn(e);
		}
		return;
	}
	if (e->used_match) {
		*l_match = e->n;
		mov64_imm(e, R0, pass);
		exit_insn(e);
	}
	if (e->used_nomatch) {
		*l_nomatch = e->n;
		mov64_imm(e, R0, drop);
		exit_insn(e);
	}
}

/* Loop mode, callback epilogue: store the verdict, stop the loop. */
static void emit_cb_epilogue(struct emitter *e, size_t *l_match, size_t *l_nomatch)
{
	*l_match = *l_nomatch = SIZE_MAX;
	if (e->used_cb_match) {
		*l_match = e->n;
		st_imm(e, BPF_W, R9, ST_RESULT, 1);
		mov64_imm(e, R0, 1);
		exit_insn(e);
	}
	if (e->used_cb_nomatch) {
		*l_nomatch = e->n;
		mov64_imm(e, R0, 1);
		exit_insn(e);
	}
}

int pl_filter_translate(const struct sock_fprog *cbpf, const struct pl_filter_opts *o,
			struct bpf_insn **insns, size_t *cnt, char *err, size_t errlen)
{
	struct emitter e;
	struct tctx t = { .err = err, .errlen = errlen };
	struct analysis a = { 0 };
	size_t len, *start = NULL, l_match, l_nomatch, l_cb_match = SIZE_MAX;
	size_t l_cb_nomatch = SIZE_MAX, l_cb_start = SIZE_MAX, l_vstart = SIZE_MAX;
	size_t l_loadfn[3] = { SIZE_MAX, SIZE_MAX, SIZE_MAX };
	size_t l_vloadfn[3] = { SIZE_MAX, SIZE_MAX, SIZE_MAX };
	bool tc_vlan;
	int ret;

	if (insns)
		*insns = NULL;
	if (cnt)
		*cnt = 0;
	if (!cbpf || !o || !insns || !cnt || !cbpf->filter || cbpf->len == 0) {
		set_err(err, errlen, "invalid arguments (empty classic program?)");
		return -EINVAL;
	}
	if (o->hook != PL_FILTER_XDP && o->hook != PL_FILTER_TC) {
		set_err(err, errlen, "invalid hook %d", (int)o->hook);
		return -EINVAL;
	}
	if (o->wirelen != PL_WIRELEN_BUFF && o->wirelen != PL_WIRELEN_MAP) {
		set_err(err, errlen, "invalid wirelen mode %d", (int)o->wirelen);
		return -EINVAL;
	}
	len = cbpf->len;
	memset(&e, 0, sizeof(e));
	e.o = o;
	a.reach = malloc(len * sizeof(*a.reach));
	a.entry = malloc(len * sizeof(*a.entry));
	start = malloc(2 * (len + 1) * sizeof(*start)); /* both copies (TC, VLAN) */
	if (!a.reach || !a.entry || !start) {
		set_err(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}
	ret = analyse(cbpf, o->flags, &a, &t);
	if (ret)
		goto out;
	if (a.uses_len && o->wirelen == PL_WIRELEN_MAP &&
	    (o->wirelen_map_fd < 0 || o->wirelen_off > (__u32)SHRT_MAX - 4)) {
		set_err(err, errlen, "PL_WIRELEN_MAP needs a map fd and an offset < 32764");
		ret = -EINVAL;
		goto out;
	}

	e.loop_mode = a.has_back;
	/* TC: does the VLAN tag in skb metadata change what the program reads? */
	tc_vlan = o->hook == PL_FILTER_TC &&
		  (a.loads_past_tag || (a.uses_len && o->wirelen == PL_WIRELEN_BUFF));
	if (o->flags & PL_FILTER_F_CALL_LOADS)
		e.call_loads = true;
	else if (!(o->flags & PL_FILTER_F_INLINE_LOADS))
		/* the tagged copy's IND loads have two more branches each */
		e.call_loads = a.diamonds + (tc_vlan ? 2 * a.ind_loads : 0) > CALL_LOADS_ABOVE;
	e.any_call = e.call_loads;
	e.lm = !e.call_loads ? LM_INLINE : tc_vlan ? LM_VCALL : LM_CALL;
	e.two_copies = tc_vlan && !e.call_loads;
	e.len_fix = tc_vlan && a.uses_len && o->wirelen == PL_WIRELEN_BUFF;
	if (e.loop_mode) {
		emit_loop_main(&e, &a);
		emit_epilogue(&e, &l_match, &l_nomatch);
		l_cb_start = e.n;
		e.in_cb = true;
		emit_loop_cb_entry(&e, &a, len);
	} else {
		emit_prologue(&e, &a);
	}
	for (size_t i = 0; i < len; i++) {
		start[i] = e.n;
		if (a.reach[i])
			emit_insn(&e, &cbpf->filter[i], i);
	}
	start[len] = e.n;
	if (e.two_copies) {
		/* TC, skb with a VLAN tag: the tagged copy (see the top) */
		l_vstart = e.n;
		e.lm = LM_VINLINE;
		e.copy_base = len + 1;
		if (e.loop_mode)
			emit_loop_dispatch(&e, &a, len);
		else if (e.len_fix)
			emit(&e, mk(BPF_ALU | BPF_ADD | BPF_K, RLEN, 0, 0, VTAG_LEN));
		for (size_t i = 0; i < len; i++) {
			start[len + 1 + i] = e.n;
			if (a.reach[i])
				emit_insn(&e, &cbpf->filter[i], i);
		}
		start[2 * len + 1] = e.n;
		e.copy_base = 0;
	}
	if (e.loop_mode)
		emit_cb_epilogue(&e, &l_cb_match, &l_cb_nomatch);
	else
		emit_epilogue(&e, &l_match, &l_nomatch);
	for (int f = 0; f < 3; f++) {
		if (e.used_loadfn[f]) {
			l_loadfn[f] = e.n;
			emit_loadfn(&e, f == 2 ? 4 : f == 1 ? 2 : 1);
		}
	}
	for (int f = 0; f < 3; f++) {
		if (e.used_vloadfn[f]) {
			l_vloadfn[f] = e.n;
			emit_vloadfn(&e, f == 2 ? 4 : f == 1 ? 2 : 1);
		}
	}
	if (e.oom) {
		set_err(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto out;
	}

	/* second pass: jump offsets */
	for (size_t f = 0; f < e.nfx; f++) {
		struct fixup *fx = &e.fx[f];
		struct bpf_insn *j = &e.v[fx->at];
		size_t dest;
		long long d;

		switch (fx->kind) {
		case TGT_CLASSIC: dest = start[fx->target]; break;
		case TGT_MATCH: dest = l_match; break;
		case TGT_NOMATCH: dest = l_nomatch; break;
		case TGT_CB_MATCH: dest = l_cb_match; break;
		case TGT_CB_NOMATCH: dest = l_cb_nomatch; break;
		case TGT_LOADFN: dest = l_loadfn[fx->target]; break;
		case TGT_VLOADFN: dest = l_vloadfn[fx->target]; break;
		case TGT_VSTART: dest = l_vstart; break;
		default: dest = l_cb_start; break;
		}
		d = (long long)dest - (long long)fx->at - 1;
		if (fx->kind == TGT_CB_START || fx->kind == TGT_LOADFN ||
		    fx->kind == TGT_VLOADFN) {
			j->imm = (__s32)d;
		} else if (d >= SHRT_MIN && d <= SHRT_MAX) {
			j->off = (__s16)d;
		} else if (j->code == (BPF_JMP | BPF_JA) && d >= INT_MIN && d <= INT_MAX) {
			j->code = BPF_JMP32 | BPF_JA; /* gotol */
			j->off = 0;
			j->imm = (__s32)d;
		} else {
			set_err(err, errlen, "conditional jump at eBPF insn %zu too long (%lld)",
				fx->at, d);
			ret = -E2BIG;
			goto out;
		}
	}
	*insns = e.v;
	*cnt = e.n;
	e.v = NULL;
	ret = 0;
out:
	free(e.v);
	free(e.fx);
	free(a.reach);
	free(a.entry);
	free(start);
	return ret;
}

/* ---------------------------------------------------------------------------------- */
/* Loading                                                                             */

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
