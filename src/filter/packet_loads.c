// SPDX-License-Identifier: BSD-2-Clause
/*
 * packet_loads.c - the eBPF code of classic packet loads: inline (direct access with
 * the load_bytes helper as fallback), calls of the load functions pl_load<size> and
 * pl_vload<size>, and those functions' bodies. See "Packet loads" and "VLAN tags at TC"
 * at the top of translate.c.
 */
#include "cbpf_internal.h"

#include <limits.h>
#include <stddef.h>

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
void cbpf_emit_check_err(struct emitter *e)
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

void cbpf_emit_loadfn(struct emitter *e, unsigned int sz)
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
 * virtual packet (see "VLAN tags at TC" in translate.c), same return convention as
 * pl_load<sz>.
 *   no tag:            pl_load's code at offset
 *   offset >= 16:      pl_load's code at offset - 4
 *   offset + sz <= 12: pl_load's code at offset
 *   else (the load overlaps the tag, offset in [13 - sz, 15]): byte by byte, each one
 *     from the tag or with bpf_skb_load_bytes() from data[o] (o < 12) or data[o - 4].
 * Straddling loads are rare (libpcap's own VLAN code loads the tag with ldh [12] and
 * ldh [14], which the tagged inline copy computes directly), so their path is simple.
 */
void cbpf_emit_vloadfn(struct emitter *e, unsigned int sz)
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
void cbpf_emit_load_abs(struct emitter *e, unsigned int sz, __u32 k, int dst)
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
void cbpf_emit_load_ind(struct emitter *e, unsigned int sz, __u32 k, int dst)
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
