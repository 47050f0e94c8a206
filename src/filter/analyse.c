// SPDX-License-Identifier: BSD-2-Clause
/*
 * analyse.c - validate a classic BPF program and find what its translation needs:
 * reachable instructions, loop entries (backward jumps), scratch slots, len, and
 * what its packet loads read.
 */
#include "cbpf_internal.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

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

enum load_kind cbpf_load_kind(const struct sock_filter *in, __u32 flags)
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

bool cbpf_is_load_pkt(__u16 code)
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
int cbpf_analyse(const struct sock_fprog *p, __u32 flags, struct analysis *a,
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
			if (cbpf_is_load_pkt(c)) {
				enum load_kind lk = cbpf_load_kind(in, flags);

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
