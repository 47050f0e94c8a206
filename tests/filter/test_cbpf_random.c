// SPDX-License-Identifier: BSD-2-Clause
/*
 * test_cbpf_random.c - differential test of the classic BPF -> eBPF translator
 * (src/filter/translate.c) on random classic programs, not only what pcap_compile() emits.
 *
 * A seeded PRNG makes NPROGS classic programs from every instruction libpcap's
 * interpreter implements: LD/LDX W/H/B ABS/IND/MSH/IMM/MEM/LEN, ST/STX, ALU ADD SUB MUL
 * DIV MOD AND OR XOR LSH RSH (K and X; X often 0 for DIV/MOD and >= 32 for shifts) and
 * NEG, JA, JEQ/JGT/JGE/JSET (K and X), RET K/A, TAX/TXA, with load offsets around the
 * packet ends, X + k that wraps around 2^32, and (in some programs) constant offsets
 * >= 2^31. Jumps go forward only and every scratch word is stored before it is read on
 * every path (libpcap 1.10's interpreter leaves its scratch memory uninitialized).
 * libpcap's bpf_validate() must accept each program. Each one is translated, loaded
 * and run with BPF_PROG_TEST_RUN over a fixed set of packets (14-20 bytes, 60, 1514,
 * jumbo, some with a wire length above the captured one), in three configurations:
 *   xdp-map:  XDP, wire length from a map (offline), verdict epilogue, frags allowed;
 *   xdp-buff: XDP as capture/monitor run it: wire length from the buffer, tail call
 *             into a target (match = the target's XDP_TX, no match = XDP_PASS);
 *   tc-buff:  the same at TC (skb test runs take 14..3600 bytes; a frame the skb
 *             test run refuses, e.g. an IPv4 ethertype without an IPv4 header, is
 *             counted and skipped);
 * with inline loads for even programs and call loads (PL_FILTER_F_CALL_LOADS) for odd
 * ones. Frames of 0-13 bytes cannot be run: the kernel refuses test runs below an
 * Ethernet header (XDP too, even behind metadata) and pktlens never hands them to the
 * filter (analyze counts them as truncated), so loads past the end are tested on
 * frames from 14 bytes on.
 * The verdict (match / no match) must equal libpcap's bpf_filter() on the same bytes
 * and wire length (the captured length in the buff configurations).
 *
 * Each program is one test. Constant packet offsets >= 2^31: libpcap's interpreter
 * ends the program with no match at any of them (beyond every packet). The translator
 * does the same below SKF_LL_OFF, and refuses [SKF_LL_OFF, 2^32) with EOPNOTSUPP (the
 * kernel's Linux ancillary / negative-offset loads, see cbpf.h; never silently
 * "no match", since a live "inbound" would then mean nothing). Such a refusal passes
 * only when it is exactly that: EOPNOTSUPP naming a reachable packet load with k in
 * [SKF_LL_OFF, 2^32); and the program as libpcap runs it, each of those loads replaced
 * by "ret #0" (bpf_filter() must agree on every packet that nothing else changed), is
 * then translated and compared like any other. Any other refusal, a verifier rejection
 * or a mismatch fails the program, and the program, the packet and both verdicts are
 * printed, then the program with every instruction dropped that the failure does not
 * need. Last, every opcode listed must have been generated, and the refusal path taken.
 * About 4 s for the default 5000 programs (the fast tier); PL_TEST_FULL=1 or --full
 * runs 20000 (the first 5000 are the same). Needs root (BPF).
 *
 * Usage: test_cbpf_random [-n NPROGS] [-s SEED] [-p INDEX] [-v] [--full]
 *   -p runs program INDEX of the seed only and prints it; -v prints every program.
 */
#define _GNU_SOURCE
#define bpf_insn pcap_bpf_insn
#define bpf_program pcap_bpf_program
#include <pcap/pcap.h>
#undef bpf_insn
#undef bpf_program

#include "filter/cbpf.h"
#include "tail_target.h"

#include <bpf/bpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>
#include <linux/pkt_cls.h>

#include "check.h"

#define MAX_PROG 64
#define WL_OFF 8
#define TC_MAX_FRAME 3600 /* an skb test run takes a bit less than a page */
#define MAX_REPORTS 10

/* ---- PRNG (xorshift64*) ---- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return (uint32_t)((rng_state * 0x2545F4914F6CDD1DULL) >> 32);
}
static uint32_t below(uint32_t n) { return n ? rnd() % n : 0; }
static bool chance(unsigned int pct) { return below(100) < pct; }
#define PICK(a) ((a)[below(sizeof(a) / sizeof((a)[0]))])

/* ---- packets ---- */

struct pkt {
	uint32_t caplen, wirelen;
	uint8_t *data;    /* caplen bytes */
};

static const uint32_t pkt_lens[][2] = { /* caplen, wire length */
	{ 14, 14 }, { 14, 60 }, { 15, 15 }, { 16, 16 }, { 17, 17 }, { 18, 18 }, { 20, 20 },
	{ 34, 34 }, { 42, 42 }, { 54, 54 }, { 59, 59 }, { 60, 60 }, { 60, 1514 }, { 61, 61 },
	{ 64, 64 }, { 98, 98 }, { 128, 128 }, { 255, 255 }, { 256, 256 }, { 1000, 1000 },
	{ 1514, 1514 }, { 1514, 9018 }, { 4096, 4096 }, { 9018, 9018 },
};
#define NPKTS (sizeof(pkt_lens) / sizeof(pkt_lens[0]))
static struct pkt pkts[NPKTS];

static void make_pkts(void)
{
	/* bytes from a small alphabet, so that random comparisons do match sometimes */
	static const uint8_t alphabet[] = { 0x00, 0x00, 0x01, 0x02, 0x08, 0x45, 0x80, 0xff };

	rng_state = 0x9e3779b97f4a7c15ULL;
	for (size_t i = 0; i < NPKTS; i++) {
		struct pkt *p = &pkts[i];

		p->caplen = pkt_lens[i][0];
		p->wirelen = pkt_lens[i][1];
		p->data = calloc(1, p->caplen);
		if (!p->data)
			exit(2);
		for (uint32_t b = 0; b < p->caplen; b++)
			p->data[b] = chance(30) ? (uint8_t)rnd() : PICK(alphabet);
		if (p->caplen >= 14 && chance(50)) { /* an IPv4 header now and then */
			p->data[12] = 0x08;
			p->data[13] = 0x00;
			if (p->caplen > 14)
				p->data[14] = 0x45;
		}
	}
}

/* ---- random programs ---- */

struct gen {
	struct sock_filter f[MAX_PROG];
	unsigned int len;
	bool big_off;     /* has a constant packet offset >= 2^31 */
	uint16_t meet[MAX_PROG]; /* scratch words stored on every path to i */
	bool reached[MAX_PROG];
};

static uint32_t value(void)
{
	static const uint32_t pool[] = {
		0, 0, 1, 2, 3, 4, 5, 8, 14, 15, 16, 20, 31, 32, 33, 60, 63, 64, 0x45, 0xff,
		0x100, 0x800, 0x86dd, 0xffff, 0x10000, 0x7fffffff, 0x80000000, 0xfffffffe,
		0xffffffff, 0x45000000, 0x0800, 1514, 9018,
	};

	switch (below(4)) {
	case 0: return rnd();
	case 1: return below(256);
	default: return PICK(pool);
	}
}

static uint32_t pkt_off(bool allow_big)
{
	static const uint32_t pool[] = {
		0, 1, 2, 6, 12, 13, 14, 15, 16, 23, 26, 30, 34, 0xff, 0xfff, 0xffff, 0x10000,
		0x7ffffffb, 0x7ffffffc, 0x7fffffff,
	};
	static const uint32_t big[] = {
		0x80000000, 0x80000001, 0xfffff000, 0xfffff02c, 0xfffff030, 0xffe00000,
		0xffff0000, 0xfffffffc, 0xfffffffe, 0xffffffff,
	};
	uint32_t end;

	switch (below(10)) {
	case 0: case 1: case 2: case 3:
		return below(70);
	case 4: case 5:
		return PICK(pool);
	case 6: case 7: case 8: /* around the end of one of the packets */
		end = pkt_lens[below(NPKTS)][0] + below(8);
		return end >= 5 ? end - 5 : end;
	default:
		return allow_big ? PICK(big) : below(1600);
	}
}

/* An X that makes ALU/IND instructions interesting: 0, >= 32, wrapping offsets. */
static uint32_t x_value(void)
{
	static const uint32_t pool[] = {
		0, 0, 1, 2, 4, 14, 31, 32, 33, 64, 100, 0x7fffffff, 0x80000000, 0xfffffff0,
		0xfffffffe, 0xffffffff, 1500, 9000,
	};

	return chance(70) ? PICK(pool) : value();
}

static void edge(struct gen *g, unsigned int to, uint16_t stored)
{
	if (!g->reached[to]) {
		g->reached[to] = true;
		g->meet[to] = stored;
	} else {
		g->meet[to] &= stored;
	}
}

static int stored_slot(uint16_t set)
{
	int n = __builtin_popcount(set), k;

	if (!n)
		return -1;
	k = (int)below((uint32_t)n);
	for (int s = 0; s < 16; s++)
		if ((set >> s & 1) && k-- == 0)
			return s;
	return -1;
}

/* One instruction at i (not the last); returns the scratch words it stores. */
static uint16_t gen_insn(struct gen *g, unsigned int i, bool allow_big, struct sock_filter *in)
{
	static const __u16 alu_ops[] = {
		BPF_ADD, BPF_SUB, BPF_MUL, BPF_DIV, BPF_MOD, BPF_AND, BPF_OR, BPF_XOR,
		BPF_LSH, BPF_RSH,
	};
	static const __u16 jmp_ops[] = { BPF_JEQ, BPF_JGT, BPF_JGE, BPF_JSET };
	static const __u16 sizes[] = { BPF_W, BPF_H, BPF_B };
	unsigned int room = g->len - 2 - i; /* furthest forward jump */
	uint16_t in_set = g->reached[i] ? g->meet[i] : 0;
	__u16 op;
	int s;

	memset(in, 0, sizeof(*in));
	switch (below(20)) {
	case 0: case 1: case 2: /* packet load, absolute */
		in->code = BPF_LD | PICK(sizes) | BPF_ABS;
		in->k = pkt_off(allow_big);
		break;
	case 3: case 4: /* packet load, indexed */
		in->code = BPF_LD | PICK(sizes) | BPF_IND;
		in->k = chance(80) ? below(64) : pkt_off(allow_big);
		break;
	case 5:
		in->code = BPF_LDX | BPF_B | BPF_MSH;
		in->k = pkt_off(allow_big);
		break;
	case 6:
		in->code = (chance(50) ? BPF_LD : BPF_LDX) | BPF_W | BPF_LEN;
		break;
	case 7:
		in->code = BPF_LD | BPF_IMM;
		in->k = value();
		break;
	case 8:
		in->code = BPF_LDX | BPF_IMM;
		in->k = x_value();
		break;
	case 9: /* scratch load, or a store when nothing is stored yet */
		s = stored_slot(in_set);
		if (s >= 0) {
			in->code = (chance(50) ? BPF_LD : BPF_LDX) | BPF_MEM;
			in->k = (__u32)s;
			break;
		}
		/* fall through */
	case 10:
		in->code = chance(50) ? BPF_ST : BPF_STX;
		in->k = below(16);
		return (uint16_t)(1u << in->k);
	case 11: case 12: /* ALU with a constant */
		op = PICK(alu_ops);
		in->code = BPF_ALU | op | BPF_K;
		in->k = value();
		if ((op == BPF_DIV || op == BPF_MOD) && in->k == 0)
			in->k = 1 + below(20);
		if (op == BPF_LSH || op == BPF_RSH)
			in->k = below(32);
		break;
	case 13: case 14: /* ALU with X */
		in->code = BPF_ALU | PICK(alu_ops) | BPF_X;
		break;
	case 15:
		in->code = chance(50) ? (BPF_ALU | BPF_NEG)
				      : (BPF_MISC | (chance(50) ? BPF_TAX : BPF_TXA));
		break;
	case 16: case 17: /* conditional jump */
		in->code = BPF_JMP | PICK(jmp_ops) | (chance(60) ? BPF_K : BPF_X);
		in->k = BPF_SRC(in->code) == BPF_K ? value() : 0;
		in->jt = (__u8)below((room < 255 ? room : 255) + 1);
		in->jf = (__u8)below((room < 255 ? room : 255) + 1);
		break;
	case 18:
		in->code = BPF_JMP | BPF_JA;
		in->k = below(room < 8 ? room + 1 : 8);
		break;
	default:
		in->code = BPF_RET | (chance(50) ? BPF_A : BPF_K);
		in->k = chance(50) ? 0 : value();
		break;
	}
	return 0;
}

static bool has_big_off(const struct sock_filter *in)
{
	switch (in->code) {
	case BPF_LD | BPF_W | BPF_ABS: case BPF_LD | BPF_H | BPF_ABS: case BPF_LD | BPF_B | BPF_ABS:
	case BPF_LD | BPF_W | BPF_IND: case BPF_LD | BPF_H | BPF_IND: case BPF_LD | BPF_B | BPF_IND:
	case BPF_LDX | BPF_MSH | BPF_B:
		return in->k >= 0x80000000u;
	default:
		return false;
	}
}

static void gen_prog(struct gen *g)
{
	bool allow_big = chance(10);

	memset(g, 0, sizeof(*g));
	g->len = 2 + below(chance(20) ? MAX_PROG - 1 : 24);
	g->reached[0] = true;
	for (unsigned int i = 0; i + 1 < g->len; i++) {
		struct sock_filter *in = &g->f[i];
		uint16_t out = (g->reached[i] ? g->meet[i] : 0) | gen_insn(g, i, allow_big, in);

		g->big_off |= has_big_off(in);
		switch (BPF_CLASS(in->code)) {
		case BPF_RET:
			break;
		case BPF_JMP:
			if (BPF_OP(in->code) == BPF_JA) {
				edge(g, i + 1 + in->k, out);
			} else {
				edge(g, i + 1 + in->jt, out);
				edge(g, i + 1 + in->jf, out);
			}
			break;
		default:
			edge(g, i + 1, out);
		}
	}
	g->f[g->len - 1] = (struct sock_filter)BPF_STMT(BPF_RET | (chance(60) ? BPF_A : BPF_K),
							 chance(50) ? 0 : value());
}

/* ---- kernel side ---- */

static int wl_map = -1;
static volatile uint32_t *wl;
static int xdp_tail = -1, tc_tail = -1;
static char logbuf[1 << 16];

enum cfg { CFG_XDP_MAP, CFG_XDP_BUFF, CFG_TC_BUFF, NCFG };
static const char *const cfg_names[NCFG] = { "xdp-map", "xdp-buff", "tc-buff" };
static size_t cfg_pairs[NCFG];

static int setup_maps(void)
{
	LIBBPF_OPTS(bpf_map_create_opts, mo, .map_flags = BPF_F_MMAPABLE);
	void *m;

	wl_map = bpf_map_create(BPF_MAP_TYPE_ARRAY, "pl_rnd_wl", 4, 16, 1, &mo);
	xdp_tail = tail_target_map(PL_FILTER_XDP, "pl_rnd_xdp");
	tc_tail = tail_target_map(PL_FILTER_TC, "pl_rnd_tc");
	if (wl_map < 0 || xdp_tail < 0 || tc_tail < 0) {
		fprintf(stderr, "test_cbpf_random: cannot create the maps and tail-call targets (%s); run as root\n",
			strerror(errno));
		return -1;
	}
	m = mmap(NULL, (size_t)sysconf(_SC_PAGESIZE), PROT_READ | PROT_WRITE, MAP_SHARED,
		 wl_map, 0);
	if (m == MAP_FAILED) {
		fprintf(stderr, "test_cbpf_random: mmap of the wire-length map: %s\n",
			strerror(errno));
		return -1;
	}
	wl = (volatile uint32_t *)((char *)m + WL_OFF);
	return 0;
}

static void cfg_opts(enum cfg c, unsigned int index, struct pl_filter_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->hook = c == CFG_TC_BUFF ? PL_FILTER_TC : PL_FILTER_XDP;
	o->wirelen = c == CFG_XDP_MAP ? PL_WIRELEN_MAP : PL_WIRELEN_BUFF;
	o->wirelen_map_fd = c == CFG_XDP_MAP ? wl_map : -1;
	o->wirelen_off = WL_OFF;
	o->tail_map_fd = c == CFG_XDP_MAP ? -1 : c == CFG_XDP_BUFF ? xdp_tail : tc_tail;
	o->flags = index & 1 ? PL_FILTER_F_CALL_LOADS : PL_FILTER_F_INLINE_LOADS;
}

static size_t tc_refused; /* pairs the skb test run refused (short IPv4/IPv6 headers) */

/* Verdict of the loaded program on p: 1 match, 0 no match, -1 not run, -2 error,
 * -3 the skb test run refused the frame. */
static int run_kernel(enum cfg c, int fd, const struct pkt *p, uint32_t *retval, int *err)
{
	LIBBPF_OPTS(bpf_test_run_opts, t, .data_in = p->data, .data_size_in = p->caplen,
		    .repeat = 1);
	int rc;

	if (c == CFG_TC_BUFF && p->caplen > TC_MAX_FRAME)
		return -1;
	*wl = p->wirelen;
	rc = bpf_prog_test_run_opts(fd, &t);
	*retval = t.retval;
	*err = rc;
	if (rc == -EINVAL && c == CFG_TC_BUFF) {
		/* the skb test run parses the frame: e.g. an IPv4 ethertype, no IPv4 header */
		return -3;
	}
	if (rc)
		return -2;
	switch (c) {
	case CFG_XDP_MAP:
		return t.retval == XDP_PASS ? 1 : t.retval == XDP_DROP ? 0 : -2;
	case CFG_XDP_BUFF:
		return t.retval == TAIL_MATCH_XDP ? 1 : t.retval == XDP_PASS ? 0 : -2;
	default:
		return t.retval == TAIL_MATCH_TC ? 1 : t.retval == (__u32)TC_ACT_UNSPEC ? 0 : -2;
	}
}

static bool reference(const struct gen *g, const struct pkt *p, enum cfg c)
{
	uint32_t wirelen = c == CFG_XDP_MAP ? p->wirelen : p->caplen;

	return bpf_filter((const struct pcap_bpf_insn *)g->f, p->data, wirelen, p->caplen) != 0;
}

static void print_prog(const struct gen *g)
{
	for (unsigned int i = 0; i < g->len; i++)
		printf("    %-40s { 0x%02x, %u, %u, %#x }\n",
		       bpf_image((const struct pcap_bpf_insn *)&g->f[i], (int)i), g->f[i].code,
		       g->f[i].jt, g->f[i].jf, g->f[i].k);
}

static void print_pkt(const struct pkt *p)
{
	printf("    packet caplen %u wire length %u:", p->caplen, p->wirelen);
	for (uint32_t b = 0; b < p->caplen && b < 64; b++)
		printf("%s%02x", b % 16 ? " " : "\n      ", p->data[b]);
	printf("%s\n", p->caplen > 64 ? " ..." : "");
}

/* ---- refusals ---- */

/* A packet load the translator refuses: k in [SKF_LL_OFF, 2^32), no live-ingress flag. */
static bool ancillary_range(const struct sock_filter *in)
{
	return has_big_off(in) && in->k >= (__u32)SKF_LL_OFF;
}

/* Instructions reachable from the first one (the generator jumps forward only). */
static void reachable(const struct gen *g, bool *reach)
{
	memset(reach, 0, MAX_PROG * sizeof(*reach));
	reach[0] = true;
	for (unsigned int i = 0; i < g->len; i++) {
		const struct sock_filter *in = &g->f[i];

		if (!reach[i] || BPF_CLASS(in->code) == BPF_RET)
			continue;
		if (in->code == (BPF_JMP | BPF_JA)) {
			if (i + 1 + in->k < g->len)
				reach[i + 1 + in->k] = true;
		} else if (BPF_CLASS(in->code) == BPF_JMP) {
			if (i + 1u + in->jt < g->len)
				reach[i + 1 + in->jt] = true;
			if (i + 1u + in->jf < g->len)
				reach[i + 1 + in->jf] = true;
		} else if (i + 1 < g->len) {
			reach[i + 1] = true;
		}
	}
}

struct refusal {
	int rc;
	__u16 code;
	bool big;
	size_t count;
	char example[512];
};
static struct refusal refusals[32];
static size_t nrefusals, refused_progs;

static void note_refusal(const struct gen *g, int rc, const char *msg)
{
	unsigned long idx = 0;
	const char *s = strstr(msg, "classic insn ");
	__u16 code = 0xffff;
	bool big = false;
	size_t i;

	if (s && sscanf(s, "classic insn %lu", &idx) == 1 && idx < g->len) {
		code = g->f[idx].code;
		big = has_big_off(&g->f[idx]);
	}
	for (i = 0; i < nrefusals; i++)
		if (refusals[i].rc == rc && refusals[i].code == code && refusals[i].big == big)
			break;
	if (i == nrefusals) {
		if (nrefusals == sizeof(refusals) / sizeof(refusals[0]))
			return;
		refusals[nrefusals].rc = rc;
		refusals[nrefusals].code = code;
		refusals[nrefusals].big = big;
		snprintf(refusals[nrefusals].example, sizeof(refusals[0].example), "%s", msg);
		nrefusals++;
	}
	refusals[i].count++;
}

/* ---- one program ---- */

enum { EV_OK, EV_REFUSED, EV_FAIL };

struct outcome {
	char msg[1024];
	int pkt;         /* the packet of a mismatch, else -1 */
	bool counted;    /* add the pairs to cfg_pairs (not while minimizing) */
};

static void print_prog(const struct gen *g);

static int eval_prog(const struct gen *g, unsigned int index, struct outcome *out);

/*
 * The translator refused g with EOPNOTSUPP and message err. Passes (EV_REFUSED) when
 * it names a reachable load in the ancillary range, and g as libpcap runs it (those
 * loads replaced by "ret #0") translates and agrees with libpcap.
 */
static int check_refusal(const struct gen *g, unsigned int index, const char *err,
			 struct outcome *out)
{
	const char *s = strstr(err, "classic insn ");
	bool reach[MAX_PROG];
	unsigned long idx;
	struct gen lib;
	int r;

	reachable(g, reach);
	if (!s || sscanf(s, "classic insn %lu", &idx) != 1 || idx >= g->len) {
		snprintf(out->msg, sizeof(out->msg), "refused without naming the instruction: %s", err);
		return EV_FAIL;
	}
	if (!reach[idx] || !ancillary_range(&g->f[idx])) {
		snprintf(out->msg, sizeof(out->msg),
			 "refused insn %lu, which is %s a packet load in [SKF_LL_OFF, 2^32): %s", idx,
			 reach[idx] ? "not" : "unreachable, or not", err);
		return EV_FAIL;
	}
	lib = *g;
	for (unsigned int i = 0; i < lib.len; i++)
		if (ancillary_range(&lib.f[i]))
			lib.f[i] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, 0);
	lib.big_off = false;
	for (unsigned int i = 0; i < lib.len; i++)
		lib.big_off |= has_big_off(&lib.f[i]);
	for (size_t pi = 0; pi < NPKTS; pi++) {
		const struct pkt *p = &pkts[pi];

		for (int wl_cap = 0; wl_cap < 2; wl_cap++) {
			uint32_t wirelen = wl_cap ? p->caplen : p->wirelen;

			if (bpf_filter((const struct pcap_bpf_insn *)g->f, p->data, wirelen, p->caplen) !=
			    bpf_filter((const struct pcap_bpf_insn *)lib.f, p->data, wirelen, p->caplen)) {
				snprintf(out->msg, sizeof(out->msg),
					 "libpcap does not end the program at a load in [SKF_LL_OFF, 2^32) with no match (caplen %u)",
					 p->caplen);
				out->pkt = (int)pi;
				return EV_FAIL;
			}
		}
	}
	r = eval_prog(&lib, index, out);
	if (r == EV_FAIL) {
		char m[sizeof(out->msg)];

		memcpy(m, out->msg, sizeof(m));
		snprintf(out->msg, sizeof(out->msg), "with its ancillary-range loads as \"ret #0\": %.900s",
			 m);
		return EV_FAIL;
	}
	return EV_REFUSED;
}

/*
 * Translate, load and run g in every configuration; stop at the first failure
 * (message in out). EV_REFUSED: refused as documented, checked (check_refusal()).
 */
static int eval_prog(const struct gen *g, unsigned int index, struct outcome *out)
{
	struct sock_fprog fp = { .len = (unsigned short)g->len, .filter = (struct sock_filter *)g->f };
	char err[512];

	out->msg[0] = '\0';
	out->pkt = -1;
	if (!bpf_validate((const struct pcap_bpf_insn *)g->f, (int)g->len)) {
		snprintf(out->msg, sizeof(out->msg), "generator bug: bpf_validate() refuses the program");
		return EV_FAIL;
	}
	for (enum cfg c = 0; c < NCFG; c++) {
		struct pl_filter_opts o;
		struct bpf_insn *insns;
		size_t cnt;
		int rc, fd;

		cfg_opts(c, index, &o);
		rc = pl_filter_translate(&fp, &o, &insns, &cnt, err, sizeof(err));
		if (rc) {
			snprintf(out->msg, sizeof(out->msg), "%s: translate: %s: %s", cfg_names[c],
				 strerror(-rc), err);
			if (out->counted && c == 0)
				note_refusal(g, rc, err);
			return rc == -EOPNOTSUPP ? check_refusal(g, index, err, out) : EV_FAIL;
		}
		fd = pl_filter_load(insns, cnt, o.hook, o.hook == PL_FILTER_XDP ? BPF_F_XDP_HAS_FRAGS : 0,
				    logbuf, sizeof(logbuf));
		free(insns);
		if (fd < 0) {
			size_t n = strlen(logbuf);

			snprintf(out->msg, sizeof(out->msg), "%s, %s loads: verifier: %s: ...%s",
				 cfg_names[c], index & 1 ? "call" : "inline", strerror(-fd),
				 n > 600 ? logbuf + n - 600 : logbuf);
			return EV_FAIL;
		}
		for (size_t pi = 0; pi < NPKTS; pi++) {
			const struct pkt *p = &pkts[pi];
			uint32_t retval;
			int e, got = run_kernel(c, fd, p, &retval, &e);
			bool ref;

			if (got == -1)
				continue;
			if (got == -3) {
				tc_refused += out->counted;
				continue;
			}
			if (got == -2) {
				snprintf(out->msg, sizeof(out->msg), "%s: test run on caplen %u: %s, retval %u",
					 cfg_names[c], p->caplen, strerror(-e), retval);
				close(fd);
				return EV_FAIL;
			}
			if (out->counted)
				cfg_pairs[c]++;
			ref = reference(g, p, c);
			if (ref != (got == 1)) {
				snprintf(out->msg, sizeof(out->msg),
					 "%s, %s loads: MISMATCH on caplen %u wire length %u: libpcap %d, eBPF %d",
					 cfg_names[c], index & 1 ? "call" : "inline", p->caplen,
					 c == CFG_XDP_MAP ? p->wirelen : p->caplen, ref, got == 1);
				out->pkt = (int)pi;
				close(fd);
				return EV_FAIL;
			}
		}
		close(fd);
	}
	return EV_OK;
}

/* Jumps forward only, and every scratch word is stored before it is read on every path. */
static bool prog_wellformed(const struct gen *g)
{
	uint16_t meet[MAX_PROG];
	bool reached[MAX_PROG] = { true };

	meet[0] = 0;
	for (unsigned int i = 0; i < g->len; i++) {
		const struct sock_filter *in = &g->f[i];
		uint16_t out = reached[i] ? meet[i] : 0xffff;
		unsigned int t[2], nt = 0;

		if ((in->code == (BPF_LD | BPF_MEM) || in->code == (BPF_LDX | BPF_MEM)) &&
		    !(out >> in->k & 1))
			return false;
		if (in->code == BPF_ST || in->code == BPF_STX)
			out |= (uint16_t)(1u << in->k);
		if (BPF_CLASS(in->code) == BPF_RET)
			continue;
		if (in->code == (BPF_JMP | BPF_JA)) {
			t[nt++] = i + 1 + in->k;
		} else if (BPF_CLASS(in->code) == BPF_JMP) {
			t[nt++] = i + 1 + in->jt;
			t[nt++] = i + 1 + in->jf;
		} else {
			t[nt++] = i + 1;
		}
		for (unsigned int j = 0; j < nt; j++) {
			if (t[j] >= g->len)
				return false;
			meet[t[j]] = reached[t[j]] ? meet[t[j]] & out : out;
			reached[t[j]] = true;
		}
	}
	return true;
}

/* g without instruction j, jumps over it shortened. */
static void drop_insn(const struct gen *g, unsigned int j, struct gen *out)
{
	*out = *g;
	for (unsigned int i = 0; i < j; i++) {
		struct sock_filter *in = &out->f[i];

		if (in->code == (BPF_JMP | BPF_JA)) {
			if (i + 1 + in->k > j)
				in->k--;
		} else if (BPF_CLASS(in->code) == BPF_JMP) {
			if (i + 1u + in->jt > j)
				in->jt--;
			if (i + 1u + in->jf > j)
				in->jf--;
		}
	}
	memmove(&out->f[j], &out->f[j + 1], (g->len - j - 1) * sizeof(out->f[0]));
	out->len--;
	out->big_off = false;
	for (unsigned int i = 0; i < out->len; i++)
		out->big_off |= has_big_off(&out->f[i]);
}

/* Drop instructions while the program still fails; print what is left. */
static void minimize(const struct gen *g, unsigned int index)
{
	struct gen cur = *g, cand;
	struct outcome o = { .counted = false };
	bool progress = true;

	while (progress) {
		progress = false;
		for (unsigned int j = 0; j + 1 < cur.len; j++) {
			drop_insn(&cur, j, &cand);
			if (!prog_wellformed(&cand) ||
			    !bpf_validate((const struct pcap_bpf_insn *)cand.f, (int)cand.len))
				continue;
			if (eval_prog(&cand, index, &o) == EV_FAIL &&
			    strncmp(o.msg, "generator bug", 13)) {
				cur = cand;
				progress = true;
				j--;
			}
		}
	}
	eval_prog(&cur, index, &o);
	printf("  minimized (%u insns): %s\n", cur.len, o.msg);
	print_prog(&cur);
	if (o.pkt >= 0)
		print_pkt(&pkts[o.pkt]);
}

static size_t reports;
static size_t opcode_seen[0x100];
static size_t beyond_progs; /* passed with a reachable load in [2^31, SKF_LL_OFF) */

static void test_prog(unsigned int index, const struct gen *g, bool verbose)
{
	struct outcome o = { .counted = true };
	char name[128];
	int r;

	snprintf(name, sizeof(name), "random program %u (%u insns)", index, g->len);
	if (verbose) {
		printf("  program %u:\n", index);
		print_prog(g);
	}
	r = eval_prog(g, index, &o);
	if (r == EV_REFUSED) {
		refused_progs++;
		snprintf(name, sizeof(name),
			 "random program %u (%u insns): refused as documented, agrees as libpcap runs it",
			 index, g->len);
	}
	TEST_BEGIN(name);
	CHECK(r != EV_FAIL, "%s", o.msg);
	if (r == EV_FAIL && reports++ < MAX_REPORTS) {
		print_prog(g);
		if (o.pkt >= 0)
			print_pkt(&pkts[o.pkt]);
		minimize(g, index);
	}
	for (unsigned int i = 0; i < g->len; i++)
		opcode_seen[g->f[i].code]++;
	if (r == EV_OK) {
		bool reach[MAX_PROG];

		reachable(g, reach);
		for (unsigned int i = 0; i < g->len; i++)
			if (reach[i] && has_big_off(&g->f[i]) && !ancillary_range(&g->f[i])) {
				beyond_progs++;
				break;
			}
	}
	TEST_END();
}

/* Every opcode of libpcap's interpreter that the generator is meant to cover. */
static const __u16 all_opcodes[] = {
	BPF_LD | BPF_W | BPF_ABS, BPF_LD | BPF_H | BPF_ABS, BPF_LD | BPF_B | BPF_ABS,
	BPF_LD | BPF_W | BPF_IND, BPF_LD | BPF_H | BPF_IND, BPF_LD | BPF_B | BPF_IND,
	BPF_LD | BPF_W | BPF_LEN, BPF_LDX | BPF_W | BPF_LEN, BPF_LDX | BPF_B | BPF_MSH,
	BPF_LD | BPF_IMM, BPF_LDX | BPF_IMM, BPF_LD | BPF_MEM, BPF_LDX | BPF_MEM, BPF_ST, BPF_STX,
	BPF_ALU | BPF_ADD | BPF_K, BPF_ALU | BPF_SUB | BPF_K, BPF_ALU | BPF_MUL | BPF_K,
	BPF_ALU | BPF_DIV | BPF_K, BPF_ALU | BPF_MOD | BPF_K, BPF_ALU | BPF_AND | BPF_K,
	BPF_ALU | BPF_OR | BPF_K, BPF_ALU | BPF_XOR | BPF_K, BPF_ALU | BPF_LSH | BPF_K,
	BPF_ALU | BPF_RSH | BPF_K,
	BPF_ALU | BPF_ADD | BPF_X, BPF_ALU | BPF_SUB | BPF_X, BPF_ALU | BPF_MUL | BPF_X,
	BPF_ALU | BPF_DIV | BPF_X, BPF_ALU | BPF_MOD | BPF_X, BPF_ALU | BPF_AND | BPF_X,
	BPF_ALU | BPF_OR | BPF_X, BPF_ALU | BPF_XOR | BPF_X, BPF_ALU | BPF_LSH | BPF_X,
	BPF_ALU | BPF_RSH | BPF_X, BPF_ALU | BPF_NEG,
	BPF_JMP | BPF_JA, BPF_JMP | BPF_JEQ | BPF_K, BPF_JMP | BPF_JGT | BPF_K,
	BPF_JMP | BPF_JGE | BPF_K, BPF_JMP | BPF_JSET | BPF_K, BPF_JMP | BPF_JEQ | BPF_X,
	BPF_JMP | BPF_JGT | BPF_X, BPF_JMP | BPF_JGE | BPF_X, BPF_JMP | BPF_JSET | BPF_X,
	BPF_RET | BPF_K, BPF_RET | BPF_A, BPF_MISC | BPF_TAX, BPF_MISC | BPF_TXA,
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const struct option long_opts[] = {
	{ "full", no_argument, NULL, 'F' },
	{ NULL, 0, NULL, 0 },
};

int main(int argc, char **argv)
{
	const char *full_env = getenv("PL_TEST_FULL");
	bool full = full_env && *full_env && strcmp(full_env, "0");
	unsigned long nprogs = 0, seed = 1;
	long only = -1;
	bool verbose = false;
	size_t matched = 0;
	double t0 = now();
	int opt;

	setvbuf(stdout, NULL, _IOLBF, 0);
	while ((opt = getopt_long(argc, argv, "n:s:p:vF", long_opts, NULL)) != -1) {
		switch (opt) {
		case 'F': full = true; break;
		case 'n': nprogs = strtoul(optarg, NULL, 0); break;
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'p': only = atol(optarg); verbose = true; break;
		case 'v': verbose = true; break;
		default:
			fprintf(stderr, "usage: %s [-n NPROGS] [-s SEED] [-p INDEX] [-v] [--full]\n", argv[0]);
			return 2;
		}
	}
	if (!nprogs)
		nprogs = full ? 20000 : 5000;
	printf("test_cbpf_random: %lu programs (%s), seed %lu\n", nprogs,
	       full ? "full tier" : "fast tier; PL_TEST_FULL=1 or --full: 20000", seed);
	make_pkts();
	if (setup_maps())
		return 1;
	rng_state = seed * 0x9E3779B97F4A7C15ULL + 1;
	for (unsigned long i = 0; i < nprogs; i++) {
		struct gen g;

		gen_prog(&g);
		if (only >= 0 && (long)i != only)
			continue;
		test_prog((unsigned int)i, &g, verbose);
		for (size_t pi = 0; pi < NPKTS; pi++)
			matched += reference(&g, &pkts[pi], CFG_XDP_MAP);
	}

	printf("\nseed %lu, %lu programs x %zu packets\n", seed, nprogs, NPKTS);
	printf("pairs compared: %zu xdp-map + %zu xdp-buff + %zu tc-buff = %zu (libpcap matched %zu of the %lu x %zu xdp-map pairs)\n",
	       cfg_pairs[0], cfg_pairs[1], cfg_pairs[2], cfg_pairs[0] + cfg_pairs[1] + cfg_pairs[2],
	       matched, only >= 0 ? 1 : nprogs, NPKTS);
	printf("pairs not compared: %zu tc-buff frames the skb test run refused (it parses the headers), frames > %u bytes at TC\n",
	       tc_refused, TC_MAX_FRAME);
	printf("programs refused by the translator as documented (a reachable load in [SKF_LL_OFF, 2^32)), each checked as libpcap runs it: %zu\n",
	       refused_progs);
	for (size_t i = 0; i < nrefusals; i++)
		printf("  %zu x %s, code 0x%02x%s, e.g. %s\n", refusals[i].count,
		       strerror(-refusals[i].rc), refusals[i].code,
		       refusals[i].big ? " with k >= 2^31" : "", refusals[i].example);
	if (only < 0) {
		TEST_BEGIN("the random programs cover every opcode of libpcap's interpreter");
		for (size_t i = 0; i < sizeof(all_opcodes) / sizeof(all_opcodes[0]); i++)
			CHECK(opcode_seen[all_opcodes[i]], "opcode 0x%02x never generated",
			      all_opcodes[i]);
		TEST_END();
		TEST_BEGIN("some random programs load at constant offsets in [2^31, SKF_LL_OFF) and in [SKF_LL_OFF, 2^32)");
		CHECK(beyond_progs > 0, "no program translated with a load in [2^31, SKF_LL_OFF)");
		CHECK(refused_progs > 0, "no program with a load in [SKF_LL_OFF, 2^32): the refusal is untested");
		TEST_END();
	}
	printf("runtime: %.1f s\n", now() - t0);
	return check_summary();
}
