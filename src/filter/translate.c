// SPDX-License-Identifier: BSD-2-Clause
/*
 * translate.c - translate a classic BPF program to eBPF (see cbpf.h for the contract).
 * analyse.c validates the program first, packet_loads.c emits its packet loads.
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
 * How (see cbpf_emit_load_abs/cbpf_emit_load_ind/cbpf_emit_vloadfn in packet_loads.c):
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
#include "cbpf_internal.h"

#include <errno.h>
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/if_packet.h>
#include <linux/pkt_cls.h>

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

	if (cbpf_is_load_pkt(c)) {
		enum load_kind lk = cbpf_load_kind(in, e->o->flags);

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
			cbpf_emit_check_err(e);
		ja_to(e, in->k ? TGT_MATCH : TGT_NOMATCH, 0);
		break;
	case BPF_RET | BPF_A: {
		size_t j;

		cbpf_emit_check_err(e);
		j = jmp_local(e, BPF_JMP32 | BPF_JNE | BPF_K, RA, 0, 0);

		ja_to(e, TGT_NOMATCH, 0);
		patch_here(e, j);
		ja_to(e, TGT_MATCH, 0);
		break;
	}
	case BPF_LD | BPF_W | BPF_ABS: cbpf_emit_load_abs(e, 4, in->k, RA); break;
	case BPF_LD | BPF_H | BPF_ABS: cbpf_emit_load_abs(e, 2, in->k, RA); break;
	case BPF_LD | BPF_B | BPF_ABS: cbpf_emit_load_abs(e, 1, in->k, RA); break;
	case BPF_LD | BPF_W | BPF_IND: cbpf_emit_load_ind(e, 4, in->k, RA); break;
	case BPF_LD | BPF_H | BPF_IND: cbpf_emit_load_ind(e, 2, in->k, RA); break;
	case BPF_LD | BPF_B | BPF_IND: cbpf_emit_load_ind(e, 1, in->k, RA); break;
	case BPF_LDX | BPF_MSH | BPF_B:
		cbpf_emit_load_abs(e, 1, in->k, RX);
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
			cbpf_emit_check_err(e);
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
			emit_alu(e, in); /* cbpf_analyse() accepted only ALU codes here */
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
	ret = cbpf_analyse(cbpf, o->flags, &a, &t);
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
			cbpf_emit_loadfn(&e, f == 2 ? 4 : f == 1 ? 2 : 1);
		}
	}
	for (int f = 0; f < 3; f++) {
		if (e.used_vloadfn[f]) {
			l_vloadfn[f] = e.n;
			cbpf_emit_vloadfn(&e, f == 2 ? 4 : f == 1 ? 2 : 1);
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
